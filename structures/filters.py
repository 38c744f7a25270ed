"""FilterSets des structures et des fiches-actions (pages, API, exports)."""

import django_filters
from django.db.models import Q

from quartiers.models import Arrondissement, Quartier
from structures.models import Structure


class StructureFilter(django_filters.FilterSet):
    """Nom, type, arrondissement, QPV, Paris ou hors Paris."""

    q = django_filters.CharFilter(method="rechercher", label="Recherche")
    type = django_filters.ChoiceFilter(
        choices=Structure.Type.choices, label="Type", empty_label="Tous"
    )
    arrondissement = django_filters.ModelChoiceFilter(
        queryset=Arrondissement.objects.all(), label="Arrondissement", empty_label="Tous"
    )
    quartier = django_filters.ModelChoiceFilter(
        field_name="quartiers", queryset=Quartier.objects.all(), label="QPV", empty_label="Tous"
    )
    hors_paris = django_filters.BooleanFilter(label="Hors Paris")

    class Meta:
        model = Structure
        fields = ["q", "type", "arrondissement", "quartier", "hors_paris"]

    def rechercher(self, queryset, name, value):
        return queryset.filter(
            Q(nom__icontains=value) | Q(commune__icontains=value) | Q(description__icontains=value)
        )
