"""Les PDF du portail sont balisés (PDF/UA-1) : arbre de structure, marquage déclaré et
langue du document, pour la fiche quartier et le rapport du bilan (issue 14, point 2)."""

import io

import pytest
from pypdf import PdfReader

from tests.conftest import client_pour

pytestmark = pytest.mark.django_db


def verifier_balisage(contenu):
    catalogue = PdfReader(io.BytesIO(contenu)).trailer["/Root"]
    assert "/StructTreeRoot" in catalogue, "PDF non balisé : aucun arbre de structure"
    assert bool(catalogue["/MarkInfo"]["/Marked"]) is True
    assert str(catalogue["/Lang"]).lower().startswith("fr")
    # Le titre du document est affiché (PDF/UA) plutôt que le nom du fichier.
    assert bool(catalogue["/ViewerPreferences"]["/DisplayDocTitle"]) is True


def test_fiche_quartier_pdf_balisee(client, utilisateurs):
    reponse = client_pour(client, utilisateurs["spv"]).get("/quartiers/amandiers/fiche.pdf")
    assert reponse.status_code == 200
    verifier_balisage(reponse.content)


def test_rapport_du_bilan_pdf_balise(client, utilisateurs):
    reponse = client_pour(client, utilisateurs["spv"]).get("/bilan/rapport.pdf")
    assert reponse.status_code == 200, reponse.content[:300]
    verifier_balisage(reponse.content)
