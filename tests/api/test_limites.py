"""Limites et erreurs : débits (429), taille des requêtes (413), et erreurs JSON en français
avec un `code` stable pour 400, 401, 403, 404, 405, 406, 413, 415 et 429."""

import json

import pytest
from django.core import exceptions as django_exceptions
from django.urls import path
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from socle import roles
from socle.api.erreurs import gestionnaire_exceptions
from socle.api.permissions import Connecte, selon_regle
from socle.api.vues import BaseVueAPI
from tests.api.conftest import client_api, verifier_erreur

pytestmark = pytest.mark.django_db


def debits(settings, anonyme, utilisateur):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anonyme": anonyme, "utilisateur": utilisateur},
    }


# --- débits ----------------------------------------------------------------------------------


def test_debit_anonyme(settings, api):
    debits(settings, "3/min", "5/min")
    for _ in range(3):
        assert api.get("/api/v1/sigles/").status_code == 200
    reponse = api.get("/api/v1/engagements/1/")
    corps = verifier_erreur(reponse, 429, "trop_de_requetes")
    assert 0 < corps["attente"] <= 60
    assert int(reponse["Retry-After"]) == corps["attente"]
    assert "Réessayer dans" in corps["detail"] or "ralentie" in corps["detail"]


def test_debit_par_jeton_et_par_compte(settings, utilisateurs):
    debits(settings, "2/min", "4/min")
    partenaire = client_api(utilisateurs["partenaire"], "jeton")
    for _ in range(4):
        assert partenaire.get("/api/v1/sigles/").status_code == 200
    verifier_erreur(partenaire.get("/api/v1/sigles/"), 429, "trop_de_requetes")
    # Un autre compte, et les anonymes, ont leurs propres compteurs.
    assert client_api(utilisateurs["delegue"], "jeton").get("/api/v1/sigles/").status_code == 200
    assert APIClient().get("/api/v1/sigles/").status_code == 200
    # La session du même compte partage le compteur du jeton (limite par utilisateur).
    session = client_api(utilisateurs["partenaire"], "session")
    verifier_erreur(session.get("/api/v1/sigles/"), 429, "trop_de_requetes")


# --- taille des requêtes -----------------------------------------------------------------------


class VueEcritureDeTest(BaseVueAPI, APIView):
    """Une écriture, comme l'envoi groupé du second volet."""

    permission_classes = [Connecte]

    class Donnees(serializers.Serializer):
        annee = serializers.IntegerField(min_value=2024, max_value=2030)

    def post(self, request):
        donnees = self.Donnees(data=request.data)
        donnees.is_valid(raise_exception=True)
        return Response({"ok": True})


urlpatterns = [path("api/v1/ecriture-de-test/", VueEcritureDeTest.as_view())]


def test_corps_trop_volumineux_413(settings, api):
    settings.API_TAILLE_MAX_REQUETE = 1000
    corps = json.dumps({"x": "a" * 2000})
    reponse = api.generic("GET", "/api/v1/sigles/", corps, content_type="application/json")
    verifier_erreur(reponse, 413, "requete_trop_volumineuse")


@pytest.mark.urls("tests.api.test_limites")
def test_ecriture_trop_volumineuse_413_avant_lecture(settings, utilisateurs):
    settings.API_TAILLE_MAX_REQUETE = 1000
    client = client_api(utilisateurs["partenaire"], "jeton")
    url = "/api/v1/ecriture-de-test/"
    assert client.post(url, {"annee": 2025}, format="json").status_code == 200
    verifier_erreur(
        client.post(url, {"annee": 2025, "x": "a" * 2000}, format="json"),
        413,
        "requete_trop_volumineuse",
    )


def test_request_data_too_big_de_django_413():
    reponse = gestionnaire_exceptions(django_exceptions.RequestDataTooBig("trop"), {})
    assert reponse.status_code == 413 and reponse.data["code"] == "requete_trop_volumineuse"


# --- erreurs en français -----------------------------------------------------------------------


@pytest.mark.urls("tests.api.test_limites")
def test_erreurs_d_ecriture(utilisateurs):
    url = "/api/v1/ecriture-de-test/"
    verifier_erreur(APIClient().post(url, {}, format="json"), 401, "non_authentifie")
    client = client_api(utilisateurs["partenaire"], "jeton")
    corps = verifier_erreur(
        client.post(url, {"annee": 1990}, format="json"), 400, "donnees_invalides"
    )
    assert corps["detail"] == "Les données envoyées ne sont pas valides."
    assert "2024" in corps["erreurs"]["annee"][0]
    corps = verifier_erreur(
        client.post(url, "{pas du json", content_type="application/json"),
        400,
        "requete_mal_formee",
    )
    assert "JSON" in corps["detail"]
    verifier_erreur(
        client.post(url, "annee=2025", content_type="application/x-www-form-urlencoded"),
        415,
        "type_de_contenu_non_supporte",
    )
    verifier_erreur(client.delete(url), 405, "methode_non_autorisee")


def test_non_authentifie_en_francais():
    requete = APIRequestFactory().post("/x/", {}, format="json")
    reponse = VueEcritureDeTest.as_view()(requete)
    corps = reponse.data
    assert reponse.status_code == 401 and corps["code"] == "non_authentifie"
    assert "authentification" in corps["detail"].lower()


def test_regle_de_role_403(utilisateurs):
    class VueReservee(BaseVueAPI, APIView):
        permission_classes = [Connecte, selon_regle(roles.peut_voir_couverture, code="reserve")]

        def get(self, request):
            return Response({"ok": True})

    def appeler(user):
        requete = APIRequestFactory().get("/x/")
        force_authenticate(requete, user=user)
        return VueReservee.as_view()(requete)

    reponse = appeler(utilisateurs["partenaire"])
    assert reponse.status_code == 403
    assert reponse.data == {
        "code": "reserve",
        "detail": "Votre rôle ne donne pas accès à cette ressource.",
        "erreurs": {},
    }
    assert appeler(utilisateurs["delegue"]).status_code == 200


def test_refus_metier_garde_sa_raison():
    reponse = gestionnaire_exceptions(django_exceptions.PermissionDenied("Campagne close."), {})
    assert reponse.status_code == 403
    assert reponse.data == {"code": "acces_refuse", "detail": "Campagne close.", "erreurs": {}}
    reponse = gestionnaire_exceptions(django_exceptions.PermissionDenied(), {})
    assert reponse.data["detail"]


def test_validation_django_devient_400():
    exc = django_exceptions.ValidationError({"annee": ["La campagne est close."]})
    reponse = gestionnaire_exceptions(exc, {})
    assert reponse.status_code == 400
    assert reponse.data["erreurs"] == {"annee": ["La campagne est close."]}


def test_adresse_inconnue_404_json(api):
    for url in ("/api/v1/nimporte/", "/api/v1/engagements/abc/", "/api/v1/x/y/z"):
        corps = verifier_erreur(api.get(url), 404, "introuvable")
        assert "/api/v1/docs/" in corps["detail"]
    verifier_erreur(api.post("/api/v1/nimporte/"), 404, "introuvable")


def test_detail_introuvable(api):
    verifier_erreur(api.get("/api/v1/engagements/99/"), 404, "introuvable")
    verifier_erreur(api.get("/api/v1/quartiers/nulle-part/"), 404, "introuvable")


def test_recherche_caractere_nul_400(api):
    verifier_erreur(api.get("/api/v1/sigles/?search=a%00b"), 400, "donnees_invalides")


# --- concurrence (ETag / If-Match), pour les écritures du second volet ------------------------


def test_if_match():
    from types import SimpleNamespace

    from socle.api.concurrence import etag, verifier_if_match
    from socle.api.erreurs import PreconditionEchouee, PreconditionRequise

    objet = SimpleNamespace(pk=7, version=3)
    assert etag(objet) == '"7-3"'

    def requete(if_match=None):
        entetes = {"If-Match": if_match} if if_match is not None else {}
        return SimpleNamespace(headers=entetes)

    verifier_if_match(requete('"7-3"'), objet)
    verifier_if_match(requete('W/"7-3", "7-2"'), objet)
    verifier_if_match(requete("*"), objet)
    verifier_if_match(requete(), objet, obligatoire=False)
    with pytest.raises(PreconditionEchouee):
        verifier_if_match(requete('"7-2"'), objet)
    with pytest.raises(PreconditionRequise):
        verifier_if_match(requete(), objet)
    reponse = gestionnaire_exceptions(PreconditionEchouee(), {})
    assert reponse.status_code == 412 and reponse.data["code"] == "precondition_echouee"
    reponse = gestionnaire_exceptions(PreconditionRequise(), {})
    assert reponse.status_code == 428 and reponse.data["code"] == "precondition_requise"


def test_x_forwarded_for_ignore_sans_proxy(settings, api):
    """Sans proxy déclaré, un X-Forwarded-For inventé ne contourne pas le débit anonyme."""
    debits(settings, "2/min", "5/min")
    for i in range(2):
        assert api.get("/api/v1/sigles/", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}").status_code == 200
    reponse = api.get("/api/v1/sigles/", HTTP_X_FORWARDED_FOR="10.0.0.9")
    verifier_erreur(reponse, 429, "trop_de_requetes")
