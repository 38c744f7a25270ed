"""FilterSets des structures et des fiches-actions : un par liste, partagé par la page, l'API
et les exports (et la couverture pour les fiches). Les objets se désignent par leur clé
naturelle : slug d'un QPV ou d'une structure, numéro d'un arrondissement ou d'un engagement ;
une action numérotée, par son identifiant (voir /api/v1/engagements/)."""

from functools import reduce
from operator import or_

import django_filters
from django import forms
from django.db import connection
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from engagements.models import Action, Engagement
from quartiers.models import Arrondissement, Quartier
from socle.filtres import (
    FiltreAnnee,
    FiltreOuiNon,
    FiltreParIdentifiant,
    FiltreParNumero,
    FiltreTexte,
)
from structures import listes
from structures.models import FicheAction, Structure

# Le menu « Localisation » des pages : hors_paris=false, c'est Paris.
CHOIX_LOCALISATION = [("", "Toutes"), ("false", "Paris"), ("true", "Hors Paris")]


class StructureFilter(django_filters.FilterSet):
    """Nom, type, arrondissement (numéro), QPV (slug), Paris ou hors Paris."""

    q = FiltreTexte(method="rechercher", label="Recherche")
    type = django_filters.ChoiceFilter(
        choices=Structure.Type.choices, label="Type", empty_label="Tous"
    )
    arrondissement = FiltreParNumero(
        to_field_name="numero",
        queryset=Arrondissement.objects.avec_structures(),
        label="Arrondissement",
        empty_label="Tous",
    )
    quartier = FiltreParIdentifiant(
        field_name="quartiers",
        to_field_name="slug",
        queryset=Quartier.objects.all(),
        label="QPV",
        empty_label="Tous",
    )
    hors_paris = FiltreOuiNon(label="Localisation", choix=CHOIX_LOCALISATION)

    class Meta:
        model = Structure
        fields = ["q", "type", "arrondissement", "quartier", "hors_paris"]
        descriptions_api = {
            "quartier": "Quartier (identifiant)",
            "arrondissement": "Arrondissement (numéro)",
            "hors_paris": "Structures hors Paris (true) ou à Paris (false)",
        }

    def rechercher(self, queryset, name, value):
        return queryset.filter(
            Q(nom__icontains=value) | Q(commune__icontains=value) | Q(description__icontains=value)
        )


def filtrer_code_json(queryset, champ, code):
    """Fiches dont la liste JSON `champ` (codes des listes contrôlées) contient `code`.

    PostgreSQL sait tester l'inclusion d'un tableau jsonb (`@>`, indexable). SQLite ne le sait
    pas : on y compare le texte JSON, où chaque code apparaît entre guillemets ; les codes
    étant des identifiants ASCII sans guillemet, `"code"` ne peut pas en désigner un autre."""
    if connection.features.supports_json_field_contains:
        return queryset.filter(**{f"{champ}__contains": [code]})
    return queryset.annotate(**{f"_{champ}_texte": Cast(champ, TextField())}).filter(
        **{f"_{champ}_texte__contains": f'"{code}"'}
    )


# Champs lus par la recherche plein texte (titre et résumé d'abord : poids fort).
CHAMPS_RECHERCHE = [
    "titre",
    "resume",
    "description",
    "description_generale",
    "objectifs",
    "actions_menees",
    "resultats_quantitatifs",
    "resultats_territoire",
    "resultats_structure",
    "resultats_habitants",
    "partenariats",
    "perspectives",
    "limites",
    "structure__nom",
]


def rechercher_fiches(queryset, texte):
    """Recherche plein texte portable : chaque mot doit figurer (sans casse) dans un des
    champs ; sur PostgreSQL, une fiche est aussi retenue si la recherche plein texte en
    français la trouve (racines : « jeunes » trouve « jeunesse », accents compris)."""
    mots = texte.split()
    if not mots:
        return queryset
    condition = Q()
    for mot in mots:
        condition &= reduce(or_, (Q(**{f"{c}__icontains": mot}) for c in CHAMPS_RECHERCHE))
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector

        vecteur = SearchVector(*CHAMPS_RECHERCHE[:-1], config="french")
        trouvees = (
            FicheAction.objects.annotate(_vecteur=vecteur)
            .filter(_vecteur=SearchQuery(texte, config="french", search_type="websearch"))
            .values("pk")
        )
        condition |= Q(pk__in=trouvees)
    return queryset.filter(condition)


def annees_des_fiches():
    """Les années présentes dans les fiches, plus récentes d'abord (choix du filtre)."""
    annees = (
        FicheAction.objects.exclude(annee=None)
        .order_by("-annee")
        .values_list("annee", flat=True)
        .distinct()
    )
    return [(a, str(a)) for a in annees]


def structures_visibles(request):
    if request is None:
        return Structure.objects.none()
    return Structure.objects.for_user(request.user).order_by("nom")


class FicheActionFilter(django_filters.FilterSet):
    """Le filtre des fiches-actions, partagé par la liste, l'export tableur, la couverture et
    l'API. À appliquer à un queryset déjà restreint par `for_user(user)`.

    Aucun filtre ne fait de jointure multipliant les lignes (sous-requêtes pour les relations
    plusieurs-à-plusieurs) : ni doublon, ni `distinct()` nécessaire."""

    q = FiltreTexte(method="filtrer_texte", label="Recherche")
    quartier = FiltreParIdentifiant(
        queryset=Quartier.objects.order_by("ordre", "nom"),
        to_field_name="slug",
        method="filtrer_quartier",
        label="QPV",
        empty_label="Tous",
    )
    arrondissement = FiltreParNumero(
        queryset=Arrondissement.objects.avec_qpv_ou_structures(),
        to_field_name="numero",
        method="filtrer_arrondissement",
        label="Arrondissement",
        empty_label="Tous",
    )
    engagement = FiltreParNumero(
        queryset=Engagement.objects.order_by("numero"),
        to_field_name="numero",
        method="filtrer_engagement",
        label="Engagement",
        empty_label="Tous",
    )
    action = FiltreParNumero(
        queryset=Action.objects.select_related("engagement").order_by(
            "engagement__numero", "ordre"
        ),
        method="filtrer_action",
        label="Action numérotée",
        empty_label="Toutes",
        widget=forms.HiddenInput,
    )
    annee = FiltreAnnee(choix=annees_des_fiches, label="Année")
    statut = django_filters.ChoiceFilter(
        choices=FicheAction.Statut.choices, label="Statut de la fiche", empty_label="Tous"
    )
    dimension = django_filters.ChoiceFilter(
        choices=listes.DIMENSIONS, label="Dimension", empty_label="Toutes"
    )
    mot_cle = django_filters.ChoiceFilter(
        choices=listes.MOTS_CLES, method="filtrer_mot_cle", label="Mot clé", empty_label="Tous"
    )
    public = django_filters.ChoiceFilter(
        choices=listes.PUBLICS, method="filtrer_public", label="Public", empty_label="Tous"
    )
    structure = FiltreParIdentifiant(
        queryset=structures_visibles, to_field_name="slug", label="Structure", empty_label="Toutes"
    )
    hors_paris = FiltreOuiNon(
        field_name="structure__hors_paris",
        label="Structures hors Paris",
        choix=CHOIX_LOCALISATION,
    )

    class Meta:
        model = FicheAction
        fields = [
            "q",
            "quartier",
            "arrondissement",
            "engagement",
            "action",
            "annee",
            "statut",
            "dimension",
            "mot_cle",
            "public",
            "structure",
            "hors_paris",
        ]
        descriptions_api = {
            "quartier": "Quartier (identifiant)",
            "arrondissement": "Arrondissement (numéro) : QPV de l’action ou siège de la structure",
            "engagement": "Engagement (numéro)",
            "action": "Action numérotée du contrat (identifiant `id`, voir /api/v1/engagements/)",
            "structure": "Structure (identifiant)",
        }

    def filtrer_texte(self, queryset, name, value):
        return rechercher_fiches(queryset, value)

    def _dans(self, queryset, **condition):
        return queryset.filter(pk__in=FicheAction.objects.filter(**condition).values("pk"))

    def filtrer_quartier(self, queryset, name, value):
        return self._dans(queryset, quartiers=value)

    def filtrer_arrondissement(self, queryset, name, value):
        """L'action a lieu dans un QPV de l'arrondissement, ou la structure y est installée."""
        return queryset.filter(
            Q(pk__in=FicheAction.objects.filter(quartiers__arrondissements=value).values("pk"))
            | Q(structure__arrondissement=value)
        )

    def filtrer_engagement(self, queryset, name, value):
        return self._dans(queryset, engagements=value)

    def filtrer_action(self, queryset, name, value):
        return self._dans(queryset, actions=value)

    def filtrer_mot_cle(self, queryset, name, value):
        return filtrer_code_json(queryset, "mots_cles", value)

    def filtrer_public(self, queryset, name, value):
        return filtrer_code_json(queryset, "publics", value)
