"""L'API de la recherche : mêmes rubriques, mêmes comptes, même ordre et même visibilité que
la page ; erreurs en JSON français ; export tableur ; requêtes SQL en nombre constant."""

import csv
import io

import pytest

from recherche.models import Rubrique
from structures.models import FicheAction, Structure
from tests.api.conftest import client_api, verifier_erreur
from tests.conftest import client_pour
from tests.recherche.test_pages import REFERENCE, ajouter_des_lignes

pytestmark = pytest.mark.django_db
URL = "/api/v1/recherche/"


@pytest.mark.parametrize("compte", ["anonyme", "spv", "structure", "autre_structure"])
@pytest.mark.parametrize("q", ["santé", "Caf", "ateliers numériques", "J2P"])
def test_parite_avec_la_page(client, comptes, compte, q):
    user = None if compte == "anonyme" else comptes[compte]
    page = client_pour(client, user).get("/recherche/", {"q": q}).context["recherche"]
    api = client_api(user, "jeton").get(URL, {"q": q, "page_size": 100}).json()
    assert [(r["type"], r["nombre"], r["complete"]) for r in api["rubriques"]] == [
        (r.type, r.nombre, r.complete) for r in page.rubriques
    ]
    assert api["count"] == sum(r.nombre for r in page.rubriques)
    # Les premiers résultats de chaque rubrique sont ceux de l'aperçu de la page, dans l'ordre.
    for rubrique in page.rubriques:
        de_l_api = [r["titre"] for r in api["results"] if r["type"] == rubrique.type]
        assert de_l_api[: len(rubrique.resultats)] == [r.titre for r in rubrique.resultats]
    types = [r["type"] for r in api["results"]]
    assert (
        sorted(set(types), key=types.index)
        == [r["type"] for r in api["rubriques"]][: len(set(types))]
    )


def test_rubrique_paginee_comme_la_page(client, utilisateurs):
    client.force_login(utilisateurs["spv"])
    for numero in (1, 2):
        page = client.get("/recherche/", {"q": "santé", "type": "actions", "page": numero})
        api = client_api(utilisateurs["spv"]).get(
            URL, {"q": "santé", "type": "actions", "page": numero}
        )
        corps = api.json()
        assert [r["titre"] for r in corps["results"]] == [
            r.titre for r in page.context["recherche"].resultats
        ]
        assert set(corps) >= {"count", "next", "previous", "results"}
    assert corps["previous"].startswith("http://testserver/api/v1/recherche/?")
    assert "page=" not in corps["previous"] and corps["next"] is None
    premier = corps["results"][0]
    assert premier["url"].startswith("http://testserver/engagements/")
    assert premier["type_libelle"] == "Actions" and premier["modele"] == "action"
    assert "<mark>" in premier["extrait_html"]


def test_sigles_corrections_et_alias_search(api):
    corps = api.get(URL, {"search": "Caf", "page_size": 1}).json()
    assert corps["sigles"] == [{"sigle": "Caf", "definition": "Caisse d’allocations familiales"}]
    assert corps["results"][0]["titre"] == "Caf" and corps["results"][0]["exact"]
    assert corps["next"].endswith("page=2&page_size=1&search=Caf")
    corrections = api.get(URL, {"q": "qartier"}).json()["corrections"]
    assert corrections == [{"mot": "qartier", "corrections": ["quartier"]}]
    rubrique = api.get(URL, {"q": "Caf"}).json()["rubriques"][0]
    assert rubrique["adresse"] == "http://testserver/api/v1/recherche/?q=Caf&type=glossaire"


@pytest.mark.parametrize(
    "params, champ, message",
    [
        ({"q": "a\x00b"}, "q", "caractère nul"),
        ({"q": "x" * 201}, "q", "trop longue"),
        ({"q": "a"}, "q", "au moins deux caractères"),
        ({}, "q", "obligatoire"),
        ({"q": "santé", "search": "caf"}, "search", "pas les deux"),
        ({"q": "santé", "type": "nimporte"}, "type", "Rubrique inconnue"),
        ({"q": "santé", "tri": "titre"}, "tri", "Paramètre inconnu"),
    ],
)
def test_erreurs_400(api, params, champ, message):
    corps = verifier_erreur(api.get(URL, params), 400, "donnees_invalides")
    assert message in corps["erreurs"][champ][0]


def test_page_au_dela_404(api):
    verifier_erreur(api.get(URL, {"q": "santé", "page": "99"}), 404, "introuvable")


@pytest.mark.parametrize("page", ["0", "abc", "²", "-1"])
def test_page_mal_formee_400(api, page):
    """Contrat de l'API : une page mal formée est refusée (400), jamais ramenée à la
    première ; une page bien formée au-delà de la dernière n'existe pas (404)."""
    verifier_erreur(api.get(URL, {"q": "santé", "page": page}), 400, "donnees_invalides")


def test_taille_de_page_bornee(api):
    corps = api.get(URL, {"q": "quartier", "page_size": 100}).json()
    assert corps["count"] > 100 and len(corps["results"]) == 100
    for taille in ("1000", "x", "null", "0"):
        reponse = api.get(URL, {"q": "quartier", "page_size": taille})
        verifier_erreur(reponse, 400, "donnees_invalides")


def test_export_csv_selon_la_visibilite(comptes, ecriture):
    with ecriture():
        FicheAction.objects.create(
            structure=Structure.objects.get(slug="j2p"),
            titre="Fiche santé en brouillon",
            statut=FicheAction.Statut.BROUILLON,
        )
    for compte, voit in [("spv", True), ("autre_structure", False)]:
        reponse = client_api(comptes[compte], "jeton").get(URL, {"q": "santé", "format": "csv"})
        assert reponse.status_code == 200
        assert reponse["Content-Type"].startswith("text/csv")
        lignes = list(csv.reader(io.StringIO(reponse.content.decode("utf-8"))))
        assert lignes[0] == ["Rubrique", "Titre", "Contexte", "Adresse"]
        json_ = client_api(comptes[compte]).get(URL, {"q": "santé", "page_size": 1}).json()
        assert len(lignes) - 1 == json_["count"] > 20  # tout, sans pagination
        assert (["Fiches-actions", "Fiche santé en brouillon"] in [x[:2] for x in lignes]) is voit
        assert {x[0] for x in lignes[1:]} <= {r.label for r in Rubrique}


def test_documentee_et_publique(api):
    schema = api.get("/api/v1/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/recherche/"]["get"]
    assert operation["summary"] == "Recherche transversale"
    assert "Caisse d’allocations familiales" in operation["description"]
    assert {} in operation["security"]
    noms = {p["name"] for p in operation["parameters"]}
    # `q` est requis dans le schéma ; `search`, son synonyme, reste accepté sans y figurer
    # (un client généré n'a qu'un nom pour la requête).
    assert {"q", "type", "page", "page_size", "format"} <= noms
    assert next(p for p in operation["parameters"] if p["name"] == "q")["required"]
    assert api.get(URL, {"q": "santé"}).status_code == 200
    assert api.get(URL, {"search": "santé"}).status_code == 200


# --- nombre de requêtes constant ----------------------------------------------------------------

APPELS = {
    "api (anonyme)": ("anonyme", "session"),
    "api (jeton, spv)": ("spv", "jeton"),
    "api (session, spv)": ("spv", "session"),
    "api (jeton, structure)": ("structure", "jeton"),
}


@pytest.mark.parametrize("nom", APPELS)
def test_nombre_de_requetes_constant(utilisateurs, compter_requetes, ecriture, nom):
    role, mode = APPELS[nom]
    client = client_api(utilisateurs[role], mode)
    params = {"q": "santé", "page_size": 50}
    client.get(URL, params)  # échauffement (session, jeton)
    avant, reponse = compter_requetes(lambda: client.get(URL, params))
    assert reponse.status_code == 200
    nombre = reponse.json()["count"]
    ajouter_des_lignes(ecriture)
    apres, reponse = compter_requetes(lambda: client.get(URL, params))
    assert reponse.json()["count"] > nombre
    assert avant == apres, f"{nom} : {avant} requêtes avant, {apres} après ajout de lignes"
    assert avant == REFERENCE.get(nom), f"{nom} : {avant} requêtes, référence {REFERENCE.get(nom)}"
