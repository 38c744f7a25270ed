"""Parcours de bout en bout du bilan annuel, dans Chromium.

1. Un agent du SPV saisit un crédit (une erreur de montant d'abord, lue en français), puis
   produit le bilan du 19e arrondissement : il clique sur « Télécharger le classeur Excel » et
   le classeur téléchargé s'ouvre avec openpyxl ; il ouvre le rapport imprimable et en
   télécharge le PDF.
2. Un délégué du Préfet ne voit pas le lien du bilan et reçoit un refus explicite.

Chaque étape est capturée (test-results/captures/) et contrôlée par axe-core."""

import datetime
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from bilan.classeur import NOMS_FEUILLES
from indicateurs.models import Campagne

from .conftest import capture, se_connecter, telecharger, verifier_accessibilite

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, reset_sequences=True)]

ANNEE = 2025


def controler(page, nom):
    capture(page, nom)
    verifier_accessibilite(page, nom)


@pytest.fixture
def campagne(referentiel_charge):
    jour = timezone.localdate()
    return Campagne.objects.create(
        annee=ANNEE,
        date_ouverture=jour - datetime.timedelta(days=5),
        date_cloture=jour + datetime.timedelta(days=60),
    )


def test_le_spv_saisit_un_credit_et_telecharge_le_bilan(
    page, live_server, comptes, campagne, tmp_path
):
    se_connecter(page, live_server, "agent-spv")
    navigation = page.get_by_role("navigation", name="Navigation principale")
    navigation.get_by_role("link", name="Bilan", exact=True).click()
    expect(
        page.get_by_role("heading", name="Bilan annuel pour le comité de pilotage")
    ).to_be_visible()
    controler(page, "bilan-01-index")

    # Saisie d'un crédit : montant négatif refusé, puis corrigé.
    page.get_by_role("link", name="Saisir un crédit").click()
    page.get_by_label("Signataire").select_option(label="Ville de Paris")
    page.get_by_label("Type de crédit").select_option(label="Spécifique politique de la ville")
    page.get_by_label("Montant (€)").fill("-12")
    page.get_by_label("Quartier prioritaire").select_option(label="Stalingrad Riquet")
    page.get_by_label("Dispositif").fill("Fonds de participation des habitants")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("alert")).to_contain_text("Le montant doit être positif ou nul")
    controler(page, "bilan-02-credit-erreur")
    page.get_by_label("Montant (€)").fill("15 000,50")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("Crédit enregistré")
    expect(page.locator("#totaux-credits")).to_contain_text(re.compile(r"15\s000,50\s€"))
    controler(page, "bilan-03-credits")

    # Le bilan du 19e : téléchargement du classeur par le bouton.
    page.get_by_role("link", name="Produire le bilan").click()
    page.get_by_label("Année du bilan").select_option(str(ANNEE))
    page.get_by_label("Périmètre").select_option(label="19e arrondissement")
    telechargement = telecharger(
        page, page.get_by_role("button", name="Télécharger le classeur Excel").click
    )
    assert telechargement.suggested_filename == "bilan-2025-arrondissement-19.xlsx"
    chemin = tmp_path / telechargement.suggested_filename
    telechargement.save_as(chemin)
    wb = load_workbook(chemin)
    assert wb.sheetnames == NOMS_FEUILLES
    credits = list(wb["Crédits"].iter_rows(min_row=2, max_col=7, values_only=True))
    assert [(c[2], c[4], c[6]) for c in credits if c[0] is not None] == [
        ("Ville de Paris", 15000.5, "Stalingrad Riquet")
    ]
    assert len(wb["Synthèse"]._charts) == 3

    # Le rapport imprimable, puis son PDF (le classeur s'est téléchargé depuis la page de son
    # travail de fond : retour au formulaire du bilan).
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Bilan", exact=True
    ).click()
    page.get_by_label("Année du bilan").select_option(str(ANNEE))
    page.get_by_label("Périmètre").select_option(label="19e arrondissement")
    page.get_by_role("button", name="Voir le rapport").click()
    expect(page.get_by_role("heading", name="Bilan annuel 2025", exact=True)).to_be_visible()
    expect(page.locator("#credits-par-type")).to_contain_text(re.compile(r"15\s000,50\s€"))
    controler(page, "bilan-04-rapport")
    pdf = telecharger(page, page.get_by_role("link", name="Télécharger le rapport PDF").click)
    assert pdf.suggested_filename == "bilan-2025-arrondissement-19.pdf"
    with open(pdf.path(), "rb") as f:
        assert f.read(5) == b"%PDF-"


def test_un_delegue_n_a_pas_acces_au_bilan(page, live_server, comptes):
    se_connecter(page, live_server, "delegue")
    navigation = page.get_by_role("navigation", name="Navigation principale")
    expect(navigation.get_by_role("link", name="Bilan", exact=True)).to_have_count(0)
    reponse = page.goto(f"{live_server.url}/bilan/")
    assert reponse.status == 403
    expect(page.get_by_role("alert")).to_contain_text("produit par les agents DDCT/SPV")
    controler(page, "bilan-05-refus-delegue")
