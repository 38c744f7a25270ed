"""FilterSets des crédits et des études qualitatives (pages de liste). Comme partout dans le
portail, un QPV se désigne par son slug, un arrondissement ou un engagement par son numéro."""

import django_filters
from django.db.models import Q

from bilan.models import ANNEE_MAX, ANNEE_MIN, Credit, EtudeQualitative
from engagements.models import Engagement, Signataire
from quartiers.models import Arrondissement, Quartier
from socle.filtres import FiltreParIdentifiant, FiltreParNumero, FiltreTexte

ANNEES = [(a, str(a)) for a in range(ANNEE_MAX, ANNEE_MIN - 1, -1)]


class CreditFilter(django_filters.FilterSet):
    """Année, type, signataire, QPV, arrondissement, engagement, et une recherche dans le
    dispositif et le commentaire."""

    annee = django_filters.ChoiceFilter(choices=ANNEES, label="Année", empty_label="Toutes")
    type = django_filters.ChoiceFilter(
        choices=Credit.Type.choices, label="Type de crédit", empty_label="Tous"
    )
    signataire = FiltreParNumero(
        queryset=Signataire.objects.all(), label="Signataire", empty_label="Tous"
    )
    quartier = FiltreParIdentifiant(
        queryset=Quartier.objects.order_by("ordre", "nom"),
        to_field_name="slug",
        label="QPV",
        empty_label="Tous",
    )
    arrondissement = FiltreParNumero(
        queryset=Arrondissement.objects.avec_qpv(),
        to_field_name="numero",
        method="filtrer_arrondissement",
        label="Arrondissement",
        empty_label="Tous",
    )
    engagement = FiltreParNumero(
        queryset=Engagement.objects.order_by("numero"),
        to_field_name="numero",
        label="Engagement",
        empty_label="Tous",
    )
    q = FiltreTexte(method="rechercher", label="Dispositif ou commentaire")

    class Meta:
        model = Credit
        fields = ["annee", "type", "signataire", "quartier", "arrondissement", "engagement", "q"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["arrondissement"].field.label_from_instance = lambda a: a.libelle
        self.filters["engagement"].field.label_from_instance = lambda e: (
            f"{e.numero}. {e.titre[:60]}"
        )

    def filtrer_arrondissement(self, queryset, name, value):
        """Les crédits de l'arrondissement et ceux de ses QPV (comme le bilan)."""
        return queryset.filter(Q(arrondissement=value) | Q(quartier__arrondissements=value))

    def rechercher(self, queryset, name, value):
        return queryset.filter(Q(dispositif__icontains=value) | Q(commentaire__icontains=value))


class EtudeFilter(django_filters.FilterSet):
    """Année, engagement, QPV et une recherche dans le titre, le résumé et l'auteur."""

    annee = django_filters.ChoiceFilter(choices=ANNEES, label="Année", empty_label="Toutes")
    engagement = FiltreParNumero(
        field_name="engagements",
        queryset=Engagement.objects.order_by("numero"),
        to_field_name="numero",
        label="Engagement",
        empty_label="Tous",
    )
    quartier = FiltreParIdentifiant(
        field_name="quartiers",
        queryset=Quartier.objects.order_by("ordre", "nom"),
        to_field_name="slug",
        label="QPV",
        empty_label="Tous",
    )
    q = FiltreTexte(method="rechercher", label="Recherche")

    class Meta:
        model = EtudeQualitative
        fields = ["annee", "engagement", "quartier", "q"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["engagement"].field.label_from_instance = lambda e: (
            f"{e.numero}. {e.titre[:60]}"
        )

    def rechercher(self, queryset, name, value):
        return queryset.filter(
            Q(titre__icontains=value)
            | Q(resume__icontains=value)
            | Q(realisee_par__icontains=value)
        )
