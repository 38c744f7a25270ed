"""Jetons d'API : authentification Bearer / Token, clé stockée hachée, révocation,
expiration, date de dernière utilisation (écrite au plus une fois par minute), émission et
révocation dans l'admin (clé montrée une seule fois), portée limitée au rôle du titulaire."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework import serializers
from rest_framework.test import APIClient

from socle.api.vues import VueLectureAPI, appliquer_visibilite
from socle.models import JetonAPI
from structures.models import Structure
from tests.api.conftest import client_api, verifier_erreur
from tests.conftest import creer_utilisateur

pytestmark = pytest.mark.django_db

URL = "/api/v1/engagements/1/"


def avec_cle(cle, schema="Bearer"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{schema} {cle}")
    return client


def test_cle_stockee_hachee(utilisateurs):
    jeton, cle = JetonAPI.emettre(utilisateurs["partenaire"], "SI Caf")
    assert cle.startswith("cvp_") and len(cle) > 40
    assert jeton.empreinte == hashlib.sha256(cle.encode()).hexdigest()
    assert jeton.prefixe == cle[:12] and cle not in (jeton.prefixe, jeton.empreinte)
    assert not JetonAPI.objects.filter(empreinte=cle).exists()
    assert jeton.etat == "Actif"


@pytest.mark.parametrize("schema", ["Bearer", "Token", "bearer"])
def test_authentification_par_jeton(utilisateurs, schema):
    jeton, cle = JetonAPI.emettre(utilisateurs["partenaire"], "SI Caf")
    reponse = avec_cle(cle, schema).get(URL)
    assert reponse.status_code == 200
    assert reponse.wsgi_request.user == utilisateurs["partenaire"]


def test_jeton_inconnu_401(utilisateurs):
    reponse = avec_cle("cvp_inconnu").get(URL)
    verifier_erreur(reponse, 401, "jeton_invalide")
    assert reponse["WWW-Authenticate"].startswith("Bearer")


def test_jeton_mal_forme_401():
    verifier_erreur(avec_cle("a b").get(URL), 401, "jeton_mal_forme")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer")
    verifier_erreur(client.get(URL), 401, "jeton_mal_forme")


def test_autre_schema_ignore():
    """`Authorization: Basic …` n'est pas un jeton : la requête reste anonyme (lecture
    libre du référentiel)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    assert client.get(URL).status_code == 200


def test_jeton_revoque_401(utilisateurs):
    jeton, cle = JetonAPI.emettre(utilisateurs["partenaire"], "SI Caf")
    assert avec_cle(cle).get(URL).status_code == 200
    jeton.revoquer()
    corps = verifier_erreur(avec_cle(cle).get(URL), 401, "jeton_revoque")
    assert corps["detail"] == "Ce jeton d’API a été révoqué."
    # Même sur une ressource publique : un jeton refusé n'est pas « rétrogradé » en anonyme.
    verifier_erreur(avec_cle(cle).get("/api/v1/sigles/"), 401, "jeton_revoque")
    assert jeton.etat == "Révoqué"
    assert JetonAPI.objects.actifs().filter(pk=jeton.pk).count() == 0


def test_jeton_expire_401(utilisateurs):
    jeton, cle = JetonAPI.emettre(
        utilisateurs["partenaire"], "SI Caf", expire_le=timezone.now() + timedelta(days=1)
    )
    assert avec_cle(cle).get(URL).status_code == 200
    JetonAPI.objects.filter(pk=jeton.pk).update(expire_le=timezone.now() - timedelta(seconds=1))
    verifier_erreur(avec_cle(cle).get(URL), 401, "jeton_expire")
    jeton.refresh_from_db()
    assert jeton.etat == "Expiré"


def test_compte_desactive_401(utilisateurs):
    user = utilisateurs["partenaire"]
    _, cle = JetonAPI.emettre(user, "SI Caf")
    user.is_active = False
    user.save()
    verifier_erreur(avec_cle(cle).get(URL), 401, "compte_inactif")


def test_derniere_utilisation_ecrite_au_plus_une_fois_par_minute(utilisateurs):
    jeton, cle = JetonAPI.emettre(utilisateurs["partenaire"], "SI Caf")
    assert jeton.derniere_utilisation is None
    client = avec_cle(cle)
    client.get(URL)
    jeton.refresh_from_db()
    premiere = jeton.derniere_utilisation
    assert premiere is not None and timezone.now() - premiere < timedelta(seconds=30)
    client.get(URL)
    jeton.refresh_from_db()
    assert jeton.derniere_utilisation == premiere  # pas de nouvelle écriture
    il_y_a_deux_minutes = timezone.now() - timedelta(minutes=2)
    JetonAPI.objects.filter(pk=jeton.pk).update(derniere_utilisation=il_y_a_deux_minutes)
    client.get(URL)
    jeton.refresh_from_db()
    assert jeton.derniere_utilisation > il_y_a_deux_minutes + timedelta(minutes=1)


def test_derniere_utilisation_sans_historique(utilisateurs):
    jeton, cle = JetonAPI.emettre(utilisateurs["partenaire"], "SI Caf")
    avant = jeton.history.count()
    avec_cle(cle).get(URL)
    jeton.revoquer()
    assert jeton.history.count() == avant + 1  # la révocation, pas l'utilisation


# --- visibilité : un jeton a exactement les droits de son titulaire ------------------------


class StructureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Structure
        fields = ["slug", "nom"]


class VueStructuresDeTest(VueLectureAPI):
    """Une ressource réservée aux comptes, comme celles du second volet."""

    queryset = Structure.objects.all()
    serializer_class = StructureSerializer
    filterset_class = None
    tri = ("nom", "pk")


def lire(user, mode):
    from rest_framework.test import APIRequestFactory, force_authenticate

    requete = APIRequestFactory().get("/api/v1/structures-de-test/")
    if user is not None and mode == "jeton":
        _, cle = JetonAPI.emettre(user, "test")
        requete = APIRequestFactory().get(
            "/api/v1/structures-de-test/", HTTP_AUTHORIZATION=f"Bearer {cle}"
        )
    elif user is not None:
        force_authenticate(requete, user=user)
    return VueStructuresDeTest.as_view({"get": "list"})(requete)


@pytest.mark.parametrize("mode", ["session", "jeton"])
def test_visibilite_appliquee_par_la_vue_de_base(utilisateurs, mode):
    """`VueLectureAPI` applique `for_user(user)` du modèle : une structure ne voit que la
    sienne, le SPV toutes, un anonyme reçoit 401 ; le jeton ne donne rien de plus."""
    assert lire(None, mode).status_code == 401
    reponse = lire(utilisateurs["structure"], mode)
    assert [s["slug"] for s in reponse.data["results"]] == ["j2p"]
    reponse = lire(utilisateurs["spv"], mode)
    assert reponse.data["count"] == Structure.objects.count() > 1


def test_appliquer_visibilite_sans_methode():
    from engagements.models import Sigle

    qs = Sigle.objects.all()
    assert appliquer_visibilite(qs, None) is qs


# --- admin ----------------------------------------------------------------------------------


def test_admin_emet_un_jeton_et_montre_la_cle_une_fois(client, utilisateurs):
    client.force_login(utilisateurs["admin"])
    partenaire = utilisateurs["partenaire"]
    formulaire = client.get("/admin/socle/jetonapi/add/").content.decode()
    assert 'name="nom"' in formulaire and 'name="empreinte"' not in formulaire
    reponse = client.post(
        "/admin/socle/jetonapi/add/",
        {
            "user": partenaire.pk,
            "nom": "Import annuel SI Caf",
            "expire_le_0": "",
            "expire_le_1": "",
        },
        follow=True,
    )
    assert reponse.redirect_chain and reponse.status_code == 200
    jeton = JetonAPI.objects.get(nom="Import annuel SI Caf")
    assert jeton.user == partenaire and jeton.cree_par == utilisateurs["admin"]
    # La page qui suit la création montre la clé, une fois.
    cles = set(re.findall(r"cvp_[A-Za-z0-9_-]{40,}", reponse.content.decode()))
    assert len(cles) == 1
    cle = cles.pop()
    assert JetonAPI.hacher(cle) == jeton.empreinte
    assert avec_cle(cle).get(URL).wsgi_request.user == partenaire
    # Ensuite, la fiche du jeton et la liste ne montrent plus que le préfixe.
    fiche = client.get(f"/admin/socle/jetonapi/{jeton.pk}/change/").content.decode()
    liste = client.get("/admin/socle/jetonapi/").content.decode()
    for page in (fiche, liste):
        assert jeton.prefixe in page and cle not in page


def test_admin_revoque(client, utilisateurs):
    jeton, cle = JetonAPI.emettre(utilisateurs["partenaire"], "SI Caf")
    client.force_login(utilisateurs["admin"])
    reponse = client.post(
        "/admin/socle/jetonapi/",
        {"action": "revoquer", "_selected_action": [jeton.pk]},
    )
    assert reponse.status_code == 302
    jeton.refresh_from_db()
    assert jeton.est_revoque
    verifier_erreur(avec_cle(cle).get(URL), 401, "jeton_revoque")


def test_un_agent_n_emet_pas_de_jeton_pour_un_autre_membre_de_l_equipe(client, utilisateurs):
    from django.contrib.auth.models import Permission

    from socle.api.permissions import peut_emettre_jeton_pour

    spv = utilisateurs["spv"]
    autre_agent = creer_utilisateur("autre-agent", "spv")
    autre_agent.refresh_from_db()
    assert autre_agent.is_staff
    assert not peut_emettre_jeton_pour(spv, utilisateurs["admin"])
    assert not peut_emettre_jeton_pour(spv, autre_agent)
    assert peut_emettre_jeton_pour(spv, utilisateurs["partenaire"])
    assert peut_emettre_jeton_pour(spv, spv)
    assert peut_emettre_jeton_pour(utilisateurs["admin"], autre_agent)

    spv.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_jetonapi", "view_jetonapi"])
    )
    client.force_login(spv)
    reponse = client.post(
        "/admin/socle/jetonapi/add/",
        {
            "user": utilisateurs["admin"].pk,
            "nom": "Élévation",
            "expire_le_0": "",
            "expire_le_1": "",
        },
    )
    assert reponse.status_code == 200  # formulaire réaffiché : choix invalide
    assert not JetonAPI.objects.filter(nom="Élévation").exists()
    reponse = client.post(
        "/admin/socle/jetonapi/add/",
        {"user": utilisateurs["partenaire"].pk, "nom": "Caf", "expire_le_0": "", "expire_le_1": ""},
    )
    assert reponse.status_code == 302
    assert JetonAPI.objects.get(nom="Caf").cree_par == spv


def test_jeton_d_un_compte_sans_role_lit_le_referentiel(utilisateurs):
    sans_role = creer_utilisateur("sans-role")
    assert client_api(sans_role, "jeton").get("/api/v1/quartiers/").status_code == 200
