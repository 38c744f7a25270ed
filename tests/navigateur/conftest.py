"""Fixtures des tests de bout en bout : Chromium de Debian piloté par Playwright (API
synchrone), serveur de test de pytest-django, captures d'écran et contrôle axe-core.

Les tests `live_server` sont transactionnels : la base est vidée après chacun d'eux, donc le
référentiel chargé en début de session disparaît ; `referentiel_charge` le recharge.
"""

import io
import json
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

# L'API synchrone de Playwright fait tourner une boucle d'événements dans le fil principal :
# sans cette variable, Django refuse les requêtes ORM des fixtures et des tests.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
ARGUMENTS_CHROMIUM = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
RESULTATS = Path(settings.BASE_DIR) / "test-results"
CAPTURES = RESULTATS / "captures"
RAPPORTS_AXE = RESULTATS / "axe"
NORMES_AXE = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MOT_DE_PASSE = "mdp-de-test-1234"


@pytest.fixture(scope="session")
def navigateur():
    """Un Chromium sans interface pour toute la session. Échoue (ne saute pas) s'il manque."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium introuvable ({CHROMIUM}) : installez-le avec `apt-get install -y chromium` "
            "(fait par `make test`). Ne lancez pas `playwright install`.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGUMENTS_CHROMIUM
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(navigateur, live_server):
    """Un onglet dans un contexte neuf (cookies vides), en français, 1280×900."""
    contexte = navigateur.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    contexte.set_default_timeout(15_000)
    onglet = contexte.new_page()
    erreurs = []
    onglet.on("pageerror", lambda e: erreurs.append(str(e)))
    # Une ressource ou un script bloqués par la politique de sécurité du contenu sont une
    # erreur de la page, comme une exception JavaScript.
    onglet.on(
        "console",
        lambda m: m.type == "error"
        and "Content Security Policy" in m.text
        and erreurs.append(m.text),
    )
    yield onglet
    contexte.close()
    assert not erreurs, f"Erreurs JavaScript dans la page : {erreurs}"


@pytest.fixture
def referentiel_charge(transactional_db):
    """Recharge le référentiel réel et les groupes de rôles (base vidée par les tests
    transactionnels précédents)."""
    call_command("load_referentiel", stdout=io.StringIO())
    call_command("sync_roles", stdout=io.StringIO())


@pytest.fixture
def comptes(referentiel_charge, utilisateurs):
    """Un utilisateur par rôle, créé après le rechargement du référentiel."""
    return utilisateurs


def capture(page, nom):
    """Capture pleine page dans test-results/captures/<nom>.png ; renvoie le chemin."""
    CAPTURES.mkdir(parents=True, exist_ok=True)
    chemin = CAPTURES / f"{nom}.png"
    page.screenshot(path=str(chemin), full_page=True)
    return chemin


def _detailler(violations):
    """Identifiant, impact, aide et nœuds fautifs (10 au plus) de chaque violation axe."""
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "aide": v["help"],
            "noeuds": [
                {"cible": n["target"], "resume": n.get("failureSummary", "")}
                for n in v["nodes"][:10]
            ],
        }
        for v in violations
    ]


def _axe(page, tags):
    return page.evaluate(
        """(tags) => axe.run(document, {runOnly: {type: "tag", values: tags}})""", tags
    )


def verifier_accessibilite(page, nom=None):
    """Lance axe-core (WCAG 2.0/2.1 A et AA) sur la page et échoue sur toute violation
    d'impact « serious » ou « critical ».

    Avec `nom`, écrit aussi test-results/axe/<nom>.json : toutes les violations WCAG (mineures
    comprises) et, pour information seulement, celles des bonnes pratiques d'axe (ordre des
    titres, régions…), qui ne font pas échouer le test."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Évalué par le protocole du navigateur, pas injecté dans la page : la politique de
        # sécurité du contenu du portail refuse tout script en ligne (add_script_tag).
        page.evaluate(AXE.read_text(encoding="utf-8"))
    resultat = _axe(page, NORMES_AXE)
    assert resultat["passes"], f"axe-core n'a rien vérifié sur {page.url}"
    if nom:
        RAPPORTS_AXE.mkdir(parents=True, exist_ok=True)
        rapport = {
            "url": page.url,
            "wcag": _detailler(resultat["violations"]),
            "bonnes_pratiques": _detailler(_axe(page, ["best-practice"])["violations"]),
        }
        (RAPPORTS_AXE / f"{nom}.json").write_text(
            json.dumps(rapport, ensure_ascii=False, indent=2), encoding="utf-8"
        )
    graves = [v for v in resultat["violations"] if v["impact"] in ("serious", "critical")]
    assert not graves, f"Violations d'accessibilité sur {page.url} :\n" + json.dumps(
        _detailler(graves), ensure_ascii=False, indent=2
    )
    return resultat


def se_connecter(page, live_server, username, password=MOT_DE_PASSE):
    """Connexion par le vrai formulaire de /connexion/."""
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("main").get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    assert "/connexion/" not in page.url, "La connexion a échoué (toujours sur /connexion/)."


def telecharger(page, lancer, delai=60_000):
    """Télécharge le fichier d'un travail de fond (socle/travaux.py) comme une personne :
    `lancer()` clique le bouton ou le lien ; la page de lancement, s'il y en a une, est
    confirmée ; puis la page du travail propose « Télécharger « … » » une fois le fichier
    prêt (les tests exécutent les travaux tout de suite)."""
    import re

    from playwright.sync_api import expect

    lancer()
    confirmer = page.locator("form[data-travail] button[type=submit]")
    lien = page.get_by_role("link", name=re.compile("^Télécharger «"))
    # La page de lancement (à confirmer) ou déjà celle du travail.
    expect(confirmer.or_(lien).first).to_be_visible(timeout=delai)
    if confirmer.count():
        confirmer.click()
    expect(lien).to_be_visible(timeout=delai)
    with page.expect_download(timeout=delai) as attente:
        lien.click()
    return attente.value
