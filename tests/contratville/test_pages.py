"""Les pages du référentiel : contenu réel, matrice rôle × page, et nombre de requêtes
constant quand on ajoute des lignes (référence dans tests/query_counts.json)."""

import json
from pathlib import Path

import pytest

from engagements.models import Action, Engagement, Sigle
from indicateurs.models import Indicateur
from quartiers.models import ProjetStructurant, Quartier
from structures.models import FicheAction, Structure
from tests.conftest import client_pour

pytestmark = pytest.mark.django_db
REFERENCE = json.loads(
    (Path(__file__).resolve().parents[1] / "query_counts.json").read_text(encoding="utf-8")
)

ROLES = ["anonyme", "spv", "delegue", "partenaire", "structure", "admin"]
TOUS = set(ROLES)
CONNECTES = TOUS - {"anonyme"}

# page → rôles autorisés. Le référentiel est public ; les structures demandent un compte.
MATRICE = {
    "/": TOUS,
    "/engagements/": TOUS,
    "/engagements/1/": TOUS,
    "/indicateurs/": TOUS,
    "/indicateurs/E01-1/": TOUS,
    "/quartiers/": TOUS,
    "/quartiers/goutte-dor/": TOUS,
    "/glossaire/": TOUS,
    "/recherche/?q=sant%C3%A9": TOUS,
    "/structures/": CONNECTES,
    "/structures/j2p/": CONNECTES,
    "/admin/": {"spv", "admin"},
    "/admin/engagements/engagement/": {"spv", "admin"},
}


@pytest.mark.parametrize("url", MATRICE)
@pytest.mark.parametrize("role", ROLES)
def test_matrice_des_acces(client, utilisateurs, url, role):
    reponse = client_pour(client, utilisateurs[role]).get(url)
    if role in MATRICE[url]:
        assert reponse.status_code == 200, (role, url, reponse.status_code)
    else:
        assert reponse.status_code in (302, 403, 404), (role, url, reponse.status_code)
        if reponse.status_code == 302:
            assert "connexion" in reponse["Location"] or "login" in reponse["Location"]


def test_une_structure_ne_voit_que_la_sienne(client, utilisateurs):
    client.force_login(utilisateurs["structure"])
    autre = Structure.objects.exclude(slug="j2p").first()
    assert client.get(f"/structures/{autre.slug}/").status_code == 404
    liste = client.get("/structures/")
    assert list(liste.context["page"].object_list) == [Structure.objects.get(slug="j2p")]
    fiche_autre = FicheAction.objects.exclude(structure__slug="j2p").first()
    assert client.get(f"/structures/fiches/{fiche_autre.pk}/").status_code == 404


def test_accueil_montre_le_contrat(client):
    html = client.get("/").content.decode()
    assert "Contrat de ville parisien 2024-2030" in html
    assert "94 annoncés" in html
    assert "Thématique N°2 – Se former, travailler ou entreprendre" in html


def test_liste_des_engagements_groupee(client):
    reponse = client.get("/engagements/")
    groupes = reponse.context["groupes"]
    assert [t.numero for t, _ in groupes] == list(range(1, 9))
    assert [e.numero for e in groupes[3][1]] == [16, 17]
    assert "Thématique N°4" in reponse.content.decode()


def test_fiche_engagement_toutes_sections(client):
    html = client.get("/engagements/1/").content.decode()
    for titre in (
        "Problématiques et besoins exprimés",
        "Parole d’habitante et d’habitant",
        "Enjeux et principaux axes d’intervention",
        "Actions à consolider",
        "Actions à développer",
        "Pilotes",
        "Partenaires associés",
        "Lieux ressources",
        "Les financements mobilisables",
        "Les plans et stratégies",
        "Les indicateurs à suivre",
        "E01-1",
        "Conférence citoyenne, juin-juillet 2023",
    ):
        assert titre in html, titre
    # Sigles du glossaire rendus avec leur définition.
    assert '<abbr title="Caisse d’allocations familiales">Caf</abbr>' in html


def test_actions_numerotees_comme_imprimees(client):
    html = client.get("/engagements/16/").content.decode()
    assert html.count('<span class="numero-action">5.</span>') == 2


def test_engagement_sans_indicateur(client):
    assert "ne liste pas d’indicateur" in client.get("/engagements/22/").content.decode()


def test_fiche_quartier(client):
    reponse = client.get("/quartiers/grand-belleville/")
    html = reponse.content.decode()
    assert len(reponse.context["blocs_secteurs"]) == 2
    assert "12" in html and "Filosofi 2019" in html
    reponse = client.get("/quartiers/petit-belleville/")
    html = reponse.content.decode()
    assert "73 boulevard de Belleville, 75011 Paris" in html
    assert "Taux de chômage" in html and "Grand Belleville 10e 11e 20e" in html


def test_projets_filtres_par_statut(client):
    tous = client.get("/quartiers/petit-belleville/").context["nb_projets"]
    a_venir = client.get("/quartiers/petit-belleville/?statut=a_venir").context["projets"]
    attendu = ProjetStructurant.objects.filter(quartier__slug="petit-belleville", statut="a_venir")
    assert {p.pk for p in a_venir} == set(attendu.values_list("pk", flat=True))
    assert 0 < len(a_venir) < tous


def test_statut_inconnu_refuse_proprement(client):
    reponse = client.get("/quartiers/petit-belleville/?statut=nimporte")
    assert reponse.status_code == 200
    assert "Sélectionnez un choix valide" in reponse.content.decode()


def test_glossaire_filtre(client):
    reponse = client.get("/glossaire/?q=urbanisme")
    sigles = [s.sigle for _, items in reponse.context["lettres"] for s in items]
    assert "APUR" in sigles and "CAF" not in [s.upper() for s in sigles if s != "Caf"]


def test_recherche_transversale(client, utilisateurs):
    reponse = client.get("/recherche/?q=Goutte")
    titres = [r["titre"] for r in reponse.context["resultats"]]
    assert "Quartiers prioritaires" in titres
    # Un anonyme ne voit pas les structures ; le SPV si.
    assert "Structures" not in [
        r["titre"] for r in client.get("/recherche/?q=J2P").context["resultats"]
    ]
    client.force_login(utilisateurs["spv"])
    assert "Structures" in [
        r["titre"] for r in client.get("/recherche/?q=J2P").context["resultats"]
    ]
    assert client.get("/recherche/?q=a").context["trop_court"]


def test_indicateurs_filtres_et_pagines(client):
    reponse = client.get("/indicateurs/?engagement=5")
    codes = [i.code for i in reponse.context["page"]]
    assert codes == ["E05-1", "E05-2", "E05-3", "E05-4"]
    assert client.get("/indicateurs/").context["page"].paginator.num_pages == 2


# --- nombre de requêtes constant ----------------------------------------------------------------


def ajouter_des_lignes():
    """Ajoute des lignes à chaque liste : le nombre de requêtes ne doit pas bouger."""
    e1 = Engagement.objects.get(numero=1)
    for i in range(5):
        Action.objects.create(
            engagement=e1,
            numero=f"9{i}",
            ordre=900 + i,
            type="developper",
            texte=f"Action test {i}",
        )
        Indicateur.objects.create(
            code=f"TEST-{i}", engagement=e1, ordre=900 + i, libelle=f"Nombre test {i}"
        )
        Sigle.objects.create(sigle=f"ZZT{i}", definition="Sigle de test")
    goutte = Quartier.objects.get(slug="goutte-dor")
    for i in range(5):
        ProjetStructurant.objects.create(
            quartier=goutte, ordre=900 + i, nom=f"Projet test santé {i}", statut="existant"
        )
    j2p = Structure.objects.get(slug="j2p")
    for i in range(5):
        s = Structure.objects.create(slug=f"test-{i}", nom=f"Structure test {i}")
        s.quartiers.add(goutte)
        fiche = FicheAction.objects.create(structure=j2p, titre=f"Fiche test {i}", statut="validee")
        fiche.engagements.add(e1)


PAGES_COMPTEES = {
    # La présentation du contrat ; « / » d'un compte avec un rôle est son « À faire »,
    # compté dans tests/afaire/test_requetes.py.
    "accueil": "/?vue=contrat",
    "engagements": "/engagements/",
    "engagement": "/engagements/1/",
    "indicateurs": "/indicateurs/",
    "quartiers": "/quartiers/",
    "quartier": "/quartiers/goutte-dor/",
    "glossaire": "/glossaire/",
    "recherche": "/recherche/?q=sant%C3%A9",
    "structures": "/structures/",
    "structure": "/structures/j2p/",
}


@pytest.mark.parametrize("nom", PAGES_COMPTEES)
def test_nombre_de_requetes_constant(client, utilisateurs, compter_requetes, nom):
    url = PAGES_COMPTEES[nom]
    client.force_login(utilisateurs["spv"])
    client.get(url)  # échauffement (sessions, cache du glossaire)
    avant, reponse = compter_requetes(lambda: client.get(url))
    assert reponse.status_code == 200
    ajouter_des_lignes()
    client.get(url)
    apres, _ = compter_requetes(lambda: client.get(url))
    assert avant == apres, f"{url} : {avant} requêtes avant, {apres} après ajout de lignes"
    assert avant == REFERENCE.get(nom), f"{url} : {avant} requêtes, référence {REFERENCE.get(nom)}"
