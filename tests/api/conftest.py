"""Fixtures des tests de l'API : client DRF, jetons, débits relevés (les tests de débit les
abaissent eux-mêmes) et compteurs de débit remis à zéro à chaque test."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from socle.models import JetonAPI

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


# --- campagne des indicateurs (second volet : valeurs, écritures) ---------------------------

ANNEE = 2025


@pytest.fixture
def caf(db):
    from engagements.models import Signataire

    return Signataire.objects.get(nom__icontains="allocations familiales")


def ouvrir_campagne(annee=ANNEE, **dates):
    import datetime

    from django.utils import timezone

    from indicateurs.models import Campagne

    jour = timezone.localdate()
    return Campagne.objects.create(
        annee=annee,
        date_ouverture=dates.get("ouverture", jour - datetime.timedelta(days=10)),
        date_cloture=dates.get("cloture", jour + datetime.timedelta(days=30)),
    )


@pytest.fixture
def campagne(db):
    """La campagne 2025, ouverte aujourd'hui."""
    return ouvrir_campagne()


def produit_par(code, signataire):
    from indicateurs.models import Indicateur

    indicateur = Indicateur.objects.get(code=code)
    indicateur.producteur = signataire
    indicateur.save()
    return indicateur


@pytest.fixture
def ind_caf(caf):
    """E28-2 (un nombre) produit par la Caf, l'organisation du partenaire de test."""
    return produit_par("E28-2", caf)


@pytest.fixture
def ind_part_caf(caf):
    """E05-1 (« nombre et part ») produit par la Caf."""
    return produit_par("E05-1", caf)


@pytest.fixture
def ind_autre(db):
    """E01-1 (une part), produit par l'Académie : pas par la Caf."""
    from engagements.models import Signataire

    return produit_par("E01-1", Signataire.objects.get(nom="Académie de Paris"))


def creer_valeur(indicateur, code="qpv-goutte-dor", annee=ANNEE, **champs):
    """Une valeur enregistrée directement (hors circuit), pour préparer un test."""
    from indicateurs.models import Territoire, Valeur

    if indicateur.est_nombre_part:
        champs.setdefault("nombre", 10)
        champs.setdefault("base", 40)
    else:
        champs.setdefault("valeur", 12)
    champs.setdefault("producteur_id", indicateur.producteur_id)
    return Valeur.objects.create(
        indicateur=indicateur, territoire=Territoire.objects.get(code=code), annee=annee, **champs
    )


@pytest.fixture
def valeurs_variees(campagne, ind_caf, ind_part_caf):
    """Des valeurs qui exercent chaque rendu des lectures en SQL (exports, pages JSON) :
    décimaux, « nombre et part », valeurs vides, producteur absent, date de validation,
    provenance, démonstration, statuts et origines (libellés), commentaire à formule ; cinq
    en 2021-2022, plus quatre hors de ces années (2019, 2023)."""
    from datetime import UTC, datetime
    from decimal import Decimal

    creer_valeur(
        ind_caf, "paris", annee=2021, statut="valide", valeur=Decimal("40.50"),
        valide_le=datetime(2025, 3, 1, 8, 30, tzinfo=UTC), commentaire="=1+1",
        reserve_perimetre="chiffre du Grand Belleville", deduite=True, motif_deduction="année",
    )  # fmt: skip
    creer_valeur(ind_caf, "qpv-goutte-dor", annee=2021, demo=True, origine="demo")
    creer_valeur(ind_part_caf, "paris", annee=2022, nombre=12, base=40, valeur=Decimal(30))
    creer_valeur(ind_part_caf, "qpv-goutte-dor", annee=2022, nombre=None, base=None, valeur=None)
    creer_valeur(ind_caf, "ensemble-qpv", annee=2022, valeur=None, producteur_id=None)
    creer_valeur(ind_caf, "paris", annee=2023, statut="renvoye", motif_renvoi="À revoir")
    for rang, code in enumerate(["qpv-goutte-dor", "ensemble-qpv", "paris"]):
        creer_valeur(ind_caf, code, annee=2019, valeur=Decimal(rang * 1000 + 1))
