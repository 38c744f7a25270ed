"""Fixtures des tests de l'API : client DRF, jetons, débits relevés (les tests de débit les
abaissent eux-mêmes) et compteurs de débit remis à zéro à chaque test."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from contratville.models import JetonAPI

ROLES = ["anonyme", "spv", "delegue", "partenaire", "structure", "admin"]


@pytest.fixture(autouse=True)
def _debits_larges(settings):
    """Les compteurs de débit vivent dans le cache : on repart de zéro, avec des taux assez
    hauts pour qu'aucun test ne soit ralenti par accident."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anonyme": "100000/min", "utilisateur": "100000/min"},
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


def client_api(user, mode="session"):
    """Un client DRF connecté par session ou par jeton (ou anonyme si `user` est None)."""
    client = APIClient()
    if user is None:
        return client
    if mode == "session":
        client.force_login(user)
    else:
        _, cle = JetonAPI.emettre(user, f"Jeton de test de {user.username}")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {cle}")
    return client


def verifier_erreur(reponse, statut, code):
    """Une erreur de l'API : JSON, en français, avec son code stable."""
    assert reponse.status_code == statut, (reponse.status_code, reponse.content[:300])
    assert reponse["Content-Type"].startswith("application/json")
    corps = reponse.json()
    assert corps["code"] == code, corps
    assert set(corps) >= {"code", "detail", "erreurs"}
    assert corps["detail"]
    return corps
