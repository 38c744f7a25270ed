"""Sauvegarde et restauration (scripts/sauvegarde.py, `make backup` / `make restore`) : la
base des tests (référentiel chargé) et un dossier de pièces jointes sont sauvegardés, puis
restaurés dans une base neuve et un autre dossier ; lignes et empreintes concordent. Une
cible non vide est refusée sans --force, une archive altérée toujours."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tests.contratville.test_deploiement import env_propre

BASE = Path(settings.BASE_DIR)
SCRIPT = BASE / "scripts" / "sauvegarde.py"

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def url(nom):
    p = connection.settings_dict
    return f"postgres://{p['USER']}@{p['HOST'] or '127.0.0.1'}:{p['PORT']}/{nom}"


@pytest.fixture
def base_cible():
    nom = connection.settings_dict["NAME"] + "_restauration"
    with psycopg.connect(url("postgres"), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{nom}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{nom}"')
    yield url(nom)
    with psycopg.connect(url("postgres"), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{nom}" WITH (FORCE)')


def lancer(*arguments, base, medias):
    return subprocess.run(
        [sys.executable, str(SCRIPT), *arguments],
        cwd=BASE,
        env=env_propre(DATABASE_URL=base, MEDIA_ROOT=str(medias)),
        capture_output=True,
        text=True,
        timeout=600,
    )


def lignes(base, table):
    with psycopg.connect(base) as c:
        return c.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]


def test_sauvegarde_puis_restauration(tmp_path, base_cible):
    source = url(connection.settings_dict["NAME"])
    medias = tmp_path / "media"
    piece = medias / "fiches" / "12" / "compte-rendu.pdf"
    piece.parent.mkdir(parents=True)
    piece.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n")

    resultat = lancer("sauvegarder", "--dossier", str(tmp_path / "sauvegardes"), base=source,
                      medias=medias)  # fmt: skip
    assert resultat.returncode == 0, resultat.stderr
    (dossier,) = (tmp_path / "sauvegardes").iterdir()
    assert dossier.name.startswith("sauvegarde-")
    manifeste = json.loads((dossier / "manifeste.json").read_text(encoding="utf-8"))
    assert set(manifeste) == {"format", "date", "commit", "base", "medias"}
    assert len(manifeste["commit"]) == 40
    comptes = manifeste["base"]["lignes"]
    assert comptes["engagements_engagement"] == 30
    assert comptes["quartiers_quartier"] == 21
    assert comptes["engagements_historicalengagement"] >= 30  # l'historique aussi
    assert manifeste["medias"]["fichiers"] == {
        "fiches/12/compte-rendu.pdf": hashlib.sha256(piece.read_bytes()).hexdigest()
    }
    assert "Sauvegarde écrite dans" in resultat.stdout

    restaurees = tmp_path / "media-restaure"
    resultat = lancer("restaurer", "--dossier", str(dossier), base=base_cible, medias=restaurees)
    assert resultat.returncode == 0, resultat.stderr
    assert "restaurée et vérifiée" in resultat.stdout
    for table in ("engagements_engagement", "indicateurs_indicateur", "auth_group_permissions"):
        assert lignes(base_cible, table) == comptes[table] == lignes(source, table)
    copie = restaurees / "fiches" / "12" / "compte-rendu.pdf"
    assert copie.read_bytes() == piece.read_bytes()

    # Une base (ou un dossier) déjà rempli : refus sans --force, rien n'est touché.
    resultat = lancer("restaurer", "--dossier", str(dossier), base=base_cible,
                      medias=tmp_path / "vide")  # fmt: skip
    assert resultat.returncode == 2
    assert "La base cible contient déjà" in resultat.stderr
    with psycopg.connect(base_cible, autocommit=True) as c:
        c.execute("DELETE FROM engagements_sigle")
    resultat = lancer("restaurer", "--force", "--dossier", str(dossier), base=base_cible,
                      medias=restaurees)  # fmt: skip
    assert resultat.returncode == 0, resultat.stderr
    assert lignes(base_cible, "engagements_sigle") == comptes["engagements_sigle"] > 0

    # Une archive altérée est refusée avant toute écriture.
    with (dossier / "medias.tar.gz").open("ab") as f:
        f.write(b"\0")
    resultat = lancer("restaurer", "--force", "--dossier", str(dossier), base=base_cible,
                      medias=restaurees)  # fmt: skip
    assert resultat.returncode == 2
    assert "medias.tar.gz manque ou a été modifié" in resultat.stderr
