from django.contrib import admin

from donnees_ouvertes.models import JeuPublie


@admin.register(JeuPublie)
class JeuPublieAdmin(admin.ModelAdmin):
    list_display = ["publie_le", "publie_par", "dossier"]
    readonly_fields = ["publie_le", "publie_par", "dossier", "ressources"]

    def has_add_permission(self, request):
        return False  # un jeu se publie par la page du SPV ou la commande
