"""Base de données injoignable (redémarrage, panne) : l'API répond 503 en JSON avec
Retry-After, et les pages 503 en HTML, que l'erreur survienne dans une vue DRF, dans
l'authentification par jeton ou dans un intergiciel (session, authentification) ; la page de
santé aussi."""

from unittest import mock

import pytest
from django.core.cache import cache
from django.db import InterfaceError, OperationalError

from socle.models import JetonAPI

pytestmark = pytest.mark.django_db


def verifier_503_json(reponse):
    assert reponse.status_code == 503, reponse.content[:300]
    assert reponse["Content-Type"].startswith("application/json")
    assert reponse["Retry-After"] == "30"
    corps = reponse.json()
    assert corps["code"] == "service_indisponible" and corps["attente"] == 30
    assert "rien n’a été enregistré" in corps["detail"]


def verifier_503_html(reponse):
    assert reponse.status_code == 503
    assert reponse["Retry-After"] == "30"
    assert "Service momentanément indisponible" in reponse.content.decode()


@pytest.fixture
def client_sans_exception(client):
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize("erreur", [OperationalError, InterfaceError])
def test_panne_pendant_la_lecture_de_la_session(client_sans_exception, utilisateurs, erreur):
    client = client_sans_exception
    client.force_login(utilisateurs["spv"])
    cible = "django.contrib.sessions.backends.db.SessionStore.load"
    with mock.patch(cible, side_effect=erreur("terminating connection")):
        verifier_503_json(client.get("/api/v1/valeurs/"))
        verifier_503_json(client.post("/api/v1/valeurs/bulk/", {}, content_type="application/json"))
        verifier_503_html(client.get("/structures/"))


def test_panne_pendant_l_authentification(client_sans_exception, utilisateurs):
    client = client_sans_exception
    client.force_login(utilisateurs["spv"])
    with mock.patch("django.contrib.auth.get_user", side_effect=OperationalError("server closed")):
        verifier_503_json(client.get("/api/v1/engagements/"))
        verifier_503_html(client.get("/"))


def test_panne_pendant_l_authentification_par_jeton(client_sans_exception, utilisateurs):
    _, cle = JetonAPI.emettre(utilisateurs["partenaire"], "Jeton de test")
    with mock.patch(
        "socle.api.authentification.JetonAPI.objects",
        **{"select_related.side_effect": OperationalError("the database system is starting up")},
    ):
        reponse = client_sans_exception.get("/api/v1/valeurs/", HTTP_AUTHORIZATION=f"Bearer {cle}")
    verifier_503_json(reponse)


@pytest.mark.parametrize(
    "cible",
    [
        "socle.api.vues.VueLectureAPI.get_queryset",
        # La liste des engagements passe d'abord par la version du cache du référentiel.
        "socle.api.cache.version",
    ],
)
def test_panne_dans_une_vue_drf(client_sans_exception, cible):
    cache.clear()  # la liste calculée, pas une réponse gardée par un test précédent
    with mock.patch(cible, side_effect=OperationalError("connection refused")):
        verifier_503_json(client_sans_exception.get("/api/v1/engagements/"))


def test_panne_pendant_une_ecriture_groupee(client_sans_exception, utilisateurs):
    client = client_sans_exception
    client.force_login(utilisateurs["spv"])
    with mock.patch(
        "indicateurs.api.valeurs.EnvoiGroupe.appliquer",
        side_effect=OperationalError("server closed"),
    ):
        reponse = client.post(
            "/api/v1/valeurs/bulk/",
            {"valeurs": [{"indicateur": "E28-2", "territoire": "paris", "annee": 2025}]},
            content_type="application/json",
        )
    verifier_503_json(reponse)


def test_sante_en_panne(client_sans_exception):
    with mock.patch("contratville.views.connection.cursor", side_effect=OperationalError("x")):
        verifier_503_html(client_sans_exception.get("/sante/"))
