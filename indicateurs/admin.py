"""Administration du référentiel d'évaluation et de la campagne annuelle.

Les métadonnées des indicateurs, les territoires et les campagnes se modifient ici (tout est
historisé). Les valeurs et les imports sont en lecture seule : une valeur ne change que par la
grille, l'import ou ses transitions, qui appliquent droits, verrous et contrôle de version."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from indicateurs.forms import IndicateurMetadonneesForm
from indicateurs.models import Campagne, ImportValeurs, Indicateur, Territoire, Valeur


class MetadonneesAdminForm(IndicateurMetadonneesForm):
    class Meta(IndicateurMetadonneesForm.Meta):
        fields = ["code", "engagement", "ordre", "libelle", *IndicateurMetadonneesForm.Meta.fields]


@admin.register(Indicateur)
class IndicateurAdmin(SimpleHistoryAdmin):
    form = MetadonneesAdminForm
    list_display = ["code", "libelle", "engagement", "unite", "nature", "producteur"]
    list_filter = ["unite", "nature", "producteur", "engagement__thematique"]
    list_select_related = ["engagement", "producteur"]
    search_fields = ["code", "libelle"]
    autocomplete_fields = ["producteur"]


@admin.register(Territoire)
class TerritoireAdmin(SimpleHistoryAdmin):
    list_display = ["code", "nom", "type", "ordre"]
    list_filter = ["type"]
    search_fields = ["code", "nom"]
    readonly_fields = ["code", "type", "quartier", "secteur", "arrondissement"]


@admin.register(Campagne)
class CampagneAdmin(SimpleHistoryAdmin):
    list_display = ["annee", "date_ouverture", "date_cloture", "statut"]
    readonly_fields = ["cloturee_par", "cloturee_le", "rouverte_par", "rouverte_le"]


@admin.register(Valeur)
class ValeurAdmin(SimpleHistoryAdmin):
    list_display = ["indicateur", "territoire", "annee", "valeur", "statut", "demo", "origine"]
    list_filter = ["statut", "demo", "origine", "annee"]
    list_select_related = ["indicateur", "territoire"]
    search_fields = ["indicateur__code", "territoire__nom"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportValeurs)
class ImportValeursAdmin(admin.ModelAdmin):
    list_display = ["cree_le", "utilisateur", "organisation", "annee", "nom_fichier", "statut"]
    list_filter = ["statut", "annee", "origine"]
    list_select_related = ["utilisateur", "organisation"]
    exclude = ["contenu"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
