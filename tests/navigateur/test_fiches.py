"""Parcours de bout en bout d'une fiche-action dans Chromium : une structure la rédige section
par section, joint un PDF, enregistre le brouillon et soumet ; le SPV la renvoie avec un
commentaire ; la structure corrige et soumet à nouveau ; le SPV valide. Chaque écran est
capturé (test-results/captures/) et contrôlé par axe-core."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from structures.models import FicheAction

from .conftest import capture, se_connecter, verifier_accessibilite

pytestmark = pytest.mark.browser

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
TITRE = "Ateliers sociolinguistiques du samedi"


def controler(page, nom):
    # En haut de page : sinon les barres collantes (sommaire, boutons d'enregistrement)
    # apparaissent au milieu de la capture pleine page.
    page.evaluate("window.scrollTo(0, 0)")
    capture(page, nom)
    verifier_accessibilite(page, nom)


def se_deconnecter(page):
    # « Se déconnecter » est dans le menu « Mon compte » de la barre de navigation.
    page.get_by_role("button", name="Mon compte").click()
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_load_state()


def groupe(page, nom):
    return page.get_by_role("group", name=nom, exact=True)


@pytest.fixture
def media_temporaire(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_parcours_fiche_action(page, live_server, comptes, media_temporaire):
    for role in ("spv", "structure"):
        comptes[role].email = f"{comptes[role].username}@exemple.invalid"
        comptes[role].save()

    # --- la structure rédige ---------------------------------------------------------------
    se_connecter(page, live_server, "membre-j2p")
    navigation = page.get_by_role("navigation", name="Navigation principale")
    navigation.get_by_role("link", name="Mon espace").click()
    expect(page).to_have_url(live_server.url + "/structures/j2p/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("J2P")
    controler(page, "30-espace-structure")

    page.get_by_role("link", name="Nouvelle fiche-action").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouvelle fiche-action")

    # 1. L'action
    page.get_by_label("Titre de l’action (obligatoire)", exact=True).fill(TITRE)
    page.get_by_label("Année de l’action (obligatoire)", exact=True).select_option("2025")
    groupe(page, "Statut de l’action").get_by_label("Terminée", exact=True).check()
    motif = page.get_by_label("Raisons pour lesquelles l’action est terminée", exact=True)
    expect(motif).to_be_visible()
    motif.fill("Fin de l’appel à projets annuel.")
    page.get_by_label("Résumé", exact=True).fill(
        "Des ateliers de français pour les parents du quartier."
    )

    # 2. Contrat de ville et territoire : engagement 5, son action 5.1, un QPV
    page.get_by_label(re.compile(r"^5\. Rendre le quartier plus accueillant")).check()
    actions = page.locator("#actions-" + str(_pk_engagement(5)))
    expect(actions).to_be_visible()
    actions.locator("summary").click()
    actions.get_by_label(re.compile(r"^5\.1 ")).check()
    groupe(page, "Quartiers prioritaires où l’action a lieu").get_by_label(
        "Petit Belleville", exact=True
    ).check()
    groupe(page, "Territoire concerné").get_by_label("Un quartier", exact=True).check()

    # 3. Caractéristiques (« Solidarité » est à la fois une dimension et un mot clé)
    groupe(page, "Dimension").get_by_label("Solidarité", exact=True).check()
    mots = groupe(page, "Mots clés associés à l’action")
    mots.get_by_label("Parentalité", exact=True).check()
    mots.get_by_label("Intégration", exact=True).check()
    initiative = groupe(page, "Qui est à l’initiative de l’action ?")
    initiative.get_by_label("Le centre social", exact=True).check()
    precision = page.get_by_label("Précision (si « Autre »)", exact=True)
    expect(precision).to_be_hidden()
    initiative.get_by_label("Autre", exact=True).check()
    precision.fill("Le conseil de maison")
    groupe(page, "Public").get_by_label("Familles", exact=True).check()
    groupe(page, "Partenaires d’action").get_by_label("Bailleur social", exact=True).check()

    # 4. Description
    page.get_by_label("Description de l’expérience (objectifs, acteurs, phases)", exact=True).fill(
        "Deux ateliers par semaine, animés par une formatrice et des bénévoles."
    )
    page.get_by_label("Objectifs", exact=True).fill("Favoriser l’autonomie dans les démarches.")
    page.get_by_label("Actions mises en œuvre", exact=True).fill("Ateliers, sorties culturelles.")
    page.get_by_label("Description générale", exact=True).fill("Groupe de travail mensuel.")
    page.get_by_label("Partenariats", exact=True).fill("Paris Habitat, école élémentaire.")

    # 5. Moyens mobilisés, budget par financeur
    page.get_by_label("Ressources financières mobilisées", exact=True).fill("Personnel : 12 000 €")
    expect(page.get_by_label("Financeur, ligne 1", exact=True)).to_have_value("")
    page.get_by_label("Financeur, ligne 1", exact=True).select_option(label="Ville de Paris")
    page.get_by_label("Montant en euros, ligne 1", exact=True).fill("8000")
    page.get_by_label("Financeur, ligne 2", exact=True).select_option(label="Caf")
    page.get_by_label("Montant en euros, ligne 2", exact=True).fill("4000,50")
    page.get_by_label("Salariés mobilisés", exact=True).fill("2")
    page.get_by_label("Bénévoles mobilisés", exact=True).fill("6")
    page.get_by_label("Autres personnes mobilisées", exact=True).fill("1")

    # 6. Bénéficiaires et résultats
    page.get_by_label("Nombre de bénéficiaires", exact=True).fill("48")
    page.get_by_label("Dont habitants d’un quartier prioritaire", exact=True).fill("41")
    page.get_by_label("Résultats quantitatifs", exact=True).fill("30 séances, 48 participants.")
    page.get_by_label("Résultats sur le territoire", exact=True).fill("Des liens entre familles.")
    page.get_by_label("Résultats pour la structure (le centre social)", exact=True).fill(
        "Nouveaux adhérents."
    )
    page.get_by_label("Résultats pour les habitants", exact=True).fill("Démarches faites seuls.")

    # 7. Bilan et suite
    page.get_by_label("Difficultés rencontrées", exact=True).fill("Assiduité irrégulière.")
    page.get_by_label("Solutions apportées", exact=True).fill(
        "Garde d’enfants pendant les ateliers."
    )
    page.get_by_label("Facteurs de réussite", exact=True).fill("Bénévoles formés.")
    page.get_by_label("Suite de l’action : limites", exact=True).fill("Places limitées.")
    page.get_by_label("Suite de l’action : perspectives", exact=True).fill(
        "Ouvrir un second groupe."
    )

    # 8. Fichiers associés
    page.get_by_label("Ajouter des fichiers", exact=True).set_input_files(
        {"name": "bilan-2025.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    controler(page, "31-fiche-formulaire")

    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(
        page.get_by_role("status").filter(has_text="Le brouillon est enregistré.")
    ).to_be_visible()
    expect(page.get_by_role("link", name="bilan-2025.pdf")).to_be_visible()
    expect(page.get_by_label("Titre de l’action (obligatoire)", exact=True)).to_have_value(TITRE)
    expect(page.get_by_label("Montant en euros, ligne 2", exact=True)).to_have_value(
        re.compile(r"^4\s000,50$")
    )
    controler(page, "32-fiche-brouillon")

    page.get_by_role("button", name="Enregistrer et soumettre").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITRE)
    expect(page.locator(".badge-statut").first).to_have_text("Soumise")
    expect(page.get_by_role("link", name="bilan-2025.pdf")).to_be_visible()
    controler(page, "33-fiche-soumise")
    fiche = FicheAction.objects.get(titre=TITRE)
    assert fiche.statut == "soumise" and fiche.pieces_jointes.count() == 1
    assert any(m.to == ["agent-spv@exemple.invalid"] for m in mail.outbox)
    se_deconnecter(page)

    # --- le SPV renvoie avec un commentaire -------------------------------------------------
    se_connecter(page, live_server, "agent-spv")
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Fiches-actions"
    ).click()
    page.get_by_role("link", name="Fiches soumises").click()
    controler(page, "34-fiches-soumises")
    page.get_by_role("link", name=TITRE).click()
    page.get_by_label("Commentaire pour la structure (obligatoire)", exact=True).fill(
        "Merci de préciser le nombre de séances par trimestre."
    )
    page.get_by_role("button", name="Renvoyer à la structure").click()
    expect(page.locator(".badge-statut").first).to_have_text("Renvoyée")
    controler(page, "35-fiche-renvoyee")
    se_deconnecter(page)

    # --- la structure corrige et soumet à nouveau --------------------------------------------
    se_connecter(page, live_server, "membre-j2p")
    page.goto(f"{live_server.url}/structures/j2p/")
    page.get_by_role("link", name=f"modifier « {TITRE} »").click()
    expect(
        page.get_by_role("status").filter(has_text="préciser le nombre de séances")
    ).to_be_visible()
    page.get_by_label("Résultats quantitatifs", exact=True).fill(
        "30 séances (10 par trimestre), 48 participants."
    )
    controler(page, "36-fiche-correction")
    page.get_by_role("button", name="Enregistrer et soumettre").click()
    expect(page.locator(".badge-statut").first).to_have_text("Soumise")
    se_deconnecter(page)

    # --- le SPV valide ------------------------------------------------------------------------
    se_connecter(page, live_server, "agent-spv")
    page.goto(f"{live_server.url}{fiche.get_absolute_url()}")
    page.get_by_role("button", name="Valider la fiche").click()
    expect(page.locator(".badge-statut").first).to_have_text("Validée")
    suivi = page.get_by_role("region", name="Suivi de la validation")
    expect(suivi.get_by_role("row")).to_have_count(5)  # en-tête + 4 étapes
    expect(suivi).to_contain_text("Merci de préciser le nombre de séances par trimestre.")
    controler(page, "37-fiche-validee")
    fiche.refresh_from_db()
    assert fiche.statut == "validee"
    assert [(t.de, t.vers) for t in fiche.transitions.order_by("le", "pk")] == [
        ("brouillon", "soumise"),
        ("soumise", "renvoyee"),
        ("renvoyee", "soumise"),
        ("soumise", "validee"),
    ]
    assert any(
        "validée" in m.subject and m.to == ["membre-j2p@exemple.invalid"] for m in mail.outbox
    )

    # La fiche validée apparaît dans la couverture (engagement 5 × Petit Belleville, 2025).
    page.goto(f"{live_server.url}/structures/fiches/couverture/?annee=2025")
    expect(
        page.get_by_role("link", name=re.compile(r"^1 fiche : engagement 5, Petit Belleville"))
    ).to_be_visible()
    controler(page, "38-couverture")


def _pk_engagement(numero):
    from engagements.models import Engagement

    return Engagement.objects.get(numero=numero).pk
