"""Les pages de la campagne : matrice rôle × page, et nombre de requêtes constant quand on
ajoute des lignes (référence dans tests/indicateurs/query_counts.json)."""

import datetime
import json
from pathlib import Path

import pytest
from django.utils import timezone

from indicateurs.models import Campagne, ImportValeurs, Indicateur, Territoire, Valeur
from tests.conftest import client_pour

from .conftest import ANNEE, creer_valeur

pytestmark = pytest.mark.django_db
REFERENCE_FICHIER = Path(__file__).resolve().parent / "query_counts.json"
REFERENCE = json.loads(REFERENCE_FICHIER.read_text(encoding="utf-8"))

ROLES = ["anonyme", "spv", "delegue", "partenaire", "structure", "admin"]
TOUS = set(ROLES)
CONNECTES = TOUS - {"anonyme"}
SPV = {"spv", "admin"}
PRODUCTEURS = SPV | {"partenaire"}

# page → rôles qui obtiennent la page (200). Les autres : connexion (anonyme), 403 ou 404.
MATRICE = {
    "/indicateurs/": TOUS,
    "/indicateurs/CTX-CHOMAGE/": TOUS,
    "/indicateurs/E28-2/": TOUS,
    "/indicateurs/E28-2/modifier/": SPV,
    "/indicateurs/E28-2/saisie/2025/": PRODUCTEURS,
    "/indicateurs/E01-1/saisie/2025/": SPV,
    "/indicateurs/valeurs/": CONNECTES,
    "/indicateurs/valeurs/export.xlsx": CONNECTES,
    "{valeur_validee}": CONNECTES,
    "{valeur_brouillon}": PRODUCTEURS,
    "/indicateurs/campagnes/": SPV,
    "/indicateurs/campagnes/2025/": SPV,
    "/indicateurs/mes-indicateurs/": {"partenaire"},
    "/indicateurs/campagnes/2025/modele.xlsx": PRODUCTEURS,
    "/indicateurs/campagnes/2025/import/": PRODUCTEURS,
    "/indicateurs/imports/": PRODUCTEURS,
    "{import_partenaire}": PRODUCTEURS,
    "{import_partenaire}fichier/": PRODUCTEURS,
    "/admin/indicateurs/valeur/": SPV,
    "/admin/indicateurs/campagne/": SPV,
    "/admin/indicateurs/indicateur/1/change/": SPV,
}
# Le SPV n'a pas de « Mes indicateurs » : il est renvoyé vers les campagnes.
REDIRECTIONS = {
    ("/indicateurs/mes-indicateurs/", "spv"),
    ("/indicateurs/mes-indicateurs/", "admin"),
}


@pytest.fixture
def objets(utilisateurs, campagne, ind_caf, caf):
    validee = creer_valeur(ind_caf, "qpv-goutte-dor", statut=Valeur.Statut.VALIDE)
    brouillon = creer_valeur(ind_caf, "qpv-algerie")
    imp = ImportValeurs.objects.create(
        annee=ANNEE,
        utilisateur=utilisateurs["partenaire"],
        organisation=caf,
        nom_fichier="modele.xlsx",
        contenu=b"PK",
        statut=ImportValeurs.Statut.ERREURS,
    )
    return {
        "valeur_validee": f"/indicateurs/valeurs/{validee.pk}/",
        "valeur_brouillon": f"/indicateurs/valeurs/{brouillon.pk}/",
        "import_partenaire": f"/indicateurs/imports/{imp.pk}/",
    }


@pytest.mark.parametrize("page", MATRICE)
@pytest.mark.parametrize("role", ROLES)
def test_matrice_des_acces(client, utilisateurs, objets, page, role):
    url = page.format(**objets)
    if url.startswith("/admin/indicateurs/indicateur/1/"):
        url = url.replace("/1/", f"/{Indicateur.objects.get(code='E28-2').pk}/")
    reponse = client_pour(client, utilisateurs[role]).get(url)
    if (page, role) in REDIRECTIONS:
        assert reponse.status_code == 302 and reponse["Location"] == "/indicateurs/campagnes/"
    elif role in MATRICE[page]:
        assert reponse.status_code == 200, (role, url, reponse.status_code)
    else:
        assert reponse.status_code in (302, 403, 404), (role, url, reponse.status_code)
        if reponse.status_code == 302:
            assert "connexion" in reponse["Location"] or "login" in reponse["Location"]


def test_un_anonyme_voit_le_referentiel_mais_pas_les_valeurs(client, objets):
    html = client.get("/indicateurs/CTX-CHOMAGE/").content.decode()
    assert "Connectez-vous" in html
    assert "graphique-evolution" not in html


def test_la_navigation_mene_aux_pages_de_campagne(client, utilisateurs, objets):
    client.force_login(utilisateurs["spv"])
    assert 'href="/indicateurs/campagnes/">Campagnes</a>' in client.get("/").content.decode()
    client.force_login(utilisateurs["partenaire"])
    html = client.get("/").content.decode()
    assert 'href="/indicateurs/mes-indicateurs/">Mes indicateurs</a>' in html


def test_refus_explique(client, utilisateurs, objets, ind_autre):
    client.force_login(utilisateurs["partenaire"])
    reponse = client.get("/indicateurs/E01-1/saisie/2025/")
    assert reponse.status_code == 403
    assert "n’est pas produit par votre organisation" in reponse.content.decode()


# --- nombre de requêtes constant ----------------------------------------------------------------


def ajouter_des_lignes(utilisateurs, caf):
    """Plus de valeurs (années, territoires, statuts), de campagnes, d'imports et
    d'historique : aucune page ne doit faire plus de requêtes."""
    jour = timezone.localdate()
    for annee in (2021, 2022):
        Campagne.objects.get_or_create(
            annee=annee,
            defaults={
                "date_ouverture": jour - datetime.timedelta(days=400),
                "date_cloture": jour - datetime.timedelta(days=300),
            },
        )
    paris = Territoire.objects.get(code="paris")
    for code in ("CTX-CHOMAGE", "E28-2", "E05-1"):
        ind = Indicateur.objects.get(code=code)
        for annee in (2021, 2022, 2024, 2025):
            for t in Territoire.objects.filter(type="qpv").order_by("ordre")[:6]:
                v, cree = Valeur.objects.get_or_create(
                    indicateur=ind,
                    territoire=t,
                    annee=annee,
                    defaults={"valeur": 20, "nombre": None, "base": None}
                    if not ind.est_nombre_part
                    else {"nombre": 5, "base": 50},
                )
                v.commentaire = "modifiée pour l'historique"
                v.statut = Valeur.Statut.SOUMIS
                v.saisi_par = utilisateurs["partenaire"]
                v.save()
            Valeur.objects.get_or_create(
                indicateur=ind,
                territoire=paris,
                annee=annee,
                defaults={"valeur": 15} if not ind.est_nombre_part else {"nombre": 5, "base": 60},
            )
    for i in range(3):
        ImportValeurs.objects.create(
            annee=ANNEE,
            utilisateur=utilisateurs["partenaire"],
            organisation=caf,
            nom_fichier=f"modele-{i}.xlsx",
            contenu=b"PK",
            statut=ImportValeurs.Statut.APPLIQUE,
        )


@pytest.fixture
def pages(objets, ind_part_caf):
    ind_part_caf.niveaux = ["paris", "ensemble_qpv", "qpv", "secteur"]
    ind_part_caf.save()
    creer_valeur(ind_part_caf, "qpv-goutte-dor", annee=ANNEE - 1)
    creer_valeur(ind_part_caf, "paris", annee=ANNEE - 1, nombre=30, base=300)
    return {
        "grille": ("spv", "/indicateurs/E05-1/saisie/2025/"),
        "grille_partenaire": ("partenaire", "/indicateurs/E28-2/saisie/2025/"),
        "grille_contexte": ("spv", "/indicateurs/CTX-CHOMAGE/saisie/2025/"),
        "indicateur": ("spv", "/indicateurs/CTX-CHOMAGE/"),
        "indicateur_partenaire": ("partenaire", "/indicateurs/E05-1/"),
        "liste_indicateurs": ("spv", "/indicateurs/"),
        "valeurs": ("spv", "/indicateurs/valeurs/"),
        "valeurs_partenaire": ("partenaire", "/indicateurs/valeurs/?annee=2025"),
        "valeur": ("spv", objets["valeur_validee"]),
        "campagnes": ("spv", "/indicateurs/campagnes/"),
        "campagne": ("spv", "/indicateurs/campagnes/2025/"),
        "mes_indicateurs": ("partenaire", "/indicateurs/mes-indicateurs/"),
        "imports": ("partenaire", "/indicateurs/imports/"),
    }


NOMS_PAGES = [
    "grille",
    "grille_partenaire",
    "grille_contexte",
    "indicateur",
    "indicateur_partenaire",
    "liste_indicateurs",
    "valeurs",
    "valeurs_partenaire",
    "valeur",
    "campagnes",
    "campagne",
    "mes_indicateurs",
    "imports",
]


@pytest.mark.parametrize("nom", NOMS_PAGES)
def test_nombre_de_requetes_constant(client, utilisateurs, compter_requetes, pages, caf, nom):
    role, url = pages[nom]
    client.force_login(utilisateurs[role])
    client.get(url)  # échauffement (session, cache du glossaire)
    avant, reponse = compter_requetes(lambda: client.get(url))
    assert reponse.status_code == 200
    ajouter_des_lignes(utilisateurs, caf)
    client.get(url)
    apres, _ = compter_requetes(lambda: client.get(url))
    assert avant == apres, f"{url} : {avant} requêtes avant, {apres} après ajout de lignes"
    assert avant == REFERENCE.get(nom), f"{url} : {avant} requêtes, référence {REFERENCE.get(nom)}"


def test_page_indicateur_paginee_par_territoires(client, utilisateurs, ind_caf, monkeypatch):
    """À l'échelle nationale, l'indicateur a des valeurs sur des milliers de territoires : la
    page en montre une tranche (Paris toujours), l'historique reste celui de toutes les
    valeurs ; à Paris (peu de territoires), ni pagination ni comptage."""
    from indicateurs import views

    codes = ["qpv-goutte-dor", "qpv-algerie", "qpv-amandiers", "qpv-petit-belleville"]
    for code in ["paris", *codes]:
        creer_valeur(ind_caf, code, statut=Valeur.Statut.VALIDE)
    client.force_login(utilisateurs["spv"])
    tout = client.get("/indicateurs/E28-2/").context
    assert tout["page"] is None and len(tout["graphique"]["series"]) == 5

    monkeypatch.setattr(views, "TERRITOIRES_PAR_PAGE", 2)
    ordonnes = [t.code for t in Territoire.objects.filter(code__in=codes).order_by("ordre", "code")]
    vus = []
    for numero in (1, 2):
        contexte = client.get(f"/indicateurs/E28-2/?page={numero}").context
        series = [s["code"] for s in contexte["graphique"]["series"]]
        assert series[0] == "paris" and len(series) == 3
        assert contexte["page"].paginator.count == 4
        vus += series[1:]
        historique = {h.territoire.code for h, _ in contexte["historique_valeurs"]}
        assert historique == {"paris", *codes}
    assert vus == ordonnes
    # Un choix de territoires passe outre la pagination.
    choix = client.get(f"/indicateurs/E28-2/?territoire={ordonnes[3]}").context
    assert [s["code"] for s in choix["graphique"]["series"]] == ["paris", ordonnes[3]]
