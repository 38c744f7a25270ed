"""Tableurs pour les personnes, fichiers pour les programmes (issue 12, point 3) : au-delà du
typage des cellules (tests/test_exports_lisibles.py), chaque classeur xlsx du portail a ses
en-têtes figés et un seul tableau par feuille (les synthèses sur leur propre feuille), et
chaque export une feuille « Définitions » (les modèles d'import ont leur « Mode d’emploi ») ; chaque CSV « Excel (français) » commence par une marque d'ordre des
octets, pour qu'Excel ne le lise pas en cp1252, et garde le même nombre de colonnes par ligne
avec un lecteur `;`."""

import csv
import io

import pytest
from openpyxl import load_workbook

from indicateurs.models import Campagne
from tests.bilan.conftest import donnees  # noqa: F401  (le jeu du bilan)
from tests.conftest import client_pour
from tests.tableurs import contenu, telecharger_travail
from tests.test_exports_lisibles import exports  # noqa: F401  (tous les exports)

pytestmark = pytest.mark.django_db

# Feuilles de description, pas des tableaux de données.
FEUILLES_DESCRIPTION = {"Définitions", "Métadonnées", "Mode d’emploi"}
MODELES = ("/modele.xlsx",)


def _classeurs(exports, client, utilisateurs):  # noqa: F811
    """Tous les xlsx : les exports, plus les modèles d'import (saisie des valeurs, crédits)."""
    classeurs = [(e.adresse, e.contenu) for e in exports if e.type == "xlsx"]
    c = client_pour(client, utilisateurs["spv"])
    annee = Campagne.objects.order_by("-annee").values_list("annee", flat=True).first()
    # Le modèle de la campagne est un travail de fond : lancé, puis téléchargé.
    adresse = f"/indicateurs/campagnes/{annee}/modele.xlsx"
    classeurs.append((adresse, telecharger_travail(c, adresse, {}, "xlsx").contenu))
    # Le modèle des crédits répondait 500 (écrivain commun appelé avec un ancien argument).
    adresse = "/bilan/credits/modele.xlsx"
    reponse = c.get(adresse)
    assert reponse.status_code == 200, adresse
    classeurs.append((adresse, contenu(reponse)))
    return classeurs


def test_chaque_classeur_a_en_tetes_figes_definitions_et_un_tableau_par_feuille(
    exports,  # noqa: F811
    client,
    utilisateurs,
):
    vus = 0
    for adresse, octets in _classeurs(exports, client, utilisateurs):
        classeur = load_workbook(io.BytesIO(octets))
        noms = classeur.sheetnames
        if not adresse.endswith(MODELES):
            assert "Définitions" in noms, f"{adresse} : pas de feuille Définitions ({noms})"
        for ws in classeur.worksheets:
            if ws.title in FEUILLES_DESCRIPTION:
                continue
            lignes = [
                [v for v in ligne if v not in (None, "")]
                for ligne in ws.iter_rows(values_only=True)
            ]
            debut = next((i for i, ligne in enumerate(lignes) if len(ligne) >= 2), None)
            if debut is None:
                continue  # feuille vide (aucune ligne à montrer)
            assert ws.freeze_panes, f"{adresse} · {ws.title} : en-têtes non figés"
            # Un seul tableau : après l'en-tête, aucune ligne vide suivie d'autres lignes.
            suite = lignes[debut:]
            while suite and not suite[-1]:
                suite.pop()
            assert all(suite), f"{adresse} · {ws.title} : plusieurs tableaux sur la feuille"
            vus += 1
    assert vus > 20


def test_csv_excel_francais_avec_marque_et_colonnes_constantes(exports):  # noqa: F811
    for export in exports:
        if export.type != "csv-excel":
            continue
        assert export.contenu.startswith(b"\xef\xbb\xbf"), f"{export.adresse} : sans BOM"
        texte = export.contenu.decode("utf-8-sig")
        lignes = list(csv.reader(io.StringIO(texte), delimiter=";"))
        largeurs = {len(ligne) for ligne in lignes}
        assert len(largeurs) == 1 and largeurs.pop() > 1, export.adresse
