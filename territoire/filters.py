"""Le filtre des projets structurants : un seul, pour la liste de suivi (/quartiers/projets/),
son export tableur, le tableau des projets de la fiche quartier et l'API (/api/v1/projets/).

Il vit ici et non dans quartiers parce qu'il filtre aussi par engagement servi, qui passe par
`structures.PortageProjet` : quartiers ne peut pas importer structures. Les QPV, secteurs,
arrondissements et engagements se désignent par leur clé naturelle (slug, numéro)."""

import django_filters
from django.db.models import Q

from engagements.models import Engagement
from quartiers.models import Arrondissement, ProjetStructurant, Quartier, Secteur
from socle.filtres import (
    FiltreAnnee,
    FiltreOuiNon,
    FiltreParIdentifiant,
    FiltreParNumero,
    FiltreTexte,
)
from structures.models import PortageProjet


def annees_echeance():
    """Les années d'échéance renseignées, dans l'ordre (menu de la page)."""
    annees = (
        ProjetStructurant.objects.exclude(annee_echeance=None)
        .order_by("annee_echeance")
        .values_list("annee_echeance", flat=True)
        .distinct()
    )
    return [(a, str(a)) for a in annees]


class ProjetFilter(django_filters.FilterSet):
    """Projets par QPV, secteur, arrondissement, statut normalisé, engagement servi, année
    d'échéance, échéance dépassée, cartographiable ou texte. Aucun filtre ne multiplie les
    lignes (sous-requêtes pour l'engagement et l'échéance)."""

    q = FiltreTexte(method="rechercher", label="Recherche")
    quartier = FiltreParIdentifiant(
        to_field_name="slug",
        queryset=Quartier.objects.order_by("ordre", "nom"),
        label="Quartier prioritaire",
        empty_label="Tous",
    )
    secteur = FiltreParIdentifiant(
        to_field_name="slug",
        queryset=Secteur.objects.all(),
        label="Secteur ou micro-quartier (identifiant)",
    )
    arrondissement = FiltreParNumero(
        field_name="quartier__arrondissements",
        to_field_name="numero",
        queryset=Arrondissement.objects.avec_qpv(),
        label="Arrondissement",
        empty_label="Tous",
    )
    statut = django_filters.ChoiceFilter(
        choices=ProjetStructurant.Statut.choices, label="Statut", empty_label="Tous les statuts"
    )
    engagement = FiltreParNumero(
        queryset=Engagement.objects.order_by("numero"),
        to_field_name="numero",
        method="filtrer_engagement",
        label="Engagement servi",
        empty_label="Tous",
    )
    annee_echeance = FiltreAnnee(choix=annees_echeance, label="Année d’échéance")
    echeance_depassee = FiltreOuiNon(
        method="filtrer_echeance_depassee", label="Échéance dépassée (non réalisés)"
    )
    cartographiable = FiltreOuiNon(label="Cartographiable")

    class Meta:
        model = ProjetStructurant
        fields = [
            "q",
            "quartier",
            "secteur",
            "arrondissement",
            "statut",
            "engagement",
            "annee_echeance",
            "echeance_depassee",
            "cartographiable",
        ]
        # La documentation de l'API dit la clé attendue, que le menu de la page cache.
        descriptions_api = {
            "quartier": "Quartier (identifiant)",
            "arrondissement": "Arrondissement (numéro)",
            "engagement": "Engagement servi (numéro), selon le portage du projet",
            "annee_echeance": "Année d’échéance",
        }

    def rechercher(self, queryset, name, value):
        return queryset.filter(
            Q(nom__icontains=value) | Q(descriptif__icontains=value) | Q(adresse__icontains=value)
        )

    def filtrer_engagement(self, queryset, name, value):
        portes = PortageProjet.objects.filter(engagements=value).values("projet_id")
        return queryset.filter(pk__in=portes)

    def filtrer_echeance_depassee(self, queryset, name, value):
        depasses = ProjetStructurant.objects.echeance_depassee().values("pk")
        if value:
            return queryset.filter(pk__in=depasses)
        return queryset.exclude(pk__in=depasses)
