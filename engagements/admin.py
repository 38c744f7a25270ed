"""Administration du référentiel des engagements (historisée par django-simple-history)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from engagements.models import (
    Acteur,
    Action,
    AxeIntervention,
    Contrat,
    Engagement,
    Financement,
    PlanStrategie,
    Sigle,
    Signataire,
    Thematique,
)


@admin.register(Contrat)
class ContratAdmin(SimpleHistoryAdmin):
    list_display = ["titre", "indicateurs_annonces", "nombre_qpv", "population_qpv"]


@admin.register(Thematique)
class ThematiqueAdmin(SimpleHistoryAdmin):
    list_display = ["numero", "titre"]
    list_editable = ["titre"]
    ordering = ["numero"]


class AxeInline(admin.TabularInline):
    model = AxeIntervention
    extra = 0


class ActionInline(admin.TabularInline):
    model = Action
    extra = 0
    fields = ["ordre", "numero", "type", "texte"]


class ActeurInline(admin.TabularInline):
    model = Acteur
    extra = 0
    autocomplete_fields = ["signataire"]


class FinancementInline(admin.TabularInline):
    model = Financement
    extra = 0


class PlanInline(admin.TabularInline):
    model = PlanStrategie
    extra = 0


@admin.register(Engagement)
class EngagementAdmin(SimpleHistoryAdmin):
    list_display = ["numero", "titre", "thematique"]
    list_filter = ["thematique"]
    list_select_related = ["thematique"]
    search_fields = ["titre", "problematiques", "=numero"]
    inlines = [AxeInline, ActionInline, ActeurInline, FinancementInline, PlanInline]


@admin.register(Action)
class ActionAdmin(SimpleHistoryAdmin):
    list_display = ["engagement", "numero", "type", "texte"]
    list_filter = ["type", "engagement__thematique"]
    list_select_related = ["engagement"]
    search_fields = ["texte", "=engagement__numero"]


@admin.register(Acteur)
class ActeurAdmin(SimpleHistoryAdmin):
    list_display = ["nom", "groupe", "engagement", "signataire"]
    list_filter = ["groupe", "signataire"]
    list_select_related = ["engagement", "signataire"]
    search_fields = ["nom"]
    autocomplete_fields = ["signataire"]


@admin.register(AxeIntervention)
class AxeAdmin(SimpleHistoryAdmin):
    list_display = ["libelle", "engagement", "ordre"]
    list_select_related = ["engagement"]
    search_fields = ["libelle", "texte"]


@admin.register(Financement)
class FinancementAdmin(SimpleHistoryAdmin):
    list_display = ["engagement", "libelle", "texte"]
    list_filter = ["financeur"]
    list_select_related = ["engagement"]
    search_fields = ["texte"]


@admin.register(PlanStrategie)
class PlanAdmin(SimpleHistoryAdmin):
    list_display = ["texte", "engagement"]
    list_select_related = ["engagement"]
    search_fields = ["texte"]


@admin.register(Signataire)
class SignataireAdmin(SimpleHistoryAdmin):
    list_display = ["nom", "slug", "type", "ordre"]
    list_filter = ["type"]
    search_fields = ["nom", "slug"]


@admin.register(Sigle)
class SigleAdmin(SimpleHistoryAdmin):
    list_display = ["sigle", "definition"]
    search_fields = ["sigle", "definition"]
