"""Chaque export s'ouvre proprement, pour une personne comme pour un programme (issue 12,
point 3 ; issue 15 pour le flux) :

- tout xlsx relu par un second moteur (python-calamine) a des cellules typées : les colonnes
  déclarées en nombres ne contiennent que des nombres, les dates que des dates, et aucune
  colonne ne mêle du texte à ses nombres (pas de « — ») ;
- tout CSV s'ouvre avec pandas : la variante machine avec `pd.read_csv` (dates ISO 8601), la
  variante Excel avec `pd.read_csv(sep=";", encoding="utf-8-sig", decimal=",")` ;
- les CSV sont des `StreamingHttpResponse` et chaque classeur est créé en écriture seule."""

import io
import re
from datetime import date, datetime

import openpyxl.workbook.workbook
import pandas as pd
import pytest
from django.http import StreamingHttpResponse

from socle.tableur import Format
from tests.api.conftest import client_api
from tests.bilan.conftest import donnees  # noqa: F401  (le jeu du bilan)
from tests.conftest import client_pour
from tests.tableurs import NUMERIQUES, colonnes_du_format, feuilles_calamine, tous_les_exports

pytestmark = pytest.mark.django_db

# Feuilles où une colonne mêle à dessein textes et nombres (rubrique → valeur).
FEUILLES_MIXTES = {"Métadonnées"}
# Colonnes typées du classeur du bilan (feuille, en-tête) → type attendu.
TYPES_BILAN = {
    ("Crédits", "Montant (€)"): float,
    ("Crédits", "Année"): float,
    ("Indicateurs", "Valeur"): float,
    ("Indicateurs", "Validée le"): datetime,
    ("Fiches-actions", "Modifiée le"): datetime,
    ("Projets structurants", "Dernier suivi : date"): date,
    ("Engagements", "Valeur 2025"): float,
}


@pytest.fixture
def exports(client, utilisateurs, donnees):  # noqa: F811
    from django.utils import timezone

    from indicateurs.models import Valeur
    from structures.models import FicheAction

    FicheAction.objects.filter(pk__in=[f.pk for f in donnees["fiches"]]).update(statut="validee")
    Valeur.objects.filter(statut="valide").update(valide_le=timezone.now())
    return tous_les_exports(
        client_pour(client, utilisateurs["spv"]), client_api(utilisateurs["spv"], "session")
    )


def _tableau(lignes):
    """(en-têtes, lignes de données) : l'en-tête est la première ligne d'au moins deux
    cellules (la synthèse du bilan a un titre au-dessus)."""
    for i, ligne in enumerate(lignes):
        if sum(v not in (None, "") for v in ligne) >= 2:
            return [str(v) for v in ligne], lignes[i + 1 :]
    return [], []


def _est_nombre(v):
    return isinstance(v, int | float) and not isinstance(v, bool)


def test_xlsx_types_relus_par_calamine(exports):
    comptes = {"nombres": 0, "dates": 0}
    for export in (e for e in exports if e.type == "xlsx"):
        for nom, lignes in feuilles_calamine(export.contenu).items():
            entetes, donnees_ = _tableau(lignes)
            colonnes = {
                entete: [ligne[i] for ligne in donnees_] for i, entete in enumerate(entetes)
            }
            lieu = f"{export.adresse} · {nom}"
            for entete, valeurs in colonnes.items():
                remplies = [v for v in valeurs if v not in (None, "")]
                if nom not in FEUILLES_MIXTES and any(_est_nombre(v) for v in remplies):
                    # Jamais de texte (« — », « 12,5 ») dans une colonne de nombres.
                    textes = [v for v in remplies if isinstance(v, str)]
                    assert not textes, f"{lieu} · {entete} : {textes[:3]}"
                attendu = TYPES_BILAN.get((nom, entete))
                if export.adresse.startswith("/bilan/") and attendu:
                    assert remplies, f"{lieu} · {entete} vide"
                    assert all(isinstance(v, attendu) for v in remplies), f"{lieu} · {entete}"
            if nom != next(iter(feuilles_calamine(export.contenu))):
                continue  # les formats déclarés sont ceux de la première feuille
            for entete in colonnes_du_format(export, *NUMERIQUES):
                remplies = [v for v in colonnes.get(entete, []) if v not in (None, "")]
                assert all(_est_nombre(v) for v in remplies), f"{lieu} · {entete} : {remplies[:3]}"
                comptes["nombres"] += len(remplies)
            for entete in colonnes_du_format(export, Format.DATE, Format.DATE_HEURE):
                remplies = [v for v in colonnes.get(entete, []) if v not in (None, "")]
                assert all(isinstance(v, date) for v in remplies), f"{lieu} · {entete}"
                comptes["dates"] += len(remplies)
    assert comptes["nombres"] > 100 and comptes["dates"] > 5, comptes


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_DATE_HEURE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")


def test_csv_lus_par_pandas(exports):
    comptes = {"nombres": 0, "dates": 0}
    for export in (e for e in exports if e.type != "xlsx"):
        excel = export.type == "csv-excel"
        if excel:
            cadre = pd.read_csv(
                io.BytesIO(export.contenu), sep=";", encoding="utf-8-sig", decimal=","
            )
        else:
            assert not export.contenu.startswith(b"\xef\xbb\xbf"), export.adresse  # sans BOM
            cadre = pd.read_csv(io.BytesIO(export.contenu))
        entetes = export.contenu.decode("utf-8-sig").split("\r\n", 1)[0]
        assert cadre.columns[0] == entetes.split(";" if excel else ",")[0].strip('"')
        assert len(cadre.columns) > 1, export.adresse
        for entete in colonnes_du_format(export, *NUMERIQUES):
            serie = cadre[entete]
            assert pd.api.types.is_numeric_dtype(serie), f"{export.adresse} · {entete}"
            comptes["nombres"] += int(serie.notna().sum())
        for entete, format_ in export.formats.items():
            if format_ not in (Format.DATE, Format.DATE_HEURE):
                continue
            valeurs = cadre[entete].dropna().astype(str)
            comptes["dates"] += len(valeurs)
            if excel:
                motif = "%d/%m/%Y" if format_ is Format.DATE else "%d/%m/%Y %H:%M"
                pd.to_datetime(valeurs, format=motif)  # lève une erreur si une date est autre
            else:
                motif = ISO_DATE if format_ is Format.DATE else ISO_DATE_HEURE
                assert all(motif.match(v) for v in valeurs), f"{export.adresse} · {entete}"
                pd.to_datetime(valeurs, format="ISO8601", utc=True)
    assert comptes["nombres"] > 100 and comptes["dates"] > 5, comptes


def test_csv_en_flux_et_classeurs_en_ecriture_seule(client, utilisateurs, donnees, monkeypatch):  # noqa: F811
    """Sans mesure de temps : chaque CSV part en flux, et aucun export ne crée un classeur
    openpyxl ordinaire (tout en mémoire) : tous sont en écriture seule."""
    crees = []
    creer = openpyxl.workbook.workbook.Workbook.__init__

    def espion(self, write_only=False, iso_dates=False):
        crees.append(write_only)
        creer(self, write_only=write_only, iso_dates=iso_dates)

    monkeypatch.setattr(openpyxl.workbook.workbook.Workbook, "__init__", espion)
    exports = tous_les_exports(
        client_pour(client, utilisateurs["spv"]), client_api(utilisateurs["spv"], "session")
    )
    monkeypatch.undo()
    nb_xlsx = sum(e.type == "xlsx" for e in exports)
    assert len(crees) == nb_xlsx and all(crees)
    for export in exports:
        if export.type != "xlsx":
            assert isinstance(export.reponse, StreamingHttpResponse), export.adresse
