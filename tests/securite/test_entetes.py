"""En-têtes de sécurité : politique de sécurité du contenu sans script ni style en ligne (et
aucune page qui en ait besoin), documentation de l'API seule assouplie ; aucune réponse
authentifiée mise en cache ; HSTS et redirection HTTPS pilotés par l'environnement."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings as reglages

from socle.models import JetonAPI
from structures.models import FicheAction
from tests.api.conftest import ouvrir_campagne
from tests.conftest import client_pour

pytestmark = pytest.mark.django_db

BALISE_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
ATTRIBUT_EVENEMENT = re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.S)
ATTRIBUT_STYLE = re.compile(r"<[a-zA-Z][^>]*\sstyle\s*=", re.S)
BALISE_STYLE = re.compile(r"<style\b([^>]*)>", re.I)

# Les pages principales, par rôle (les formulaires, grilles et tableaux de bord compris).
PAGES = {
    "anonyme": [
        "/",
        "/engagements/",
        "/engagements/5/",
        "/indicateurs/",
        "/indicateurs/E01-1/",
        "/quartiers/",
        "/quartiers/goutte-dor/",
        "/glossaire/",
        "/recherche/?q=sant%C3%A9",
        "/connexion/",
        "/connexion/mot-de-passe-oublie/",
        "/admin/login/",
    ],
    "spv": [
        "/structures/",
        "/structures/fiches/",
        "/structures/fiches/couverture/",
        "/indicateurs/campagnes/",
        "/indicateurs/campagnes/2025/",
        "/indicateurs/E28-2/saisie/2025/",
        "/indicateurs/valeurs/",
        "/bilan/",
        "/bilan/rapport/",
        "/bilan/etudes/nouvelle/",
        "/admin/",
        "/admin/socle/profil/add/",
        "/admin/engagements/engagement/",
    ],
    "delegue": [
        "/mon-territoire/",
        "/quartiers/projets/",
        "/quartiers/comparaison/",
        "/quartiers/arrondissement/18/",
    ],
    "structure": [
        "/structures/j2p/",
        "/structures/fiches/nouvelle/",
        "/structures/j2p/modifier/",
    ],
}


def defauts_csp(html):
    """Ce qui serait bloqué par une politique sans 'unsafe-inline'."""
    defauts = []
    for attributs, contenu in BALISE_SCRIPT.findall(html):
        if "src=" not in attributs and 'type="application/json"' not in attributs:
            defauts.append(f"script en ligne : {contenu.strip()[:80]}")
    defauts += [f"gestionnaire en ligne : {m[-60:]}" for m in ATTRIBUT_EVENEMENT.findall(html)]
    defauts += [f"attribut style : {m[-60:]}" for m in ATTRIBUT_STYLE.findall(html)]
    defauts += [f"<style{a}> sans nonce" for a in BALISE_STYLE.findall(html) if "nonce=" not in a]
    if "javascript:" in html:
        defauts.append("adresse javascript:")
    return defauts


def directives(reponse):
    politique = reponse["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in politique.split(";")) if d}


@pytest.fixture
def campagne(db):
    return ouvrir_campagne(2025)


@pytest.mark.parametrize("role", list(PAGES))
def test_pages_sans_script_ni_style_en_ligne(client, utilisateurs, campagne, role):
    client_pour(client, utilisateurs[role])
    for url in PAGES[role]:
        reponse = client.get(url)
        assert reponse.status_code == 200, (url, reponse.status_code)
        html = reponse.content.decode()
        assert defauts_csp(html) == [], url
        csp = directives(reponse)
        assert csp["script-src"] == ["'self'"], url
        assert csp["style-src"][0] == "'self'" and "'unsafe-inline'" not in csp["style-src"]
        assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]


def test_formulaire_de_fiche_charge_son_script_statique(client, utilisateurs, campagne):
    html = client_pour(client, utilisateurs["structure"]).get("/structures/fiches/nouvelle/")
    assert 'src="/static/js/fiche-formulaire.js"' in html.content.decode()
    fichier = Path(reglages.BASE_DIR, "static", "js", "fiche-formulaire.js").read_text()
    assert 'lier("input[name=etat]", "bloc-motif-fin"' in fichier


def test_htmx_sans_feuille_injectee(client):
    html = client.get("/").content.decode()
    (config,) = re.findall(r"<meta name=\"htmx-config\" content='([^']+)'>", html)
    config = json.loads(config)
    assert config["includeIndicatorStyles"] is False and config["allowEval"] is False
    assert "style" not in config["attributesToSettle"]
    css = Path(reglages.BASE_DIR, "static", "css", "portail.css").read_text()
    assert ".htmx-indicator" in css


def test_seul_le_rapport_du_bilan_porte_un_nonce(client, utilisateurs, campagne):
    client_pour(client, utilisateurs["spv"])
    rapport = client.get("/bilan/rapport/")
    (nonce,) = re.findall(r'<style nonce="([^"]+)">', rapport.content.decode())
    assert f"'nonce-{nonce}'" in directives(rapport)["style-src"]
    assert directives(client.get("/bilan/"))["style-src"] == ["'self'"]


def test_gabarits_sans_script_ni_style_en_ligne():
    """Tous les gabarits HTML servis, y compris ceux qu'aucun test ne rend ; les gabarits
    des PDF (rendus par WeasyPrint, jamais servis en HTML) et des courriels (styles en ligne
    pour les messageries, jamais servis par le portail) sont à part."""
    racine = Path(reglages.BASE_DIR)
    gabarits = [
        g
        for dossier in [racine / "templates", *racine.glob("*/templates")]
        for g in dossier.rglob("*.html")
        if not g.name.endswith("_pdf.html") and "courriel" not in str(g.relative_to(racine))
    ]
    assert len(gabarits) > 50
    defauts = {str(g.relative_to(racine)): defauts_csp(g.read_text()) for g in gabarits}
    assert {g: d for g, d in defauts.items() if d} == {}


@pytest.mark.parametrize("url", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_documentation_de_l_api_seule_assouplie(client, url):
    reponse = client.get(url)
    assert reponse.status_code == 200
    csp = directives(reponse)
    assert "'unsafe-inline'" in csp["script-src"]
    assert "blob:" in csp["worker-src"]
    # Le reste de l'API garde la politique stricte.
    assert "'unsafe-inline'" not in directives(client.get("/api/v1/"))["script-src"]


# --- cache ----------------------------------------------------------------------------------


def test_pages_publiques_cachables_pour_un_anonyme(client):
    for url in ["/", "/engagements/1/", "/api/v1/engagements/"]:
        assert "no-store" not in client.get(url).get("Cache-Control", ""), url


@pytest.mark.parametrize(
    "url", ["/", "/structures/", "/engagements/1/", "/admin/", "/api/v1/valeurs/"]
)
def test_reponses_authentifiees_jamais_mises_en_cache(client, utilisateurs, url):
    reponse = client_pour(client, utilisateurs["spv"]).get(url)
    assert reponse.status_code == 200
    assert reponse["Cache-Control"] == "no-store, private"


def test_api_par_jeton_jamais_mise_en_cache(client, utilisateurs):
    _, cle = JetonAPI.emettre(utilisateurs["partenaire"], "Jeton de test")
    for url in ["/api/v1/valeurs/", "/api/v1/engagements/1/"]:
        reponse = client.get(url, HTTP_AUTHORIZATION=f"Bearer {cle}")
        assert reponse.status_code == 200
        assert reponse["Cache-Control"] == "no-store, private", url


def test_piece_jointe_jamais_mise_en_cache(client, utilisateurs, settings, tmp_path):
    from django.core.files.base import ContentFile

    from structures.models import PieceJointe

    settings.MEDIA_ROOT = tmp_path
    fiche = FicheAction.objects.filter(structure__slug="j2p").first()
    piece = PieceJointe(fiche=fiche, nom="bilan.pdf", type_mime="application/pdf", taille=15)
    piece.fichier.save("bilan.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    piece.save()
    reponse = client_pour(client, utilisateurs["structure"]).get(
        f"/structures/pieces-jointes/{piece.pk}/"
    )
    assert reponse.status_code == 200
    assert reponse["Cache-Control"] == "no-store, private"
    reponse.close()


def test_hsts_et_https_desactives_dans_les_tests(client, settings):
    # Les réglages de production les activent (tests/securite/test_production.py).
    assert not settings.SECURE_SSL_REDIRECT and settings.SECURE_HSTS_SECONDS == 0
    assert "Strict-Transport-Security" not in client.get("/")
