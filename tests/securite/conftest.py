"""Fixtures des tests de sécurité : un compte avec mot de passe et adresse électronique."""

import pytest
from django.contrib.auth.models import User

from socle.models import Profil
from socle.roles import Role

MOT_DE_PASSE = "Un-mot-de-passe-solide-2025"


@pytest.fixture
def agent(db):
    """Un agent SPV (compte de l'équipe : il entre aussi dans l'admin)."""
    user = User.objects.create_user(
        "agent-connexion", email="agent.connexion@exemple.invalid", password=MOT_DE_PASSE
    )
    Profil.objects.create(user=user, role=Role.SPV)
    return user


def connecte(client):
    return "_auth_user_id" in client.session
