"""FilterSets des quartiers et projets, partagés par les pages, l'API et les exports."""

import django_filters

from quartiers.models import Arrondissement, ProjetStructurant, Quartier


class QuartierFilter(django_filters.FilterSet):
    """Filtre des QPV par arrondissement ou par nom."""

    q = django_filters.CharFilter(field_name="nom", lookup_expr="icontains", label="Nom")
    arrondissement = django_filters.ModelChoiceFilter(
        field_name="arrondissements",
        queryset=Arrondissement.objects.all(),
        label="Arrondissement",
        empty_label="Tous",
    )

    class Meta:
        model = Quartier
        fields = ["q", "arrondissement"]


class ProjetFilter(django_filters.FilterSet):
    """Filtre des projets structurants par statut normalisé, QPV ou secteur."""

    statut = django_filters.ChoiceFilter(
        choices=ProjetStructurant.Statut.choices, label="Statut", empty_label="Tous les statuts"
    )
    q = django_filters.CharFilter(method="rechercher", label="Recherche")

    class Meta:
        model = ProjetStructurant
        fields = ["statut", "q"]

    def rechercher(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(
            Q(nom__icontains=value) | Q(descriptif__icontains=value) | Q(adresse__icontains=value)
        )
