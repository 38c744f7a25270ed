"""Audit d'accessibilité de tout le portail dans Chromium (RGAA 4.1 / WCAG 2.1 AA).

Chaque page de la configuration d'URL (avec de vrais objets du référentiel chargé) est ouverte
pour chaque rôle : anonyme, SPV, délégué, partenaire, structure ; s'y ajoutent les états
d'erreur (grille avec une valeur invalide, fiche-action revenue du serveur avec des erreurs,
import refusé, pages 403 et 404). Sur chacune :

- axe-core (WCAG 2.0/2.1 A et AA et bonnes pratiques) : aucune violation, quel qu'en soit
  l'impact ;
- à 320 px de large (WCAG 1.4.10, redistribution) : le document ne défile pas
  horizontalement ; les tableaux défilent dans leur propre cadre, focalisable et nommé ;
- à 1366 px : l'en-tête tient sur une ligne et marque au plus une rubrique active
  (aria-current="page"), exactement une sur les pages d'une rubrique.

Les tests en direct vident la base après chacun d'eux (`transactional_db`) : le parcours est
donc fait une fois par module (un contexte de navigateur par rôle), et chaque test lit ses
résultats. Les pages déjà vues par un rôle (même chemin final, ou 403 / connexion) ne sont
auditées qu'une fois pour ce rôle."""

import datetime
import io
import json
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from .conftest import ARGUMENTS_CHROMIUM, AXE  # noqa: F401  (mêmes réglages que le conftest)

pytestmark = pytest.mark.browser

ROLES = ["anonyme", "spv", "delegue", "partenaire", "structure"]
NORMES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
LARGEUR_BUREAU = 1366
LARGEUR_MOBILE = 320


def _donnees():
    """Comptes de chaque rôle et objets réels (ou créés) pour remplir chaque page."""
    from bilan.models import Credit, EtudeQualitative, ImportCredits
    from engagements.models import Signataire
    from indicateurs.models import Campagne, ImportValeurs, Indicateur, Territoire, Valeur
    from quartiers.models import ProjetStructurant, Quartier
    from socle import invitations
    from socle.models import Invitation, Profil
    from socle.roles import Role
    from structures.models import FicheAction, Structure

    caf = Signataire.objects.get(nom__icontains="allocations familiales")
    j2p = Structure.objects.get(slug="j2p")

    def compte(nom, role, **profil):
        user = User.objects.create_user(username=f"a11y-{nom}", password="mdp-de-test-1234")
        quartiers = profil.pop("quartiers", [])
        p = Profil.objects.create(user=user, role=role, **profil)
        if quartiers:
            p.quartiers.set(quartiers)
        return user

    comptes = {
        "anonyme": None,
        "spv": compte("spv", Role.SPV),
        "delegue": compte(
            "delegue",
            Role.DELEGUE,
            quartiers=list(Quartier.objects.filter(arrondissements__numero=19)),
        ),
        "partenaire": compte("partenaire", Role.PARTENAIRE, signataire=caf),
        "structure": compte("structure", Role.STRUCTURE, structure=j2p),
    }
    comptes["spv"].is_staff = True
    comptes["spv"].save()

    jour = timezone.localdate()
    annee = jour.year - 1
    Campagne.objects.get_or_create(
        annee=annee,
        defaults={
            "date_ouverture": jour - datetime.timedelta(days=10),
            "date_cloture": jour + datetime.timedelta(days=30),
        },
    )
    # Un indicateur produit par la Caf : le partenaire a sa grille.
    indicateur = Indicateur.objects.filter(unite=Indicateur.Unite.PART).order_by("code").first()
    indicateur.producteur = caf
    indicateur.save()
    paris = Territoire.objects.get(code="paris")
    valeur = Valeur.objects.create(
        indicateur=indicateur,
        territoire=paris,
        annee=annee - 1,
        valeur=Decimal("18.5"),
        statut=Valeur.Statut.SOUMIS,
        source="Valeur de test",
    )
    # Deux QPV du 19e renseignés (l'un en démonstration, l'autre en brouillon) et Paris : le
    # rapport d'arrondissement groupe leurs lignes par indicateur (cellules fusionnées).
    for code, statut, demo in (
        ("qpv-stalingrad-riquet", Valeur.Statut.VALIDE, True),
        ("qpv-danube-solidarite-marseillaise", Valeur.Statut.BROUILLON, False),
        ("paris", Valeur.Statut.VALIDE, False),
    ):
        Valeur.objects.create(
            indicateur=indicateur,
            territoire=Territoire.objects.get(code=code),
            annee=annee,
            valeur=Decimal("21.5"),
            statut=statut,
            demo=demo,
            origine=Valeur.Origine.DEMO if demo else Valeur.Origine.SAISIE,
            source="Valeur de test",
        )
    import_valeurs = ImportValeurs.objects.create(
        annee=annee,
        utilisateur=comptes["spv"],
        nom_fichier="valeurs.xlsx",
        contenu=b"",
        statut=ImportValeurs.Statut.ERREURS,
        nb_lignes=3,
        nb_erreurs=2,
        erreurs=[
            {"ligne": 4, "colonne": "valeur", "message": "« abc » n’est pas un nombre."},
            {"ligne": 7, "colonne": "territoire", "message": "Territoire inconnu : « X »."},
        ],
    )
    import_credits = ImportCredits.objects.create(
        utilisateur=comptes["spv"],
        nom_fichier="credits.xlsx",
        contenu=b"",
        statut=ImportCredits.Statut.ERREURS,
        nb_lignes=1,
        nb_erreurs=1,
        erreurs=[{"ligne": 2, "colonne": "montant", "message": "Montant négatif refusé."}],
    )
    Credit.objects.create(
        annee=annee, signataire=caf, type=Credit.Type.choices[0][0], montant=Decimal("1000")
    )
    etude = EtudeQualitative.objects.create(
        titre="Étude de test", annee=annee, realisee_par="Apur", resume="Résumé de l’étude."
    )
    quartier = Quartier.objects.get(slug="petit-belleville")
    fiche = FicheAction.objects.create(structure=j2p, titre="Atelier parents-enfants", annee=annee)
    fiche.quartiers.add(quartier)
    invitation = Invitation.objects.create(email="invitee@exemple.invalid", structure=j2p)
    projet = ProjetStructurant.objects.filter(quartier=quartier).order_by("ordre").first()
    return {
        "comptes": comptes,
        "annee": annee,
        "indicateur": indicateur,
        "valeur": valeur,
        "import_valeurs": import_valeurs,
        "import_credits": import_credits,
        "etude": etude,
        "fiche": fiche,
        "quartier": quartier,
        "projet": projet,
        "jeton": invitations.jeton(invitation),
    }


def pages(d):
    """(nom, chemin, rubrique active attendue ou None) de chaque page HTML du portail."""
    code, annee = d["indicateur"].code, d["annee"]
    return [
        ("accueil", "/", None),
        ("recherche", "/recherche/?q=sant%C3%A9", None),
        ("recherche-vide", "/recherche/?q=zzzzqqq", None),
        ("glossaire", "/glossaire/", "Glossaire"),
        ("accessibilite", "/accessibilite/", None),
        ("engagements", "/engagements/", "Engagements"),
        ("engagement", "/engagements/16/", "Engagements"),
        ("indicateurs", "/indicateurs/", "Indicateurs"),
        ("indicateur", f"/indicateurs/{code}/", "Indicateurs"),
        ("indicateur-modifier", f"/indicateurs/{code}/modifier/", "Indicateurs"),
        ("grille", f"/indicateurs/{code}/saisie/{annee}/", "Indicateurs"),
        ("valeurs", "/indicateurs/valeurs/", "Indicateurs"),
        ("valeur", f"/indicateurs/valeurs/{d['valeur'].pk}/", "Indicateurs"),
        ("campagnes", "/indicateurs/campagnes/", "Campagnes"),
        ("campagne", f"/indicateurs/campagnes/{annee}/", "Campagnes"),
        ("import", f"/indicateurs/campagnes/{annee}/import/", None),
        ("imports", "/indicateurs/imports/", None),
        ("import-erreurs", f"/indicateurs/imports/{d['import_valeurs'].pk}/", None),
        ("mes-indicateurs", "/indicateurs/mes-indicateurs/", "Mes indicateurs"),
        ("mon-territoire", "/mon-territoire/", "Mon territoire"),
        ("quartiers", "/quartiers/", "Quartiers"),
        ("quartier", f"/quartiers/{d['quartier'].slug}/", "Quartiers"),
        # Un chiffre clé double, en petit tableau par partie (issue 12).
        ("quartier-parties", "/quartiers/bedier-boutroux-villa-deste/", "Quartiers"),
        ("comparaison", "/quartiers/comparaison/", "Quartiers"),
        ("projets", "/quartiers/projets/", "Quartiers"),
        ("projet", f"/quartiers/projets/{d['projet'].pk}/", "Quartiers"),
        ("arrondissement", "/quartiers/arrondissement/19/", "Quartiers"),
        ("structures", "/structures/", "Structures"),
        ("structure", "/structures/j2p/", "Structures"),
        ("structure-modifier", "/structures/j2p/modifier/", "Structures"),
        ("mon-espace", "/structures/mon-espace/", None),
        ("fiches", "/structures/fiches/", "Fiches-actions"),
        ("couverture", "/structures/fiches/couverture/", "Fiches-actions"),
        ("fiche-nouvelle", "/structures/fiches/nouvelle/", "Fiches-actions"),
        ("fiche", f"/structures/fiches/{d['fiche'].pk}/", "Fiches-actions"),
        ("fiche-modifier", f"/structures/fiches/{d['fiche'].pk}/modifier/", "Fiches-actions"),
        ("invitations", "/structures/invitations/", None),
        ("invitation", f"/structures/invitations/{d['jeton']}/", None),
        ("invitation-invalide", "/structures/invitations/jeton-faux/", None),
        ("bilan", "/bilan/", "Bilan"),
        ("bilan-rapport", f"/bilan/rapport/?annee={annee}", "Bilan"),
        (
            "bilan-rapport-19",
            f"/bilan/rapport/?annee={annee}&arrondissement=19&avec_demo=on&toutes_valeurs=on",
            "Bilan",
        ),
        ("bilan-erreurs", "/bilan/rapport/?annee=1800", "Bilan"),
        ("credits", "/bilan/credits/", "Bilan"),
        ("credit-nouveau", "/bilan/credits/nouveau/", "Bilan"),
        ("credits-import", "/bilan/credits/import/", "Bilan"),
        ("credits-imports", "/bilan/credits/imports/", "Bilan"),
        (
            "credits-import-erreurs",
            f"/bilan/credits/imports/{d['import_credits'].pk}/",
            "Bilan",
        ),
        ("etudes", "/bilan/etudes/", "Bilan"),
        ("etude", f"/bilan/etudes/{d['etude'].pk}/", "Bilan"),
        ("etude-nouvelle", "/bilan/etudes/nouvelle/", "Bilan"),
        ("connexion", "/connexion/", None),
        ("mot-de-passe-oublie", "/connexion/mot-de-passe-oublie/", None),
        ("mot-de-passe-envoye", "/connexion/mot-de-passe-oublie/envoye/", None),
        ("nouveau-mot-de-passe", "/connexion/nouveau-mot-de-passe/Mg/jeton-faux/", None),
        ("introuvable", "/page-qui-n-existe-pas/", None),
        ("a-faire", "/a-faire/", "À faire"),
        ("notifications", "/notifications/", None),
        ("notifications-preferences", "/notifications/preferences/", None),
        ("mes-exports", "/mes-exports/", None),
        ("comptes-invitations", "/comptes/invitations/", None),
        ("comptes-delegues", "/comptes/delegues/", None),
        ("donnees-ouvertes", "/donnees-ouvertes/", None),
        ("donnees-ouvertes-publier", "/donnees-ouvertes/publier/", None),
    ]


def _mesurer(onglet):
    """axe-core, puis l'en-tête à 1366 px, puis la redistribution à 320 px."""
    axe = onglet.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, aide: v.help,"
        " noeuds: v.nodes.slice(0, 5).map(n => n.target.join(' '))})))",
        NORMES,
    )
    entete = onglet.evaluate(
        """() => {
          const nav = document.querySelector('header nav');
          const visibles = [...nav.querySelectorAll('.navbar-brand, .nav-item, form, .navbar-text, .btn')]
            .filter(e => e.getClientRects().length && e.offsetParent !== null);
          const hauts = visibles.map(e => e.getBoundingClientRect());
          return {
            hauteur: nav.getBoundingClientRect().height,
            lignes: hauts.some(r => r.top >= Math.min(...hauts.map(h => h.bottom)) - 1) ? 2 : 1,
            ecart: hauts.length ? Math.max(...hauts.map(r => r.bottom)) - Math.min(...hauts.map(r => r.top)) : 0,
            deborde: nav.scrollWidth > nav.clientWidth + 1,
            actifs: [...nav.querySelectorAll('[aria-current="page"]')].map(e => e.textContent.trim()),
            liens: [...nav.querySelectorAll('.nav-link')].map(e => e.textContent.trim()),
          };
        }"""
    )
    onglet.set_viewport_size({"width": LARGEUR_MOBILE, "height": 800})
    reflow = onglet.evaluate(
        """() => {
          const d = document.documentElement;
          const deborde = e => e.getBoundingClientRect().right > d.clientWidth + 1
                               && !e.closest('.table-responsive, .defilement');
          // Les éléments qui débordent eux-mêmes (pas seulement par un descendant).
          const fautifs = [...document.body.querySelectorAll('*')]
            .filter(e => deborde(e) && ![...e.children].some(deborde))
            .slice(0, 8)
            .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                      (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(' ').join('.') : '') +
                      ' « ' + (e.textContent || '').trim().slice(0, 30) + ' »');
          const cadres = [...document.querySelectorAll('table')]
            .filter(t => !t.closest('[hidden]'))
            .map(t => t.closest('.table-responsive, .defilement'))
            .filter(c => c && c.scrollWidth > c.clientWidth)
            .filter(c => c.tabIndex !== 0 || c.getAttribute('role') !== 'group' || !c.getAttribute('aria-label') && !c.getAttribute('aria-labelledby'))
            .map(c => c.outerHTML.slice(0, 120));
          return {largeur: d.scrollWidth, visible: d.clientWidth, fautifs, cadres};
        }"""
    )
    onglet.set_viewport_size({"width": LARGEUR_BUREAU, "height": 900})
    return {"axe": axe, "entete": entete, "reflow": reflow}


def _contexte(navigateur, live_server, user):
    contexte = navigateur.new_context(
        locale="fr-FR", viewport={"width": LARGEUR_BUREAU, "height": 900}
    )
    contexte.set_default_timeout(30_000)
    # Évalué par le protocole du navigateur à chaque chargement : la CSP du portail refuse
    # tout script injecté dans la page.
    contexte.add_init_script(path=str(AXE))
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        contexte.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    return contexte


def _parcourir_role(navigateur, live_server, d, role):
    contexte = _contexte(navigateur, live_server, d["comptes"][role])
    onglet = contexte.new_page()
    erreurs_js = []
    onglet.on("pageerror", lambda e: erreurs_js.append(str(e)))
    onglet.on(
        "console",
        lambda m: m.type == "error"
        and "Content Security Policy" in m.text
        and erreurs_js.append(m.text),
    )
    resultats, vus = {}, set()
    for nom, chemin, rubrique in pages(d):
        reponse = onglet.goto(live_server.url + chemin)
        statut = reponse.status if reponse else 0
        final = urlsplit(onglet.url).path
        # Une page par adresse ; les refus (403, 404) et la page de connexion où mènent les
        # pages réservées, une fois par rôle.
        cle = statut if statut in (403, 404) else final if final == "/connexion/" else onglet.url
        if cle in vus:
            continue
        vus.add(cle)
        mesure = _mesurer(onglet)
        mesure.update(
            statut=statut,
            final=final,
            rubrique=rubrique if final == chemin.split("?")[0] and statut == 200 else None,
        )
        resultats[nom] = mesure

    # États d'erreur, pour les rôles qui y ont accès.
    if role in ("spv", "partenaire"):
        onglet.goto(f"{live_server.url}/indicateurs/{d['indicateur'].code}/saisie/{d['annee']}/")
        champ = onglet.locator("#grille-saisie .champ-valeur, #grille-saisie .champ-nombre").first
        if champ.count():
            ligne = champ.locator("xpath=ancestor::tr")
            ligne_id = ligne.get_attribute("id")
            champ.fill("abc")
            ligne.get_by_role("button", name="Enregistrer").click()
            onglet.locator(f"#{ligne_id}.table-danger").wait_for()
            mesure = _mesurer(onglet)
            mesure["annonce"] = onglet.locator("#annonce-grille").text_content()
            mesure["focus"] = onglet.evaluate("document.activeElement.id")
            resultats["grille-erreur"] = mesure
    if role == "structure":
        onglet.goto(f"{live_server.url}/structures/fiches/nouvelle/")
        onglet.locator("#formulaire-fiche [type=submit]").first.click()
        onglet.wait_for_load_state()
        mesure = _mesurer(onglet)
        mesure["focus"] = onglet.evaluate("document.activeElement.id")
        resultats["fiche-erreurs"] = mesure
    if role == "spv":
        onglet.goto(f"{live_server.url}/indicateurs/campagnes/{d['annee']}/import/")
        onglet.locator("input[type=file]").set_input_files(
            {
                "name": "valeurs.xlsx",
                "mimeType": "application/octet-stream",
                "buffer": b"pas un tableur",
            }
        )
        onglet.locator("main form[enctype] [type=submit]").first.click()
        onglet.wait_for_load_state()
        mesure = _mesurer(onglet)
        mesure["focus"] = onglet.evaluate("document.activeElement.id")
        resultats["import-fichier-refuse"] = mesure
    contexte.close()
    return resultats, erreurs_js


@pytest.fixture(scope="module")
def audit(navigateur, live_server, django_db_blocker):
    """Le parcours de tout le portail, une fois pour le module : {rôle: ({page: mesures},
    erreurs JavaScript)}."""
    with django_db_blocker.unblock():
        from engagements.models import Engagement

        if not Engagement.objects.exists():
            call_command("load_referentiel", stdout=io.StringIO())
        call_command("sync_roles", stdout=io.StringIO())
        d = _donnees()
        resultats = {role: _parcourir_role(navigateur, live_server, d, role) for role in ROLES}
    rapport = settings.BASE_DIR / "test-results" / "accessibilite.json"
    rapport.parent.mkdir(parents=True, exist_ok=True)
    rapport.write_text(json.dumps(resultats, ensure_ascii=False, indent=1), encoding="utf-8")
    return resultats


@pytest.mark.parametrize("role", ROLES)
def test_axe_aucune_violation(audit, role, transactional_db):
    resultats, erreurs_js = audit[role]
    violations = {nom: m["axe"] for nom, m in resultats.items() if m["axe"]}
    assert not violations, json.dumps(violations, ensure_ascii=False, indent=1)
    assert not erreurs_js


@pytest.mark.parametrize("role", ROLES)
def test_redistribution_a_320_px(audit, role, transactional_db):
    resultats, _ = audit[role]
    fautes = {
        nom: m["reflow"]
        for nom, m in resultats.items()
        if m["reflow"]["largeur"] > m["reflow"]["visible"] or m["reflow"]["cadres"]
    }
    assert not fautes, json.dumps(fautes, ensure_ascii=False, indent=1)


@pytest.mark.parametrize("role", ROLES)
def test_entete_sur_une_ligne_a_1366_px(audit, role, transactional_db):
    """À 1366 px, la barre tient sur une ligne (rien ne passe dessous ni ne déborde : un lien
    de plus qui ne tiendrait pas fait échouer ce test) et marque une seule rubrique : celle de
    la page quand elle en a une dans la barre de ce rôle."""
    resultats, _ = audit[role]
    fautes = {}
    for nom, m in resultats.items():
        e = m["entete"]
        if e["lignes"] > 1 or e["deborde"] or len(e["actifs"]) > 1:
            fautes[nom] = e
        elif m.get("rubrique") in e["liens"] and e["actifs"] != [m.get("rubrique")]:
            fautes[nom] = {**e, "attendu": m.get("rubrique")}
    assert not fautes, json.dumps(fautes, ensure_ascii=False, indent=1)


def test_etats_d_erreur_annonces(audit, transactional_db):
    """La grille annonce l'erreur dans sa zone live ; après un envoi refusé, le focus est sur
    le résumé des erreurs."""
    spv, _ = audit["spv"]
    assert "grille-erreur" in spv
    assert spv["grille-erreur"]["annonce"].strip(), "La zone live de la grille reste muette."
    structure, _ = audit["structure"]
    assert structure["fiche-erreurs"]["focus"] == "resume-erreurs"
