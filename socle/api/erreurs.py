"""Erreurs de l'API : toujours du JSON en français, avec un `code` stable que les clients
peuvent tester sans lire le message.

    {"code": "non_authentifie", "detail": "…", "erreurs": {}}

`erreurs` détaille les champs fautifs (400) ; il est vide pour les autres erreurs. Une
réponse 429 ajoute `attente` (secondes), aussi donnée par l'en-tête `Retry-After`. Une liste
demandée avec un paramètre qu'elle ne connaît pas répond 400 `parametre_inconnu` (la clé la
plus proche dans `erreurs`), avec une valeur de filtre invalide 400 `donnees_invalides`."""

import difflib
import math

from django.core import exceptions as django_exceptions
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.fields import get_error_detail
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView, set_rollback

from socle.chiffres import compte_fr


class RequeteTropVolumineuse(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "La requête dépasse la taille maximale autorisée."
    default_code = "requete_trop_volumineuse"


class PreconditionEchouee(exceptions.APIException):
    """Écriture sur une version périmée (If-Match ne correspond plus à l'ETag)."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "La ressource a été modifiée depuis votre lecture : relisez-la avant d’écrire."
    default_code = "precondition_echouee"


class PreconditionRequise(exceptions.APIException):
    """Écriture sans If-Match sur une ressource qui en exige un."""

    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = "L’en-tête If-Match est obligatoire pour modifier cette ressource."
    default_code = "precondition_requise"


class Conflit(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "La requête est en conflit avec l’état de la ressource."
    default_code = "conflit"


class Refus(exceptions.PermissionDenied):
    """Un refus métier (403) avec sa raison en français et un code stable propre
    (`campagne_fermee`, `valeur_validee`…), plutôt que le générique `acces_refuse`."""

    def __init__(self, detail, code):
        super().__init__(detail, code=code)


class LotInvalide(exceptions.ValidationError):
    """Un envoi groupé refusé en bloc : `erreurs` est indexé par la position de l'élément
    dans la liste envoyée (`{"2": {"valeur": ["…"]}}`), `detail` résume."""

    def __init__(self, erreurs, resume):
        super().__init__(erreurs)
        self.resume = resume


class LotPerime(PreconditionEchouee):
    """Un envoi groupé dont des éléments portent une version périmée (et aucun autre
    défaut) : 412, avec les éléments concernés dans `erreurs`."""

    def __init__(self, erreurs, detail):
        super().__init__(detail)
        self.erreurs = erreurs


class FiltresInvalides(exceptions.ValidationError):
    """Une liste demandée avec une valeur de filtre qu'elle ne sait pas lire (choix inconnu,
    nombre mal formé) : 400 `donnees_invalides`, le message de chaque paramètre fautif dans
    `erreurs`. Jamais ignorée : la liste entière passerait pour filtrée."""

    def __init__(self, erreurs):
        super().__init__(erreurs)
        noms = ", ".join(f"« {nom} »" for nom in erreurs)
        if len(erreurs) > 1:
            self.resume = (
                f"Valeurs de filtre invalides : {noms} (voir « erreurs ») ; aucun résultat "
                "n’est renvoyé tant qu’elles ne sont pas corrigées."
            )
        else:
            self.resume = (
                f"Valeur de filtre invalide : {noms} (voir « erreurs ») ; aucun résultat "
                "n’est renvoyé tant qu’elle n’est pas corrigée."
            )


class ParametresInconnus(exceptions.ValidationError):
    """Une liste demandée avec un paramètre qu'elle ne connaît pas (400 `parametre_inconnu`) :
    une faute de frappe dans un filtre (`?engagment=1`) ne doit pas rendre toute la liste.
    `erreurs` donne, pour chaque paramètre inconnu, la clé acceptée la plus proche s'il y en
    a une ; `detail` liste les paramètres acceptés."""

    code_stable = "parametre_inconnu"

    def __init__(self, inconnus, acceptes):
        erreurs = {}
        for nom in inconnus:
            message = "Paramètre inconnu pour cette liste."
            proches = difflib.get_close_matches(nom, acceptes, n=1)
            if proches:
                message += f" Vouliez-vous dire « {proches[0]} » ?"
            erreurs[nom] = [message]
        super().__init__(erreurs)
        pluriel = "s" if len(inconnus) > 1 else ""
        noms = ", ".join(f"« {nom} »" for nom in inconnus)
        self.resume = (
            f"Paramètre{pluriel} inconnu{pluriel} pour cette liste : {noms}. Paramètres "
            f"acceptés : {', '.join(acceptes)}."
        )


# Codes stables par classe d'exception DRF (la première classe qui correspond l'emporte).
CODES = (
    (exceptions.NotAuthenticated, "non_authentifie"),
    (exceptions.AuthenticationFailed, "authentification_echouee"),
    (exceptions.PermissionDenied, "acces_refuse"),
    (exceptions.NotFound, "introuvable"),
    (exceptions.MethodNotAllowed, "methode_non_autorisee"),
    (exceptions.NotAcceptable, "format_non_acceptable"),
    (exceptions.UnsupportedMediaType, "type_de_contenu_non_supporte"),
    (exceptions.Throttled, "trop_de_requetes"),
    (exceptions.ParseError, "requete_mal_formee"),
    (exceptions.ValidationError, "donnees_invalides"),
)

# Messages français quand DRF n'en donne pas un qui se suffit à lui-même.
MESSAGES = {"donnees_invalides": "Les données envoyées ne sont pas valides."}

# Les codes que DRF donne par défaut : un code différent vient de nous (AuthenticationFailed
# levée avec code="jeton_revoque", permission avec un attribut `code`…) et passe tel quel.
CODES_DRF = {
    "invalid",
    "parse_error",
    "authentication_failed",
    "not_authenticated",
    "permission_denied",
    "not_found",
    "method_not_allowed",
    "not_acceptable",
    "unsupported_media_type",
    "throttled",
    "error",
}


def _convertir(exc):
    """Ramène les exceptions de Django à celles de DRF."""
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, django_exceptions.PermissionDenied):
        # Les refus métier (ActionRefusee des valeurs…) portent leur raison : on la garde.
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, django_exceptions.RequestDataTooBig):
        return RequeteTropVolumineuse()
    if isinstance(exc, django_exceptions.ValidationError):
        # Une règle métier d'un modèle (clean(), transition de workflow) : erreur de données.
        return exceptions.ValidationError(detail=get_error_detail(exc))
    return exc


def code_de(exc):
    """Le code stable d'une exception DRF."""
    if getattr(exc, "code_stable", None):
        return exc.code_stable
    propre = exc.detail.code if isinstance(exc.detail, exceptions.ErrorDetail) else None
    if propre and propre not in CODES_DRF:
        return propre
    for classe, code in CODES:
        if isinstance(exc, classe):
            return code
    return getattr(exc, "default_code", None) or "erreur"


def corps_erreur(code, detail, erreurs=None, **extra):
    return {"code": code, "detail": str(detail), "erreurs": erreurs or {}, **extra}


def gestionnaire_exceptions(exc, context):
    """EXCEPTION_HANDLER de DRF : même forme JSON pour toutes les erreurs connues. Les autres
    (erreurs du serveur) remontent à Django, qui les journalise."""
    exc = _convertir(exc)
    if not isinstance(exc, exceptions.APIException):
        return None

    code = code_de(exc)
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    extra = {}
    if getattr(exc, "wait", None):
        attente = math.ceil(exc.wait)
        headers["Retry-After"] = str(attente)
        extra["attente"] = attente

    if isinstance(exc, exceptions.ValidationError):
        erreurs = exc.detail
        if not isinstance(erreurs, dict):
            erreurs = {"general": erreurs if isinstance(erreurs, list) else [erreurs]}
        resume = getattr(exc, "resume", None) or MESSAGES.get(code, exc.default_detail)
        corps = corps_erreur(code, resume, erreurs)
    elif isinstance(exc, exceptions.Throttled):
        # Le texte de DRF finit en anglais (« Expected available in 5 seconds. », sans
        # traduction française) : un message entièrement français, accordé.
        detail = "Requête ralentie. Réessayez " + (
            f"dans {compte_fr(extra['attente'], 'seconde')}." if extra else "plus tard."
        )
        corps = corps_erreur(code, detail, None, **extra)
    else:
        detail = exc.detail if not isinstance(exc.detail, (list, dict)) else exc.default_detail
        corps = corps_erreur(code, detail, getattr(exc, "erreurs", None), **extra)

    set_rollback()
    return Response(corps, status=exc.status_code, headers=headers)


class AdresseInconnue(APIView):
    """Toute adresse sous /api/v1/ qui ne correspond à aucune ressource : 404 en JSON (et non
    la page HTML du site)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = []
    schema = None

    def _introuvable(self, request, *args, **kwargs):
        raise exceptions.NotFound("Cette adresse n’existe pas dans l’API (voir /api/v1/docs/).")

    get = post = put = patch = delete = options = _introuvable


# --- erreurs hors de DRF : serveur (500) et base indisponible (503) -----------------------------
# Une exception que DRF ne connaît pas remonte à Django, qui la journalise puis appelle le
# gestionnaire 500 du projet (contratville.views.erreur_serveur) ; sous /api/, celui-ci répond
# avec ces corps JSON, au même format que les autres erreurs.

ATTENTE_INDISPONIBLE = 30  # secondes, annoncées par Retry-After pendant une panne de la base


def reponse_json_erreur_serveur():
    from django.http import JsonResponse

    return JsonResponse(
        corps_erreur(
            "erreur_serveur",
            "Erreur interne du serveur : la demande n’a pas abouti et rien n’a été enregistré. "
            "L’équipe du portail a été prévenue.",
        ),
        status=500,
        json_dumps_params={"ensure_ascii": False},
    )


def reponse_json_indisponible():
    from django.http import JsonResponse

    reponse = JsonResponse(
        corps_erreur(
            "service_indisponible",
            "Le service est momentanément indisponible (base de données injoignable) : rien "
            "n’a été enregistré. Réessayez après le délai indiqué par Retry-After.",
            attente=ATTENTE_INDISPONIBLE,
        ),
        status=503,
        json_dumps_params={"ensure_ascii": False},
    )
    reponse["Retry-After"] = str(ATTENTE_INDISPONIBLE)
    return reponse
