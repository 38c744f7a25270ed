"""Le parcours de recherche dans Chromium : champ de l'en-tête, rubriques titrées, sigle
développé, « voir plus » vers la rubrique paginée, pages au clavier, et axe-core sur chaque
page (RGAA : titres, régions nommées, liens de pagination étiquetés, <mark>)."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import capture, se_connecter, verifier_accessibilite

pytestmark = pytest.mark.browser


def controler(page, nom):
    capture(page, nom)
    verifier_accessibilite(page, nom)


def test_recherche_sigle_voir_plus_et_pagination(
    page, live_server, referentiel_charge, utilisateurs
):
    se_connecter(page, live_server, utilisateurs["spv"].username)
    champ = page.get_by_label("Rechercher dans le portail")
    champ.fill("Caf")
    champ.press("Enter")
    expect(page).to_have_title(re.compile("^Recherche « Caf »"))
    regions = page.get_by_role("main").get_by_role("region")
    expect(regions.first).to_have_accessible_name(re.compile("^Glossaire 1 résultat"))
    expect(regions.nth(1)).to_have_accessible_name(re.compile("^Signataires 1 résultat"))
    expect(page.locator("#r-glossaire + ul mark").first).to_have_text("Caf")
    expect(
        page.get_by_text("Sigle du glossaire : Caf (Caisse d’allocations familiales)")
    ).to_be_visible()
    controler(page, "recherche-01-sigle")

    champ.fill("sante")
    champ.press("Enter")
    actions = page.get_by_role("region", name=re.compile("^Actions"))
    expect(actions.get_by_role("listitem")).to_have_count(5)
    actions.get_by_role(
        "link", name=re.compile("^Voir les \\d+ résultats de la rubrique « Actions »")
    ).click()
    expect(page).to_have_title(re.compile("^Recherche « sante » – Actions"))
    expect(page.get_by_role("link", name=re.compile("^Actions \\(\\d+\\)"))).to_have_attribute(
        "aria-current", "page"
    )
    pages = page.get_by_role("navigation", name="Pages de résultats")
    expect(pages.get_by_label("Page 1 sur 2")).to_have_attribute("aria-current", "page")
    expect(page.locator("#r-actions + ul > li")).to_have_count(20)
    controler(page, "recherche-02-rubrique")
    suivante = pages.get_by_role("link", name=re.compile("^Page suivante"))
    suivante.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("page=2"))
    expect(page).to_have_title(re.compile("Actions, page 2"))
    expect(page.locator("#r-actions + ul mark").first).to_have_text(re.compile("^[Ss]anté$"))
    controler(page, "recherche-03-page-2")
