"""Administration des quartiers, secteurs, chiffres clés et projets structurants."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from quartiers.models import (
    Arrondissement,
    ChiffreCle,
    ProjetStructurant,
    Quartier,
    Secteur,
    SuiviProjet,
)


@admin.register(Arrondissement)
class ArrondissementAdmin(SimpleHistoryAdmin):
    list_display = ["numero"]
    search_fields = ["=numero"]


class SecteurInline(admin.StackedInline):
    model = Secteur
    extra = 0
    fields = ["nom", "slug", "type", "ordre", "population", "population_source"]


class ProjetInline(admin.TabularInline):
    model = ProjetStructurant
    extra = 0
    fields = [
        "ordre",
        "nom",
        "secteur",
        "statut",
        "statut_brut",
        "annee_echeance",
        "adresse",
        "cartographiable",
    ]


class ChiffreInline(admin.TabularInline):
    model = ChiffreCle
    extra = 0
    fields = ["ordre", "libelle", "qualificatif", "texte", "valeur", "valeur_paris", "secteur"]


@admin.register(Quartier)
class QuartierAdmin(SimpleHistoryAdmin):
    list_display = ["nom", "slug", "code_qpv", "population", "ordre"]
    list_filter = ["arrondissements"]
    search_fields = ["nom", "nom_fiche", "slug", "=code_qpv"]
    filter_horizontal = ["arrondissements"]
    inlines = [SecteurInline, ChiffreInline, ProjetInline]


@admin.register(Secteur)
class SecteurAdmin(SimpleHistoryAdmin):
    list_display = ["nom", "type", "quartier", "population"]
    list_filter = ["type", "quartier"]
    list_select_related = ["quartier"]
    search_fields = ["nom"]


@admin.register(ChiffreCle)
class ChiffreCleAdmin(SimpleHistoryAdmin):
    list_display = ["libelle", "texte", "quartier", "secteur", "annee"]
    list_filter = ["libelle", "quartier"]
    list_select_related = ["quartier", "secteur"]
    search_fields = ["libelle", "texte"]


class SuiviInline(admin.TabularInline):
    """Le suivi daté, en lecture : une étape s'ajoute depuis la page du projet dans le portail,
    qui vérifie qui peut la faire et met à jour le statut du projet."""

    model = SuiviProjet
    extra = 0
    fields = ["date", "statut", "commentaire", "auteur", "cree_le"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ProjetStructurant)
class ProjetStructurantAdmin(SimpleHistoryAdmin):
    list_display = [
        "nom",
        "quartier",
        "secteur",
        "statut",
        "statut_brut",
        "annee_echeance",
        "cartographiable",
    ]
    list_filter = ["statut", "annee_echeance", "cartographiable", "quartier"]
    list_select_related = ["quartier", "secteur"]
    search_fields = ["nom", "descriptif", "adresse"]
    inlines = [SuiviInline]
