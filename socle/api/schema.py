"""Le schéma OpenAPI 3 de l'API (drf-spectacular), en français : description générale,
étiquettes, sécurité par jeton, réponses d'erreur documentées sur chaque opération, et
formats tableur décrits comme des fichiers."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from socle.api.rendus import RENDUS_TABLEUR

DESCRIPTION = """
API du portail de suivi du **contrat de ville parisien 2024-2030** : le référentiel du
contrat, les valeurs des indicateurs, les campagnes annuelles, les structures et leurs
fiches-actions ; les partenaires producteurs de données y envoient leurs valeurs.

## Accès

Le référentiel du contrat (thématiques, engagements, quartiers prioritaires, projets
structurants, définitions des indicateurs, territoires, signataires, sigles) se lit **sans
compte**.

Les autres données (valeurs, campagnes, structures, fiches-actions) suivent les mêmes règles
de visibilité que les pages du portail : elles demandent une session ouverte sur le portail
ou un **jeton d’API**. Un jeton est émis par le service Politique de la ville (DDCT/SPV) dans
l’administration, pour un compte ; il agit avec le rôle et les droits de ce compte, rien de
plus. Sa clé n’est montrée qu’une fois, à sa création ; un jeton se révoque à tout moment.

    curl -H "Authorization: Bearer cvp_…" https://…/api/v1/valeurs/?indicateur=E05-2

## Identifiants

Les clés naturelles servent dans les adresses et les filtres : numéro d’engagement et de
thématique, identifiant (slug) de quartier, de structure et de signataire, code d’indicateur
(`E05-2`) et de territoire (`qpv-goutte-dor`), année de campagne, sigle, et `code_qpv` (code
officiel d’un QPV, saisi par le SPV, vide sinon) ; les identifiants numériques (`id`) sont
aussi donnés.

## Listes

Les listes sont paginées avec les clés standard `count`, `next`, `previous`, `results`,
triées de façon stable et filtrables ; `search` fait une recherche plein texte. Les listes
courtes se paginent par numéro (`page`, `page_size` : 50 par défaut, 500 au plus ; `count`
exact). La liste des valeurs se pagine par curseur (suivre `next` ; `count` exact jusqu’à
10 000 résultats, `null` au-delà). Un paramètre inconnu ou mal formé (`format=` vide,
`page_size=null`, booléen illisible) est refusé (400) ; une clé qui ne désigne rien donne une
liste vide. `modifie_depuis` (date et heure ISO 8601 avec fuseau) ne garde que les objets
modifiés depuis cet instant : la synchronisation incrémentale reprend au plus grand
`modifie_le` reçu.

Les nombres sont des nombres JSON, les booléens `true`/`false`, les dates ISO 8601. Une
valeur d’indicateur est un enregistrement plat (codes de l’indicateur et du territoire,
année, valeur, nombre, base, unité, statut, source, commentaire, démo, version,
`modifie_le`) : ce que renvoie un GET se renvoie tel quel par PUT ou dans l’envoi groupé. `format=csv`, `format=csv-excel`
ou `format=xlsx` renvoie **toute** la liste filtrée en fichier tableur, sans pagination,
écrite en flux (listes jointes par « ; ») :

- `csv` : pour les programmes — RFC 4180, UTF-8 sans BOM, virgule, dates ISO 8601
  (`2025-03-01`, `2025-03-01T09:30:00+01:00`), point décimal, booléens `true`/`false` ;
- `csv-excel` : pour Excel en français — UTF-8 avec BOM, point-virgule, virgule décimale,
  dates `jj/mm/aaaa`, booléens Oui/Non ;
- `xlsx` : classeur Excel, vraies dates et vrais nombres, en-têtes figés.

Un texte qui commence par `=`, `+`, `-`, `@`, une tabulation ou un retour chariot n’est
jamais une formule (apostrophe en tête en CSV, cellule de texte en xlsx). Une valeur absente
donne une cellule vide. Les valeurs de démonstration (synthétiques) sont signalées par la
colonne « Démo ».

## Écritures : les valeurs des indicateurs

Un partenaire crée ou modifie les valeurs des indicateurs que son organisation produit,
pendant la campagne ouverte de l’année ; le SPV, celles de tous les indicateurs. Les
contrôles sont ceux de la grille de saisie et de l’import de tableurs : territoire attendu,
unités (part entre 0 et 100, nombre entier positif, nombre et base), campagne ouverte, valeur
déjà validée, valeur atypique (écart de plus de ±50 % avec l’année précédente) à expliquer
dans `commentaire`. Toute écriture remet la valeur en brouillon ; elle se soumet ensuite
(`POST /api/v1/valeurs/{id}/soumettre/`), et le SPV la valide ou la renvoie.

- `POST /api/v1/valeurs/` crée une valeur ;
- `PATCH` ou `PUT /api/v1/valeurs/{id}/` la modifie, avec l’en-tête `If-Match` portant
  l'`ETag` lu (`"12-3"` : valeur 12, version 3). Version périmée : 412 ; en-tête absent : 428 ;
- `POST /api/v1/valeurs/bulk/` crée ou met à jour plusieurs valeurs (par code d’indicateur,
  code de territoire et année), **tout ou rien** : au moindre élément en erreur, rien n’est
  écrit et `erreurs` donne, par position dans la liste, le champ fautif et le message.

Chaque écriture est historisée (auteur, date, raison « API »).

## Erreurs et limites

Toute erreur est un objet JSON en français avec un `code` stable :
`{"code": "introuvable", "detail": "…", "erreurs": {}}`. Codes : `donnees_invalides`,
`requete_mal_formee`, `non_authentifie`, `authentification_echouee`, `jeton_invalide`,
`jeton_revoque`, `jeton_expire`, `jeton_mal_forme`, `compte_inactif`, `acces_refuse`,
`role_insuffisant`, `indicateur_non_produit`, `campagne_fermee`, `valeur_validee`,
`transition_impossible`, `introuvable`, `methode_non_autorisee`, `conflit`,
`precondition_echouee`, `precondition_requise`, `format_non_acceptable`,
`type_de_contenu_non_supporte`, `requete_trop_volumineuse`, `trop_de_requetes`.

Le débit est limité par adresse IP sans compte et par compte avec un jeton ou une session
(réponse 429 avec l’en-tête `Retry-After`) ; le corps d’une requête est limité en taille
(413).
""".strip()

TAGS = [
    {"name": "thematiques", "description": "Les 8 thématiques du contrat."},
    {
        "name": "engagements",
        "description": "Les 30 engagements, avec leurs axes, actions numérotées, acteurs, "
        "financements mobilisables, plans et stratégies et indicateurs à suivre.",
    },
    {"name": "signataires", "description": "Les signataires du contrat."},
    {"name": "sigles", "description": "Le glossaire du contrat."},
    {
        "name": "quartiers",
        "description": "Les 21 quartiers prioritaires (QPV), leurs arrondissements, secteurs "
        "ou micro-quartiers et chiffres clés.",
    },
    {"name": "projets", "description": "Les projets structurants des fiches quartiers."},
    {
        "name": "indicateurs",
        "description": "Le référentiel d’évaluation : définition des indicateurs à suivre, "
        "producteur et métadonnées.",
    },
    {
        "name": "territoires",
        "description": "Là où une valeur s’applique : QPV, secteur, ensemble des QPV, Paris, "
        "arrondissement, réseaux REP/REP+.",
    },
    {"name": "campagnes", "description": "Les campagnes annuelles de saisie des valeurs."},
    {
        "name": "valeurs",
        "description": "Les valeurs des indicateurs par territoire et par année : lecture, "
        "saisie, circuit de validation et envoi groupé.",
    },
    {
        "name": "structures",
        "description": "Les associations, centres sociaux et espaces de vie sociale.",
    },
    {
        "name": "fiches-actions",
        "description": "Les actions menées par les structures, par engagement, QPV et année.",
    },
]


def garder_api_v1(endpoints, **kwargs):
    """Seules les routes de /api/v1/ entrent dans le schéma."""
    return [e for e in endpoints if e[0].startswith("/api/v1/")]


def completer_schema(result, generator, request, public):
    """Description longue et étiquettes décrites (trop longues pour les réglages)."""
    result["info"]["description"] = DESCRIPTION
    utilisees = {
        t
        for chemin in result.get("paths", {}).values()
        for op in chemin.values()
        for t in op.get("tags", [])
    }
    connues = [t for t in TAGS if t["name"] in utilisees]
    autres = [{"name": n} for n in sorted(utilisees - {t["name"] for t in TAGS})]
    result["tags"] = connues + autres
    return result


class JetonScheme(OpenApiAuthenticationExtension):
    target_class = "socle.api.authentification.JetonAuthentication"
    name = "jeton"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "cvp_…",
            "description": "Jeton d’API émis par le SPV dans l’administration : "
            "`Authorization: Bearer <clé>` (ou `Token <clé>`).",
        }


class ErreurAPISerializer(serializers.Serializer):
    """Corps de toute réponse d'erreur de l'API."""

    code = serializers.CharField(
        help_text="Code stable de l’erreur (`introuvable`, `donnees_invalides`, "
        "`non_authentifie`, `jeton_revoque`, `trop_de_requetes`…)."
    )
    detail = serializers.CharField(help_text="Message en français, pour un humain.")
    erreurs = serializers.DictField(
        help_text="Erreurs par champ (paramètre de filtre, champ envoyé) ; vide si l’erreur "
        "ne porte pas sur un champ."
    )
    attente = serializers.IntegerField(
        required=False, help_text="429 seulement : secondes à attendre avant de réessayer."
    )


def _exemple(nom, code, detail, statut, erreurs=None, **extra):
    return OpenApiExample(
        nom,
        value={"code": code, "detail": detail, "erreurs": erreurs or {}, **extra},
        status_codes=[statut],
        response_only=True,
    )


exemple_erreur = _exemple


REPONSES_ERREUR = {
    "400": OpenApiResponse(
        ErreurAPISerializer,
        description="Paramètres ou données invalides (détail par champ dans `erreurs`).",
        examples=[
            _exemple(
                "Filtre invalide",
                "donnees_invalides",
                "Les données envoyées ne sont pas valides.",
                "400",
                {"statut": ["Sélectionnez un choix valide. inconnu n’en fait pas partie."]},
            )
        ],
    ),
    "401": OpenApiResponse(
        ErreurAPISerializer,
        description="Authentification absente ou refusée (jeton inconnu, révoqué, expiré).",
        examples=[
            _exemple("Jeton révoqué", "jeton_revoque", "Ce jeton d’API a été révoqué.", "401")
        ],
    ),
    "403": OpenApiResponse(
        ErreurAPISerializer,
        description="Le rôle du compte ne donne pas accès à cette ressource.",
        examples=[
            _exemple(
                "Accès refusé",
                "acces_refuse",
                "Votre rôle ne donne pas accès à cette ressource.",
                "403",
            )
        ],
    ),
    "404": OpenApiResponse(
        ErreurAPISerializer,
        description="Ressource ou page introuvable.",
        examples=[_exemple("Introuvable", "introuvable", "Pas trouvé.", "404")],
    ),
    "406": OpenApiResponse(
        ErreurAPISerializer,
        description="Format demandé (en-tête Accept) non disponible.",
        examples=[
            _exemple(
                "Format non disponible",
                "format_non_acceptable",
                "Impossible de satisfaire l’en-tête « Accept » de la requête.",
                "406",
            )
        ],
    ),
    "413": OpenApiResponse(
        ErreurAPISerializer,
        description="Corps de requête trop volumineux.",
        examples=[
            _exemple(
                "Trop volumineux",
                "requete_trop_volumineuse",
                "La requête dépasse la taille maximale autorisée.",
                "413",
            )
        ],
    ),
    "429": OpenApiResponse(
        ErreurAPISerializer,
        description="Trop de requêtes : attendre le délai de l’en-tête `Retry-After`.",
        examples=[
            _exemple(
                "Débit dépassé",
                "trop_de_requetes",
                "Requête ralentie. Réessayez dans 42 secondes.",
                "429",
                attente=42,
            )
        ],
    ),
}

PARAMETRE_FORMAT = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["json", "csv", "csv-excel", "xlsx"],
    description="Format de la réponse : `json` (par défaut) ; `csv` (RFC 4180, UTF-8, virgule, "
    "dates ISO 8601, point décimal, true/false) ; `csv-excel` (Excel en français : UTF-8 avec "
    "BOM, point-virgule, virgule décimale, dates jj/mm/aaaa, Oui/Non) ; `xlsx`. En CSV et en "
    "xlsx, une liste est renvoyée en entier (filtres appliqués, sans pagination).",
)

MEDIAS_TABLEUR = {r.media_type for r in RENDUS_TABLEUR}

# Concurrence (ETag / If-Match) : en-têtes documentés sur les ressources versionnées.
ENTETE_ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=["200", "201"],
    description='Version de la ressource (`"12-3"` : identifiant 12, version 3), à renvoyer '
    "dans `If-Match` pour la modifier.",
)


def entete_if_match(obligatoire=True):
    """L'en-tête If-Match d'une écriture : obligatoire (428 sans lui) ou facultatif."""
    suite = (
        "Obligatoire : sans lui, 428."
        if obligatoire
        else "Facultatif : s’il est donné, il doit désigner la version actuelle."
    )
    return OpenApiParameter(
        "If-Match",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        required=obligatoire,
        description='L’ETag lu avant d’écrire (`"12-3"`) ; une version périmée reçoit 412. '
        + suite,
        examples=[OpenApiExample("Version 3 de la valeur 12", value='"12-3"')],
    )


def cle_naturelle(nom, type_, description, *exemples):
    """Paramètre de chemin d'une vue de détail (clé naturelle), décrit et illustré."""
    return OpenApiParameter(
        nom,
        type_,
        OpenApiParameter.PATH,
        description=description,
        examples=[OpenApiExample(str(v), value=v) for v in exemples],
    )


class SchemaAPI(AutoSchema):
    """AutoSchema de l'API : sécurité facultative sur les ressources publiques, réponses
    d'erreur documentées, paramètre `format` et fichiers tableur."""

    def get_auth(self):
        auths = super().get_auth()
        publique = any(getattr(p, "public", False) for p in self.view.get_permissions())
        if publique and {} not in auths:
            auths.append({})
        return auths

    def _tableur(self):
        return any(
            issubclass(r, RENDUS_TABLEUR) for r in getattr(self.view, "renderer_classes", [])
        )

    def get_override_parameters(self):
        parametres = list(super().get_override_parameters())
        if self.method == "GET" and self._tableur():
            parametres.append(PARAMETRE_FORMAT)
        return parametres

    def erreurs_supplementaires(self):
        """Les réponses d'erreur propres à l'opération (409, 412, 428…) : la vue les donne par
        méthode et action (`codes_erreur_de`), ou pour toutes ses opérations."""
        if hasattr(self.view, "codes_erreur_de"):
            return self.view.codes_erreur_de(self.method, getattr(self.view, "action", None))
        return getattr(self.view, "codes_erreur_supplementaires", {})

    def codes_erreur(self):
        publique = any(getattr(p, "public", False) for p in self.view.get_permissions())
        codes = ["401", "404", "406", "429"]
        if self.method == "GET" and (self._is_list_view() or self._tableur()):
            codes.append("400")  # paramètre de liste, ou `format` inconnu
        if self.method not in ("GET", "HEAD", "OPTIONS", "DELETE"):
            codes += ["400", "413"]
        if not publique or self.method not in ("GET", "HEAD", "OPTIONS"):
            codes.append("403")
        codes += list(self.erreurs_supplementaires())
        return sorted(set(codes))

    def _get_response_bodies(self, direction="response"):
        reponses = super()._get_response_bodies(direction)
        supplementaires = self.erreurs_supplementaires()
        for code in self.codes_erreur():
            if code in reponses:
                continue
            propre = supplementaires.get(code)
            if isinstance(propre, OpenApiResponse):
                reponse = propre
            elif propre:
                # Description propre à l'opération, exemples communs s'il y en a.
                commune = REPONSES_ERREUR.get(code)
                reponse = OpenApiResponse(
                    ErreurAPISerializer,
                    description=propre,
                    examples=commune.examples if commune else None,
                )
            else:
                reponse = REPONSES_ERREUR.get(code) or OpenApiResponse(
                    ErreurAPISerializer, description=""
                )
            reponses[code] = self._get_response_for_code(
                reponse, code, media_types=["application/json"], direction=direction
            )
        return reponses

    def _get_response_for_code(
        self, serializer, status_code, media_types=None, direction="response"
    ):
        reponse = super()._get_response_for_code(serializer, status_code, media_types, direction)
        for media, contenu in reponse.get("content", {}).items():
            if media in MEDIAS_TABLEUR:
                contenu["schema"] = {
                    "type": "string",
                    "format": "binary",
                    "description": "Fichier tableur (une ligne d’en-têtes, une ligne par objet).",
                }
                contenu.pop("examples", None)
        return reponse
