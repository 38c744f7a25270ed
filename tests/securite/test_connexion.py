"""Connexion (ASVS 2.2.1) : après N échecs, le compte ou l'adresse sont verrouillés, même avec
le bon mot de passe, sur /connexion/ comme sur /admin/login/ ; le verrouillage se lève après
le délai ; les échecs sont journalisés et lisibles par le SPV."""

import datetime

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.utils import timezone

from tests.conftest import client_pour
from tests.securite.conftest import MOT_DE_PASSE, connecte

pytestmark = pytest.mark.django_db

PAGES_DE_CONNEXION = ["/connexion/", "/admin/login/"]


def essayer(client, url, username, password, **entetes):
    return client.post(url, {"username": username, "password": password}, **entetes)


def faire_vieillir_les_tentatives(minutes):
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=minutes))


@pytest.mark.parametrize("url", PAGES_DE_CONNEXION)
def test_compte_verrouille_apres_cinq_echecs_meme_avec_le_bon_mot_de_passe(
    client, agent, settings, url
):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        reponse = essayer(client, url, agent.username, "mauvais")
        assert reponse.status_code == 200  # le formulaire, avec son erreur
    reponse = essayer(client, url, agent.username, "mauvais")
    assert reponse.status_code == 429
    assert "Connexion suspendue" in reponse.content.decode()

    reponse = essayer(client, url, agent.username, MOT_DE_PASSE)
    html = reponse.content.decode()
    assert reponse.status_code == 429
    assert "même avec le bon mot de passe" in html
    assert reponse["Retry-After"] == "900"
    assert not connecte(client)
    # Le verrouillage vaut pour le compte, quelle que soit l'adresse.
    reponse = essayer(client, url, agent.username, MOT_DE_PASSE, REMOTE_ADDR="10.9.8.7")
    assert reponse.status_code == 429
    # Un échec pendant le verrouillage ne le prolonge pas ; après 15 minutes, il est levé.
    faire_vieillir_les_tentatives(16)
    reponse = essayer(client, url, agent.username, MOT_DE_PASSE)
    assert reponse.status_code == 302
    assert connecte(client)


def test_les_deux_pages_partagent_le_decompte(client, agent):
    for _ in range(3):
        essayer(client, "/connexion/", agent.username, "mauvais")
    for _ in range(2):
        essayer(client, "/admin/login/", agent.username, "mauvais")
    assert essayer(client, "/connexion/", agent.username, MOT_DE_PASSE).status_code == 429


def test_adresse_verrouillee_apres_vingt_echecs_sur_des_comptes_differents(client, agent):
    # Des agents d'une même administration (une seule adresse de sortie) se trompent chacun
    # une fois : pas de verrouillage collectif…
    for i in range(19):
        assert essayer(client, "/connexion/", f"inconnu-{i}", "mauvais").status_code == 200
    assert essayer(client, "/connexion/", agent.username, MOT_DE_PASSE).status_code == 302
    client.logout()
    # … mais une adresse qui essaie des mots de passe sur de nombreux comptes est bloquée.
    assert essayer(client, "/connexion/", "inconnu-19", "mauvais").status_code == 429
    assert essayer(client, "/connexion/", agent.username, MOT_DE_PASSE).status_code == 429
    # Depuis une autre adresse, le compte (qui n'a qu'un échec) se connecte.
    reponse = essayer(client, "/connexion/", agent.username, MOT_DE_PASSE, REMOTE_ADDR="10.1.2.3")
    assert reponse.status_code == 302


def test_x_forwarded_for_ignore_sans_proxy_de_confiance(client, agent, settings):
    """Sans proxy déclaré, un client ne change pas d'adresse en forgeant X-Forwarded-For."""
    for i in range(5):
        essayer(
            client, "/connexion/", agent.username, "mauvais", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}"
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}

    AccessAttempt.objects.all().delete()
    settings.NOMBRE_PROXYS = 1
    essayer(
        client,
        "/connexion/",
        agent.username,
        "mauvais",
        HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.9",
    )
    # Derrière un proxy : l'adresse qu'il a ajoutée (la dernière), pas celle forgée avant.
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.9"]


def test_echecs_journalises_et_lisibles_par_le_spv(client, agent, utilisateurs):
    for _ in range(5):
        essayer(client, "/connexion/", "compte-vise", "mauvais")
    journal = AccessFailureLog.objects.filter(username="compte-vise").order_by("attempt_time")
    assert journal.count() == 5
    assert [e.locked_out for e in journal] == [False] * 4 + [True]
    # Le mot de passe essayé n'est jamais écrit.
    assert "mauvais" not in "".join(AccessAttempt.objects.values_list("post_data", flat=True))

    spv = client_pour(client, utilisateurs["spv"])
    page = spv.get("/admin/axes/accessfailurelog/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "compte-vise" in html
    assert "Identifiant saisi" in html and "Verrouillage déclenché" in html
    assert "Journal des connexions" in spv.get("/admin/").content.decode()
    # Le SPV lève un verrouillage ; il ne modifie ni n'efface le journal.
    reponse = spv.post(
        "/admin/axes/accessattempt/",
        {
            "action": "lever_verrouillage",
            "_selected_action": list(AccessAttempt.objects.values_list("pk", flat=True)),
        },
    )
    assert reponse.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert spv.get(f"/admin/axes/accessfailurelog/{journal[0].pk}/delete/").status_code == 403


@pytest.mark.parametrize("role", ["delegue", "partenaire", "structure"])
def test_journal_fermé_aux_autres_roles(client, utilisateurs, role):
    reponse = client_pour(client, utilisateurs[role]).get("/admin/axes/accessfailurelog/")
    assert reponse.status_code == 302  # vers la connexion de l'admin


def test_page_de_connexion_propose_le_mot_de_passe_oublie(client):
    html = client.get("/connexion/").content.decode()
    assert 'href="/connexion/mot-de-passe-oublie/"' in html
    admin = client.get("/admin/login/").content.decode()
    assert 'href="/admin/mot-de-passe-oublie/"' in admin
    reponse = client.get("/admin/mot-de-passe-oublie/")
    assert reponse.status_code == 302 and reponse["Location"] == "/connexion/mot-de-passe-oublie/"
