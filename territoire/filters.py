"""Le filtre des projets structurants de la liste de suivi (page, export tableur).

Il étend `quartiers.filters.ProjetFilter` (statut, QPV, secteur, arrondissement, texte, année
d'échéance) avec l'engagement servi, qui passe par `structures.PortageProjet` : quartiers ne
peut pas importer structures, ce filtre vit donc ici. Les QPV, arrondissements et engagements
se désignent par leur clé naturelle (slug, numéro), comme dans l'API."""

import django_filters

from engagements.models import Engagement
from quartiers.filters import ProjetFilter
from quartiers.models import Arrondissement, ProjetStructurant, Quartier
from structures.models import PortageProjet


def annees_echeance():
    """Les années d'échéance renseignées, dans l'ordre (choix du filtre)."""
    annees = (
        ProjetStructurant.objects.exclude(annee_echeance=None)
        .order_by("annee_echeance")
        .values_list("annee_echeance", flat=True)
        .distinct()
    )
    return [(a, str(a)) for a in annees]


class ProjetSuiviFilter(ProjetFilter):
    """Projets par QPV, arrondissement, statut, engagement servi, année d'échéance, échéance
    dépassée ou texte. Aucun filtre ne multiplie les lignes (sous-requête pour l'engagement)."""

    quartier = django_filters.ModelChoiceFilter(
        to_field_name="slug",
        queryset=Quartier.objects.order_by("ordre", "nom"),
        label="Quartier prioritaire",
        empty_label="Tous",
    )
    arrondissement = django_filters.ModelChoiceFilter(
        field_name="quartier__arrondissements",
        to_field_name="numero",
        queryset=Arrondissement.objects.all(),
        label="Arrondissement",
        empty_label="Tous",
    )
    engagement = django_filters.ModelChoiceFilter(
        queryset=Engagement.objects.order_by("numero"),
        to_field_name="numero",
        method="filtrer_engagement",
        label="Engagement servi",
        empty_label="Tous",
    )
    annee_echeance = django_filters.ChoiceFilter(
        choices=annees_echeance, label="Année d’échéance", empty_label="Toutes"
    )

    # Le secteur et « cartographiable » servent à l'API ; la liste de suivi ne les propose pas.
    secteur = None
    cartographiable = None

    class Meta(ProjetFilter.Meta):
        fields = [
            "q",
            "quartier",
            "arrondissement",
            "statut",
            "engagement",
            "annee_echeance",
            "echeance_depassee",
        ]

    def filtrer_engagement(self, queryset, name, value):
        portes = PortageProjet.objects.filter(engagements=value).values("projet_id")
        return queryset.filter(pk__in=portes)
