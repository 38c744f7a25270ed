"""Les refus et les erreurs parlent français, dans la mise en page du portail, avec la raison :
403 (la raison donnée par la règle qui refuse), 404, 500, 503 (base injoignable), échec CSRF ;
sous /api/, du JSON au `code` stable, 500 et 503 compris.

Le parcours de toutes les pages sans paramètre × tous les rôles vérifie qu'aucun refus n'est
la page anglaise nue de Django (« 403 Forbidden »)."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import client_pour

pytestmark = pytest.mark.django_db

ROLES = ["anonyme", "spv", "delegue", "partenaire", "structure", "admin"]


def pages_sans_parametre(motifs=None, prefixe=""):
    """Toutes les adresses du portail qui se lisent sans paramètre (hors admin et API)."""
    adresses = []
    for motif in motifs if motifs is not None else get_resolver().url_patterns:
        texte = str(motif.pattern)
        if isinstance(motif, URLResolver):
            if texte.startswith(("admin/", "api/")):
                continue
            adresses += pages_sans_parametre(motif.url_patterns, prefixe + texte)
        elif isinstance(motif, URLPattern):
            chemin = prefixe + texte
            if "<" in chemin or "(" in chemin or "^" in chemin or "deconnexion" in chemin:
                continue
            adresses.append("/" + chemin)
    return sorted(set(adresses))


def verifier_page_francaise(reponse, statut):
    html = reponse.content.decode()
    assert reponse.status_code == statut
    assert 'lang="fr"' in html
    assert "Navigation principale" in html  # la mise en page du portail
    assert "Forbidden" not in html and "Not Found" not in html and "Server Error" not in html
    return html


def test_le_parcours_couvre_les_pages():
    pages = pages_sans_parametre()
    assert "/structures/fiches/" in pages and "/bilan/" in pages and len(pages) > 20


@pytest.mark.parametrize("role", ROLES)
def test_aucun_refus_nu_sur_toutes_les_pages(client, utilisateurs, role):
    client = client_pour(client, utilisateurs[role])
    refus = 0
    for adresse in pages_sans_parametre():
        reponse = client.get(adresse)
        if reponse.status_code in (403, 404, 405):
            # 405 : une adresse qui ne reçoit que des formulaires, ouverte comme une page.
            html = verifier_page_francaise(reponse, reponse.status_code)
            assert 'role="alert"' in html, adresse
            refus += 1
        else:
            assert reponse.status_code in (200, 302), (role, adresse, reponse.status_code)
    if role in ("delegue", "partenaire", "structure"):
        assert refus > 0  # le parcours rencontre bien des refus pour ces rôles


@pytest.mark.parametrize(
    "role, adresse, raison",
    [
        ("structure", "/structures/fiches/", "Cette page n’est pas accessible avec votre compte."),
        ("spv", "/structures/fiches/nouvelle/", "Seuls les comptes de structure rédigent"),
        ("delegue", "/structures/fiches/nouvelle/", "Seuls les comptes de structure rédigent"),
        ("partenaire", "/structures/fiches/nouvelle/", "Seuls les comptes de structure rédigent"),
        ("partenaire", "/bilan/", "Le bilan annuel du comité de pilotage est produit par"),
        ("delegue", "/indicateurs/campagnes/", "Le suivi des campagnes est réservé"),
    ],
)
def test_le_refus_dit_la_raison_de_la_regle(client, utilisateurs, role, adresse, raison):
    reponse = client_pour(client, utilisateurs[role]).get(adresse)
    html = verifier_page_francaise(reponse, 403)
    assert "Accès refusé" in html
    assert raison in html


def test_page_introuvable(client):
    html = verifier_page_francaise(client.get("/quartiers/nulle-part/"), 404)
    assert "Page introuvable" in html
    # Jamais le message technique de Django (« No Quartier matches the given query. »).
    assert "matches the given query" not in html
    html = verifier_page_francaise(client.get("/adresse-inexistante/"), 404)
    assert "Cette page n’existe pas ou plus." in html


def test_api_introuvable_en_json(client):
    reponse = client.get("/api/v1/quartiers/nulle-part/")
    assert reponse.status_code == 404
    assert reponse.json()["code"] == "introuvable"


@pytest.mark.urls("tests.contratville.urls_erreurs")
def test_erreur_serveur_page_et_api(client):
    client.raise_request_exception = False
    reponse = client.get("/panne/")
    assert reponse.status_code == 500
    html = reponse.content.decode()
    assert 'lang="fr"' in html and "Erreur du serveur" in html and "boum" not in html
    api = client.get("/api/v1/panne/")
    assert api.status_code == 500
    assert api.json()["code"] == "erreur_serveur"
    assert "boum" not in api.content.decode()


@pytest.mark.urls("tests.contratville.urls_erreurs")
def test_base_injoignable_503(client):
    client.raise_request_exception = False
    reponse = client.get("/panne-base/")
    assert reponse.status_code == 503
    assert reponse["Retry-After"]
    assert "Service momentanément indisponible" in reponse.content.decode()
    api = client.get("/api/v1/panne-base/")
    assert api.status_code == 503
    assert api["Retry-After"]
    corps = api.json()
    assert corps["code"] == "service_indisponible" and corps["attente"] > 0


def test_echec_csrf_en_francais(utilisateurs):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(utilisateurs["structure"])
    reponse = client.post("/structures/fiches/nouvelle/", {"titre": "x"})
    html = verifier_page_francaise(reponse, 403)
    assert "Le formulaire a expiré" in html
