"""Fixtures des tests du territoire des délégués (issue 5) : un délégué d'un autre QPV, une
campagne ouverte, et des aides pour créer des valeurs, des portages et des fiches.

Le délégué de tests/conftest.py suit les deux premiers QPV du décret (Petit Belleville et
Grand Belleville) ; `delegue_autre` suit la Goutte d'Or."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from engagements.models import Engagement
from indicateurs.models import Campagne, Indicateur, Territoire, Valeur
from quartiers.models import ProjetStructurant, Quartier
from socle.roles import Role
from structures.models import FicheAction, PortageProjet, Structure
from tests.conftest import creer_utilisateur

ANNEE = 2025


@pytest.fixture
def delegue_autre(db):
    return creer_utilisateur(
        "delegue-goutte-dor", Role.DELEGUE, quartiers=[Quartier.objects.get(slug="goutte-dor")]
    )


@pytest.fixture
def comptes_suivi(utilisateurs, delegue_autre):
    """La matrice des rôles du suivi des projets (délégué de son QPV et d'un autre)."""
    return {**utilisateurs, "delegue_autre": delegue_autre}


@pytest.fixture
def campagne(db):
    """La campagne 2025, ouverte aujourd'hui."""
    jour = timezone.localdate()
    return Campagne.objects.create(
        annee=ANNEE,
        date_ouverture=jour - datetime.timedelta(days=10),
        date_cloture=jour + datetime.timedelta(days=30),
    )


def valeur(code, territoire, annee=ANNEE, nombre=12, statut=Valeur.Statut.VALIDE, demo=False):
    """Une valeur enregistrée directement (hors workflow) : `territoire` est un code
    (`qpv-goutte-dor`, `paris`, `ensemble-qpv`…). Validée par défaut."""
    indicateur = Indicateur.objects.get(code=code)
    champs = {"valeur": Decimal(str(nombre))}
    if indicateur.est_nombre_part:
        champs = {"nombre": int(nombre), "base": 100}
    return Valeur.objects.create(
        indicateur=indicateur,
        territoire=Territoire.objects.get(code=territoire),
        annee=annee,
        statut=statut,
        demo=demo,
        origine=Valeur.Origine.DEMO if demo else Valeur.Origine.SAISIE,
        source="Source de test",
        **champs,
    )


def portage(projet, signataire=None, structure=None, engagements=()):
    p = PortageProjet.objects.create(
        projet=projet, porteur_signataire=signataire, porteur_structure=structure
    )
    p.engagements.set(Engagement.objects.filter(numero__in=engagements))
    return p


def projet_de(slug, **filtre):
    return ProjetStructurant.objects.filter(quartier__slug=slug, **filtre).order_by("ordre").first()


def fiche(
    titre, quartiers=(), statut=FicheAction.Statut.VALIDEE, structure="j2p", engagements=(1,)
):
    f = FicheAction.objects.create(
        structure=Structure.objects.get(slug=structure), titre=titre, annee=2024, statut=statut
    )
    f.quartiers.set(Quartier.objects.filter(slug__in=quartiers))
    f.engagements.set(Engagement.objects.filter(numero__in=engagements))
    return f
