"""FilterSets des engagements, thématiques, signataires et sigles, partagés par les pages,
l'API et les exports (un seul par liste, voir socle/filtres.py)."""

import django_filters
from django import forms
from django.db.models import Q

from engagements.models import Acteur, Engagement, Sigle, Signataire, Thematique
from socle.filtres import FiltreParNumero, FiltreParSlug, FiltreTexte


class ThematiqueFilter(django_filters.FilterSet):
    """Recherche dans le titre des thématiques."""

    q = FiltreTexte(field_name="titre", lookup_expr="icontains", label="Titre")

    class Meta:
        model = Thematique
        fields = ["q"]


class EngagementFilter(django_filters.FilterSet):
    """Engagements par thématique (numéro), par signataire acteur (pilote, partenaire associé
    ou lieu ressource) et par texte. La page des engagements et l'API lisent les mêmes clés."""

    q = FiltreTexte(method="rechercher", label="Recherche")
    thematique = FiltreParNumero(
        queryset=Thematique.objects.all(),
        to_field_name="numero",
        widget=forms.NumberInput,
        label="Numéro de la thématique",
    )
    signataire = FiltreParSlug(
        field_name="acteurs__signataire",
        queryset=Signataire.objects.all(),
        distinct=True,
        widget=forms.TextInput,
        label="Identifiant (slug) d’un signataire acteur de l’engagement",
    )
    pilote = FiltreParSlug(
        queryset=Signataire.objects.all(),
        method="filtrer_pilote",
        widget=forms.TextInput,
        label="Identifiant (slug) d’un signataire pilote de l’engagement",
    )

    class Meta:
        model = Engagement
        fields = ["q", "thematique", "signataire", "pilote"]

    def filtrer_pilote(self, queryset, name, value):
        # Un seul filter() : le même acteur doit être ce signataire et pilote.
        return queryset.filter(
            acteurs__signataire=value, acteurs__groupe=Acteur.Groupe.PILOTE
        ).distinct()

    def rechercher(self, queryset, name, value):
        return queryset.filter(
            Q(titre__icontains=value)
            | Q(problematiques__icontains=value)
            | Q(parole_habitant__icontains=value)
        )


class SignataireFilter(django_filters.FilterSet):
    """Signataires par type (institution ou bailleur social) et par nom."""

    q = FiltreTexte(field_name="nom", lookup_expr="icontains", label="Nom")
    type = django_filters.ChoiceFilter(
        choices=Signataire.Type.choices, label="Type", empty_label="Tous"
    )

    class Meta:
        model = Signataire
        fields = ["q", "type"]


class SigleFilter(django_filters.FilterSet):
    """Glossaire filtré par sigle ou définition (la page du glossaire et l'API)."""

    q = FiltreTexte(method="rechercher", label="Sigle ou définition")

    class Meta:
        model = Sigle
        fields = ["q"]

    def rechercher(self, queryset, name, value):
        return queryset.filter(Q(sigle__icontains=value) | Q(definition__icontains=value))
