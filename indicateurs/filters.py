"""FilterSets des indicateurs et des valeurs, partagés par les pages de liste et les exports."""

import django_filters
from django.db.models import Q

from engagements.models import Signataire
from indicateurs.models import Indicateur, Territoire, Valeur


class IndicateurFilter(django_filters.FilterSet):
    """Recherche plein texte simple, engagement, thématique, unité et nature."""

    q = django_filters.CharFilter(method="rechercher", label="Recherche")
    engagement = django_filters.NumberFilter(field_name="engagement__numero", label="Engagement n°")
    thematique = django_filters.NumberFilter(
        field_name="engagement__thematique__numero", label="Thématique n°"
    )
    unite = django_filters.ChoiceFilter(
        choices=Indicateur.Unite.choices, label="Unité", empty_label="Toutes"
    )
    nature = django_filters.ChoiceFilter(
        choices=Indicateur.Nature.choices, label="Nature", empty_label="Toutes"
    )

    class Meta:
        model = Indicateur
        fields = ["q", "engagement", "thematique", "unite", "nature"]

    def rechercher(self, queryset, name, value):
        return queryset.filter(Q(libelle__icontains=value) | Q(code__iexact=value))


class ValeurFilter(django_filters.FilterSet):
    """Filtres de la liste des valeurs, partagés par la page et l'export tableur."""

    indicateur = django_filters.CharFilter(
        field_name="indicateur__code", lookup_expr="iexact", label="Code indicateur"
    )
    engagement = django_filters.NumberFilter(
        field_name="indicateur__engagement__numero", label="Engagement n°"
    )
    territoire = django_filters.ModelChoiceFilter(
        queryset=Territoire.objects.order_by("ordre"),
        to_field_name="code",
        label="Territoire",
        empty_label="Tous",
    )
    annee = django_filters.NumberFilter(field_name="annee", label="Année")
    statut = django_filters.ChoiceFilter(
        choices=Valeur.Statut.choices, label="Statut", empty_label="Tous"
    )
    producteur = django_filters.ModelChoiceFilter(
        field_name="indicateur__producteur",
        queryset=Signataire.objects.filter(indicateurs_produits__isnull=False)
        .distinct()
        .order_by("nom"),
        label="Producteur",
        empty_label="Tous",
    )
    demo = django_filters.ChoiceFilter(
        choices=[("non", "Réelles seulement"), ("oui", "Démonstration seulement")],
        method="filtrer_demo",
        label="Valeurs de démonstration",
        empty_label="Toutes",
    )

    class Meta:
        model = Valeur
        fields = ["indicateur", "engagement", "territoire", "annee", "statut", "producteur", "demo"]

    def filtrer_demo(self, queryset, name, value):
        return queryset.filter(demo=value == "oui")
