"""Administration du bilan : crédits, études qualitatives (historisés) et imports de crédits
(lecture seule)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from bilan.forms import CreditForm, EtudeForm
from bilan.models import Credit, EtudeQualitative, ImportCredits


@admin.register(Credit)
class CreditAdmin(SimpleHistoryAdmin):
    """Les crédits se saisissent aussi dans les pages du bilan (/bilan/credits/) ; l'admin
    garde l'historique de chaque crédit, suppressions comprises."""

    form = CreditForm
    list_display = ["annee", "signataire", "type", "montant", "quartier", "arrondissement"]
    list_filter = ["annee", "type", "signataire", "arrondissement"]
    list_select_related = ["signataire", "quartier", "arrondissement"]
    search_fields = ["signataire__nom", "dispositif", "commentaire", "quartier__nom"]
    autocomplete_fields = ["signataire"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.cree_par = request.user
        super().save_model(request, obj, form, change)


@admin.register(EtudeQualitative)
class EtudeQualitativeAdmin(SimpleHistoryAdmin):
    """Le rapport joint est contrôlé comme dans les pages du bilan (PDF ou bureautique)."""

    form = EtudeForm
    list_display = ["titre", "annee", "realisee_par", "nom_fichier"]
    list_filter = ["annee", "arrondissement"]
    search_fields = ["titre", "resume", "realisee_par"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.cree_par = request.user
        super().save_model(request, obj, form, change)


@admin.register(ImportCredits)
class ImportCreditsAdmin(admin.ModelAdmin):
    """L'historique des imports de crédits, en lecture seule."""

    list_display = ["nom_fichier", "utilisateur", "cree_le", "statut", "nb_lignes", "nb_erreurs"]
    list_filter = ["statut", "origine"]
    exclude = ["contenu"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
