"""Parcours de bout en bout de la campagne annuelle des indicateurs, dans Chromium.

1. Un agent du SPV remplit au clavier la grille d'un indicateur pour une année, justifie une
   valeur atypique, soumet puis valide, et voit le graphique d'évolution changer.
2. Un partenaire télécharge le modèle de sa campagne, importe un fichier qui compte une
   erreur, lit l'erreur de ligne, corrige son fichier et confirme l'import.

Chaque étape est capturée (test-results/captures/) et contrôlée par axe-core."""

import datetime
import io
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from engagements.models import Signataire
from indicateurs.models import Campagne, ImportValeurs, Indicateur, Valeur

from .conftest import CAPTURES, capture, se_connecter, telecharger, verifier_accessibilite

# Séquences remises à zéro avant chaque parcours : ces tests rechargent le référentiel sans
# faire grimper les identifiants des tests qui les suivent dans la session.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, reset_sequences=True)]

ANNEE = 2025
VALEUR_2025 = """() => {
  const g = window.graphiquesPortail.evolution;
  const serie = g.data.datasets.find((d) => d.label === NOM);
  return serie ? serie.data[g.data.labels.indexOf("2025")] : "absente";
}"""


def controler(page, nom):
    capture(page, nom)
    verifier_accessibilite(page, nom)


def point_2025(page, territoire):
    return page.evaluate(VALEUR_2025.replace("NOM", repr(territoire)))


@pytest.fixture
def campagne_ouverte(referentiel_charge):
    jour = timezone.localdate()
    return Campagne.objects.create(
        annee=ANNEE,
        date_ouverture=jour - datetime.timedelta(days=5),
        date_cloture=jour + datetime.timedelta(days=60),
    )


def test_un_refus_du_serveur_est_annonce_dans_la_grille(
    page, live_server, comptes, campagne_ouverte
):
    """Le partenaire perd le droit de saisir E28-2 (l'indicateur change de producteur) pendant
    qu'il remplit la grille : le serveur refuse la ligne (403). La ligne, verrouillée, et la
    zone d'annonce (role="status") disent pourquoi, sans rechargement de la page."""
    caf = Signataire.objects.get(nom__icontains="allocations familiales")
    Indicateur.objects.filter(code="E28-2").update(producteur=caf)
    se_connecter(page, live_server, "partenaire-caf")
    page.goto(f"{live_server.url}/indicateurs/E28-2/saisie/2025/")
    page.evaluate("window.sansRechargement = true")
    paris = page.get_by_label("Valeur 2025 pour Paris")
    paris.fill("1 000")
    autre = Signataire.objects.exclude(pk=caf.pk).order_by("pk").first()
    Indicateur.objects.filter(code="E28-2").update(producteur=autre)
    paris.press("Enter")

    refus = (
        "La ligne n’a pas été enregistrée (Paris) : L’indicateur E28-2 n’est pas produit par "
        "votre organisation"
    )
    expect(page.locator("#annonce-grille")).to_contain_text(refus)
    ligne_paris = page.locator("#ligne-paris")
    expect(ligne_paris).to_contain_text(refus)
    expect(ligne_paris).to_contain_text("Verrouillée")
    assert page.evaluate("window.sansRechargement") is True
    assert not Valeur.objects.filter(indicateur__code="E28-2", annee=ANNEE).exists()
    controler(page, "campagne-grille-ligne-refusee")

    # Toute autre erreur (ici le jeton CSRF disparu : page 403 entière, pas un fragment de la
    # grille) est annoncée aussi, dans la zone et sous le bouton de la ligne.
    Indicateur.objects.filter(code="E28-2").update(producteur=caf)
    page.context.clear_cookies(name="csrftoken")
    goutte = page.get_by_label("Valeur 2025 pour Goutte d’Or")
    goutte.fill("40")
    goutte.press("Enter")
    echec = "La ligne n’a pas été enregistrée : le serveur a répondu par une erreur (403)."
    expect(page.locator("#annonce-grille")).to_contain_text(echec)
    expect(page.locator("#ligne-qpv-goutte-dor .erreur-ligne")).to_have_text(
        f"{echec} Rechargez la page, puis recommencez."
    )
    assert page.evaluate("window.sansRechargement") is True
    assert not Valeur.objects.filter(indicateur__code="E28-2", annee=ANNEE).exists()


def test_le_spv_remplit_la_grille_et_voit_le_graphique_changer(
    page, live_server, comptes, campagne_ouverte
):
    se_connecter(page, live_server, "agent-spv")
    navigation = page.get_by_role("navigation", name="Navigation principale")
    expect(navigation.get_by_role("link", name="Campagnes")).to_be_visible()

    # Avant : le taux de chômage n'a que les chiffres clés 2020 des fiches quartiers.
    page.goto(f"{live_server.url}/indicateurs/CTX-CHOMAGE/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Taux de chômage")
    tableau = page.get_by_role("table", name=re.compile("^Valeurs de CTX-CHOMAGE"))
    expect(tableau.get_by_role("row", name=re.compile("^Paris"))).to_contain_text("11 %")
    assert point_2025(page, "Goutte d’Or") is None
    assert point_2025(page, "Paris") is None
    controler(page, "campagne-01-indicateur-avant")

    # La grille 2025, depuis la page de l'indicateur.
    page.get_by_role("link", name="Saisir les valeurs 2025").click()
    expect(page).to_have_url(f"{live_server.url}/indicateurs/CTX-CHOMAGE/saisie/2025/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Saisie 2025 — CTX-CHOMAGE")
    controler(page, "campagne-02-grille-vide")

    # Paris, au clavier : saisie, Entrée ; la ligne est remplacée et le focus reste.
    paris = page.get_by_label("Valeur 2025 pour Paris (en %)")
    paris.fill("10,5")
    paris.press("Enter")
    ligne_paris = page.locator("#ligne-paris")
    expect(ligne_paris).to_contain_text("Paris : valeur 10,5 % enregistrée")
    expect(ligne_paris.get_by_role("link", name=re.compile("^Brouillon"))).to_be_visible()
    assert page.evaluate("document.activeElement.id") == "id_paris-valeur"
    expect(page.locator("#annonce-grille")).to_contain_text("Paris : valeur 10,5 % enregistrée")
    # L'ordre de tabulation suit la ligne : valeur, source, commentaire, Enregistrer.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_paris-source"
    page.keyboard.type("Insee, recensement 2021")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_paris-commentaire"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "enregistrer-paris"
    # Attendre la réponse : la source tapée est déjà dans le champ avant elle, et une réponse
    # arrivée après celle de la ligne suivante écraserait l'annonce de celle-ci.
    with page.expect_response(lambda r: r.url.endswith("/saisie/2025/paris/")):
        page.keyboard.press("Enter")
    expect(ligne_paris).to_contain_text("Paris : valeur 10,5 % enregistrée")
    expect(ligne_paris.get_by_label("Source pour Paris")).to_have_value("Insee, recensement 2021")

    # Goutte d'Or : 40 % sort de la plage des années précédentes → commentaire exigé.
    goutte = page.get_by_label("Valeur 2025 pour Goutte d’Or (en %)")
    goutte.fill("40")
    goutte.press("Enter")
    ligne_goutte = page.locator("#ligne-qpv-goutte-dor")
    # Toutes les erreurs de la ligne sont dites ensemble, dans la ligne et dans la zone
    # d'annonce (role="status"), qui remplace l'annonce du succès précédent.
    expect(ligne_goutte).to_contain_text("La ligne n’a pas été enregistrée (Goutte d’Or) :")
    annonce = page.locator("#annonce-grille")
    expect(annonce).to_contain_text("La ligne n’a pas été enregistrée (Goutte d’Or) :")
    expect(annonce).to_contain_text("sort de la plage des valeurs validées")
    expect(annonce).not_to_contain_text("Paris : valeur 10,5 % enregistrée")
    commentaire = page.get_by_label("Commentaire pour Goutte d’Or")
    expect(commentaire).to_have_attribute("aria-invalid", "true")
    expect(ligne_goutte).to_contain_text("sort de la plage des valeurs validées")
    controler(page, "campagne-03-grille-valeur-atypique")
    commentaire.fill("Nouveau périmètre de l’IRIS, hausse confirmée par l’Insee")
    commentaire.press("Enter")
    expect(ligne_goutte).to_contain_text("Goutte d’Or : valeur 40 % enregistrée")
    assert page.evaluate("document.activeElement.id") == "id_qpv-goutte-dor-commentaire"

    # Soumettre puis valider les deux valeurs (écritures groupées).
    page.reload()
    page.get_by_role("button", name="Soumettre au SPV les 2 valeurs en brouillon").click()
    expect(page.get_by_role("status").filter(has_text="2 valeurs soumises.")).to_be_visible()
    page.get_by_role("button", name="Valider les 2 valeurs soumises").click()
    expect(page.get_by_role("status").filter(has_text="2 valeurs validées.")).to_be_visible()
    expect(page.locator("#ligne-paris")).to_contain_text("Validée, verrouillée")
    controler(page, "campagne-04-grille-validee")

    # Après : le graphique et son tableau montrent 2025.
    page.get_by_role("link", name="Voir le graphique d’évolution de CTX-CHOMAGE").click()
    expect(page).to_have_url(f"{live_server.url}/indicateurs/CTX-CHOMAGE/")
    assert point_2025(page, "Goutte d’Or") == 40
    assert point_2025(page, "Paris") == 10.5
    tableau = page.get_by_role("table", name=re.compile("^Valeurs de CTX-CHOMAGE"))
    expect(tableau.get_by_role("columnheader", name="2025")).to_be_visible()
    expect(tableau.get_by_role("row", name=re.compile("^Goutte d’Or"))).to_contain_text("40 %")
    historique = page.get_by_role("region", name="Historique des valeurs")
    expect(historique).to_contain_text("Validée en masse")
    expect(historique).to_contain_text("Statut : Soumise → Validée")
    controler(page, "campagne-05-indicateur-apres")
    page.get_by_role("region", name="Évolution par territoire, comparée à Paris").screenshot(
        path=str(CAPTURES / "campagne-06-graphique-apres.png")
    )
    assert Valeur.objects.filter(annee=ANNEE, statut="valide").count() == 2


def _modifier(chemin, valeurs):
    """Écrit des valeurs dans le modèle téléchargé : {code territoire: valeur}."""
    classeur = load_workbook(chemin)
    feuille = classeur.worksheets[0]
    entetes = [c.value for c in feuille[1]]
    for ligne in feuille.iter_rows(min_row=2):
        code = ligne[entetes.index("Code territoire")].value
        if code in valeurs:
            ligne[entetes.index("Valeur")].value = valeurs[code]
    sortie = io.BytesIO()
    classeur.save(sortie)
    chemin.write_bytes(sortie.getvalue())


def test_un_partenaire_importe_corrige_et_confirme(
    page, live_server, comptes, campagne_ouverte, tmp_path
):
    caf = Signataire.objects.get(nom__icontains="allocations familiales")
    indicateur = Indicateur.objects.get(code="E28-2")
    indicateur.producteur = caf  # par save() : le changement est historisé
    indicateur.save()

    se_connecter(page, live_server, "partenaire-caf")
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Mes indicateurs"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes indicateurs")
    expect(page.get_by_role("table")).to_contain_text("E28-2")
    controler(page, "campagne-10-mes-indicateurs")

    telechargement = telecharger(
        page, page.get_by_role("link", name="Télécharger le modèle de saisie 2025 (.xlsx)").click
    )
    modele = tmp_path / "modele-caf-2025.xlsx"
    telechargement.save_as(modele)

    # Un fichier avec une erreur : « douze » n'est pas un nombre.
    _modifier(modele, {"paris": 12500, "qpv-goutte-dor": "douze"})
    # Le modèle se télécharge depuis la page de son travail de fond : retour à « Mes indicateurs ».
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Mes indicateurs"
    ).click()
    page.get_by_role("link", name="Importer un fichier complété").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Importer des valeurs — campagne 2025"
    )
    controler(page, "campagne-11-import-depot")
    page.get_by_label("Fichier à importer (.xlsx)").set_input_files(str(modele))
    page.get_by_role("button", name="Contrôler le fichier").click()
    expect(page.get_by_role("heading", name="Erreurs : rien n’a été écrit")).to_be_visible()
    erreurs = page.get_by_role("table", name="Erreurs de l’import, par ligne du classeur")
    ligne_erreur = erreurs.get_by_role("row").filter(has_text="« douze » n’est pas un nombre.")
    expect(ligne_erreur).to_have_count(1)
    expect(ligne_erreur.get_by_role("cell").nth(0)).to_have_text(re.compile(r"^\d+$"))
    expect(ligne_erreur.get_by_role("cell").nth(1)).to_have_text("Valeur")
    expect(page.get_by_role("button", name="Confirmer l’import")).to_have_count(0)
    controler(page, "campagne-12-import-erreur")
    assert not Valeur.objects.filter(annee=ANNEE).exists()

    # Le fichier corrigé : prévisualisation, puis confirmation.
    _modifier(modele, {"qpv-goutte-dor": 320})
    page.get_by_role("link", name="déposez-le de nouveau").click()
    page.get_by_label("Fichier à importer (.xlsx)").set_input_files(str(modele))
    page.get_by_role("button", name="Contrôler le fichier").click()
    apercu = page.get_by_role("table", name="Créations et modifications, par ligne du classeur")
    expect(apercu.get_by_role("row")).to_have_count(3)  # en-tête + 2 créations
    expect(apercu).to_contain_text("12 500")
    controler(page, "campagne-13-import-previsualisation")
    page.get_by_role("button", name="Confirmer l’import").click()
    # La confirmation est un travail de fond : sa page en donne le compte rendu, puis l'import.
    expect(page.get_by_text("Import appliqué : 2 valeurs créées")).to_be_visible()
    applique = ImportValeurs.objects.get(statut="applique")
    page.goto(live_server.url + applique.get_absolute_url())
    expect(page.locator("#comptes-import")).to_contain_text("2 valeurs créées")
    controler(page, "campagne-14-import-applique")

    assert Valeur.objects.get(territoire__code="qpv-goutte-dor", annee=ANNEE).valeur == 320
    assert ImportValeurs.objects.filter(statut="applique").count() == 1
    assert ImportValeurs.objects.filter(statut="erreurs").count() == 1
    page.get_by_role("link", name="Imports").click()
    expect(page.get_by_role("table")).to_contain_text("Appliqué")
    controler(page, "campagne-15-historique-imports")
