"""Filtres communs de l'API. Les filtres propres à chaque liste sont les FilterSets de
`*/filters.py`, les mêmes que ceux de sa page et de ses exports.

Une liste ne filtre jamais « à moitié » :

- un paramètre que la liste ne connaît pas (une faute de frappe : `?engagment=1`) est refusé
  (400, code `parametre_inconnu`, avec la clé la plus proche) au lieu d'être ignoré, ce qui
  rendrait toute la liste comme si le filtre avait été appliqué ;
- une valeur de filtre invalide (choix inconnu, nombre mal formé, année hors bornes) est
  refusée (400, code `donnees_invalides`, message par paramètre), jamais ignorée.

Sont acceptés, en plus des filtres du FilterSet : la pagination (`page`, `page_size`), le
format d'export (`format`), la recherche (`search`) et le tri quand la vue en a un.

Les adresses de détail (`/api/v1/projets/12/`) désignent un objet : les paramètres de liste
n'y ont pas cours et y sont ignorés (ni filtre, ni refus), `format` compris pour les rendus."""

import datetime

from django.conf import settings
from django.utils.dateparse import parse_datetime
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from rest_framework import exceptions
from rest_framework.filters import BaseFilterBackend, OrderingFilter, SearchFilter

from socle.api.erreurs import FiltresInvalides, ParametresInconnus


class Recherche(SearchFilter):
    """`?search=` : recherche insensible à la casse dans les champs `search_fields` de la
    vue (tous les mots doivent apparaître)."""

    search_title = "Recherche"
    search_description = (
        "Recherche plein texte, insensible à la casse : chaque mot doit apparaître dans "
        "l’un des champs de recherche de la ressource."
    )

    def get_search_terms(self, request):
        terms = super().get_search_terms(request)
        if any("\x00" in t for t in terms):
            raise exceptions.ValidationError(
                {self.search_param: ["Le caractère nul n’est pas autorisé."]}
            )
        return terms


class FiltresDeListe(DjangoFilterBackend):
    """Le FilterSet de la liste, appliqué strictement : une valeur invalide donne 400 avec le
    message de chaque paramètre fautif (et non le message générique de django-filter)."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or not any(
            nom in request.query_params for nom in noms_des_filtres(filterset_class)
        ):
            # Aucun de ses paramètres : le FilterSet ne filtrerait rien (vérifié pour chacun
            # par tests/api/test_filtres_sans_parametre.py) ; ne pas le construire épargne la
            # copie profonde de ses filtres et la validation de son formulaire (2 ms par page
            # de l'API, le tiers de son coût au-dessus de la base).
            return queryset
        filterset = self.get_filterset(request, queryset, view)
        if not filterset.is_valid():
            raise FiltresInvalides(
                {champ: [str(m) for m in messages] for champ, messages in filterset.errors.items()}
            )
        return filterset.qs


class ModifieDepuis(BaseFilterBackend):
    """`?modifie_depuis=2026-03-01T09:30:00+01:00` : les objets modifiés à cet instant ou
    après (`modifie_le >= …`), pour une synchronisation incrémentale. Date et heure ISO 8601
    avec fuseau obligatoire (une heure sans fuseau serait ambiguë) ; sinon 400. Le champ
    `modifie_le` de chaque ressource est la date à reprendre au passage suivant."""

    parametre = "modifie_depuis"
    champ = "modifie_le"
    description = (
        "Seulement les objets modifiés à cet instant ou après (synchronisation "
        "incrémentale) : date et heure ISO 8601 avec fuseau, `2026-03-01T09:30:00+01:00` ou "
        "`2026-03-01T08:30:00Z`. Reprendre au passage suivant le plus grand `modifie_le` "
        "reçu."
    )

    @classmethod
    def s_applique(cls, view):
        modele = getattr(getattr(view, "queryset", None), "model", None)
        return modele is not None and any(f.name == cls.champ for f in modele._meta.fields)

    @classmethod
    def lire(cls, brut):
        # Un « + » non encodé dans l'adresse arrive en espace : « …09:30:00 01:00 ».
        texte = brut.strip()
        if len(texte) > 6 and texte[-6] == " " and texte[-3] == ":":
            texte = f"{texte[:-6]}+{texte[-5:]}"
        try:
            instant = parse_datetime(texte)
        except ValueError:
            instant = None
        if instant is not None and instant.tzinfo is not None:
            # En UTC : PostgreSQL refuse les décalages au-delà de ±15:59.
            try:
                instant = instant.astimezone(datetime.UTC)
            except (OverflowError, ValueError):
                instant = None
        if instant is None or instant.tzinfo is None:
            raise FiltresInvalides(
                {
                    cls.parametre: [
                        f"« {brut[:50]} » n’est pas une date et heure ISO 8601 avec fuseau "
                        "(par exemple 2026-03-01T09:30:00+01:00 ou 2026-03-01T08:30:00Z)."
                    ]
                }
            )
        return instant

    def filter_queryset(self, request, queryset, view):
        brut = request.query_params.get(self.parametre)
        if brut is None or not self.s_applique(view):
            return queryset
        return queryset.filter(**{f"{self.champ}__gte": self.lire(brut)})

    def get_schema_operation_parameters(self, view):
        if not self.s_applique(view):
            return []
        return [
            {
                "name": self.parametre,
                "required": False,
                "in": "query",
                "description": self.description,
                "schema": {"type": "string", "format": "date-time"},
            }
        ]


# Les attributs des classes de pagination de DRF qui nomment un paramètre de la requête.
PARAMETRES_DE_PAGINATION = (
    "page_query_param",
    "page_size_query_param",
    "limit_query_param",
    "offset_query_param",
    "cursor_query_param",
)


def noms_des_filtres(filterset_class):
    """Les paramètres qu'un FilterSet lit (un filtre à plusieurs champs, comme un intervalle,
    en lit un par suffixe)."""
    noms = []
    for nom, filtre in filterset_class.base_filters.items():
        suffixes = getattr(filtre.field_class.widget, "suffixes", None)
        noms += [f"{nom}_{s}" if s else nom for s in suffixes] if suffixes else [nom]
    return noms


def parametres_acceptes(view):
    """Tous les paramètres qu'une liste de l'API comprend, dans l'ordre de la documentation :
    ses filtres, puis la recherche et le tri, la pagination et le format."""
    noms = []
    filterset_class = getattr(view, "filterset_class", None)
    if filterset_class is not None:
        noms += noms_des_filtres(filterset_class)
    for backend in getattr(view, "filter_backends", []):
        if issubclass(backend, SearchFilter):
            noms.append(backend.search_param)
        elif issubclass(backend, OrderingFilter):
            noms.append(backend.ordering_param)
        elif issubclass(backend, ModifieDepuis) and backend.s_applique(view):
            noms.append(backend.parametre)
    paginator = getattr(view, "paginator", None)
    noms += [
        getattr(paginator, attribut)
        for attribut in PARAMETRES_DE_PAGINATION
        if isinstance(getattr(paginator, attribut, None), str)
    ]
    format_ = getattr(settings, "REST_FRAMEWORK", {}).get("URL_FORMAT_OVERRIDE", "format")
    if format_:
        noms.append(format_)
    return list(dict.fromkeys(noms))


def verifier_parametres(request, view):
    """400 (`parametre_inconnu`) si la requête porte un paramètre que la liste ne lit pas."""
    acceptes = parametres_acceptes(view)
    inconnus = [nom for nom in request.query_params if nom not in acceptes]
    if inconnus:
        raise ParametresInconnus(inconnus, acceptes)


class FiltresDeListeExtension(DjangoFilterExtension):
    """Le schéma OpenAPI des filtres : chaque paramètre est décrit, même quand son type est
    déclaré par `extend_schema_field` (drf-spectacular n'en reprend alors pas le libellé).
    `Meta.descriptions_api` d'un FilterSet précise la clé attendue là où le libellé de la
    page (« Quartier prioritaire », un menu) ne le dit pas (« Quartier (identifiant) »).
    Un filtre à choix admet la valeur vide (pas de filtre), comme le menu « Tous » des pages."""

    target_class = "socle.api.filtres.FiltresDeListe"
    match_subclasses = True
    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parametres = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        descriptions = getattr(getattr(filterset_class, "Meta", None), "descriptions_api", {})
        description = descriptions.get(field_name)
        for parametre in parametres:
            enum = parametre.get("schema", {}).get("enum")
            if enum and "" not in enum:
                # Un choix vide ne filtre pas (le « Tous » des pages) : il est conforme.
                parametre["schema"]["enum"] = ["", *enum]
            if description:
                # Les choix énumérés que drf-spectacular ajoute au libellé sont gardés.
                _, separateur, choix = parametre.get("description", "").partition("\n\n*")
                parametre["description"] = description + (separateur + choix if choix else "")
            elif not parametre.get("description") and filter_field.label:
                parametre["description"] = str(filter_field.label)
        return parametres
