"""Fixtures des pages « À faire » : la campagne ouverte et les indicateurs de
tests/indicateurs/conftest.py, un partenaire d'une autre organisation (l'Académie), un membre
d'une autre structure, et un jeu de valeurs et de fiches dans tous les états."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from engagements.models import Signataire
from indicateurs.models import Indicateur, Valeur
from quartiers.models import Quartier
from socle.roles import Role
from structures.models import FicheAction, Structure
from tests.conftest import creer_utilisateur
from tests.indicateurs.conftest import (  # noqa: F401 (fixtures partagées)
    ANNEE,
    caf,
    campagne,
    campagne_2024,
    creer_valeur,
    ind_autre,
    ind_caf,
    ind_part_caf,
)

HIER = datetime.timedelta(days=1)


@pytest.fixture
def academie(db):
    return Signataire.objects.get(nom="Académie de Paris")


@pytest.fixture
def partenaire_academie(academie):
    return creer_utilisateur("partenaire-academie", Role.PARTENAIRE, signataire=academie)


@pytest.fixture
def autre_structure(db):
    return Structure.objects.get(slug="centre-social-danube")


@pytest.fixture
def membre_autre_structure(autre_structure):
    return creer_utilisateur("membre-danube", Role.STRUCTURE, structure=autre_structure)


@pytest.fixture
def qpv_du_delegue(utilisateurs):
    """Le premier QPV du décret, confié au délégué de tests/conftest.py."""
    return Quartier.objects.order_by("ordre").first()


def soumettre(indicateur, code, valeur, annee=ANNEE, **champs):
    """Une valeur soumise (hors circuit), producteur renseigné comme dans la grille."""
    return creer_valeur(
        indicateur,
        code,
        annee=annee,
        valeur=Decimal(valeur),
        statut=Valeur.Statut.SOUMIS,
        producteur=indicateur.producteur,
        soumis_le=timezone.now(),
        **champs,
    )


@pytest.fixture
def soumises(campagne, ind_caf, ind_autre):  # noqa: F811 (fixtures importées)
    """Deux valeurs soumises de la Caf (E28-2 : Paris et la Goutte d'Or), avec leurs valeurs
    2024 validées, et une de l'Académie (E01-1, Paris, part), avec Paris 2024."""
    creer_valeur(ind_caf, "paris", annee=ANNEE - 1, valeur=Decimal(1000), statut="valide")
    creer_valeur(ind_caf, "qpv-goutte-dor", annee=ANNEE - 1, valeur=Decimal(40), statut="valide")
    creer_valeur(ind_autre, "paris", annee=ANNEE - 1, valeur=Decimal(30), statut="valide")
    return {
        "paris": soumettre(ind_caf, "paris", 1100, commentaire="Nouveau dispositif d’accueil"),
        "goutte": soumettre(ind_caf, "qpv-goutte-dor", 90),
        "academie": soumettre(ind_autre, "paris", "32.5"),
    }


def fiche(structure, quartier, statut=FicheAction.Statut.BROUILLON, titre="Atelier", **champs):
    """Une fiche complète (prête à soumettre) de `structure` dans `quartier`."""
    from engagements.models import Engagement

    valeurs = {
        "titre": titre,
        "annee": ANNEE,
        "dimension": "solidarite",
        "resume": "Des ateliers pour les parents du quartier.",
        "territoire": "un_quartier",
        "publics": ["familles"],
        "statut": statut,
    }
    valeurs.update(champs)
    f = FicheAction.objects.create(structure=structure, **valeurs)
    f.engagements.add(Engagement.objects.get(numero=5))
    f.quartiers.add(quartier)
    return f


def indicateur(code):
    return Indicateur.objects.get(code=code)
