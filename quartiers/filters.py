"""FilterSets des quartiers et projets, partagés par les pages, l'API et les exports.

Les quartiers, secteurs et arrondissements se désignent par leur clé naturelle (slug,
numéro), dans les adresses des pages comme dans l'API."""

import django_filters
from django import forms
from django.db.models import Q

from quartiers.models import Arrondissement, ProjetStructurant, Quartier, Secteur


class QuartierFilter(django_filters.FilterSet):
    """Filtre des QPV par arrondissement ou par nom."""

    q = django_filters.CharFilter(field_name="nom", lookup_expr="icontains", label="Nom")
    arrondissement = django_filters.ModelChoiceFilter(
        field_name="arrondissements",
        to_field_name="numero",
        queryset=Arrondissement.objects.all(),
        label="Arrondissement",
        empty_label="Tous",
    )

    class Meta:
        model = Quartier
        fields = ["q", "arrondissement"]


class ProjetFilter(django_filters.FilterSet):
    """Filtre des projets structurants par statut normalisé, QPV, secteur, arrondissement ou
    texte."""

    statut = django_filters.ChoiceFilter(
        choices=ProjetStructurant.Statut.choices, label="Statut", empty_label="Tous les statuts"
    )
    q = django_filters.CharFilter(method="rechercher", label="Recherche")
    quartier = django_filters.ModelChoiceFilter(
        to_field_name="slug", queryset=Quartier.objects.all(), label="Quartier (identifiant)"
    )
    secteur = django_filters.ModelChoiceFilter(
        to_field_name="slug",
        queryset=Secteur.objects.all(),
        label="Secteur ou micro-quartier (identifiant)",
    )
    arrondissement = django_filters.ModelChoiceFilter(
        field_name="quartier__arrondissements",
        to_field_name="numero",
        queryset=Arrondissement.objects.all(),
        label="Arrondissement (numéro)",
    )
    cartographiable = django_filters.BooleanFilter(label="Cartographiable")
    annee_echeance = django_filters.NumberFilter(label="Année d’échéance")
    echeance_depassee = django_filters.BooleanFilter(
        method="filtrer_echeance_depassee",
        label="Échéance dépassée (non réalisés)",
        widget=forms.Select(choices=[("", "Tous"), ("true", "Oui"), ("false", "Non")]),
    )

    class Meta:
        model = ProjetStructurant
        fields = [
            "statut",
            "q",
            "quartier",
            "secteur",
            "arrondissement",
            "cartographiable",
            "annee_echeance",
            "echeance_depassee",
        ]

    def rechercher(self, queryset, name, value):
        return queryset.filter(
            Q(nom__icontains=value) | Q(descriptif__icontains=value) | Q(adresse__icontains=value)
        )

    def filtrer_echeance_depassee(self, queryset, name, value):
        depasses = ProjetStructurant.objects.echeance_depassee().values("pk")
        if value:
            return queryset.filter(pk__in=depasses)
        return queryset.exclude(pk__in=depasses)
