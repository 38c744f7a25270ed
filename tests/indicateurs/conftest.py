"""Fixtures de la campagne des indicateurs : une campagne ouverte, des indicateurs produits
par la Caf (l'organisation du partenaire de test) et une aide pour enregistrer une valeur."""

import datetime

import pytest
from django.utils import timezone

from engagements.models import Signataire
from indicateurs.models import Campagne, Indicateur, Territoire, Valeur

ANNEE = 2025


@pytest.fixture
def caf(db):
    return Signataire.objects.get(nom__icontains="allocations familiales")


@pytest.fixture
def campagne(db):
    """La campagne 2025, ouverte aujourd'hui."""
    jour = timezone.localdate()
    return Campagne.objects.create(
        annee=ANNEE,
        date_ouverture=jour - datetime.timedelta(days=10),
        date_cloture=jour + datetime.timedelta(days=30),
    )


@pytest.fixture
def campagne_2024(db):
    jour = timezone.localdate()
    return Campagne.objects.create(
        annee=ANNEE - 1,
        date_ouverture=jour - datetime.timedelta(days=10),
        date_cloture=jour + datetime.timedelta(days=30),
    )


@pytest.fixture
def ind_caf(caf):
    """E28-2 (un nombre) produit par la Caf."""
    ind = Indicateur.objects.get(code="E28-2")
    ind.producteur = caf
    ind.save()
    return ind


@pytest.fixture
def ind_part_caf(caf):
    """E05-1 (« nombre et part ») produit par la Caf."""
    ind = Indicateur.objects.get(code="E05-1")
    ind.producteur = caf
    ind.save()
    return ind


@pytest.fixture
def ind_autre(db):
    """E01-1 (une part), produit par l'Académie : pas par la Caf."""
    ind = Indicateur.objects.get(code="E01-1")
    ind.producteur = Signataire.objects.get(nom="Académie de Paris")
    ind.save()
    return ind


def territoire(code):
    return Territoire.objects.get(code=code)


def creer_valeur(indicateur, code="qpv-goutte-dor", annee=ANNEE, **champs):
    """Une valeur enregistrée directement (hors workflow), pour préparer un test."""
    if indicateur.est_nombre_part:
        champs.setdefault("nombre", 10)
        champs.setdefault("base", 40)
    else:
        champs.setdefault("valeur", 12)
    return Valeur.objects.create(
        indicateur=indicateur, territoire=territoire(code), annee=annee, **champs
    )
