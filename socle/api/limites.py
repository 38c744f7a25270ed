"""Débits de l'API (throttling DRF) : anonymes par adresse IP, comptes (jeton ou session)
par utilisateur. Les taux viennent de REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] et sont relus
à chaque requête, pour qu'un réglage surchargé (tests, `override_settings`) s'applique.

Les compteurs sont dans le cache par défaut de Django, une table de la base en production
(`CACHES` : DatabaseCache, table créée par `manage.py createcachetable`) : tous les processus
gunicorn comptent ensemble, la limite tient quel que soit le processus qui répond. Pendant une
panne de la base, le débit ne se lit plus et l'API répond 503 (rien n'est écrit).

L'adresse d'un anonyme est celle que donne `NUM_PROXIES` (réglage NOMBRE_PROXYS, partagé avec
le verrouillage des connexions : contratville/connexion.py)."""

from django.core.exceptions import ImproperlyConfigured
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class _TauxDesReglages:
    def get_rate(self):
        try:
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError:
            raise ImproperlyConfigured(
                f"Aucun débit « {self.scope} » dans REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']."
            ) from None


class DebitAnonyme(_TauxDesReglages, AnonRateThrottle):
    """Requêtes sans compte, comptées par adresse IP."""

    scope = "anonyme"


class DebitUtilisateur(_TauxDesReglages, UserRateThrottle):
    """Requêtes d'un compte (jeton ou session), comptées par utilisateur."""

    scope = "utilisateur"

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None  # les anonymes relèvent de DebitAnonyme
        return super().get_cache_key(request, view)
