"""Pagination des listes, avec les clés standard de DRF (`count`, `next`, `previous`,
`results`), que tout outil qui connaît DRF sait suivre.

- `PaginationParPage` (les listes courtes : référentiel, structures…) : `page` et
  `page_size` (50 par défaut, 500 au plus) ; `count` est exact.

      {"count": 112, "next": "…?page=2", "previous": null, "results": […]}

- `PaginationParCurseur` (les listes longues : les valeurs, 2,5 millions à l'échelle
  nationale ; les fiches-actions, 50 000) : pagination par clé (« keyset ») sur un ordre
  indexé et stable de champs entiers non nuls (`VueLectureAPI.tri_curseur`, par exemple
  `("-annee", "-id")`, servi par l'index `valeur_annee_id`, ou `("-id",)`, servi par la clé
  primaire) ; `next` et `previous` portent un curseur opaque (`cursor`), si bien
  que la première page et la cinquante-millième coûtent la même chose. `count` est exact
  jusqu'à `COMPTE_MAX` résultats et `null` au-delà : compter 2,5 millions de lignes à chaque
  page coûterait plus que la page elle-même.

Une valeur de `page` ou `page_size` mal formée est refusée (400 `donnees_invalides`), jamais
ramenée en silence à la valeur par défaut ; un curseur abîmé ou forgé, comme une page au-delà
de la dernière, est une page introuvable (404)."""

import base64
import binascii
import json

from django.db.models import F
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from socle.api.erreurs import FiltresInvalides
from socle.pagination import PaginateurParCles

TAILLE_PAR_DEFAUT = 50
TAILLE_MAX = 500
# Au-delà de ce nombre de résultats, une liste par curseur ne compte plus (`count` : null).
COMPTE_MAX = 10_000
PAGE_MAX = 2_147_483_647

DESCRIPTION_TAILLE = (
    f"Nombre de résultats par page ({TAILLE_PAR_DEFAUT} par défaut, {TAILLE_MAX} au plus)."
)


def lire_entier(request, nom, defaut, minimum=1, maximum=None):
    """Un paramètre entier de pagination : absent → `defaut` ; mal formé ou hors bornes → 400
    (un client qui envoie `page_size=null` doit l'apprendre, pas recevoir 50 lignes)."""
    brut = request.query_params.get(nom)
    if brut is None:
        return defaut
    try:
        nombre = int(brut.strip())
    except (ValueError, AttributeError):
        raise FiltresInvalides({nom: [f"« {brut[:50]} » n’est pas un nombre entier."]}) from None
    if nombre < minimum or (maximum is not None and nombre > maximum):
        borne = f"entre {minimum} et {maximum}" if maximum else f"au moins {minimum}"
        raise FiltresInvalides({nom: [f"La valeur doit être {borne} ({nombre} reçu)."]})
    return nombre


def _decrire(schema, description):
    # drf-spectacular appelle aussi ces méthodes avec un objet sentinelle (exemples) : on ne
    # décrit que les vrais schémas.
    return {**schema, "description": description} if isinstance(schema, dict) else schema


LIEN = {"type": "string", "format": "uri", "nullable": True}


def schema_de_page(schema, compte, suivante):
    """Le schéma OpenAPI d'une page (`count`, `next`, `previous`, `results`), commun aux deux
    paginations : elles ne diffèrent que par le sens de `count` et la forme de `next`."""
    return {
        "type": "object",
        "required": ["count", "next", "previous", "results"],
        "properties": {
            "count": {"type": "integer", **compte, "example": 112},
            "next": {**LIEN, **suivante},
            "previous": {
                **LIEN,
                "description": "Adresse de la page précédente (null sur la première).",
                "example": None,
            },
            "results": _decrire(schema, "Les objets de la page."),
        },
    }


class PaginationParPage(PageNumberPagination):
    """Numéros de page, pour les listes courtes ; `count` exact. La page est lue par clés
    (`socle/pagination.PaginateurParCles`, comme la liste HTML des valeurs) : trier toutes
    les lignes jointes pour en garder 50 coûtait 24 ms aux 13 000 projets nationaux."""

    django_paginator_class = PaginateurParCles
    page_size = TAILLE_PAR_DEFAUT
    page_size_query_param = "page_size"
    max_page_size = TAILLE_MAX
    page_query_description = "Numéro de la page (à partir de 1)."
    page_size_query_description = DESCRIPTION_TAILLE
    invalid_page_message = "Page invalide : cette page n’existe pas."

    def get_page_size(self, request):
        return lire_entier(request, self.page_size_query_param, self.page_size, 1, TAILLE_MAX)

    def verifier_parametres(self, request, view=None):
        """Contrôle `page` et `page_size` même quand la liste n'est pas paginée (export)."""
        self.get_page_size(request)
        lire_entier(request, self.page_query_param, 1, 1, PAGE_MAX)

    def paginate_queryset(self, queryset, request, view=None):
        # Le numéro est contrôlé avant la requête : « abc » ou 0 → 400 ; au-delà de la
        # dernière page → 404 (la page n'existe pas).
        lire_entier(request, self.page_query_param, 1, 1, PAGE_MAX)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.page.paginator.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_schema_operation_parameters(self, view):
        parametres = super().get_schema_operation_parameters(view)
        for parametre in parametres:
            parametre["schema"] = {"type": "integer", "minimum": 1, "maximum": PAGE_MAX}
            if parametre["name"] == self.page_size_query_param:
                parametre["schema"]["maximum"] = TAILLE_MAX
        return parametres

    def get_paginated_response_schema(self, schema):
        return schema_de_page(
            schema,
            compte={"description": "Nombre total de résultats (toutes pages)."},
            suivante={
                "description": "Adresse de la page suivante (null sur la dernière).",
                "example": "https://exemple.paris.fr/api/v1/ressource/?page=2",
            },
        )


class PaginationParCurseur(BasePagination):
    """Pagination par clé (« keyset ») sur l'ordre `tri_curseur` de la vue : des champs du
    modèle, entiers et non nuls (une comparaison avec NULL écarterait des lignes), tous dans
    le même sens, le dernier unique (`("-annee", "-id")`, `("-id",)`). La page suivante
    est « les `page_size` lignes après la dernière lue » : `WHERE (annee, id) < (2025, 812)
    ORDER BY annee DESC, id DESC LIMIT 51`, que l'index (annee, id) sert directement, quelle
    que soit la profondeur. Le curseur est opaque (base64 d'un petit JSON) ; un curseur
    forgé ou abîmé donne 400."""

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def get_page_size(self, request):
        return lire_entier(request, self.page_size_query_param, TAILLE_PAR_DEFAUT, 1, TAILLE_MAX)

    def verifier_parametres(self, request, view=None):
        """Contrôle `page_size` et `cursor` même quand la liste n'est pas paginée (export) ; un
        curseur doit avoir autant de positions que l'ordre `tri_curseur` de la vue."""
        self.get_page_size(request)
        brut = request.query_params.get(self.cursor_query_param)
        if brut:
            self.decoder(brut, len(getattr(view, "tri_curseur", ("-annee", "-id"))))

    # --- curseur ------------------------------------------------------------------------------

    @staticmethod
    def encoder(position, sens="apres"):
        """Le curseur des lignes situées `sens` (« apres » ou « avant ») de `position`."""
        texte = json.dumps({"p": list(position), "s": sens}, separators=(",", ":"))
        return base64.urlsafe_b64encode(texte.encode()).decode().rstrip("=")

    def decoder(self, brut, nb_champs):
        # Comme la pagination par curseur de DRF : un curseur qui ne désigne aucune page est
        # une page introuvable (404), comme un numéro de page au-delà de la dernière.
        erreur = NotFound(
            "Curseur invalide : cette page n’existe pas. Utilisez tel quel le lien `next` ou "
            "`previous` d’une réponse précédente."
        )
        try:
            texte = base64.urlsafe_b64decode(brut + "=" * (-len(brut) % 4)).decode()
            donnees = json.loads(texte)
            position, sens = donnees["p"], donnees["s"]
        except (binascii.Error, ValueError, UnicodeDecodeError, KeyError, TypeError):
            raise erreur from None
        if (
            sens not in ("apres", "avant")
            or not isinstance(position, list)
            or len(position) != nb_champs
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in position)
            or not all(-(2**63) < v < 2**63 for v in position)
        ):
            raise erreur
        return position, sens

    # --- la page ------------------------------------------------------------------------------

    def paginate_queryset(self, queryset, request, view=None, lire=None):
        """La page ; `lire(queryset)` (facultatif) transforme la requête de la page seule (par
        exemple `LectureSQL.lignes`), le compte restant fait sur `queryset`, sans jointure."""
        self.request = request
        tri = list(view.tri_curseur)
        self.champs = [c.lstrip("-") for c in tri]
        descendant = tri[0].startswith("-")
        taille = self.get_page_size(request)
        brut = request.query_params.get(self.cursor_query_param)
        position, sens = (None, "apres") if not brut else self.decoder(brut, len(self.champs))

        # Le compte, borné : exact sur une liste courte, null au-delà de COMPTE_MAX (coût
        # constant, quelle que soit la taille de la table).
        bornee = queryset.order_by().values("pk")[: COMPTE_MAX + 1]
        compte = bornee.count()
        self.compte = compte if compte <= COMPTE_MAX else None

        # On lit vers l'avant (« apres ») dans l'ordre du tri, vers l'arrière dans l'ordre
        # inverse, puis on remet la page dans l'ordre.
        avance = sens == "apres"
        vers_le_bas = descendant == avance
        if position is not None:
            cle = Tuple(*[F(c) for c in self.champs])
            comparaison = TupleLessThan if vers_le_bas else TupleGreaterThan
            queryset = queryset.filter(comparaison(cle, tuple(position)))
        ordre = [f"-{c}" if vers_le_bas else c for c in self.champs]
        queryset = queryset.order_by(*ordre)
        if lire is not None:
            queryset = lire(queryset)
        lignes = list(queryset[: taille + 1])
        encore = len(lignes) > taille
        lignes = lignes[:taille]
        if not avance:
            lignes.reverse()
        self.page = lignes
        if avance:
            self.a_suivant, self.a_precedent = encore, position is not None
        else:
            self.a_suivant, self.a_precedent = True, encore
        return lignes

    def position(self, objet):
        return [getattr(objet, c) for c in self.champs]

    def lien(self, curseur):
        url = self.request.build_absolute_uri()
        if curseur is None:
            return remove_query_param(url, self.cursor_query_param)
        return replace_query_param(url, self.cursor_query_param, curseur)

    def get_next_link(self):
        if not self.a_suivant or not self.page:
            return None
        return self.lien(self.encoder(self.position(self.page[-1]), "apres"))

    def get_previous_link(self):
        if not self.a_precedent:
            return None
        if not self.page:
            return self.lien(None)
        return self.lien(self.encoder(self.position(self.page[0]), "avant"))

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.compte,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Curseur de page, opaque : reprendre tel quel le lien `next` "
                "(ou `previous`) de la réponse précédente ; un curseur inconnu donne 404.",
                "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$", "maxLength": 200},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": DESCRIPTION_TAILLE,
                "schema": {"type": "integer", "minimum": 1, "maximum": TAILLE_MAX},
            },
        ]

    def get_paginated_response_schema(self, schema):
        return schema_de_page(
            schema,
            compte={
                "nullable": True,
                "description": f"Nombre total de résultats s’il ne dépasse pas "
                f"{COMPTE_MAX:_} ; null au-delà (une liste longue ne se compte pas à "
                "chaque page : suivre `next` jusqu’à null).".replace("_", "\u202f"),
            },
            suivante={
                "description": "Adresse de la page suivante, avec son curseur (null sur "
                "la dernière).",
                "example": "https://exemple.paris.fr/api/v1/valeurs/?cursor=eyJwIjpbMjAy",
            },
        )

    def get_results(self, data):
        return data["results"]
