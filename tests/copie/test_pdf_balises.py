"""Les PDF du portail sont balisés (PDF/UA-1) : arbre de structure, marquage déclaré et
langue du document, pour la fiche quartier et le rapport du bilan (issue 14, point 2)."""

import io

import pytest
from pypdf import PdfReader

from tests.conftest import client_pour
from tests.travaux.outils import telecharger

pytestmark = pytest.mark.django_db


def verifier_balisage(contenu):
    catalogue = PdfReader(io.BytesIO(contenu)).trailer["/Root"]
    assert "/StructTreeRoot" in catalogue, "PDF non balisé : aucun arbre de structure"
    assert bool(catalogue["/MarkInfo"]["/Marked"]) is True
    assert str(catalogue["/Lang"]).lower().startswith("fr")
    # Le titre du document est affiché (PDF/UA) plutôt que le nom du fichier.
    assert bool(catalogue["/ViewerPreferences"]["/DisplayDocTitle"]) is True


def test_fiche_quartier_pdf_balisee(client, utilisateurs):
    client = client_pour(client, utilisateurs["spv"])
    verifier_balisage(telecharger(client, "/quartiers/amandiers/fiche.pdf").contenu)


def test_rapport_du_bilan_pdf_balise(client, utilisateurs):
    client = client_pour(client, utilisateurs["spv"])
    verifier_balisage(telecharger(client, "/bilan/rapport.pdf", {"annee": 2025}).contenu)
