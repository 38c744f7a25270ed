"""Les pages des travaux de fond et les actions longues qui en lancent : chaque action ne fait
que mettre en file et rediriger vers la page du travail (la fonction lourde n'est pas appelée
dans la requête) ; la page montre l'état et l'avancement (htmx, rechargement sans JavaScript),
le même après un rechargement ; « Mes exports » ne liste que les travaux du compte (ceux des
autres : 404), en un nombre constant de requêtes ; l'échec est dit en français ; le fichier
n'est servi qu'à son propriétaire, et plus du tout après expiration ; la matrice de qui lance
quoi est celle de socle/roles.py."""

import datetime
import json
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bilan.models import ImportCredits
from indicateurs.models import ImportValeurs
from socle import travaux
from socle.models import Travail
from tests.conftest import client_pour, creer_utilisateur

from .outils import travail_lance

pytestmark = pytest.mark.django_db
REFERENCE = json.loads((Path(__file__).parent / "query_counts.json").read_text(encoding="utf-8"))

ROLES = ["anonyme", "spv", "delegue", "partenaire", "structure", "admin"]
CONNECTES = set(ROLES) - {"anonyme"}
SPV = {"spv", "admin"}
PRODUCTEURS = SPV | {"partenaire"}

# Action longue → (adresse, données du lancement, rôles qui la lancent, fonction lourde).
ACTIONS = {
    "bilan_pdf": ("/bilan/rapport.pdf", {"annee": 2025}, SPV, "bilan.rapport.rendre_pdf"),
    "bilan_classeur": (
        "/bilan/classeur.xlsx",
        {"annee": 2025, "arrondissement": 19},
        SPV,
        "bilan.classeur.contenu_classeur",
    ),
    "fiche_pdf": (
        "/quartiers/amandiers/fiche.pdf",
        {},
        CONNECTES,
        "territoire.views.contenu_fiche_pdf",
    ),
    "modele": (
        "/indicateurs/campagnes/2025/modele.xlsx",
        {"engagement": 28},
        PRODUCTEURS,
        "indicateurs.resources.modele_xlsx",
    ),
    "donnees_ouvertes": (
        "/donnees-ouvertes/publier/",
        {},
        SPV,
        "donnees_ouvertes.publication.construire",
    ),
}


def _en_attente(travail):
    return travail.etat == Travail.Etat.EN_ATTENTE and not travail.fichier


@pytest.mark.parametrize("action", ACTIONS)
def test_l_action_longue_ne_fait_que_mettre_en_file(
    client, utilisateurs, campagne, file_factice, action
):
    url, donnees, _roles, lourde = ACTIONS[action]
    client.force_login(utilisateurs["spv"])
    with mock.patch(lourde) as appel:
        page = client.get(url, donnees)
        assert page.status_code == 200 and not Travail.objects.exists()
        html = page.content.decode()
        assert '<form method="post" data-travail>' in html and "js/travaux.js" in html
        travail = travail_lance(client.post(url, donnees))
    appel.assert_not_called()
    assert _en_attente(travail) and travail.proprietaire == utilisateurs["spv"]
    # Un second clic (formulaire renvoyé) retrouve le même travail.
    assert travail_lance(client.post(url, donnees)) == travail
    assert Travail.objects.count() == 1


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_matrice_qui_lance_quoi(client, utilisateurs, campagne, file_factice, action, role):
    url, donnees, autorises, _lourde = ACTIONS[action]
    client = client_pour(client, utilisateurs[role])
    page, lancement = client.get(url, donnees), client.post(url, donnees)
    if role == "anonyme":
        assert page.status_code == lancement.status_code == 302
        assert "/connexion/" in page["Location"] and "/connexion/" in lancement["Location"]
    elif role in autorises:
        assert page.status_code == 200
        assert _en_attente(travail_lance(lancement))
    else:
        assert page.status_code == lancement.status_code == 403
    if role not in autorises:
        assert not Travail.objects.exists()


def test_parametres_invalides_refuses_sans_travail(client, utilisateurs, file_factice):
    client.force_login(utilisateurs["spv"])
    reponse = client.post("/bilan/rapport.pdf", {"annee": 1800})
    assert reponse.status_code == 400 and "Année du bilan" in reponse.content.decode()
    assert client.post("/quartiers/nulle-part/fiche.pdf").status_code == 404
    assert client.post("/indicateurs/campagnes/1999/modele.xlsx").status_code == 404
    assert not Travail.objects.exists()


# --- imports ----------------------------------------------------------------------------------------


def _classeur_credits(lignes):
    from tests.bilan.test_import import tableur

    return tableur(*lignes)


LIGNE = (None, 2025, "Ville de Paris", "Droit commun", 1000, None, None, None, "BOP 147", "")


def test_confirmation_d_un_import_en_file(client, utilisateurs, file_factice):
    client.force_login(utilisateurs["spv"])
    fichier = SimpleUploadedFile("credits.xlsx", _classeur_credits([LIGNE]))
    client.post("/bilan/credits/import/", {"fichier": fichier})
    imp = ImportCredits.objects.get()
    assert imp.statut == ImportCredits.Statut.PREVISUALISE  # petit fichier : contrôlé tout de suite
    with mock.patch("socle.vues_import.executer") as executer:
        travail = travail_lance(client.post(f"/bilan/credits/imports/{imp.pk}/confirmer/"))
        # Double clic : le même travail, rien de plus.
        assert travail_lance(client.post(f"/bilan/credits/imports/{imp.pk}/confirmer/")) == travail
    executer.assert_not_called()
    assert _en_attente(travail) and travail.parametres == {"import": imp.pk, "confirmer": True}
    imp.refresh_from_db()
    assert imp.statut == ImportCredits.Statut.PREVISUALISE
    html = client.get(imp.get_absolute_url()).content.decode()
    assert "L’import est en cours d’application en arrière-plan." in html
    assert travail.get_absolute_url() in html and "Confirmer l’import" not in html
    # Le travail exécuté : l'import est appliqué, la page du travail mène au compte rendu.
    travaux.executer(travail.pk)
    imp.refresh_from_db()
    travail.refresh_from_db()
    assert imp.statut == ImportCredits.Statut.APPLIQUE
    assert travail.etat == Travail.Etat.TERMINE and travail.message.startswith("Import appliqué : ")
    html = client.get(travail.get_absolute_url()).content.decode()
    assert "Voir le compte rendu de l’import" in html and imp.get_absolute_url() in html


def test_gros_fichier_controle_en_fond(client, utilisateurs, settings, file_factice):
    settings.IMPORT_APERCU_DIRECT_MAX = 1000
    client.force_login(utilisateurs["spv"])
    contenu = _classeur_credits([(*LIGNE[:-1], f"Crédit {i}") for i in range(3)])
    assert len(contenu) > 1000
    with mock.patch("socle.vues_import.executer") as executer:
        travail = travail_lance(
            client.post(
                "/bilan/credits/import/", {"fichier": SimpleUploadedFile("g.xlsx", contenu)}
            )
        )
    executer.assert_not_called()
    imp = ImportCredits.objects.get()
    assert imp.statut == ImportCredits.Statut.EN_CONTROLE and bytes(imp.contenu) == contenu
    assert travail.parametres == {"import": imp.pk, "confirmer": False}
    assert travail.libelle == "Contrôle de « g.xlsx »"
    html = client.get(imp.get_absolute_url()).content.decode()
    assert "Contrôle en cours" in html and "Le fichier est en cours de contrôle" in html
    travaux.executer(travail.pk)
    imp.refresh_from_db()
    travail.refresh_from_db()
    assert imp.statut == ImportCredits.Statut.PREVISUALISE and imp.nb_nouvelles == 3
    assert travail.etat == Travail.Etat.TERMINE
    assert travail.texte_lien == "Voir la prévisualisation et confirmer l’import"
    assert imp.nb_lignes == 3


def test_gros_fichier_en_erreur_dit_pourquoi(client, utilisateurs, campagne, settings):
    settings.IMPORT_APERCU_DIRECT_MAX = 1000
    client.force_login(utilisateurs["partenaire"])
    from tests.indicateurs.test_import import fichier_valeurs

    ligne = {"Code indicateur": "E99-9", "Code territoire": "paris", "Année": 2025, "Valeur": 12}
    contenu = fichier_valeurs([ligne] * 40)
    reponse = client.post(
        "/indicateurs/campagnes/2025/import/",
        {"fichier": SimpleUploadedFile("v.xlsx", contenu)},
        follow=True,
    )
    travail = Travail.objects.get()
    assert travail.etat == Travail.Etat.ECHOUE
    assert travail.message.startswith(
        "Le fichier compte des erreurs : aucune valeur n’a été écrite."
    )
    html = reponse.content.decode()
    assert "Échec :" in html and travail.message in html
    assert ImportValeurs.objects.get().statut == ImportValeurs.Statut.ERREURS


# --- la page d'un travail ----------------------------------------------------------------------------


def test_page_d_un_travail_en_attente_puis_en_cours(client, utilisateurs, file_factice):
    spv = utilisateurs["spv"]
    client.force_login(spv)
    travail = travail_lance(client.post("/quartiers/amandiers/fiche.pdf"))
    url = travail.get_absolute_url()
    html = client.get(url).content.decode()
    assert "En attente" in html and 'http-equiv="refresh"' in html
    assert f'hx-get="/mes-exports/{travail.pk}/etat/?vu=en_attente"' in html
    assert 'hx-trigger="every 2s"' in html and 'aria-live="polite"' in html
    assert "<progress" in html and "en attente d’un exécutant" in html
    # L'exécutant avance : la page rechargée (ou son fragment relu) le montre.
    Travail.objects.filter(pk=travail.pk).update(
        etat=Travail.Etat.EN_COURS, fait=1, total=3, etape="Mise en page du PDF"
    )
    for _ in range(2):
        html = client.get(url).content.decode()
        assert "En cours" in html and "Mise en page du PDF" in html
        assert 'value="33"' in html and "33 %" in html and "(1 sur 3)" in html
    fragment = client.get(f"/mes-exports/{travail.pk}/etat/?vu=en_attente").content.decode()
    assert 'id="etat-travail"' in fragment and "every 2s" in fragment and "<html" not in fragment
    assert 'hx-swap-oob="innerHTML"' in fragment and "Travail en cours." in fragment
    fragment = client.get(f"/mes-exports/{travail.pk}/etat/?vu=en_cours").content.decode()
    assert "hx-swap-oob" not in fragment  # état inchangé : rien à annoncer de nouveau


def test_page_d_un_travail_termine(client, utilisateurs):
    client.force_login(utilisateurs["spv"])
    travail = travaux.lancer(utilisateurs["spv"], "tests.fichier", {"texte": "abc"}, "Essai")
    for html in (
        client.get(travail.get_absolute_url()).content.decode(),
        client.get(f"/mes-exports/{travail.pk}/etat/?vu=en_cours").content.decode(),
    ):
        assert "Terminé" in html and "hx-trigger" not in html and "refresh" not in html
        assert f'href="/mes-exports/{travail.pk}/fichier/"' in html
        assert "Télécharger « essai.txt »" in html and "3\xa0octets" in html and "Prêt." in html
    assert "Travail terminé. Le fichier est prêt." in html  # annoncé : l'état a changé
    reponse = client.get(f"/mes-exports/{travail.pk}/fichier/")
    assert reponse["Content-Disposition"] == 'attachment; filename="essai.txt"'
    assert b"".join(reponse.streaming_content) == b"abc"


def test_echec_dit_en_francais_sur_la_page_et_dans_la_liste(client, utilisateurs):
    client.force_login(utilisateurs["spv"])
    travail = travaux.lancer(utilisateurs["spv"], "tests.echec", {}, "Essai d’échec")
    for url in (travail.get_absolute_url(), "/mes-exports/"):
        html = client.get(url).content.decode()
        assert "Échoué" in html
        assert "erreur inattendue du portail" in html and f"travail n° {travail.pk}" in html
        assert (
            "Traceback" not in html and "détail technique" not in html and "ValueError" not in html
        )
    assert client.get(f"/mes-exports/{travail.pk}/fichier/").status_code == 404


def test_fichier_expire(client, utilisateurs):
    client.force_login(utilisateurs["spv"])
    travail = travaux.lancer(utilisateurs["spv"], "tests.fichier", {}, "Essai")
    Travail.objects.filter(pk=travail.pk).update(expire_le=timezone.now() - datetime.timedelta(1))
    reponse = client.get(f"/mes-exports/{travail.pk}/fichier/")
    assert reponse.status_code == 410
    assert "Ce fichier n’est plus disponible : les fichiers produits sont gardés 7 jours." in (
        reponse.content.decode()
    )
    html = client.get("/mes-exports/").content.decode()
    assert "Fichier expiré" in html and f"/mes-exports/{travail.pk}/fichier/" not in html


# --- « Mes exports » et les travaux des autres ---------------------------------------------------------


def test_mes_exports_ne_montre_que_mes_travaux(client, utilisateurs):
    spv, partenaire = utilisateurs["spv"], utilisateurs["partenaire"]
    mien = travaux.lancer(spv, "tests.fichier", {"texte": "à moi"}, "Mon export")
    autre = travaux.lancer(partenaire, "tests.fichier", {"texte": "à lui"}, "Son export")
    client.force_login(spv)
    html = client.get("/mes-exports/").content.decode()
    assert "Mon export" in html and "Son export" not in html and "Fichier de test" in html
    assert f"/mes-exports/{mien.pk}/fichier/" in html
    # Les travaux d'un autre compte (même pour le SPV) : introuvables.
    for chemin in ("", "etat/", "fichier/"):
        assert client.get(f"/mes-exports/{autre.pk}/{chemin}").status_code == 404
    client.force_login(partenaire)
    reponse = client.get(f"/mes-exports/{autre.pk}/fichier/")
    assert reponse.status_code == 200 and b"".join(reponse.streaming_content) == "à lui".encode()
    client.logout()
    for chemin in (
        "/mes-exports/",
        f"/mes-exports/{autre.pk}/",
        f"/mes-exports/{autre.pk}/fichier/",
    ):
        reponse = client.get(chemin)
        assert reponse.status_code == 302 and "/connexion/" in reponse["Location"]


def test_lien_mes_exports_dans_la_navigation(client, utilisateurs):
    assert "Mes exports" not in client.get("/").content.decode()
    client.force_login(utilisateurs["structure"])
    assert 'href="/mes-exports/">Mes exports</a>' in client.get("/").content.decode()


def test_trop_de_travaux_en_cours(client, utilisateurs, settings, file_factice):
    settings.TRAVAUX_ACTIFS_MAX = 1
    client.force_login(utilisateurs["spv"])
    client.post("/quartiers/amandiers/fiche.pdf")
    reponse = client.post("/quartiers/algerie/fiche.pdf", follow=True)
    assert reponse.redirect_chain[-1][0] == "/mes-exports/"
    assert "Vous avez déjà 1 travaux en attente ou en cours" in reponse.content.decode()
    assert Travail.objects.count() == 1


def test_mes_exports_en_nombre_constant_de_requetes(client, utilisateurs, compter_requetes):
    user = creer_utilisateur("compte-exports")
    client.force_login(user)

    def ajouter(n):
        for i in range(n):
            travaux.lancer(user, "tests.fichier", {"i": i, "n": n}, f"Export {n}-{i}")
            travaux.lancer(user, "tests.echec", {"i": i, "n": n}, f"Échec {n}-{i}")

    ajouter(1)
    client.get("/mes-exports/")
    mesures = []
    for n in (2, 10):
        ajouter(n)
        nombre, reponse = compter_requetes(lambda: client.get("/mes-exports/"))
        assert reponse.status_code == 200
        mesures.append(nombre)
    assert mesures[0] == mesures[1] == REFERENCE["mes_exports"], mesures
