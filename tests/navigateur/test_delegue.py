"""Parcours d'un délégué du Préfet dans Chromium : connexion, « Mon territoire », fiche de son
quartier (chiffres clés, courbes, projets), étape de suivi d'un projet, téléchargement du
PDF, puis comparaison des QPV, vue d'arrondissement et liste des projets. Chaque page est
capturée (test-results/captures/) et contrôlée par axe-core ; la fiche est aussi capturée en
mode impression."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from indicateurs.models import Campagne, Indicateur, Territoire, Valeur
from quartiers.models import ProjetStructurant, Quartier, SuiviProjet
from structures.models import FicheAction, Structure

from .conftest import capture, se_connecter, telecharger, verifier_accessibilite

pytestmark = pytest.mark.browser


def controler(page, nom):
    capture(page, nom)
    verifier_accessibilite(page, nom)


def valeurs_de_demonstration():
    """Quelques valeurs « démo » (jamais réelles, libellées comme telles) pour voir une courbe
    d'évolution sur la fiche de Petit Belleville."""
    indicateur = Indicateur.objects.get(code="E01-1")
    for code, serie in (("qpv-petit-belleville", [31, 29.5, 27]), ("paris", [18, 18.5, 17.9])):
        territoire = Territoire.objects.get(code=code)
        for annee, nombre in zip((2021, 2022, 2023), serie, strict=True):
            Valeur.objects.create(
                indicateur=indicateur,
                territoire=territoire,
                annee=annee,
                valeur=Decimal(str(nombre)),
                statut=Valeur.Statut.VALIDE,
                demo=True,
                origine=Valeur.Origine.DEMO,
                source="Valeur synthétique de démonstration",
            )


def alertes_du_territoire():
    """Une campagne ouverte, un projet de Grand Belleville à l'échéance dépassée et une fiche
    soumise à Petit Belleville : de quoi remplir « Mon territoire »."""
    jour = timezone.localdate()
    Campagne.objects.create(
        annee=2025,
        date_ouverture=jour - datetime.timedelta(days=10),
        date_cloture=jour + datetime.timedelta(days=30),
    )
    en_retard = ProjetStructurant.objects.filter(quartier__slug="grand-belleville").order_by(
        "ordre"
    )[0]
    en_retard.annee_echeance = jour.year - 1
    en_retard.save()
    fiche = FicheAction.objects.create(
        structure=Structure.objects.get(slug="j2p"),
        titre="Atelier parents-enfants du samedi",
        annee=2025,
        statut=FicheAction.Statut.SOUMISE,
    )
    fiche.quartiers.add(Quartier.objects.get(slug="petit-belleville"))
    return en_retard, fiche


def test_delegue_de_la_connexion_au_pdf(page, live_server, comptes):
    valeurs_de_demonstration()
    en_retard, fiche = alertes_du_territoire()
    projet = (
        ProjetStructurant.objects.filter(
            quartier__slug="petit-belleville", secteur__isnull=True, statut="a_venir"
        )
        .order_by("ordre")
        .first()
    )

    # Connexion : un délégué arrive sur son « À faire », qui mène à « Mon territoire » (ses
    # deux QPV seulement).
    se_connecter(page, live_server, "delegue")
    expect(page).to_have_url(live_server.url + "/a-faire/")
    navigation = page.get_by_role("navigation", name="Navigation principale")
    navigation.get_by_role("link", name="Mon territoire").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon territoire")
    expect(navigation.get_by_role("link", name="Mon territoire")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_role("heading", level=2)).to_have_text(
        ["Petit Belleville", "Grand Belleville"]
    )
    petit = page.get_by_role("region", name="Petit Belleville")
    expect(petit.get_by_role("heading", level=3).first).to_have_text(
        re.compile(r"^\d+ indicateurs sans valeur validée pour la campagne 2025$")
    )
    expect(petit.get_by_role("link", name=fiche.titre)).to_be_visible()
    grand = page.get_by_role("region", name="Grand Belleville")
    expect(grand.get_by_text("1 projet à l’échéance dépassée")).to_be_visible()
    expect(grand.get_by_role("link", name=en_retard.nom)).to_be_visible()
    controler(page, "delegue-00-mon-territoire")

    # Fiche de Petit Belleville : chiffres clés comparés à Paris, courbe d'un indicateur.
    petit.get_by_role("link", name="Fiche du quartier").click()
    expect(page).to_have_url(live_server.url + "/quartiers/petit-belleville/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Petit Belleville")
    chiffres = page.get_by_role("region", name="Chiffres clés")
    chomage = chiffres.get_by_role("row", name=re.compile("^Taux de chômage"))
    expect(chomage.get_by_role("cell").nth(0)).to_have_text(re.compile(r"^16 %\s*2020\b"))
    expect(chomage.get_by_role("cell").nth(1)).to_have_text(re.compile(r"^11 %\s*2020\b"))
    indicateurs = page.get_by_role("region", name="Indicateurs du contrat dans le quartier")
    expect(
        indicateurs.get_by_role("img", name=re.compile("^De 31 % en 2021 à 27 % en 2023"))
    ).to_be_visible()
    expect(indicateurs.get_by_text("démo").first).to_be_visible()
    expect(page.get_by_role("note")).to_contain_text("Démonstration")
    controler(page, "delegue-01-fiche-petit-belleville")
    page.emulate_media(media="print")
    capture(page, "delegue-02-fiche-impression")
    expect(navigation).to_be_hidden()
    page.emulate_media(media="screen")

    # Étape de suivi d'un projet de son QPV.
    projets = page.get_by_role("region", name="Projets structurants")
    projets.get_by_role("link", name=f"Ajouter une étape de suivi : {projet.nom}").click()
    expect(page).to_have_url(re.compile(rf"/quartiers/projets/{projet.pk}/#nouvelle-etape$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(projet.nom)
    formulaire = page.get_by_role("region", name="Ajouter une étape de suivi")
    formulaire.get_by_label("Statut").select_option(label="En cours")
    formulaire.get_by_label("Commentaire").fill("Réunion de chantier : travaux engagés.")
    controler(page, "delegue-03-projet-formulaire")
    formulaire.get_by_role("button", name="Enregistrer l’étape").click()
    expect(page.get_by_role("status")).to_contain_text("Étape de suivi enregistrée")
    historique = page.get_by_role("region", name="Historique du suivi")
    expect(historique.get_by_role("listitem")).to_have_count(1)
    expect(historique).to_contain_text("Réunion de chantier : travaux engagés.")
    expect(historique).to_contain_text("par delegue")
    controler(page, "delegue-04-projet-suivi")
    suivi = SuiviProjet.objects.get(projet=projet)
    assert suivi.auteur.username == "delegue" and suivi.statut == "en_cours"
    projet.refresh_from_db()
    assert projet.statut == "en_cours"

    # Retour à la fiche : la dernière étape y figure ; téléchargement du PDF.
    page.get_by_role("navigation", name="Fil d’Ariane").get_by_role(
        "link", name="Petit Belleville"
    ).click()
    ligne = page.locator(f"#projet-{projet.pk}")
    expect(ligne).to_contain_text("Réunion de chantier : travaux engagés.")
    expect(ligne.locator(".badge-statut")).to_have_text("En cours")
    telechargement = telecharger(
        page, page.get_by_role("link", name="Télécharger la fiche en PDF").click
    )
    assert re.match(
        r"fiche-petit-belleville-\d{4}-\d{2}-\d{2}\.pdf$", telechargement.suggested_filename
    )
    with open(telechargement.path(), "rb") as f:
        lecteur = PdfReader(io.BytesIO(f.read()))
    texte = re.sub(r"\s", "", " ".join(p.extract_text() for p in lecteur.pages))
    assert "PetitBelleville" in texte
    # La provenance (« déduit par le chargement ») suit la valeur dans le PDF, entre le
    # chiffre du quartier et celui de Paris.
    assert "Tauxdechômage16%" in texte
    assert "+5pts" in texte
    assert "Réuniondechantier" in texte

    # Comparaison des 21 QPV, triée par taux de chômage décroissant.
    page.goto(live_server.url + "/quartiers/comparaison/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Comparaison des 21 quartiers prioritaires"
    )
    tableau = page.get_by_role("table")
    tableau.get_by_role("link", name=re.compile("^Taux de chômage")).click()
    expect(page).to_have_url(re.compile(r"tri=CTX-CHOMAGE"))
    page.get_by_role("table").get_by_role("link", name=re.compile("^Taux de chômage")).click()
    expect(page).to_have_url(re.compile(r"tri=-CTX-CHOMAGE"))
    expect(page.get_by_role("columnheader", name=re.compile("^Taux de chômage"))).to_have_attribute(
        "aria-sort", "descending"
    )
    expect(page.locator("tfoot th")).to_have_text(["Paris"])
    controler(page, "delegue-05-comparaison")

    # Vue du 20e arrondissement et liste des projets de Grand Belleville.
    page.goto(live_server.url + "/quartiers/arrondissement/20/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Les quartiers prioritaires du 20e arrondissement"
    )
    controler(page, "delegue-06-arrondissement-20")
    page.goto(live_server.url + "/quartiers/projets/?quartier=grand-belleville")
    expect(page.get_by_role("table")).to_have_accessible_name(
        re.compile(r"^34 projets structurants")
    )
    controler(page, "delegue-07-projets")
