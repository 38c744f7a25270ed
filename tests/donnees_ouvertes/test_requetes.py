"""Nombre de requêtes constant des pages des données ouvertes (références :
tests/donnees_ouvertes/query_counts.json)."""

import json
from pathlib import Path

import pytest

from donnees_ouvertes.models import JeuPublie
from tests.conftest import client_pour

pytestmark = pytest.mark.django_db
REFERENCE = json.loads((Path(__file__).parent / "query_counts.json").read_text(encoding="utf-8"))


def jeu(n):
    return JeuPublie.objects.create(
        dossier=f"donnees-ouvertes/test-{n}",
        ressources=[{"nom": "valeurs", "fichier": "valeurs.csv", "lignes": 3, "octets": 10}],
    )


@pytest.mark.parametrize("page", ["liste", "publier"])
def test_nombre_de_requetes_constant(page, client, utilisateurs, compter_requetes):
    adresse = {"liste": "/donnees-ouvertes/", "publier": "/donnees-ouvertes/publier/"}[page]
    c = client_pour(client, utilisateurs["spv"])
    jeu(1)
    c.get(adresse)  # mise en route (session, rôles)
    avant, reponse = compter_requetes(lambda: c.get(adresse))
    assert reponse.status_code == 200
    for n in range(2, 6):
        jeu(n)
    apres, _ = compter_requetes(lambda: c.get(adresse))
    assert avant == apres <= REFERENCE[page], (avant, apres)
