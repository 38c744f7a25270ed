"""Sessions : déconnexion après 30 minutes d'inactivité et au plus tard 10 heures après la
connexion, réglées par les paramètres ; l'heure d'activité n'est réécrite qu'une fois par
minute."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contratville.connexion import CLE_ACTIVITE_SESSION, CLE_DEBUT_SESSION
from tests.securite.conftest import connecte

pytestmark = pytest.mark.django_db


def decaler(client, debut=0, activite=0):
    """Recule les horodatages de la session (en secondes)."""
    session = client.session
    session[CLE_DEBUT_SESSION] -= debut
    session[CLE_ACTIVITE_SESSION] -= activite
    session.save()


def test_reglages_d_un_back_office(settings):
    assert settings.SESSION_INACTIVITE == 30 * 60
    assert settings.SESSION_COOKIE_AGE == 10 * 3600


def test_connexion_horodate_la_session(client, agent):
    avant = int(time.time())
    client.force_login(agent)
    assert client.session[CLE_DEBUT_SESSION] >= avant
    assert client.session[CLE_ACTIVITE_SESSION] >= avant


def test_deconnexion_apres_inactivite(client, agent):
    client.force_login(agent)
    decaler(client, debut=29 * 60, activite=29 * 60)
    assert client.get("/structures/").status_code == 200
    decaler(client, activite=31 * 60)
    reponse = client.get("/structures/", follow=True)
    assert reponse.redirect_chain[0][0].startswith("/connexion/?next=")
    assert "Sans activité depuis plus de 30\u00a0min" in reponse.content.decode()
    assert not connecte(client)


def test_duree_absolue_meme_en_activite(client, agent):
    client.force_login(agent)
    decaler(client, debut=10 * 3600 + 60)  # actif à l'instant, mais connecté depuis 10 h
    reponse = client.get("/structures/", follow=True)
    assert "Votre session a duré plus de 10\u00a0h" in reponse.content.decode()
    assert not connecte(client)


def test_duree_reglable(client, agent, settings):
    settings.SESSION_INACTIVITE = 60
    client.force_login(agent)
    decaler(client, activite=61)
    assert client.get("/structures/").status_code == 302


def ecritures_de_session(client, url):
    with CaptureQueriesContext(connection) as requetes:
        client.get(url)
    return [q["sql"] for q in requetes.captured_queries if q["sql"].startswith("UPDATE")]


def test_activite_reecrite_au_plus_une_fois_par_minute(client, agent):
    client.force_login(agent)
    client.get("/structures/")
    avant = client.session[CLE_ACTIVITE_SESSION]
    assert ecritures_de_session(client, "/structures/") == []
    assert client.session[CLE_ACTIVITE_SESSION] == avant
    decaler(client, activite=90)
    (ecriture,) = ecritures_de_session(client, "/structures/")
    assert '"django_session"' in ecriture
    assert client.session[CLE_ACTIVITE_SESSION] >= avant
