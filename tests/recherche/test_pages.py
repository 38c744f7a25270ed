"""La page /recherche/ : rubriques titrées et comptées, termes surlignés, « voir plus » vers
la rubrique paginée, saisies refusées avec un message, et un nombre de requêtes SQL qui ne
dépend pas du volume (référence dans tests/recherche/query_counts.json)."""

import json
import re
from pathlib import Path

import pytest

from engagements.models import Action, Engagement
from quartiers.models import ProjetStructurant, Quartier
from recherche.moteur import PAR_PAGE, PAR_RUBRIQUE
from structures.models import FicheAction, Structure
from tests.conftest import client_pour

pytestmark = pytest.mark.django_db
REFERENCE = json.loads((Path(__file__).parent / "query_counts.json").read_text(encoding="utf-8"))


def html(reponse):
    return reponse.content.decode()


def test_apercu_par_rubrique(client):
    reponse = client.get("/recherche/", {"q": "santé"})
    assert reponse.status_code == 200
    page = html(reponse)
    assert "<title>Recherche « santé » · Portail de suivi</title>" in page
    rubriques = reponse.context["recherche"].rubriques
    for rubrique in rubriques:
        assert f'<h2 class="h5" id="r-{rubrique.type}">{rubrique.libelle} ' in page
        assert f'aria-labelledby="r-{rubrique.type}"' in page
        assert f'{rubrique.nombre}<span class="visually-hidden"> résultat' in page
    actions = next(r for r in rubriques if r.type == "actions")
    assert actions.nombre > PAR_RUBRIQUE
    assert f"Voir les {actions.nombre} résultats de la rubrique « Actions »" in page
    assert 'href="?q=sant%C3%A9&amp;type=actions"' in page
    assert "<mark>santé</mark>" in page
    # Un anonyme ne voit ni structures ni fiches.
    assert {r.type for r in rubriques}.isdisjoint({"structures", "fiches-actions"})


def test_rubrique_paginee(client):
    url = "/recherche/?q=sant%C3%A9&type=actions"
    premiere = client.get(url)
    nombre = premiere.context["recherche"].nombre
    assert nombre > PAR_PAGE
    page = html(premiere)
    assert page.count('<li class="mb-2">') == PAR_PAGE
    assert '<nav aria-label="Pages de résultats">' in page
    assert 'aria-current="page" aria-label="Page 1 sur 2"' in page
    assert 'href="?q=sant%C3%A9&amp;type=actions&amp;page=2" rel="next"' in page
    assert "<title>Recherche « santé » – Actions · Portail de suivi</title>" in page
    seconde = client.get(url + "&page=2")
    assert html(seconde).count('<li class="mb-2">') == nombre - PAR_PAGE
    assert 'rel="prev"' in html(seconde)
    # Le filtre par rubrique garde les comptes de toutes les rubriques.
    assert re.search(r'aria-current="page">Actions \(\d+\)</a>', page)
    assert "Toutes les rubriques (" in page
    hors = client.get(url + "&page=9")
    assert "La page 9 n’existe pas : la rubrique compte 2 pages de résultats." in html(hors)


def test_sigle_developpe_et_exact_en_tete(client):
    reponse = client.get("/recherche/", {"q": "Caf"})
    page = html(reponse)
    assert 'Sigle du glossaire : <abbr title="Caisse d’allocations familiales">Caf</abbr>' in page
    assert page.index('id="r-glossaire"') < page.index('id="r-signataires"')
    assert page.index('id="r-signataires"') < page.index('id="r-engagements"')


def test_correction_annoncee(client):
    page = html(client.get("/recherche/", {"q": "qartier"}))
    assert "« qartier » n’apparaît nulle part : recherche étendue à « quartier »." in page


def test_fiche_en_anglais_balisee(client, utilisateurs):
    client.force_login(utilisateurs["spv"])
    page = html(client.get("/recherche/", {"q": "J2P", "type": "fiches-actions"}))
    assert re.search(r'<a href="/structures/fiches/\d+/" lang="en">The <mark>J2P</mark>', page)


@pytest.mark.parametrize(
    "params, statut, message",
    [
        ({"q": "x" * 201}, 400, "La recherche est trop longue (201 caractères) : 200 caractères"),
        ({"q": "santé", "type": "nimporte"}, 400, "Rubrique inconnue : « nimporte »"),
        ({"q": "a"}, 200, "Saisissez au moins deux caractères."),
        ({"q": "de la"}, 200, "ne contient que des mots trop courants"),
        ({"q": "zzyzxqwv"}, 200, "Aucun résultat pour « zzyzxqwv »."),
    ],
)
def test_saisies_refusees(client, params, statut, message):
    reponse = client.get("/recherche/", params)
    assert reponse.status_code == statut
    assert message in html(reponse)
    assert '<input id="q-recherche"' in html(reponse)
    assert "\x00" not in html(reponse)


def test_caractere_nul_refuse_avant_la_recherche(client):
    """Le caractère nul est refusé par le portail entier (contratville/middleware.py), avant
    la vue : page 400 commune, sans le caractère."""
    reponse = client.get("/recherche/", {"q": "a\x00b"})
    assert reponse.status_code == 400
    assert "caractère nul (U+0000)" in html(reponse)
    assert "\x00" not in html(reponse)


def test_champ_de_l_en_tete(client):
    """La barre de navigation envoie `q` à /recherche/ et réaffiche la saisie."""
    page = html(client.get("/recherche/", {"q": "Goutte"}))
    assert (
        'id="recherche-globale" class="form-control form-control-sm me-1" type="search" '
        'name="q" placeholder="Rechercher…" value="Goutte"' in page
    )
    assert '<a href="/quartiers/goutte-dor/"><mark>Goutte</mark> d’Or</a>' in page


# --- nombre de requêtes constant ----------------------------------------------------------------


def ajouter_des_lignes(ecriture):
    """Des lignes qui répondent toutes à « santé », indexées comme en production."""
    e1 = Engagement.objects.get(numero=1)
    goutte = Quartier.objects.get(slug="goutte-dor")
    j2p = Structure.objects.get(slug="j2p")
    with ecriture():
        for i in range(6):
            Action.objects.create(
                engagement=e1, numero=f"9{i}", ordre=900 + i, type="developper",
                texte=f"Action santé de test {i}",
            )  # fmt: skip
            ProjetStructurant.objects.create(
                quartier=goutte, ordre=900 + i, nom=f"Projet santé {i}", statut="existant"
            )
            s = Structure.objects.create(slug=f"sante-{i}", nom=f"Maison de santé {i}")
            s.quartiers.add(goutte)
            fiche = FicheAction.objects.create(
                structure=j2p, titre=f"Fiche santé {i}", statut="validee"
            )
            fiche.quartiers.add(goutte)


PAGES = {
    "page (anonyme)": ("anonyme", "/recherche/?q=sant%C3%A9"),
    "page (spv)": ("spv", "/recherche/?q=sant%C3%A9"),
    "page (structure)": ("structure", "/recherche/?q=sant%C3%A9"),
    "page (delegue)": ("delegue", "/recherche/?q=sant%C3%A9"),
    "rubrique (spv)": ("spv", "/recherche/?q=sant%C3%A9&type=fiches-actions"),
    "sigle (spv)": ("spv", "/recherche/?q=Caf"),
}


@pytest.mark.parametrize("nom", PAGES)
def test_nombre_de_requetes_constant(client, utilisateurs, compter_requetes, ecriture, nom):
    role, url = PAGES[nom]
    client_pour(client, utilisateurs[role])
    client.get(url)  # échauffement (session)
    avant, reponse = compter_requetes(lambda: client.get(url))
    assert reponse.status_code == 200
    nombres = [r.nombre for r in reponse.context["recherche"].rubriques]
    ajouter_des_lignes(ecriture)
    apres, reponse = compter_requetes(lambda: client.get(url))
    if "santé" in url or "sant%C3%A9" in url:
        assert [r.nombre for r in reponse.context["recherche"].rubriques] != nombres
    assert avant == apres, f"{url} : {avant} requêtes avant, {apres} après ajout de lignes"
    assert avant == REFERENCE.get(nom), f"{nom} : {avant} requêtes, référence {REFERENCE.get(nom)}"
