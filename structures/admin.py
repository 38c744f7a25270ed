"""Administration des structures et des fiches-actions."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from structures.models import FicheAction, FinancementStructure, Structure


class FinancementInline(admin.TabularInline):
    model = FinancementStructure
    extra = 0


@admin.register(Structure)
class StructureAdmin(SimpleHistoryAdmin):
    list_display = ["nom", "type", "arrondissement", "departement", "hors_paris"]
    list_filter = ["type", "hors_paris", "arrondissement"]
    list_select_related = ["arrondissement"]
    search_fields = ["nom", "commune", "slug"]
    filter_horizontal = ["quartiers"]
    inlines = [FinancementInline]


@admin.register(FicheAction)
class FicheActionAdmin(SimpleHistoryAdmin):
    list_display = ["titre", "structure", "annee", "statut", "etat", "dimension"]
    list_filter = ["statut", "etat", "dimension", "annee"]
    list_select_related = ["structure"]
    search_fields = ["titre", "resume", "structure__nom"]
    filter_horizontal = ["engagements", "quartiers"]
    autocomplete_fields = ["structure"]
