"""Administration des comptes : le profil (rôle et rattachement) se saisit avec l'utilisateur."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from contratville.models import Profil


class ProfilInline(admin.StackedInline):
    model = Profil
    can_delete = False
    filter_horizontal = ["quartiers"]
    autocomplete_fields = ["signataire", "structure"]


admin.site.unregister(User)


@admin.register(User)
class UtilisateurAdmin(UserAdmin):
    inlines = [ProfilInline]
    list_display = ["username", "email", "first_name", "last_name", "role", "is_active"]
    list_select_related = ["profil"]
    list_filter = ["profil__role", "is_active", "is_staff"]

    @admin.display(description="rôle", ordering="profil__role")
    def role(self, obj):
        profil = getattr(obj, "profil", None)
        return profil.get_role_display() if profil else "—"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Le groupe suit le rôle même quand seul l'inline a changé.
        profil = Profil.objects.filter(user=form.instance).first()
        if profil:
            profil.synchroniser_groupe()


@admin.register(Profil)
class ProfilAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "signataire", "structure"]
    list_filter = ["role"]
    list_select_related = ["user", "signataire", "structure"]
    search_fields = ["user__username", "user__last_name"]
    filter_horizontal = ["quartiers"]
    autocomplete_fields = ["signataire", "structure", "user"]
