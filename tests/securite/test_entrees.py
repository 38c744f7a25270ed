"""Entrées bornées : un caractère nul est refusé en 400 (en français) sur les pages comme
l'API le fait déjà ; un JSON trop imbriqué est refusé en 400 ; un envoi anonyme du formulaire
de fiche ne stocke qu'un volume borné dans la session."""

import json

import pytest
from django.contrib.sessions.models import Session

from tests.api.conftest import verifier_erreur
from tests.conftest import client_pour

pytestmark = pytest.mark.django_db


def verifier_400(reponse):
    html = reponse.content.decode()
    assert reponse.status_code == 400, (reponse.status_code, html[:300])
    assert "Requête invalide" in html
    assert "caractère nul (U+0000)" in html
    return html


@pytest.mark.parametrize(
    "url",
    [
        "/recherche/?q=sant%00e",
        "/glossaire/?q=%00",
        "/engagements/?thematique=%00",
        "/recherche/?q%00=x",
    ],
)
def test_caractere_nul_dans_l_adresse_refuse(client, url):
    verifier_400(client.get(url))


@pytest.mark.parametrize(
    "url",
    ["/admin/engagements/engagement/?q=%00", "/admin/socle/profil/?role__exact=%00"],
)
def test_caractere_nul_dans_un_filtre_de_l_admin(client, utilisateurs, url):
    verifier_400(client_pour(client, utilisateurs["admin"]).get(url))


def test_caractere_nul_dans_un_formulaire_refuse_sans_rien_ecrire(client, utilisateurs):
    client_pour(client, utilisateurs["structure"])
    avant = client.get("/structures/j2p/").content
    reponse = client.post(
        "/structures/j2p/modifier/", {"nom": "J2P\x00", "description": "Présentation"}
    )
    verifier_400(reponse)
    assert client.get("/structures/j2p/").content.count(b"J2P") == avant.count(b"J2P")


def test_caractere_nul_a_la_connexion(client):
    verifier_400(client.post("/connexion/", {"username": "a\x00", "password": "x"}))


def test_l_api_garde_son_refus_json(client):
    reponse = client.get("/api/v1/engagements/?search=%00")
    assert reponse.status_code == 400
    assert reponse["Content-Type"].startswith("application/json")


# --- JSON imbriqué --------------------------------------------------------------------------


def imbrique(niveaux):
    return "[" * niveaux + "]" * niveaux


@pytest.mark.parametrize("niveaux", [65, 5_000, 100_000])
def test_json_trop_imbrique_refuse_en_400(client, utilisateurs, niveaux):
    client_pour(client, utilisateurs["spv"])
    reponse = client.post(
        "/api/v1/valeurs/bulk/", imbrique(niveaux), content_type="application/json"
    )
    corps = verifier_erreur(reponse, 400, "requete_mal_formee")
    assert "plus de 64 niveaux" in corps["detail"]


def test_json_de_64_niveaux_lu(client, utilisateurs):
    client_pour(client, utilisateurs["spv"])
    document = {"valeurs": json.loads(imbrique(63))}
    reponse = client.post("/api/v1/valeurs/bulk/", document, content_type="application/json")
    # Lu, puis refusé pour son contenu (pas pour sa forme).
    assert verifier_erreur(reponse, 400, "donnees_invalides")


def test_json_non_standard_refuse(client, utilisateurs):
    client_pour(client, utilisateurs["spv"])
    reponse = client.post(
        "/api/v1/valeurs/bulk/", '{"valeurs": [NaN]}', content_type="application/json"
    )
    corps = verifier_erreur(reponse, 400, "requete_mal_formee")
    assert "Corps JSON mal formé" in corps["detail"]


# --- saisie gardée en session ---------------------------------------------------------------


def taille_des_sessions():
    return sum(len(s.session_data) for s in Session.objects.all())


def test_envois_anonymes_volumineux_ne_remplissent_pas_les_sessions(client, settings):
    assert settings.REPRISE_SAISIE_TAILLE_MAX == 128 * 1024
    avant = taille_des_sessions()
    gros = {"titre": "x" * (2 * 1024 * 1024)}
    for _ in range(5):
        reponse = client.post("/structures/fiches/nouvelle/", gros)
        assert reponse.status_code == 302
        assert reponse["Location"] == "/connexion/?next=/structures/fiches/nouvelle/"
    # Les messages du refus sont dans un cookie : la base n'a rien reçu de l'envoi.
    assert taille_des_sessions() - avant < 5_000
    page = client.get(reponse["Location"]).content.decode()
    assert "trop volumineuses pour être conservées (plus de 128\u00a0Ko)" in page


def test_saisies_gardees_bornees_par_session(client, settings):
    settings.REPRISE_SAISIE_TAILLE_MAX = 20 * 1024
    for i in range(5):
        client.post("/structures/fiches/nouvelle/", {"titre": f"{i}" + "y" * 6000})
    reprises = client.session["saisies_a_reprendre"]
    # Les trois plus récentes tiennent dans 20 Ko ; les plus anciennes sont oubliées.
    assert [r["donnees"]["titre"][0][0] for r in reprises.values()] == ["2", "3", "4"]
    assert len(json.dumps(reprises)) <= 20 * 1024
