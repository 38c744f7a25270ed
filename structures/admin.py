"""Administration des structures et des fiches-actions.

Le circuit de validation ne passe pas par l'admin : les transitions (soumettre, valider,
renvoyer) se font dans le portail, qui vérifie les règles et prévient par courriel. L'admin
montre donc le journal des transitions et les pièces jointes en lecture seule."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from structures.models import (
    FicheAction,
    FinancementFiche,
    FinancementStructure,
    PieceJointe,
    PortageProjet,
    Structure,
    TransitionFiche,
)


class FinancementInline(admin.TabularInline):
    model = FinancementStructure
    extra = 0


@admin.register(Structure)
class StructureAdmin(SimpleHistoryAdmin):
    list_display = ["nom", "type", "arrondissement", "departement", "hors_paris", "siret", "rna"]
    list_filter = ["type", "hors_paris", "arrondissement"]
    list_select_related = ["arrondissement"]
    search_fields = ["nom", "commune", "slug", "siret", "rna"]
    filter_horizontal = ["quartiers"]
    inlines = [FinancementInline]


class FinancementFicheInline(admin.TabularInline):
    model = FinancementFiche
    extra = 0


class PieceJointeInline(admin.TabularInline):
    model = PieceJointe
    extra = 0
    fields = ["nom", "type_mime", "taille", "ajoutee_le", "ajoutee_par"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class TransitionInline(admin.TabularInline):
    model = TransitionFiche
    extra = 0
    fields = ["le", "de", "vers", "par", "motif"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(FicheAction)
class FicheActionAdmin(SimpleHistoryAdmin):
    list_display = ["titre", "structure", "annee", "statut", "etat", "dimension"]
    list_filter = ["statut", "etat", "dimension", "annee", "structure__hors_paris"]
    list_select_related = ["structure"]
    search_fields = ["titre", "resume", "structure__nom"]
    filter_horizontal = ["engagements", "actions", "quartiers"]
    autocomplete_fields = ["structure"]
    inlines = [FinancementFicheInline, PieceJointeInline, TransitionInline]


@admin.register(PortageProjet)
class PortageProjetAdmin(SimpleHistoryAdmin):
    """Porteur et engagements des projets structurants, tenus par le SPV. Le statut, l'année
    d'échéance et le suivi daté se tiennent sur le projet (admin des quartiers, et page du
    projet dans le portail)."""

    list_display = ["projet", "quartier", "porteur", "annee_echeance"]
    list_select_related = [
        "projet",
        "projet__quartier",
        "porteur_signataire",
        "porteur_structure",
    ]
    list_filter = ["projet__quartier", "engagements__thematique"]
    search_fields = ["projet__nom", "porteur_signataire__nom", "porteur_structure__nom"]
    autocomplete_fields = ["projet", "porteur_signataire", "porteur_structure"]
    filter_horizontal = ["engagements"]

    @admin.display(description="quartier", ordering="projet__quartier__ordre")
    def quartier(self, obj):
        return obj.projet.quartier

    @admin.display(description="porteur")
    def porteur(self, obj):
        return obj.porteur or "—"

    @admin.display(description="échéance", ordering="projet__annee_echeance")
    def annee_echeance(self, obj):
        return obj.projet.annee_echeance or "—"
