"""Débits de l'API partagés par tous les processus : les compteurs vivent dans le cache en
base de la production (DatabaseCache), que deux processus gunicorn lisent et écrivent
ensemble ; un cache en mémoire laisserait chaque processus compter de son côté."""

import pytest
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.management import call_command
from rest_framework.test import APIRequestFactory, force_authenticate

from socle.api.limites import DebitUtilisateur

pytestmark = pytest.mark.django_db


@pytest.fixture
def debit_de_deux(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anonyme": "100/min", "utilisateur": "2/min"},
    }


def requete_de(user):
    requete = APIRequestFactory().get("/api/v1/valeurs/")
    force_authenticate(requete, user=user)
    requete.user = user
    return requete


def autorisations(caches, user):
    """Une requête par « processus », chacun avec son propre objet de cache."""
    resultats = []
    for cache in caches:
        debit = DebitUtilisateur()
        debit.cache = cache
        resultats.append(debit.allow_request(requete_de(user), view=None))
    return resultats


def test_cache_en_base_partage_entre_processus(debit_de_deux, utilisateurs, settings):
    import contratville.settings as production

    # La table du cache de la production, créée comme le fait le point d'entrée.
    settings.CACHES = production.CACHES
    call_command("createcachetable", verbosity=0)
    processus = [DatabaseCache("cache_portail", {}) for _ in range(3)]
    processus[0].clear()
    assert autorisations(processus, utilisateurs["spv"]) == [True, True, False]


def test_cache_en_memoire_ne_partage_pas(debit_de_deux, utilisateurs):
    """Ce que l'on corrige : chaque processus a son compteur, la limite est dépassée."""
    processus = [LocMemCache(f"processus-{i}", {}) for i in range(3)]
    assert autorisations(processus, utilisateurs["spv"]) == [True, True, True]
