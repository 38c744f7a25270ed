"""FilterSets des indicateurs, territoires, campagnes et valeurs : un par liste, partagé par
sa page, son export et l'API (voir socle/filtres.py). Les objets se désignent par leur clé
naturelle : code d'un indicateur ou d'un territoire, numéro d'un engagement ou d'une
thématique, slug d'un QPV ; un producteur, par le slug du signataire."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from engagements.models import Engagement, Signataire, Thematique
from indicateurs.models import Campagne, Indicateur, Territoire, Valeur
from quartiers.models import Arrondissement, Quartier
from socle.filtres import (
    FiltreAnnee,
    FiltreOuiNon,
    FiltreParCode,
    FiltreParIdentifiant,
    FiltreParNumero,
    FiltreParSlug,
    FiltreTexte,
)


class IndicateurFilter(django_filters.FilterSet):
    """Recherche plein texte simple, engagement, thématique, unité, nature et producteur."""

    q = FiltreTexte(method="rechercher", label="Recherche")
    engagement = FiltreParNumero(
        queryset=Engagement.objects.all(),
        to_field_name="numero",
        widget=forms.NumberInput,
        label="Engagement n°",
    )
    thematique = FiltreParNumero(
        field_name="engagement__thematique",
        queryset=Thematique.objects.all(),
        to_field_name="numero",
        widget=forms.NumberInput,
        label="Thématique n°",
    )
    unite = django_filters.ChoiceFilter(
        choices=Indicateur.Unite.choices, label="Unité", empty_label="Toutes"
    )
    nature = django_filters.ChoiceFilter(
        choices=Indicateur.Nature.choices, label="Nature", empty_label="Toutes"
    )
    producteur = FiltreParSlug(
        queryset=Signataire.objects.order_by("nom"),
        label="Producteur (slug du signataire)",
        empty_label="Tous",
    )

    class Meta:
        model = Indicateur
        fields = ["q", "engagement", "thematique", "unite", "nature", "producteur"]

    def rechercher(self, queryset, name, value):
        return queryset.filter(Q(libelle__icontains=value) | Q(code__iexact=value))


class TerritoireFilter(django_filters.FilterSet):
    """Les territoires par niveau, par QPV (le QPV et ses secteurs) ou par arrondissement."""

    type = django_filters.ChoiceFilter(choices=Territoire.Type.choices, label="Niveau")
    quartier = FiltreParIdentifiant(
        to_field_name="slug",
        queryset=Quartier.objects.all(),
        label="Quartier (identifiant) : le QPV et ses secteurs",
    )
    arrondissement = FiltreParNumero(
        to_field_name="numero",
        queryset=Arrondissement.objects.avec_qpv(),
        label="Arrondissement (numéro)",
    )

    class Meta:
        model = Territoire
        fields = ["type", "quartier", "arrondissement"]


ETATS_CAMPAGNE = [("a_venir", "À venir"), ("ouverte", "Ouverte"), ("cloturee", "Clôturée")]


class CampagneFilter(django_filters.FilterSet):
    """État à la date du jour (à venir, ouverte, clôturée) et bornes d'années."""

    etat = django_filters.ChoiceFilter(
        choices=ETATS_CAMPAGNE, method="filtrer_etat", label="État aujourd’hui"
    )
    annee_min = FiltreAnnee(field_name="annee", lookup_expr="gte", label="Année minimale")
    annee_max = FiltreAnnee(field_name="annee", lookup_expr="lte", label="Année maximale")

    class Meta:
        model = Campagne
        fields = ["etat", "annee_min", "annee_max"]

    def filtrer_etat(self, queryset, name, value):
        jour = timezone.localdate()
        close = Q(statut=Campagne.Statut.CLOTUREE) | Q(date_cloture__lt=jour)
        if value == "cloturee":
            return queryset.filter(close)
        if value == "ouverte":
            return queryset.exclude(close).filter(date_ouverture__lte=jour)
        return queryset.exclude(close).filter(date_ouverture__gt=jour)


class ValeurFilter(django_filters.FilterSet):
    """Filtres de la liste des valeurs : la page, son export tableur et l'API."""

    indicateur = FiltreParCode(queryset=Indicateur.objects.all(), label="Code indicateur")
    engagement = FiltreParNumero(
        field_name="indicateur__engagement",
        queryset=Engagement.objects.all(),
        to_field_name="numero",
        widget=forms.NumberInput,
        label="Engagement n°",
    )
    territoire = FiltreParIdentifiant(
        queryset=Territoire.objects.order_by("ordre"),
        to_field_name="code",
        label="Territoire",
        empty_label="Tous",
    )
    quartier = FiltreParIdentifiant(
        field_name="territoire__quartier",
        to_field_name="slug",
        queryset=Quartier.objects.all(),
        label="Quartier (identifiant) : valeurs du QPV et de ses secteurs",
    )
    annee = FiltreAnnee(label="Année")
    annee_min = FiltreAnnee(field_name="annee", lookup_expr="gte", label="Année minimale (incluse)")
    annee_max = FiltreAnnee(field_name="annee", lookup_expr="lte", label="Année maximale (incluse)")
    statut = django_filters.ChoiceFilter(
        choices=Valeur.Statut.choices, label="Statut", empty_label="Tous"
    )
    producteur = FiltreParSlug(
        field_name="indicateur__producteur",
        queryset=Signataire.objects.filter(indicateurs_produits__isnull=False)
        .distinct()
        .order_by("nom"),
        label="Producteur",
        empty_label="Tous",
    )
    # Un booléen (true/false, aussi 1/0 et oui/non : les liens des pages restent valables).
    demo = FiltreOuiNon(
        label="Valeurs de démonstration",
        choix=[("", "Toutes"), ("false", "Réelles seulement"), ("true", "Démonstration seulement")],
    )

    class Meta:
        model = Valeur
        fields = [
            "indicateur",
            "engagement",
            "territoire",
            "quartier",
            "annee",
            "annee_min",
            "annee_max",
            "statut",
            "producteur",
            "demo",
        ]
        descriptions_api = {
            "indicateur": "Code de l’indicateur (`E28-2`, sans tenir compte de la casse)",
            "engagement": "Numéro de l’engagement de l’indicateur",
            "territoire": "Code du territoire (`qpv-goutte-dor`, `paris`…)",
            "producteur": "Producteur : slug du signataire (`caisse-dallocations-familiales`)",
            "demo": "Valeurs de démonstration : `true` (seulement elles), `false` (valeurs "
            "réelles seulement) ; aussi `1`/`0`",
        }
