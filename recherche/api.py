"""API de la recherche transversale : `GET /api/v1/recherche/?q=…&type=…`, le même moteur, la
même visibilité, les mêmes rubriques et les mêmes comptes que la page /recherche/."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import exceptions, serializers, viewsets
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from recherche import moteur
from recherche.models import Rubrique
from recherche.texte import LONGUEUR_MAX, SaisieInvalide
from socle.api.pagination import lire_entier
from socle.api.permissions import LectureLibre
from socle.api.rendus import Colonne
from socle.api.serialiseurs import Serialiseur
from socle.api.vues import BaseVueAPI

PAGE_MAX = 100_000
PARAMETRES = {"q", "search", "type", "page", "page_size", "format"}
TYPES = ", ".join(f"`{r.value}` ({r.label})" for r in Rubrique)


class RubriqueSerializer(Serialiseur):
    type = serializers.CharField(help_text=f"Identifiant de la rubrique : {TYPES}.")
    libelle = serializers.CharField(help_text="Nom de la rubrique, en français.")
    nombre = serializers.IntegerField(help_text="Nombre de résultats de la rubrique.")
    exacte = serializers.BooleanField(
        help_text="La rubrique contient un résultat exact (sigle, code, titre égal à la requête) : "
        "elle vient en tête."
    )
    complete = serializers.BooleanField(
        help_text="Ses résultats contiennent tous les mots de la requête (sinon : ceux qui en "
        "contiennent le plus)."
    )
    adresse = serializers.SerializerMethodField(
        help_text="Adresse API de la rubrique entière (paramètre `type`)."
    )

    def get_adresse(self, rubrique) -> str:
        requete = self.context["request"]
        url = remove_query_param(requete.build_absolute_uri(), "page")
        return replace_query_param(url, "type", rubrique.type)


class ResultatSerializer(Serialiseur):
    type = serializers.CharField(help_text="Rubrique du résultat (voir `rubriques`).")
    type_libelle = serializers.CharField(help_text="Nom de la rubrique, en français.")
    modele = serializers.CharField(
        help_text="Nature de l’objet : engagement, action, indicateur, quartier, secteur, "
        "projetstructurant, sigle, signataire, structure, ficheaction."
    )
    id = serializers.IntegerField(source="objet_id", help_text="Identifiant de l’objet.")
    titre = serializers.CharField(help_text="Titre, en texte brut.")
    titre_html = serializers.CharField(
        help_text="Titre en HTML échappé, termes trouvés entourés de `<mark>`."
    )
    extrait_html = serializers.CharField(
        help_text="Passage où les termes apparaissent, HTML échappé avec `<mark>` (vide si le "
        "titre dit tout)."
    )
    contexte = serializers.CharField(
        help_text="Où se situe l’objet (thématique, quartier, structure…)."
    )
    url = serializers.SerializerMethodField(help_text="Adresse de l’objet dans le portail.")
    langue = serializers.CharField(help_text="Langue du texte (`fr`, `en`).")
    exact = serializers.BooleanField(
        help_text="Résultat exact : sigle, code ou titre égal à la requête."
    )

    def get_url(self, resultat) -> str:
        return self.context["request"].build_absolute_uri(resultat.url)


class SigleTrouveSerializer(Serialiseur):
    sigle = serializers.CharField(help_text="Le sigle reconnu dans la requête.")
    definition = serializers.CharField(help_text="Sa définition, aussi cherchée.")


class CorrectionSerializer(Serialiseur):
    mot = serializers.CharField(help_text="Un mot de la requête absent du portail.")
    corrections = serializers.ListField(
        child=serializers.CharField(), help_text="Les mots proches aussi cherchés."
    )


EXEMPLE = {
    "q": "Caf",
    "type": None,
    "count": 36,
    "next": "https://exemple.paris.fr/api/v1/recherche/?page=2&q=Caf",
    "previous": None,
    "rubriques": [
        {
            "type": "glossaire",
            "libelle": "Glossaire",
            "nombre": 1,
            "exacte": True,
            "complete": True,
            "adresse": "https://exemple.paris.fr/api/v1/recherche/?q=Caf&type=glossaire",
        }
    ],
    "sigles": [{"sigle": "Caf", "definition": "Caisse d’allocations familiales"}],
    "corrections": [],
    "results": [
        {
            "type": "glossaire",
            "type_libelle": "Glossaire",
            "modele": "sigle",
            "id": 12,
            "titre": "Caf",
            "titre_html": "<mark>Caf</mark>",
            "extrait_html": "<mark>Caisse</mark> d’<mark>allocations</mark> "
            "<mark>familiales</mark>",
            "contexte": "Sigle du glossaire",
            "url": "https://exemple.paris.fr/glossaire/?q=Caf",
            "langue": "fr",
            "exact": True,
        }
    ],
}


@extend_schema_serializer(
    many=False, examples=[OpenApiExample("Sigle « Caf »", value=EXEMPLE, response_only=True)]
)
class RechercheSerializer(Serialiseur):
    q = serializers.CharField(help_text="La requête, telle que cherchée.")
    type = serializers.CharField(
        allow_null=True, help_text="La rubrique demandée, ou null (toutes)."
    )
    count = serializers.IntegerField(
        source="nombre",
        help_text="Nombre de résultats de la liste paginée (la rubrique demandée, ou toutes).",
    )
    next = serializers.SerializerMethodField(
        help_text="Adresse de la page suivante (null sur la dernière)."
    )
    previous = serializers.SerializerMethodField(
        help_text="Adresse de la page précédente (null sur la première)."
    )
    rubriques = RubriqueSerializer(
        many=True, help_text="Les rubriques qui ont des résultats, dans l’ordre de la page."
    )
    sigles = serializers.SerializerMethodField(
        help_text="Les sigles du glossaire reconnus dans la requête."
    )
    corrections = serializers.SerializerMethodField(
        help_text="Les mots absents du portail et les mots proches cherchés à leur place."
    )
    results = ResultatSerializer(
        source="resultats", many=True, help_text="Les résultats de la page."
    )

    def _lien(self, recherche, page):
        url = self.context["request"].build_absolute_uri()
        if page == 1:
            return remove_query_param(url, "page")
        return replace_query_param(url, "page", page)

    def get_next(self, recherche) -> str | None:
        if recherche.par_page is None or recherche.page >= recherche.pages:
            return None
        return self._lien(recherche, recherche.page + 1)

    def get_previous(self, recherche) -> str | None:
        if recherche.page <= 1 or recherche.par_page is None:
            return None
        return self._lien(recherche, min(recherche.page - 1, recherche.pages))

    def get_sigles(self, recherche) -> list[dict[str, str]]:
        return SigleTrouveSerializer(
            [{"sigle": s, "definition": d} for s, d in recherche.sigles], many=True
        ).data

    def get_corrections(self, recherche) -> list[dict]:
        return CorrectionSerializer(
            [{"mot": m, "corrections": c} for m, c in recherche.corrections], many=True
        ).data


@extend_schema(
    summary="Recherche transversale",
    description="La recherche de la page /recherche/ : engagements, actions, indicateurs, "
    "quartiers et secteurs, projets structurants, glossaire, signataires, et — selon les "
    "droits du compte — structures et fiches-actions.\n\n"
    "En français : sans accents ni majuscules (« sante » = « santé »), par racines (« ateliers »"
    " trouve « atelier »), fautes de frappe corrigées quand le mot n’existe pas dans le portail "
    "(« qartier »), sigles du glossaire développés (« Caf » cherche aussi « Caisse "
    "d’allocations familiales »). Dans chaque rubrique, seuls les résultats qui contiennent le "
    "plus de mots de la requête sont gardés (tous, s’il y en a), classés résultats exacts "
    "d’abord, puis par pertinence.\n\n"
    "Sans `type`, la liste paginée enchaîne les rubriques dans l’ordre de `rubriques` ; avec "
    "`type`, elle ne contient que cette rubrique. `rubriques` donne toujours le nombre de "
    "résultats de chaque rubrique.",
    parameters=[
        OpenApiParameter(
            "q",
            {
                "type": "string",
                "minLength": 2,
                "maxLength": LONGUEUR_MAX,
                # Au moins deux caractères hors espaces, sans caractère nul.
                "pattern": r"^[^\x00]*\S[^\x00]*\S[^\x00]*$",
            },
            required=True,
            description=f"La requête : de 2 à {LONGUEUR_MAX} caractères, sans caractère nul. "
            "`search` en est un synonyme, accepté comme sur les autres listes.",
            examples=[
                OpenApiExample("Sigle", value="Caf"),
                OpenApiExample("Sans accent", value="sante"),
            ],
        ),
        OpenApiParameter(
            "type",
            OpenApiTypes.STR,
            enum=[r.value for r in Rubrique],
            description=f"Une seule rubrique : {TYPES}.",
        ),
        OpenApiParameter(
            "page",
            {"type": "integer", "minimum": 1, "maximum": PAGE_MAX},
            description="Numéro de la page (à partir de 1).",
        ),
        OpenApiParameter(
            "page_size",
            {"type": "integer", "minimum": 1, "maximum": moteur.PAR_PAGE_MAX},
            description=f"Résultats par page ({moteur.PAR_PAGE} par défaut, "
            f"{moteur.PAR_PAGE_MAX} au plus).",
        ),
    ],
    responses=RechercheSerializer,
)
class RechercheViewSet(BaseVueAPI, viewsets.GenericViewSet):
    """La recherche transversale, en lecture libre : ce que voit le compte (ou l'anonyme)."""

    permission_classes = [LectureLibre]
    serializer_class = RechercheSerializer
    pagination_class = None
    filter_backends = []
    nom_export = "recherche"
    colonnes_export = [
        Colonne("Rubrique", "type_libelle"),
        Colonne("Titre", "titre"),
        Colonne("Contexte", "contexte"),
        Colonne("Adresse", "url"),
    ]

    def list(self, request):
        parametres = request.query_params
        inconnus = sorted(set(parametres) - PARAMETRES)
        if inconnus:
            raise exceptions.ValidationError(
                {nom: ["Paramètre inconnu de la recherche."] for nom in inconnus}
            )
        q, search = parametres.get("q"), parametres.get("search")
        if q is not None and search is not None and q != search:
            raise exceptions.ValidationError({"search": ["Donnez q ou search, pas les deux."]})
        q = q if q is not None else search
        if q is None:
            raise exceptions.ValidationError({"q": ["Ce paramètre est obligatoire."]})
        page = lire_entier(request, "page", 1, 1, PAGE_MAX)
        par_page = lire_entier(request, "page_size", moteur.PAR_PAGE, 1, moteur.PAR_PAGE_MAX)
        try:
            recherche = moteur.rechercher(
                q,
                request.user,
                type=parametres.get("type"),
                page=page,
                par_page=None if self.est_export else par_page,
                surligner=not self.est_export,
            )
        except SaisieInvalide as refus:
            champ = "type" if refus.code == "type_inconnu" else "q"
            raise exceptions.ValidationError({champ: [refus.message]}) from None
        if recherche.page_inexistante:
            raise exceptions.NotFound("Page invalide : cette page n’existe pas.")
        return Response(self.get_serializer(recherche).data)


ROUTES = [("recherche", RechercheViewSet, "recherche")]
