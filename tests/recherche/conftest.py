"""Fixtures des tests de la recherche : écritures indexées comme en production (à la
validation de la transaction), comptes de deux structures, et un raccourci de recherche."""

import pytest
from django.contrib.auth.models import AnonymousUser

from recherche.moteur import rechercher
from socle.roles import Role
from structures.models import Structure
from tests.api.conftest import _debits_larges, api  # noqa: F401 (fixtures de l'API)
from tests.conftest import creer_utilisateur


@pytest.fixture
def ecriture(django_capture_on_commit_callbacks):
    """Un bloc d'écritures suivi de la « validation » de la transaction : les rappels
    on_commit (l'indexation) s'exécutent à la sortie, comme après un vrai COMMIT (chaque test
    tourne dans une transaction jamais validée)."""

    def bloc():
        return django_capture_on_commit_callbacks(execute=True)

    return bloc


@pytest.fixture
def comptes(utilisateurs):
    """Les comptes de tests/conftest.py (J2P pour « structure ») et un membre d'une autre
    structure parisienne."""
    autre = Structure.objects.get(slug="centre-social-danube")
    return {
        **utilisateurs,
        "anonyme": AnonymousUser(),
        "autre_structure": creer_utilisateur("membre-danube", Role.STRUCTURE, structure=autre),
    }


def titres(recherche, type_):
    """Les titres trouvés dans une rubrique (ceux de la page)."""
    return [r.titre for r in recherche.resultats if r.type == type_]


def tout(q, user, type_, **options):
    """Tous les résultats d'une rubrique, sans pagination."""
    return rechercher(q, user, type=type_, par_page=None, **options)
