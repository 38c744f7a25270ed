"""Une journée de travail de chaque rôle dans Chromium, chacune commençant sur son « À faire ».

1. Un partenaire saisit ses valeurs dans la grille vivante (compteurs et bouton à jour sans
   rechargement ; une part de 150 % refusée « entre 0 et 100 » avant toute demande de
   commentaire), les soumet ; le SPV les retrouve sur son « À faire », valide un groupe en masse
   et renvoie une valeur avec un motif ; le producteur en est prévenu et la corrige.
2. Le SPV renvoie une fiche-action soumise ; la structure, prévenue par courriel, la corrige
   depuis son « À faire » et la soumet à nouveau ; le SPV, prévenu, la retrouve.
3. Un délégué voit ce qui a changé dans ses QPV depuis sa dernière visite, classé.

Chaque écran est capturé (test-results/captures/journee-*.png) et contrôlé par axe-core."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from afaire.models import Visite
from engagements.models import Engagement, Signataire
from indicateurs.models import Campagne, Indicateur, Territoire, Valeur
from quartiers.models import ProjetStructurant, Quartier
from structures.models import FicheAction, Structure

from .conftest import capture, se_connecter, verifier_accessibilite

pytestmark = pytest.mark.browser

ANNEE = 2025
MOTIF = "Vérifiez le périmètre : 30 % paraît faible pour la Goutte d’Or."


def controler(page, nom):
    page.evaluate("window.scrollTo(0, 0)")
    capture(page, f"journee-{nom}")
    verifier_accessibilite(page, f"journee-{nom}")


def se_deconnecter(page):
    # « Se déconnecter » est dans le menu « Mon compte » de la barre de navigation.
    page.get_by_role("button", name="Mon compte").click()
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_load_state()


def navigation(page):
    return page.get_by_role("navigation", name="Navigation principale")


def arriver_sur_a_faire(page, live_server, identifiant):
    """Connexion par le vrai formulaire : chacun arrive sur son « À faire »."""
    se_connecter(page, live_server, identifiant)
    expect(page).to_have_url(f"{live_server.url}/a-faire/")
    expect(page.get_by_role("heading", level=1)).to_have_text("À faire")
    expect(navigation(page).get_by_role("link", name="À faire")).to_have_attribute(
        "aria-current", "page"
    )


def adresses(*comptes):
    for compte in comptes:
        compte.email = f"{compte.username}@exemple.invalid"
        compte.save(update_fields=["email"])


def courriels_a(adresse):
    return [m for m in mail.outbox if m.to == [adresse]]


def verifier_renvoi_notifie(page, live_server, partenaire, valeur, motif):
    """Le producteur est prévenu du renvoi d'une valeur : sa page « À faire » la liste avec le
    motif, le compteur de l'en-tête annonce la notification et le courriel est parti (app
    notifications)."""
    arriver_sur_a_faire(page, live_server, partenaire.username)
    # Deux notifications : la validation du groupe (une seule pour toutes ses valeurs) et le
    # renvoi.
    expect(navigation(page).get_by_role("link", name="Notifications, 2 non lues")).to_be_visible()
    assert any(motif in m.body for m in courriels_a(partenaire.email))
    renvoyees = page.get_by_role("region", name=re.compile("^Valeurs renvoyées à corriger"))
    ligne = renvoyees.get_by_role("row", name=re.compile(valeur.indicateur.code))
    expect(ligne).to_contain_text(motif)
    expect(ligne).to_contain_text(valeur.territoire.nom)


@pytest.fixture
def campagne_caf(referentiel_charge):
    """La campagne 2025 (close dans 20 jours) ; la Caf produit E28-2 (un nombre) et E01-1
    (une part), avec leurs valeurs 2024 validées à Paris et à la Goutte d'Or."""
    jour = timezone.localdate()
    Campagne.objects.create(
        annee=ANNEE,
        date_ouverture=jour - datetime.timedelta(days=10),
        date_cloture=jour + datetime.timedelta(days=20),
    )
    caf = Signataire.objects.get(nom__icontains="allocations familiales")
    Indicateur.objects.filter(code__in=["E28-2", "E01-1"]).update(producteur=caf)
    for code, paris, goutte in (("E28-2", 1000, 40), ("E01-1", 40, 35)):
        for territoire, nombre in (("paris", paris), ("qpv-goutte-dor", goutte)):
            Valeur.objects.create(
                indicateur=Indicateur.objects.get(code=code),
                territoire=Territoire.objects.get(code=territoire),
                annee=ANNEE - 1,
                valeur=Decimal(nombre),
                statut=Valeur.Statut.VALIDE,
            )


def saisir(page, libelle, texte, commentaire=None, territoire=None):
    champ = page.get_by_label(libelle)
    champ.fill(texte)
    if commentaire is not None:
        page.get_by_label(f"Commentaire pour {territoire}").fill(commentaire)
    champ.press("Enter")


def test_partenaire_saisit_soumet_et_le_spv_valide_ou_renvoie(
    page, live_server, comptes, campagne_caf
):
    partenaire, spv = comptes["partenaire"], comptes["spv"]
    adresses(partenaire, spv)

    # --- le partenaire : son « À faire », puis la grille vivante -----------------------------
    arriver_sur_a_faire(page, live_server, "partenaire-caf")
    expect(page.get_by_role("region", name="Échéance")).to_contain_text("dans 20 jours")
    a_saisir = page.get_by_role("region", name=re.compile("^Valeurs à saisir"))
    expect(a_saisir.get_by_role("row", name=re.compile("^E01-1"))).to_be_visible()
    expect(a_saisir.get_by_role("row", name=re.compile("^E28-2"))).to_be_visible()
    controler(page, "partenaire-01-a-faire")

    a_saisir.get_by_role("link", name="Saisir E01-1 pour 2025").click()
    expect(page).to_have_url(f"{live_server.url}/indicateurs/E01-1/saisie/2025/")
    compteurs = page.get_by_role("region", name="État de la saisie 2025")
    expect(compteurs.locator("#compteur-brouillons")).to_have_text("0")
    page.evaluate("window.sansRechargement = true")

    # 150 % : refusée « entre 0 et 100 », sans demande de commentaire (pendant la frappe
    # comme après l'envoi), bien qu'elle s'écarte de plus de 50 % de 2024.
    paris = page.get_by_label("Valeur 2025 pour Paris (en %)")
    paris.fill("150")
    ligne_paris = page.locator("#ligne-paris")
    expect(ligne_paris.locator(".alerte-ecart")).to_contain_text("entre 0 et 100")
    paris.press("Enter")
    expect(ligne_paris).to_contain_text(
        "Une part ou un taux s’exprime en pourcentage, entre 0 et 100 (150 ne l’est pas)."
    )
    expect(page.locator("#annonce-grille")).to_contain_text(
        "La ligne n’a pas été enregistrée (Paris) : Valeur : Une part ou un taux"
    )
    expect(page.locator("#annonce-grille")).not_to_contain_text("expliquez")
    expect(page.get_by_label("Valeur 2025 pour Paris (en %)")).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(page.get_by_label("Commentaire pour Paris")).not_to_have_attribute(
        "aria-invalid", "true"
    )
    controler(page, "partenaire-02-part-impossible")

    # Corrigée : enregistrée ; compteurs, complétude et bouton suivent, sans rechargement.
    saisir(page, "Valeur 2025 pour Paris (en %)", "45")
    expect(ligne_paris).to_contain_text("Paris : valeur 45 % enregistrée")
    expect(compteurs.locator("#compteur-brouillons")).to_have_text("1")
    bouton = page.get_by_role("button", name="Soumettre au SPV les 1 valeur en brouillon")
    expect(bouton).to_be_enabled()
    saisir(page, "Valeur 2025 pour Goutte d’Or (en %)", "30")
    expect(page.locator("#ligne-qpv-goutte-dor")).to_contain_text("valeur 30 % enregistrée")
    expect(compteurs.locator("#compteur-brouillons")).to_have_text("2")
    expect(compteurs).to_contain_text("Complétude 2025 : 2 valeurs renseignées")
    expect(page.locator("#annonce-grille")).to_contain_text("État de la saisie : 2 brouillons")
    assert page.evaluate("window.sansRechargement") is True
    controler(page, "partenaire-03-grille-compteurs")
    page.get_by_role("button", name="Soumettre au SPV les 2 valeurs en brouillon").click()
    expect(page.get_by_role("status").filter(has_text="2 valeurs soumises.")).to_be_visible()

    # La seconde grille, depuis « À faire ».
    navigation(page).get_by_role("link", name="À faire").click()
    page.get_by_role("link", name="Saisir E28-2 pour 2025").click()
    saisir(page, "Valeur 2025 pour Paris", "1 100")
    expect(page.locator("#ligne-paris")).to_contain_text("Paris : valeur 1 100 enregistrée")
    saisir(page, "Valeur 2025 pour Goutte d’Or", "50")
    page.get_by_role("button", name="Soumettre au SPV les 2 valeurs en brouillon").click()
    expect(page.get_by_role("status").filter(has_text="2 valeurs soumises.")).to_be_visible()
    se_deconnecter(page)

    # --- le SPV : validation d'un groupe en masse, renvoi d'une valeur -----------------------
    arriver_sur_a_faire(page, live_server, "agent-spv")
    soumises = page.get_by_role("region", name=re.compile("^Valeurs soumises à valider"))
    groupe_e28 = soumises.get_by_role("form", name=re.compile("^E28-2"))
    groupe_e01 = soumises.get_by_role("form", name=re.compile("^E01-1"))
    expect(groupe_e28.get_by_role("row")).to_have_count(3)  # en-tête + 2 valeurs
    ligne_goutte = groupe_e28.get_by_role("row", name=re.compile("Goutte d’Or"))
    expect(ligne_goutte).to_contain_text("+10 (+25 %)")  # 50 contre 40 en 2024
    expect(groupe_e28.get_by_role("row", name=re.compile("^Paris"))).to_contain_text("+100 (+10 %)")
    expect(groupe_e01.get_by_role("row", name=re.compile("Goutte d’Or"))).to_contain_text(
        "−15 pts"  # écart à Paris la même année (45 %)
    )
    controler(page, "spv-01-valeurs-soumises")
    groupe_e28.get_by_role("checkbox", name=re.compile("^Tout cocher")).check()
    expect(groupe_e28.get_by_role("checkbox", name="Goutte d’Or")).to_be_checked()
    groupe_e28.get_by_role("button", name="Valider la sélection : E28-2, 2025").click()
    expect(page.get_by_role("status").filter(has_text="2 valeurs validées.")).to_be_visible()
    groupe_e01 = page.get_by_role("form", name=re.compile("^E01-1"))
    groupe_e01.get_by_role("checkbox", name="Goutte d’Or").check()
    groupe_e01.get_by_label(re.compile("^Motif du renvoi")).fill(MOTIF)
    groupe_e01.get_by_role("button", name="Renvoyer la sélection : E01-1, 2025").click()
    expect(page.get_by_role("status").filter(has_text="1 valeur renvoyée.")).to_be_visible()
    controler(page, "spv-02-apres-validation-et-renvoi")
    e28 = Valeur.objects.filter(indicateur__code="E28-2", annee=ANNEE)
    assert set(e28.values_list("statut", flat=True)) == {"valide"}
    renvoyee = Valeur.objects.get(
        indicateur__code="E01-1", annee=ANNEE, territoire__code="qpv-goutte-dor"
    )
    assert renvoyee.statut == "renvoye" and renvoyee.motif_renvoi == MOTIF
    assert (
        Valeur.objects.get(indicateur__code="E01-1", annee=ANNEE, territoire__code="paris").statut
        == "soumis"
    )
    se_deconnecter(page)

    # --- le producteur est prévenu et corrige ------------------------------------------------
    verifier_renvoi_notifie(page, live_server, partenaire, renvoyee, MOTIF)
    controler(page, "partenaire-04-valeur-renvoyee")
    page.get_by_role("link", name="Corriger E01-1, Goutte d’Or, 2025").click()
    expect(page).to_have_url(
        f"{live_server.url}/indicateurs/E01-1/saisie/2025/#ligne-qpv-goutte-dor"
    )
    saisir(
        page,
        "Valeur 2025 pour Goutte d’Or (en %)",
        "32",
        commentaire="Nouveau périmètre de l’IRIS",
        territoire="Goutte d’Or",
    )
    expect(page.locator("#ligne-qpv-goutte-dor")).to_contain_text("valeur 32 % enregistrée")
    page.get_by_role("button", name="Soumettre au SPV les 1 valeur en brouillon").click()
    expect(page.get_by_role("status").filter(has_text="1 valeur soumise.")).to_be_visible()
    se_deconnecter(page)
    arriver_sur_a_faire(page, live_server, "agent-spv")
    groupe_e01 = page.get_by_role("form", name=re.compile("^E01-1"))
    expect(groupe_e01.get_by_role("row", name=re.compile("Goutte d’Or"))).to_contain_text(
        "Nouveau périmètre de l’IRIS"
    )


def test_la_structure_corrige_une_fiche_renvoyee(page, live_server, comptes):
    spv, structure = comptes["spv"], comptes["structure"]
    adresses(spv, structure)
    titre = "Atelier de français pour les parents"
    fiche = FicheAction.objects.create(
        structure=Structure.objects.get(slug="j2p"),
        titre=titre,
        annee=ANNEE,
        dimension="solidarite",
        resume="Des ateliers de français pour les parents du quartier.",
        territoire="un_quartier",
        publics=["familles"],
    )
    fiche.engagements.add(Engagement.objects.get(numero=5))
    fiche.quartiers.add(Quartier.objects.get(slug="petit-belleville"))
    fiche.submit(structure)

    # --- le SPV renvoie la fiche depuis son « À faire » ---------------------------------------
    arriver_sur_a_faire(page, live_server, "agent-spv")
    fiches = page.get_by_role("region", name=re.compile("^Fiches-actions soumises"))
    expect(fiches.get_by_role("row", name=re.compile(titre))).to_contain_text("J2P")
    controler(page, "spv-03-fiches-soumises")
    fiches.get_by_role("link", name=titre).click()
    page.get_by_label("Commentaire pour la structure (obligatoire)", exact=True).fill(
        "Précisez le nombre de séances par trimestre."
    )
    page.get_by_role("button", name="Renvoyer à la structure").click()
    expect(page.locator(".badge-statut").first).to_have_text("Renvoyée")
    assert any("à compléter" in m.subject for m in courriels_a("membre-j2p@exemple.invalid"))
    se_deconnecter(page)

    # --- la structure corrige depuis son « À faire » ------------------------------------------
    arriver_sur_a_faire(page, live_server, "membre-j2p")
    renvoyees = page.get_by_role("region", name=re.compile("^Fiches renvoyées à corriger"))
    expect(renvoyees).to_contain_text("Précisez le nombre de séances par trimestre.")
    controler(page, "structure-01-fiche-renvoyee")
    renvoyees.get_by_role("link", name=f"Corriger la fiche : {titre}").click()
    page.get_by_label("Résultats quantitatifs", exact=True).fill(
        "30 séances (10 par trimestre), 48 participants."
    )
    page.get_by_role("button", name="Enregistrer et soumettre").click()
    expect(page.locator(".badge-statut").first).to_have_text("Soumise")
    assert len([m for m in courriels_a("agent-spv@exemple.invalid") if "soumise" in m.subject]) == 2
    navigation(page).get_by_role("link", name="À faire").click()
    expect(page.get_by_role("region", name=re.compile("^Fiches renvoyées"))).to_contain_text(
        "Aucune fiche ne vous a été renvoyée."
    )
    controler(page, "structure-02-apres-correction")
    se_deconnecter(page)

    # --- le SPV la retrouve ------------------------------------------------------------------
    arriver_sur_a_faire(page, live_server, "agent-spv")
    fiches = page.get_by_role("region", name=re.compile("^Fiches-actions soumises"))
    expect(fiches.get_by_role("link", name=titre)).to_be_visible()


def test_le_delegue_voit_ce_qui_a_change_depuis_sa_derniere_visite(
    page, live_server, comptes, campagne_caf
):
    delegue, structure = comptes["delegue"], comptes["structure"]
    il_y_a_longtemps = timezone.now() - datetime.timedelta(days=60)
    # Le référentiel, rechargé pour ce test, date d'avant les visites (comme en production).
    Valeur.objects.update(valide_le=il_y_a_longtemps)
    ProjetStructurant.history.all().update(history_date=il_y_a_longtemps)
    petit = Quartier.objects.get(slug="petit-belleville")
    en_retard = ProjetStructurant.objects.filter(quartier__slug="grand-belleville").order_by(
        "ordre"
    )[0]
    ProjetStructurant.objects.filter(pk=en_retard.pk).update(
        annee_echeance=timezone.localdate().year - 1, statut="a_venir"
    )

    # Première visite.
    arriver_sur_a_faire(page, live_server, "delegue")
    expect(page.get_by_role("heading", level=2).first).to_have_text("Ces 30 derniers jours")
    depuis = page.get_by_role("region", name="Ces 30 derniers jours")
    expect(depuis.get_by_role("listitem").first).to_contain_text(en_retard.nom)
    expect(depuis.get_by_role("listitem").first).to_contain_text("Urgent")
    controler(page, "delegue-01-premiere-visite")
    se_deconnecter(page)

    # Deux heures plus tard : une fiche soumise, une valeur validée, un projet qui avance.
    Visite.objects.filter(user=delegue).update(vue_le=timezone.now() - datetime.timedelta(hours=2))
    fiche = FicheAction.objects.create(
        structure=Structure.objects.get(slug="j2p"),
        titre="Sorties familiales du mercredi",
        annee=ANNEE,
        dimension="solidarite",
        resume="Des sorties culturelles pour les familles.",
        territoire="un_quartier",
        publics=["familles"],
    )
    fiche.engagements.add(Engagement.objects.get(numero=5))
    fiche.quartiers.add(petit)
    fiche.submit(structure)
    Valeur.objects.create(
        indicateur=Indicateur.objects.get(code="E28-2"),
        territoire=Territoire.objects.get(code="qpv-petit-belleville"),
        annee=ANNEE,
        valeur=Decimal(321),
        statut=Valeur.Statut.VALIDE,
        valide_le=timezone.now(),
    )
    projet = ProjetStructurant.objects.filter(quartier=petit).order_by("ordre")[0]
    nouveau = "realise" if projet.statut != "realise" else "en_cours"
    projet.ajouter_suivi(comptes["spv"], nouveau, "Chantier terminé")

    arriver_sur_a_faire(page, live_server, "delegue")
    depuis = page.get_by_role("region", name="Depuis votre dernière visite")
    elements = depuis.get_by_role("listitem")
    expect(elements).to_have_count(4)
    expect(elements.nth(0)).to_contain_text(en_retard.nom)  # urgent : échéance dépassée
    expect(elements.nth(1)).to_contain_text("Sorties familiales du mercredi")  # à traiter
    expect(elements.nth(1)).to_contain_text("À traiter")
    informations = [elements.nth(2).inner_text(), elements.nth(3).inner_text()]
    assert any(projet.nom in texte and "Statut :" in texte for texte in informations)
    assert any("E28-2" in texte and "1 nouvelle valeur validée" in texte for texte in informations)
    assert all("Pour information" in texte for texte in informations)
    expect(
        page.get_by_role("region", name="Toujours en attente dans vos quartiers")
    ).to_contain_text("1 projet à l’échéance dépassée")
    controler(page, "delegue-02-depuis-la-derniere-visite")
    depuis.get_by_role("link", name="Sorties familiales du mercredi").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sorties familiales du mercredi")

    # « Mon territoire » reste à sa place.
    navigation(page).get_by_role("link", name="Mon territoire").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon territoire")
