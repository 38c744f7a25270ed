"""Écritures concurrentes : ETag / If-Match (pour les écritures du second volet).

Une ressource versionnée (champ entier `version`, incrémenté à chaque écriture, comme
`Valeur.version`) expose un ETag `"<pk>-<version>"` ; une écriture doit renvoyer cet ETag
dans `If-Match`. Périmé → 412 `precondition_echouee` ; absent → 428 `precondition_requise`.

    class ValeurViewSet(ETagMixin, VueLectureAPI):
        champ_version = "version"

        def perform_update(self, serializer):
            verifier_if_match(self.request, serializer.instance)
            ..."""

import hashlib
import random
import time

from django.db import OperationalError, connection
from rest_framework.response import Response

from socle.api.erreurs import Conflit, PreconditionEchouee, PreconditionRequise


def etag(obj, champ_version="version"):
    """L'ETag (fort) d'un objet versionné."""
    return etag_de(obj.pk, getattr(obj, champ_version))


def etag_de(pk, version):
    """L'ETag d'après la clé et la version lues (listes lues en SQL)."""
    return f'"{pk}-{version}"'


def verifier_if_match(request, obj, champ_version="version", obligatoire=True):
    """Refuse l'écriture si `If-Match` ne désigne pas la version actuelle de `obj`."""
    entete = request.headers.get("If-Match", "").strip()
    if not entete:
        if obligatoire:
            raise PreconditionRequise()
        return
    if entete == "*":
        return
    attendues = {e.strip().removeprefix("W/") for e in entete.split(",")}
    if etag(obj, champ_version) not in attendues:
        raise PreconditionEchouee()


class ETagMixin:
    """Ajoute l'en-tête ETag aux réponses de détail d'une ressource versionnée."""

    champ_version = "version"
    codes_erreur_supplementaires = {
        "412": "Version périmée : relire la ressource (ETag) avant d’écrire.",
        "428": "En-tête If-Match obligatoire pour écrire.",
    }

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        donnees = self.get_serializer(instance).data
        return Response(donnees, headers={"ETag": etag(instance, self.champ_version)})


# --- écritures concurrentes : verrous ordonnés et reprise bornée ------------------------------
# Deux transactions qui verrouillent les mêmes lignes dans des ordres différents s'interbloquent
# et PostgreSQL en annule une (SQLSTATE 40P01). Les écritures groupées verrouillent donc leurs
# lignes dans un ordre stable (clé primaire, puis clés naturelles : `verrouiller_cles`) ; une
# annulation qui arrive malgré tout (écriture d'un autre chemin) est rejouée quelques fois
# (`reessayer_si_concurrence`) plutôt que de remonter en erreur 500.

ETATS_A_REJOUER = {
    "40P01": "interblocage",  # deadlock_detected
    "40001": "sérialisation",  # serialization_failure
}


def etat_sql(exc):
    """Le SQLSTATE d'une erreur de base (psycopg), ou None."""
    while exc is not None:
        etat = getattr(exc, "sqlstate", None)
        if etat:
            return etat
        exc = exc.__cause__
    return None


def reessayer_si_concurrence(fonction, essais=3, attente=0.05):
    """Appelle `fonction()` (qui ouvre elle-même sa transaction), et la rejoue, au plus
    `essais` fois en tout, si PostgreSQL l'a annulée pour interblocage ou échec de
    sérialisation : rien n'a été écrit, rejouer est sûr. Au-delà, lève `ConcurrenceEpuisee`
    (409). Ne pas appeler à l'intérieur d'une transaction qui doit survivre à l'échec."""
    for essai in range(1, essais + 1):
        try:
            return fonction()
        except OperationalError as exc:
            if etat_sql(exc) not in ETATS_A_REJOUER:
                raise
            if essai == essais:
                raise ConcurrenceEpuisee() from exc
            # Attente croissante et aléatoire : les transactions concurrentes se désynchronisent.
            time.sleep(attente * essai * (1 + random.random()))
    return None  # pragma: no cover


class ConcurrenceEpuisee(Conflit):
    """D'autres écritures simultanées sur les mêmes valeurs ont annulé celle-ci plusieurs
    fois : rien n'a été enregistré, la requête peut être renvoyée telle quelle."""

    default_detail = (
        "D’autres écritures simultanées portent sur les mêmes valeurs : rien n’a été "
        "enregistré. Renvoyez la requête dans quelques secondes."
    )
    default_code = "ecritures_concurrentes"
    wait = 2  # secondes : Retry-After et « attente » dans le corps de l'erreur


def verrouiller_cles(cles, espace="valeur"):
    """Verrous consultatifs PostgreSQL (levés à la fin de la transaction) sur des clés
    naturelles, pris dans un ordre stable : deux envois qui créent les mêmes lignes dans des
    ordres différents passent l'un après l'autre au lieu de s'interbloquer sur l'index
    unique. Sans effet hors PostgreSQL (SQLite sérialise déjà les écritures)."""
    if connection.vendor != "postgresql" or not cles:
        return
    empreintes = sorted(
        {
            int.from_bytes(
                hashlib.blake2b(f"{espace}:{cle}".encode(), digest_size=8).digest(),
                "big",
                signed=True,
            )
            for cle in cles
        }
    )
    with connection.cursor() as curseur:
        # La sous-requête triée alimente l'agrégat ligne à ligne : les verrous sont pris dans
        # l'ordre des empreintes, en une seule requête.
        curseur.execute(
            "SELECT count(pg_advisory_xact_lock(k)) "
            "FROM (SELECT unnest(%s::bigint[]) AS k ORDER BY 1) AS cles",
            [empreintes],
        )
