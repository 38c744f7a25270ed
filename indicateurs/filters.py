"""FilterSet des indicateurs, partagé par la page de liste, l'API et les exports."""

import django_filters
from django.db.models import Q

from indicateurs.models import Indicateur


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
