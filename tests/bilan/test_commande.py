"""La commande `export_bilan` : classeur ou PDF selon l'extension, périmètre d'arrondissement,
erreurs en français, lecture seule."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pypdf import PdfReader

from bilan.classeur import NOMS_FEUILLES
from bilan.models import Credit

from .conftest import ANNEE, classeur

pytestmark = pytest.mark.django_db


def test_classeur_et_pdf(tmp_path, capsys, donnees):
    sortie = tmp_path / "bilan-2025.xlsx"
    nombre = Credit.objects.count()
    call_command("export_bilan", "--annee", str(ANNEE), "-o", str(sortie), "--arrondissement", "19")
    wb = classeur(sortie.read_bytes())
    assert wb.sheetnames == NOMS_FEUILLES
    assert wb["Synthèse"]["A1"].value.endswith("du 19e arrondissement")
    meta = {r[0]: r[1] for r in wb["Métadonnées"].iter_rows(min_row=2, values_only=True)}
    assert meta["Généré par"].startswith("ligne de commande (")
    sortie_console = capsys.readouterr().out
    assert "Comité de pilotage du 19e arrondissement" in sortie_console
    assert f"Écrit dans {sortie}" in sortie_console
    pdf = tmp_path / "bilan.pdf"
    call_command("export_bilan", annee=ANNEE, sortie=str(pdf), toutes_valeurs=True, avec_demo=True)
    texte = " ".join(p.extract_text() for p in PdfReader(str(pdf)).pages)
    assert "Bilan annuel 2025" in texte
    assert "contient des valeurs de démonstration" in capsys.readouterr().out
    assert Credit.objects.count() == nombre  # lecture seule


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--annee", "2025", "-o", "bilan.csv"], "Extension « .csv » non prise en charge"),
        (["--annee", "1990", "-o", "bilan.xlsx"], "L’année doit être comprise entre 2015 et 2030."),
        (
            ["--annee", "2025", "-o", "bilan.xlsx", "--arrondissement", "7"],
            "Le 7e arrondissement n’a pas de quartier prioritaire",
        ),
    ],
)
def test_erreurs(tmp_path, arguments, message):
    arguments = [a if not a.startswith("bilan") else str(tmp_path / a) for a in arguments]
    with pytest.raises(CommandError, match=message):
        call_command("export_bilan", *arguments)
