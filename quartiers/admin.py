"""Administration des quartiers, secteurs, chiffres clés et projets structurants."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from quartiers.models import Arrondissement, ChiffreCle, ProjetStructurant, Quartier, Secteur


@admin.register(Arrondissement)
class ArrondissementAdmin(admin.ModelAdmin):
    list_display = ["numero"]
    search_fields = ["=numero"]


class SecteurInline(admin.StackedInline):
    model = Secteur
    extra = 0
    fields = ["nom", "slug", "type", "ordre", "population", "population_source"]


class ProjetInline(admin.TabularInline):
    model = ProjetStructurant
    extra = 0
    fields = ["ordre", "nom", "secteur", "statut", "statut_brut", "adresse", "cartographiable"]


class ChiffreInline(admin.TabularInline):
    model = ChiffreCle
    extra = 0
    fields = ["ordre", "libelle", "qualificatif", "texte", "valeur", "valeur_paris", "secteur"]


@admin.register(Quartier)
class QuartierAdmin(SimpleHistoryAdmin):
    list_display = ["nom", "slug", "population", "ordre"]
    list_filter = ["arrondissements"]
    search_fields = ["nom", "nom_fiche", "slug"]
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


@admin.register(ProjetStructurant)
class ProjetStructurantAdmin(SimpleHistoryAdmin):
    list_display = ["nom", "quartier", "secteur", "statut", "statut_brut", "cartographiable"]
    list_filter = ["statut", "cartographiable", "quartier"]
    list_select_related = ["quartier", "secteur"]
    search_fields = ["nom", "descriptif", "adresse"]
