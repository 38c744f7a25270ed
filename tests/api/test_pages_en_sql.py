"""Les pages JSON des valeurs lues en SQL (`VueLectureAPI.lecture_sql_liste`,
`LectureSQL(json=True)`) : exactement la réponse du sérialiseur, à l'octet près, sur toutes
les pages, pour chaque rôle, sans sérialiseur par ligne ni jointure dans le compte."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicateurs.api.valeurs import ValeurSerializer, ValeurViewSet
from tests.api.conftest import client_api

pytestmark = pytest.mark.django_db


def pages(client, adresse):
    """Les corps de toutes les pages (suivies par `next`), puis de la page précédente de la
    dernière."""
    corps = []
    while adresse:
        reponse = client.get(adresse)
        assert reponse.status_code == 200, reponse.content
        corps.append(reponse.content)
        donnees = reponse.json()
        adresse, precedente = donnees["next"], donnees["previous"]
    if precedente:
        corps.append(client.get(precedente).content)
    return corps


@pytest.mark.parametrize("role", ["spv", "partenaire", "delegue"])
@pytest.mark.parametrize(
    "adresse",
    [
        "/api/v1/valeurs/",
        "/api/v1/valeurs/?page_size=2",
        "/api/v1/valeurs/?page_size=3&annee_min=2019&annee_max=2022",
        "/api/v1/valeurs/?statut=brouillon&page_size=1",
    ],
)
def test_pages_lues_en_sql_identiques_au_serialiseur(
    utilisateurs, valeurs_variees, role, adresse, monkeypatch
):
    client = client_api(utilisateurs[role], "jeton")

    def interdit(self, instance):
        raise AssertionError("page sérialisée ligne à ligne")

    with monkeypatch.context() as m:
        m.setattr(ValeurSerializer, "to_representation", interdit)
        en_sql = pages(client, adresse)
    monkeypatch.setattr(ValeurViewSet, "lecture_sql_liste", None)
    serialisees = pages(client, adresse)
    assert en_sql == serialisees
    if role == "spv" and adresse == "/api/v1/valeurs/":
        # Le test porte bien sur des lignes, et sur chaque rendu délicat.
        lignes = {(v["territoire"], v["annee"]): v for v in json.loads(en_sql[0])["results"]}
        assert len(lignes) >= 9
        assert lignes["paris", 2021]["valide_le"] == "2025-03-01T09:30:00+01:00"
        assert lignes["paris", 2021]["valeur"] == 40.5
        assert lignes["paris", 2021]["statut_libelle"] == "Validée"
        assert lignes["paris", 2022]["affichage"] == "12 / 40 (30 %)"
        assert lignes["ensemble-qpv", 2022]["producteur"] is None
        assert lignes["paris", 2021]["url"].startswith("http://testserver/api/v1/valeurs/")


def test_adresse_de_chaque_requete_sans_fuite_du_plan_partage(utilisateurs, valeurs_variees):
    """Le plan de lecture est partagé entre les requêtes ; l'adresse (hôte, schéma) et
    l'ETag restent ceux de chaque requête et de chaque ligne."""
    client = client_api(utilisateurs["spv"], "jeton")
    une = client.get("/api/v1/valeurs/?page_size=1", HTTP_HOST="localhost").json()
    autre = client.get("/api/v1/valeurs/?page_size=1", HTTP_HOST="127.0.0.1").json()
    ligne, meme = une["results"][0], autre["results"][0]
    assert ligne["url"] == f"http://localhost/api/v1/valeurs/{ligne['id']}/"
    assert meme["url"] == f"http://127.0.0.1/api/v1/valeurs/{ligne['id']}/"
    assert ligne["etag"] == f'"{ligne["id"]}-{ligne["version"]}"'
    detail = client.get(f"/api/v1/valeurs/{ligne['id']}/", HTTP_HOST="localhost")
    assert detail["ETag"] == ligne["etag"]
    assert detail.json() == ligne


def test_compte_sans_jointure_page_avec_les_seules_colonnes_lues(utilisateurs, valeurs_variees):
    """Le compte borné reste une lecture de l'index des valeurs (sans les jointures des
    colonnes de la page) ; la page ne lit ni les longs textes de l'indicateur ni le nom du
    territoire."""
    client = client_api(utilisateurs["spv"], "session")
    with CaptureQueriesContext(connection) as requetes:
        assert client.get("/api/v1/valeurs/").status_code == 200
    sql = [q["sql"] for q in requetes.captured_queries if "indicateurs_valeur" in q["sql"]]
    compte = next(s for s in sql if "COUNT(" in s)
    assert "JOIN" not in compte
    page = next(s for s in sql if "COUNT(" not in s)
    assert '"indicateurs_indicateur"."code"' in page
    assert '"indicateurs_indicateur"."libelle"' not in page
    assert '"indicateurs_territoire"."nom"' not in page
