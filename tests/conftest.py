"""Fixtures communes : référentiel chargé une fois par session, un utilisateur par rôle, et
une aide pour vérifier que le nombre de requêtes d'une page ne dépend pas du nombre de lignes."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagements import glossaire
from socle.models import Profil
from socle.roles import Role


def pytest_make_parametrize_id(config, val, argname):
    """Un paramètre en octets (un fichier construit à la collecte : archive zip, PDF…) est
    nommé par son seul nom d'argument, ni par son contenu ni par sa taille : une archive
    porte l'heure de sa création (sa taille compressée en dépend), et les processus de
    pytest-xdist, qui collectent chacun de leur côté, doivent trouver les mêmes noms de tests
    (sinon la suite s'arrête : « Different tests were collected »). pytest numérote les noms
    qui se répètent."""
    if isinstance(val, bytes | bytearray):
        return argname
    return None


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Le référentiel réel est chargé une fois ; chaque test tourne dans une transaction
    annulée à la fin. Les tests « transactionnels » (navigateur) le rechargent eux-mêmes."""
    with django_db_blocker.unblock():
        call_command("load_referentiel", stdout=io.StringIO())
        call_command("sync_roles", stdout=io.StringIO())


@pytest.fixture(autouse=True)
def _glossaire_frais():
    """Le motif des sigles est mis en cache par processus : on repart d'un cache vide."""
    glossaire.invalider()
    yield
    glossaire.invalider()


def creer_utilisateur(username, role=None, **profil):
    user = User.objects.create_user(username=username, password="mdp-de-test-1234")
    if role == "admin":
        user.is_superuser = user.is_staff = True
        user.save()
    elif role:
        quartiers = profil.pop("quartiers", [])
        p = Profil.objects.create(user=user, role=role, **profil)
        if quartiers:
            p.quartiers.set(quartiers)
    return user


@pytest.fixture
def utilisateurs(db):
    """Un utilisateur par rôle (et un anonyme : None)."""
    from engagements.models import Signataire
    from quartiers.models import Quartier
    from structures.models import Structure

    return {
        "anonyme": None,
        "spv": creer_utilisateur("agent-spv", Role.SPV),
        "delegue": creer_utilisateur(
            "delegue", Role.DELEGUE, quartiers=list(Quartier.objects.order_by("ordre")[:2])
        ),
        "partenaire": creer_utilisateur(
            "partenaire-caf",
            Role.PARTENAIRE,
            signataire=Signataire.objects.get(nom__icontains="allocations familiales"),
        ),
        "structure": creer_utilisateur(
            "membre-j2p", Role.STRUCTURE, structure=Structure.objects.get(slug="j2p")
        ),
        "admin": creer_utilisateur("admin", "admin"),
    }


def client_pour(client, user):
    if user is not None:
        client.force_login(user)
    return client


class CompteurRequetes:
    """Mesure le nombre de requêtes SQL d'un appel."""

    def __call__(self, fonction):
        with CaptureQueriesContext(connection) as ctx:
            resultat = fonction()
        return len(ctx.captured_queries), resultat


@pytest.fixture
def compter_requetes():
    return CompteurRequetes()
