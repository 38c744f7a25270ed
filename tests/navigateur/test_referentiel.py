"""Parcours de bout en bout sur les pages du référentiel, dans Chromium.

Chaque parcours vérifie du contenu réel du contrat (fixtures/referentiel), prend une capture
de chaque page (test-results/captures/) et y lance axe-core. Les parcours sont peu nombreux
car chacun recharge le référentiel (tests transactionnels)."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import capture, se_connecter, verifier_accessibilite

pytestmark = pytest.mark.browser

TITRE_E16 = (
    "Développer l’offre de soin dans les quartiers pour pallier les inégalités d’accès, "
    "notamment aux soins primaires"
)


def controler(page, nom):
    """Capture pleine page puis contrôle d'accessibilité."""
    capture(page, nom)
    verifier_accessibilite(page, nom)


def test_engagements_indicateur_glossaire_et_recherche(page, live_server, referentiel_charge):
    # Accueil : les chiffres du contrat.
    page.goto(live_server.url + "/")
    expect(page).to_have_title(re.compile(r"^Accueil · Portail de suivi"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Contrat de ville parisien 2024-2030")
    expect(page.locator("p.lead")).to_contain_text(
        "signé par 39 signataires, dont la Ville de Paris et la Préfecture"
    )
    chiffres = page.get_by_role("region", name="Le contrat en chiffres")
    expect(chiffres.get_by_role("link", name=re.compile(r"^30\s*engagements,"))).to_be_visible()
    expect(
        chiffres.get_by_role("link", name=re.compile(r"^21\s*quartiers prioritaires"))
    ).to_be_visible()
    expect(
        chiffres.get_by_role("link", name=re.compile(r"^100\s*indicateurs à suivre"))
    ).to_be_visible()
    controler(page, "01-accueil")

    # Liste des engagements, par la barre de navigation.
    navigation = page.get_by_role("navigation", name="Navigation principale")
    navigation.get_by_role("link", name="Engagements").click()
    expect(page).to_have_url(live_server.url + "/engagements/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Les 8 thématiques et leurs engagements"
    )
    expect(navigation.get_by_role("link", name="Engagements")).to_have_attribute(
        "aria-current", "page"
    )
    controler(page, "02-engagements")

    # Engagement 16 : titre, numérotation des actions telle qu'imprimée (« 5. » en double),
    # pilotes avec leurs sigles et indicateurs.
    page.get_by_role("link", name=TITRE_E16).click()
    expect(page).to_have_url(live_server.url + "/engagements/16/")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITRE_E16)
    actions = page.get_by_role("region", name="Actions")
    consolider = actions.locator("h3:text-is('Actions à consolider') + ul .numero-action")
    developper = actions.locator("h3:text-is('Actions à développer') + ul .numero-action")
    expect(consolider).to_have_text(["1.", "2.", "3.", "4.", "5."])
    expect(developper).to_have_text(["5.", "6.", "7.", "8.", "9.", "10."])
    expect(actions).to_contain_text("Dresser un état des lieux précis de la démographie médicale")

    acteurs = page.get_by_role("region", name="Les acteurs")
    pilotes = acteurs.locator("dt:text-is('Pilotes') + dd")
    # Les acteurs sont séparés par « , » sans espace avant la virgule.
    expect(pilotes).to_have_text("Ville de Paris (DSP) signataire, ARS signataire, CPAM signataire")
    expect(pilotes.locator("abbr[title='Agence régionale de santé']")).to_have_text("ARS")
    expect(pilotes.locator('abbr[title="Caisse primaire d\'assurance maladie"]')).to_have_text(
        "CPAM"
    )
    indicateurs = page.get_by_role("region", name="Les indicateurs à suivre")
    expect(indicateurs.get_by_role("row")).to_have_count(5)  # en-tête + E16-1 … E16-4
    controler(page, "03-engagement-16")

    # Indicateur E16-1.
    indicateurs.get_by_role("link", name="E16-1").click()
    expect(page).to_have_url(live_server.url + "/indicateurs/E16-1/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Nombre de professionnels de santé s'installant en quartiers prioritaires suite à "
        "la réception d'une aide de la ville ou de l'ARS"
    )
    expect(
        page.get_by_role("main").get_by_role("link", name=re.compile("^Engagement 16"))
    ).to_have_attribute("href", "/engagements/16/")
    controler(page, "04-indicateur-E16-1")

    # Glossaire, filtré par un mot de la définition.
    navigation.get_by_role("link", name="Glossaire").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Glossaire du contrat")
    expect(navigation.get_by_role("link", name="Glossaire")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.locator("dt abbr", has_text=re.compile("^CPAM$"))).to_have_attribute(
        "title", "Caisse primaire d'assurance maladie"
    )
    controler(page, "05-glossaire")
    page.get_by_label("Sigle ou mot de la définition").fill("santé")
    page.get_by_role("main").get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"/glossaire/\?q=sant"))
    sigles = page.locator("main dt abbr")
    expect(sigles.filter(has_text=re.compile("^ARS$"))).to_have_count(1)
    expect(sigles.filter(has_text=re.compile("^ASV$"))).to_have_count(1)
    expect(sigles.filter(has_text=re.compile("^CPAM$"))).to_have_count(0)

    # Recherche de la barre de navigation : une action de l'engagement 16 et un quartier.
    page.get_by_label("Rechercher dans le portail").fill("médiateur santé")
    page.get_by_label("Rechercher dans le portail").press("Enter")
    expect(page).to_have_url(re.compile(r"/recherche/\?q=m"))
    rubrique = page.get_by_role("region", name=re.compile("^Actions"))
    expect(rubrique.get_by_role("link", name="Engagement 16, action 8")).to_have_attribute(
        "href", "/engagements/16/"
    )
    controler(page, "06-recherche-action")
    page.get_by_label("Rechercher dans le portail").fill("Goutte")
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "button", name="Rechercher"
    ).click()
    expect(page).to_have_title(re.compile("^Recherche « Goutte »"))
    quartiers = page.get_by_role("region", name=re.compile("^Quartiers prioritaires"))
    expect(quartiers.get_by_role("link", name="Goutte d’Or")).to_have_attribute(
        "href", "/quartiers/goutte-dor/"
    )
    controler(page, "07-recherche-quartier")


def test_fiche_quartier_chiffres_projets_et_secteurs(page, live_server, referentiel_charge):
    page.goto(live_server.url + "/quartiers/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Les quartiers prioritaires parisiens"
    )
    expect(page.get_by_role("table")).to_have_accessible_name("21 quartiers prioritaires")
    controler(page, "10-quartiers")

    # Fiche des Amandiers : chiffres clés face à Paris.
    page.get_by_role("link", name="Amandiers", exact=True).click()
    expect(page).to_have_url(live_server.url + "/quartiers/amandiers/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Amandiers")
    chiffres = page.get_by_role("region", name="Chiffres clés")
    chomage = chiffres.get_by_role("row", name=re.compile("^Taux de chômage"))
    expect(chomage.get_by_role("cell").nth(0)).to_have_text("16 %")
    expect(chomage.get_by_role("cell").nth(1)).to_have_text("11 %")
    neet = chiffres.get_by_role("row", name=re.compile("^Part de NEET"))
    expect(neet.get_by_role("cell").nth(0)).to_have_text("9 %")
    expect(neet.get_by_role("cell").nth(1)).to_have_text("8 %")
    projets = page.get_by_role("region", name="Projets structurants")
    expect(projets.get_by_role("status")).to_have_text("18 projets sur 18.")
    controler(page, "11-quartier-amandiers")

    # Filtre des projets par statut, par le formulaire.
    projets.get_by_label("Statut").select_option(label="À venir")
    projets.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"statut=a_venir"))
    projets = page.get_by_role("region", name="Projets structurants")
    expect(projets.get_by_role("status")).to_have_text("6 projets sur 18.")
    expect(projets.locator("tbody .badge-statut")).to_have_text(["À venir"] * 6)
    terrain = projets.get_by_role("row", name=re.compile("^Terrain d’Éducation Physique"))
    expect(terrain.get_by_role("cell").nth(1)).to_have_text("21 rue des Cendriers")
    expect(projets).not_to_contain_text("Collectif éducatif au service de la mixité scolaire")
    expect(projets.get_by_label("Statut")).to_have_value("a_venir")
    controler(page, "12-quartier-amandiers-a-venir")

    # Grand Belleville : deux secteurs.
    page.goto(live_server.url + "/quartiers/grand-belleville/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Grand Belleville")
    secteurs = page.get_by_role("navigation", name="Secteurs du quartier").get_by_role("link")
    expect(secteurs).to_have_text(["Le Grand Belleville 11e", "Le Grand Belleville 20e"])
    expect(page.get_by_role("heading", level=2, name=re.compile("^Secteur : "))).to_have_count(2)
    expect(
        page.get_by_role("region", name="Projets structurants").get_by_role("status")
    ).to_have_text("34 projets sur 34, présentés secteur par secteur ci-dessous.")
    secteurs.first.click()
    expect(page).to_have_url(re.compile("#secteur-grand-belleville-11e$"))
    expect(
        page.get_by_role("heading", name="Secteur : Le Grand Belleville 11e")
    ).to_be_in_viewport()
    controler(page, "13-quartier-grand-belleville")

    # Le filtre par statut s'applique aussi aux projets présentés par secteur.
    page.get_by_label("Statut").select_option(label="En réflexion")
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"statut=en_reflexion"))
    expect(
        page.get_by_role("region", name="Projets structurants").get_by_role("status")
    ).to_have_text("2 projets sur 34, présentés secteur par secteur ci-dessous.")
    secteur_11e = page.get_by_role("region", name="Secteur : Le Grand Belleville 11e")
    secteur_20e = page.get_by_role("region", name="Secteur : Le Grand Belleville 20e")
    expect(
        secteur_11e.get_by_role("table", name=re.compile("^Projets structurants"))
    ).to_have_count(0)
    expect(
        secteur_20e.get_by_role("table", name=re.compile("^Projets structurants"))
    ).to_be_visible()
    expect(secteur_20e.locator(".table-projets tbody th")).to_have_text(
        [
            "Pôles de médiation interculturelle au sein des quartiers",
            "Traverse de Belleville Ménilmontant",
        ]
    )

    # Les Portes du Vingtième : cinq micro-quartiers.
    page.goto(live_server.url + "/quartiers/les-portes-du-vingtieme/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Les Portes du Vingtième")
    expect(
        page.get_by_role("navigation", name="Secteurs du quartier").get_by_role("link")
    ).to_have_text(
        [
            "Fougères Le Vau",
            "Felix-Terrier - Porte de Montreuil nord",
            "Python-Duvernois",
            "Saint-Blaise",
            "Tour du Pin - Porte de Montreuil sud",
        ]
    )
    expect(
        page.get_by_role("heading", level=2, name=re.compile("^Micro-quartier : "))
    ).to_have_count(5)
    controler(page, "14-quartier-portes-du-vingtieme")


def test_connexion_structure_et_deconnexion(page, live_server, comptes):
    # Anonyme : pas de lien « Structures » ; la page renvoie vers la connexion.
    page.goto(live_server.url + "/")
    navigation = page.get_by_role("navigation", name="Navigation principale")
    expect(navigation.get_by_role("link", name="Structures")).to_have_count(0)
    page.goto(live_server.url + "/structures/")
    expect(page).to_have_url(re.compile(r"/connexion/\?next=/structures/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    controler(page, "20-connexion")

    # Mauvais mot de passe : message d'erreur sur la page de connexion.
    page.get_by_label("Identifiant").fill("membre-j2p")
    page.get_by_label("Mot de passe").fill("pas-le-bon")
    page.get_by_role("main").get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_have_text(
        "Identifiant ou mot de passe incorrect. Veuillez réessayer."
    )
    controler(page, "21-connexion-erreur")

    # Connexion d'un compte de structure : il ne voit que J2P.
    se_connecter(page, live_server, "membre-j2p")
    # Le nom et le rôle sont dans le menu « Mon compte » (la barre tient sur une ligne).
    navigation.get_by_role("button", name="Mon compte").click()
    expect(
        navigation.get_by_text("membre-j2p · Structure (association, centre social)")
    ).to_be_visible()
    navigation.get_by_role("link", name="Structures").click()
    expect(page).to_have_url(live_server.url + "/structures/")
    expect(page.get_by_role("table")).to_have_accessible_name("1 structure")
    controler(page, "22-structures")
    page.get_by_role("link", name="J2P (Jaurès Pantin Petit)").click()
    expect(page).to_have_url(live_server.url + "/structures/j2p/")
    expect(page.get_by_role("heading", level=1)).to_have_text("J2P (Jaurès Pantin Petit)")
    expect(page.locator("dt:text-is('Adresse') + dd")).to_have_text(
        re.compile(r"19-24-32 rue Petit\s+75019\s+Paris")
    )
    expect(
        page.get_by_role("main")
        .get_by_role("listitem")
        .filter(has_text="The J2P social and cultural centre")
    ).to_have_count(1)
    controler(page, "23-structure-j2p")

    # Déconnexion : retour à l'accueil, lien « Structures » disparu.
    navigation.get_by_role("button", name="Mon compte").click()
    navigation.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(live_server.url + "/")
    expect(navigation.get_by_role("link", name="Se connecter")).to_be_visible()
    expect(navigation.get_by_role("link", name="Structures")).to_have_count(0)
    page.goto(live_server.url + "/structures/")
    expect(page).to_have_url(re.compile(r"/connexion/"))
