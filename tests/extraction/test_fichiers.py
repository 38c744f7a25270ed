"""Les fichiers versionnés dans fixtures/ sont exactement ce que l'extracteur produit à partir
des semences : personne ne les a retouchés à la main, et l'extracteur n'a pas dérivé."""

import json

import pytest

from fixtures.extract import FIXTURES_DIR
from fixtures.extraction import engagements, quartiers
from fixtures.extraction.common import read_contrat_lines, seeds_dir


@pytest.fixture(scope="module")
def lignes():
    if not seeds_dir().exists():
        pytest.fail(f"Semences introuvables : {seeds_dir()}")
    return read_contrat_lines()


def lire(nom):
    return json.loads((FIXTURES_DIR / "referentiel" / nom).read_text(encoding="utf-8"))


def test_referentiel_des_engagements_a_jour(lignes):
    donnees = engagements.extract(lignes)
    for cle in ("thematiques", "engagements", "indicateurs", "signataires", "sigles", "contrat"):
        assert lire(f"{cle}.json") == donnees[cle], f"{cle}.json diffère de l'extraction"


def test_referentiel_des_quartiers_a_jour(lignes):
    assert lire("quartiers.json") == quartiers.extract(lignes)
