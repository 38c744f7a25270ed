"""Le schéma OpenAPI 3 et sa documentation : valide sans avertissement, en français, servi
hors ligne (Swagger UI et Redoc depuis drf-spectacular-sidecar, sans CDN)."""

import io
import re

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db

LISTES = [
    "thematiques",
    "engagements",
    "signataires",
    "sigles",
    "quartiers",
    "projets",
    "indicateurs",
    "territoires",
    "campagnes",
    "valeurs",
    "structures",
    "fiches-actions",
]
PUBLIQUES = {
    "thematiques",
    "engagements",
    "signataires",
    "sigles",
    "quartiers",
    "projets",
    "indicateurs",
    "territoires",
    "recherche",
}


def ressource(chemin):
    return chemin.split("/")[3]


@pytest.fixture(scope="module")
def schema():
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def test_spectacular_valide_sans_avertissement(tmp_path):
    fichier = tmp_path / "schema.yml"
    sortie, erreurs = io.StringIO(), io.StringIO()
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(fichier),
        stdout=sortie,
        stderr=erreurs,
    )
    assert not erreurs.getvalue().strip(), erreurs.getvalue()
    assert yaml.safe_load(fichier.read_text(encoding="utf-8"))["openapi"].startswith("3.")


def test_schema_servi(api):
    reponse = api.get("/api/v1/schema/?format=json")
    assert reponse.status_code == 200
    schema = reponse.json()
    assert schema["info"]["title"] == "API du contrat de ville parisien 2024-2030"
    assert "Authorization: Bearer" in schema["info"]["description"]
    assert {f"/api/v1/{r}/" for r in LISTES} <= set(schema["paths"])


def test_chaque_operation_documentee_en_francais(schema):
    ecritures = set()
    for chemin, operations in schema["paths"].items():
        for methode, op in operations.items():
            assert op["summary"] and op["description"], chemin
            reponses = op["responses"]
            assert {"401", "404", "429"} <= set(reponses), chemin
            assert {"200", "201"} & set(reponses), chemin
            for code, reponse in reponses.items():
                if code[0] in "45":
                    assert reponse["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/ErreurAPI"
                    }
                    assert reponse["description"]
            publique = ressource(chemin) in PUBLIQUES
            # Le référentiel public : le jeton est facultatif ; le reste demande un compte.
            assert ({} in op["security"]) == publique, (chemin, op["security"])
            assert {"jeton": []} in op["security"]
            noms = {p["name"] for p in op.get("parameters", [])}
            if methode == "get":
                assert "text/csv" in reponses["200"]["content"]
                assert "format" in noms
                if "{" not in chemin and "recherche" in chemin:
                    assert {"q", "page", "page_size"} <= noms, chemin
                elif "{" not in chemin:
                    curseur = chemin.endswith(("/valeurs/", "/fiches-actions/"))
                    pagination = "cursor" if curseur else "page"
                    assert {pagination, "page_size", "search", "modifie_depuis"} <= noms, chemin
                    assert "400" in reponses
                if not publique:
                    assert "403" in reponses
            else:
                ecritures.add((methode, chemin))
                assert ressource(chemin) == "valeurs", chemin
                assert set(next(iter(reponses.values()))["content"]) == {"application/json"}
                assert {"400", "403", "413"} <= set(reponses), chemin
    assert ecritures == {
        ("post", "/api/v1/valeurs/"),
        ("put", "/api/v1/valeurs/{id}/"),
        ("patch", "/api/v1/valeurs/{id}/"),
        ("post", "/api/v1/valeurs/{id}/soumettre/"),
        ("post", "/api/v1/valeurs/{id}/valider/"),
        ("post", "/api/v1/valeurs/{id}/renvoyer/"),
        ("post", "/api/v1/valeurs/bulk/"),
    }


def test_ecritures_documentees_avec_exemples(schema):
    chemins = schema["paths"]
    creation = chemins["/api/v1/valeurs/"]["post"]
    assert "409" in creation["responses"] and "201" in creation["responses"]
    exemples = creation["requestBody"]["content"]["application/json"]["examples"]
    assert any(e["value"].get("indicateur") == "E05-1" for e in exemples.values())
    assert "ETag" in creation["responses"]["201"]["headers"]
    for methode in ("put", "patch"):
        op = chemins["/api/v1/valeurs/{id}/"][methode]
        assert {"412", "428"} <= set(op["responses"])
        # If-Match ou, à défaut, la `version` de l'enregistrement renvoyé (issue 12).
        if_match = next(p for p in op["parameters"] if p["name"] == "If-Match")
        assert if_match["in"] == "header" and not if_match.get("required")
        exemple = next(
            iter(op["responses"]["412"]["content"]["application/json"]["examples"].values())
        )
        assert exemple["value"]["code"] == "precondition_echouee"
    lecture = chemins["/api/v1/valeurs/{id}/"]["get"]
    assert "ETag" in lecture["responses"]["200"]["headers"]
    envoi = chemins["/api/v1/valeurs/bulk/"]["post"]
    assert "tout ou rien" in envoi["summary"].lower()
    exemple = next(
        iter(envoi["responses"]["400"]["content"]["application/json"]["examples"].values())
    )
    assert set(exemple["value"]["erreurs"]) == {"0", "2"}
    corps = envoi["requestBody"]["content"]["application/json"]
    assert len(next(iter(corps["examples"].values()))["value"]["valeurs"]) == 3
    refus = chemins["/api/v1/valeurs/{id}/soumettre/"]["post"]["responses"]["403"]
    assert "campagne_fermee" in refus["description"]
    for nom in ("If-Match", "ETag"):
        assert nom in str(chemins["/api/v1/valeurs/{id}/valider/"]["post"])
    assert "campagne_fermee" in schema["info"]["description"]


def test_champs_et_filtres_decrits(schema):
    composants = schema["components"]["schemas"]
    for nom, composant in composants.items():
        for champ, definition in composant.get("properties", {}).items():
            if "$ref" in definition or "allOf" in definition:
                continue
            assert definition.get("description"), f"{nom}.{champ} sans description"
    parametres = {p["name"]: p for p in schema["paths"]["/api/v1/projets/"]["get"]["parameters"]}
    assert parametres["quartier"]["description"] == "Quartier (identifiant)"
    assert parametres["statut"]["schema"]["enum"]
    assert schema["components"]["securitySchemes"]["jeton"]["scheme"] == "bearer"


def test_exemples_en_francais(schema):
    reponse = schema["paths"]["/api/v1/engagements/{numero}/"]["get"]["responses"]["200"]
    exemple = next(iter(reponse["content"]["application/json"]["examples"].values()))
    assert exemple["value"]["actions"][0]["type_libelle"] == "À consolider"
    liste = schema["paths"]["/api/v1/engagements/"]["get"]["responses"]["200"]
    exemple = next(iter(liste["content"]["application/json"]["examples"].values()))
    assert set(exemple["value"]) == {"count", "next", "previous", "results"}


@pytest.mark.parametrize("page", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_documentation_hors_ligne(api, page):
    reponse = api.get(page)
    assert reponse.status_code == 200
    html = reponse.content.decode()
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', html)
    feuilles = re.findall(r'<link[^>]+href="([^"]+)"', html)
    assert scripts
    for ressource in scripts + feuilles:
        assert not ressource.startswith(("http:", "https:", "//")), ressource
        assert "drf_spectacular_sidecar" in ressource, ressource
        fichier = api.get(ressource)
        assert fichier.status_code == 200, ressource
        fichier.close()  # réponse en flux (whitenoise) : fermer le fichier
    assert "cdn" not in html.lower()
