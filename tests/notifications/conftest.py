"""Fixtures des notifications : des comptes avec adresse pour chaque personne concernée (deux
agents du SPV, deux partenaires de la Caf, un partenaire d'une autre organisation, deux membres
de J2P, un agent désactivé), la campagne et les indicateurs de la Caf, et deux aides :
qui a reçu quelle notification, et quels courriels sont partis."""

import pytest
from django.core import mail

from engagements.models import Signataire
from notifications.models import Notification
from socle.roles import Role
from structures.models import Structure
from tests.conftest import creer_utilisateur
from tests.indicateurs.conftest import (  # noqa: F401 (fixtures)
    ANNEE,
    caf,
    campagne,
    creer_valeur,
    ind_caf,
    ind_part_caf,
)

PORTAIL = "https://portail.exemple"


@pytest.fixture(autouse=True)
def _portail(settings):
    settings.PORTAIL_URL = PORTAIL


def _adresse(user):
    user.email = f"{user.username}@exemple.invalid"
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def comptes(utilisateurs, caf):  # noqa: F811
    comptes = {nom: _adresse(u) for nom, u in utilisateurs.items() if u is not None}
    comptes["spv2"] = _adresse(creer_utilisateur("agent-spv-2", Role.SPV))
    comptes["partenaire2"] = _adresse(
        creer_utilisateur("partenaire-caf-2", Role.PARTENAIRE, signataire=caf)
    )
    comptes["academie"] = _adresse(
        creer_utilisateur(
            "partenaire-academie",
            Role.PARTENAIRE,
            signataire=Signataire.objects.get(nom="Académie de Paris"),
        )
    )
    comptes["structure2"] = _adresse(
        creer_utilisateur(
            "membre-j2p-2", Role.STRUCTURE, structure=Structure.objects.get(slug="j2p")
        )
    )
    inactif = creer_utilisateur("agent-spv-parti", Role.SPV)
    inactif.is_active = False
    inactif.save(update_fields=["is_active"])
    comptes["spv_inactif"] = _adresse(inactif)
    return comptes


def recues():
    """{identifiant: [(type, nombre d'objets), …]} des notifications créées."""
    resultat = {}
    for n in Notification.objects.select_related("destinataire").prefetch_related("objets"):
        resultat.setdefault(n.destinataire.username, []).append((n.type, len(n.objets.all())))
    return resultat


def courriels():
    """{adresse: [objet, …]} des courriels partis."""
    resultat = {}
    for m in mail.outbox:
        assert len(m.to) == 1, "un courriel par destinataire : personne ne voit les autres"
        resultat.setdefault(m.to[0], []).append(m.subject)
    return resultat


def adresse(nom):
    return f"{nom}@exemple.invalid"
