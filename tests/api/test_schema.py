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
]


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
    for chemin, operations in schema["paths"].items():
        for methode, op in operations.items():
            assert methode == "get", (chemin, methode)  # lecture seule dans ce volet
            assert op["summary"] and op["description"], chemin
            reponses = op["responses"]
            assert {"200", "401", "404", "429"} <= set(reponses), chemin
            for code, reponse in reponses.items():
                if code != "200":
                    assert reponse["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/ErreurAPI"
                    }
                    assert reponse["description"]
            # Référentiel public : le jeton est facultatif.
            assert {} in op["security"] and {"jeton": []} in op["security"]
            assert "text/csv" in reponses["200"]["content"]
            noms = {p["name"] for p in op.get("parameters", [])}
            assert "format" in noms
            if "{" not in chemin:
                assert {"page", "page_size", "search"} <= noms, chemin
                assert "400" in reponses


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
    assert set(exemple["value"]) == {"nombre", "pages", "page", "suivant", "precedent", "resultats"}


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
