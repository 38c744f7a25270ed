"""Matrice des accès de l'API : chaque ressource, pour chaque rôle (anonyme, structure,
partenaire, délégué, SPV, admin), par session comme par jeton.

- le référentiel du contrat (thématiques… indicateurs, territoires) se lit par tous ;
- valeurs, campagnes, structures et fiches demandent un compte (401 sinon), et chaque objet
  suit la visibilité des pages (`for_user`, `for_user`) : 404 pour qui ne le voit pas ;
- les écritures : les valeurs seulement, par le SPV et le partenaire producteur ; partout
  ailleurs, 405 en JSON."""

import datetime

import pytest
from django.utils import timezone

from engagements.models import Engagement, Signataire
from indicateurs.models import Campagne, Indicateur, Territoire, Valeur
from quartiers.models import ProjetStructurant, Quartier
from structures.models import FicheAction, Structure
from tests.api.conftest import ROLES, client_api, verifier_erreur

pytestmark = pytest.mark.django_db

PUBLIQUES = [
    "thematiques",
    "thematique",
    "engagements",
    "engagement",
    "signataires",
    "signataire",
    "sigles",
    "sigle",
    "quartiers",
    "quartier",
    "projets",
    "projet",
    "indicateurs",
    "indicateur",
    "territoires",
    "territoire",
    "recherche",
]
CONNECTES = set(ROLES) - {"anonyme"}
TOUS = set(ROLES)

# ressource → rôles qui la lisent (200). Les autres : 401 pour l'anonyme, 404 pour un compte
# qui ne voit pas l'objet. Le référentiel du contrat est public.
MATRICE = dict.fromkeys(PUBLIQUES, TOUS) | {
    "campagnes": CONNECTES,
    "campagne": CONNECTES,
    "valeurs": CONNECTES,
    "valeur-validee": CONNECTES,
    # Un brouillon : le SPV (et l'admin) et le partenaire dont l'organisation le produit.
    "valeur-brouillon": {"spv", "admin", "partenaire"},
    "valeur-brouillon-autre-organisation": {"spv", "admin"},
    "structures": CONNECTES,
    "structure": CONNECTES,  # J2P : la structure du compte « structure »
    "structure-autre": {"spv", "admin", "delegue", "partenaire"},
    "fiches-actions": CONNECTES,
    "fiche-validee-autre-structure": {"spv", "admin", "delegue", "partenaire"},
    "fiche-brouillon": {"spv", "admin", "structure"},
    # Soumise, dans un QPV confié au délégué : lui aussi la voit, pas le partenaire.
    "fiche-soumise": {"spv", "admin", "structure", "delegue"},
}
NOMS = list(MATRICE)


@pytest.fixture
def adresses(db):
    signataire = Signataire.objects.order_by("ordre", "pk").first()
    projet = ProjetStructurant.objects.order_by("pk").first()
    caf = Signataire.objects.get(nom__icontains="allocations familiales")
    academie = Signataire.objects.get(nom="Académie de Paris")
    Indicateur.objects.filter(code="E28-2").update(producteur=caf)
    Indicateur.objects.filter(code="E01-1").update(producteur=academie)
    jour = timezone.localdate()
    Campagne.objects.create(
        annee=2025,
        date_ouverture=jour - datetime.timedelta(days=1),
        date_cloture=jour + datetime.timedelta(days=1),
    )
    paris = Territoire.objects.get(code="paris")

    def brouillon(code):
        return Valeur.objects.create(
            indicateur=Indicateur.objects.get(code=code), territoire=paris, annee=2025, valeur=1
        )

    j2p = Structure.objects.get(slug="j2p")
    qpv_delegue = Quartier.objects.order_by("ordre").first()

    def fiche(statut):
        f = FicheAction.objects.create(structure=j2p, titre=f"Fiche {statut}", statut=statut)
        f.quartiers.add(qpv_delegue)
        f.engagements.add(Engagement.objects.get(numero=5))
        return f

    fiche_autre = FicheAction.objects.exclude(structure=j2p).filter(statut="validee").first()
    return {
        "thematiques": "/api/v1/thematiques/",
        "thematique": "/api/v1/thematiques/2/",
        "engagements": "/api/v1/engagements/",
        "engagement": "/api/v1/engagements/5/",
        "signataires": "/api/v1/signataires/",
        "signataire": f"/api/v1/signataires/{signataire.pk}/",
        "sigles": "/api/v1/sigles/",
        "sigle": "/api/v1/sigles/REP%2B/",
        "quartiers": "/api/v1/quartiers/",
        "quartier": "/api/v1/quartiers/goutte-dor/",
        "projets": "/api/v1/projets/",
        "projet": f"/api/v1/projets/{projet.pk}/",
        "indicateurs": "/api/v1/indicateurs/",
        "indicateur": "/api/v1/indicateurs/E05-2/",
        "territoires": "/api/v1/territoires/",
        "territoire": "/api/v1/territoires/qpv-goutte-dor/",
        "recherche": "/api/v1/recherche/?q=sant%C3%A9",
        "campagnes": "/api/v1/campagnes/",
        "campagne": "/api/v1/campagnes/2025/",
        "valeurs": "/api/v1/valeurs/",
        "valeur-validee": f"/api/v1/valeurs/{Valeur.objects.validees().first().pk}/",
        "valeur-brouillon": f"/api/v1/valeurs/{brouillon('E28-2').pk}/",
        "valeur-brouillon-autre-organisation": f"/api/v1/valeurs/{brouillon('E01-1').pk}/",
        "structures": "/api/v1/structures/",
        "structure": "/api/v1/structures/j2p/",
        "structure-autre": "/api/v1/structures/centre-social-danube/",
        "fiches-actions": "/api/v1/fiches-actions/",
        "fiche-validee-autre-structure": f"/api/v1/fiches-actions/{fiche_autre.pk}/",
        "fiche-brouillon": f"/api/v1/fiches-actions/{fiche('brouillon').pk}/",
        "fiche-soumise": f"/api/v1/fiches-actions/{fiche('soumise').pk}/",
    }


# Chaque rôle par session et par jeton ; l'anonyme n'a ni l'un ni l'autre.
CONNEXIONS = [("anonyme", "aucune")] + [
    (role, mode) for role in ROLES if role != "anonyme" for mode in ("session", "jeton")
]


@pytest.mark.parametrize("role,mode", CONNEXIONS)
def test_matrice_des_acces(utilisateurs, adresses, role, mode):
    client = client_api(utilisateurs[role], mode)
    ecarts = []
    for nom in NOMS:
        reponse = client.get(adresses[nom])
        if role in MATRICE[nom]:
            attendu = 200
        elif role == "anonyme":
            attendu = 401
        else:
            attendu = 404  # l'objet existe, mais ce compte ne le voit pas
        if reponse.status_code != attendu:
            ecarts.append((nom, reponse.status_code, attendu))
        elif attendu == 200:
            assert reponse["Content-Type"] == "application/json"
        else:
            assert reponse.json()["code"] in ("non_authentifie", "introuvable")
    assert not ecarts, f"{role} ({mode}) : {ecarts}"


def test_la_matrice_couvre_toutes_les_ressources(api):
    racine = set(api.get("/api/v1/").json())
    couvertes = {nom for nom in NOMS if nom.endswith("s")} | {"fiches-actions", "recherche"}
    assert racine <= couvertes, racine - couvertes


def test_listes_filtrees_par_la_visibilite(utilisateurs, adresses):
    """Sur les listes, le même compte ne reçoit que ce qu'il voit."""

    def nombre(role, url):
        return client_api(utilisateurs[role], "jeton").get(url).json()["count"]

    assert nombre("structure", "/api/v1/structures/") == 1
    assert nombre("partenaire", "/api/v1/structures/") == Structure.objects.count()
    fiches = "/api/v1/fiches-actions/"
    assert nombre("spv", fiches) == FicheAction.objects.count()
    assert nombre("partenaire", fiches) == FicheAction.objects.validees().count()
    assert nombre("delegue", fiches) == FicheAction.objects.validees().count() + 1
    assert nombre("structure", fiches) == FicheAction.objects.filter(structure__slug="j2p").count()
    valeurs = "/api/v1/valeurs/"
    assert nombre("spv", valeurs) == Valeur.objects.count()
    assert nombre("delegue", valeurs) == Valeur.objects.validees().count()
    assert nombre("partenaire", valeurs) == Valeur.objects.validees().count() + 1


# --- écritures -----------------------------------------------------------------------------


# (méthode, ressource, corps) → statut attendu par rôle. Les valeurs : création, modification
# avec If-Match, circuit et envoi groupé, par le SPV (et l'admin) et le partenaire producteur.
def _ecritures(adresses):
    brouillon = adresses["valeur-brouillon"]
    pk = brouillon.rstrip("/").rsplit("/", 1)[1]
    cle = {"indicateur": "E28-2", "annee": 2025}
    return {
        "creer": ("post", "/api/v1/valeurs/", {**cle, "territoire": "qpv-goutte-dor", "valeur": 3}),
        "modifier": ("patch", brouillon, {"valeur": 4}),
        "soumettre": ("post", f"/api/v1/valeurs/{pk}/soumettre/", {}),
        "envoyer": (
            "post",
            "/api/v1/valeurs/bulk/",
            {"valeurs": [{**cle, "territoire": "ensemble-qpv", "valeur": 5}]},
        ),
    }


ATTENDU_ECRITURE = {
    "anonyme": {"creer": 401, "modifier": 401, "soumettre": 401, "envoyer": 401},
    "structure": {"creer": 403, "modifier": 404, "soumettre": 404, "envoyer": 403},
    "delegue": {"creer": 403, "modifier": 404, "soumettre": 404, "envoyer": 403},
    "partenaire": {"creer": 201, "modifier": 200, "soumettre": 200, "envoyer": 200},
    "spv": {"creer": 201, "modifier": 200, "soumettre": 200, "envoyer": 200},
    "admin": {"creer": 201, "modifier": 200, "soumettre": 200, "envoyer": 200},
}


@pytest.mark.parametrize("operation", ["creer", "modifier", "soumettre", "envoyer"])
@pytest.mark.parametrize("role,mode", CONNEXIONS)
def test_matrice_des_ecritures(utilisateurs, adresses, role, mode, operation):
    methode, url, corps = _ecritures(adresses)[operation]
    pk = adresses["valeur-brouillon"].rstrip("/").rsplit("/", 1)[1]
    entetes = {"HTTP_IF_MATCH": f'"{pk}-1"'} if operation == "modifier" else {}
    client = client_api(utilisateurs[role], mode)
    reponse = getattr(client, methode)(url, corps, format="json", **entetes)
    attendu = ATTENDU_ECRITURE[role][operation]
    assert reponse.status_code == attendu, (role, operation, reponse.content[:300])
    if attendu >= 400:
        assert reponse.json()["code"] in ("non_authentifie", "role_insuffisant", "introuvable")


@pytest.mark.parametrize("methode", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize(
    "nom",
    [
        "engagements",
        "engagement",
        "quartier",
        "projets",
        "sigle",
        "territoire",
        "campagnes",
        "campagne",
        "structure",
        "fiches-actions",
        "fiche-brouillon",
        "recherche",
    ],
)
@pytest.mark.parametrize("role", ["anonyme", "spv"])
def test_aucune_ecriture_hors_valeurs(utilisateurs, adresses, role, nom, methode):
    """Le référentiel, les campagnes, les structures et les fiches sont en lecture seule dans
    l'API, même pour le SPV (qui modifie le référentiel dans l'admin, historisé, et les
    fiches dans le portail)."""
    client = client_api(utilisateurs[role], "jeton")
    reponse = getattr(client, methode)(adresses[nom], {"titre": "x"}, format="json")
    corps = verifier_erreur(reponse, 405, "methode_non_autorisee")
    assert methode.upper() in corps["detail"] and "non autorisée" in corps["detail"]
    assert "GET" in reponse["Allow"]


@pytest.mark.parametrize("nom", ["valeurs", "valeur-brouillon"])
def test_pas_de_suppression_de_valeur(utilisateurs, adresses, nom):
    reponse = client_api(utilisateurs["spv"], "jeton").delete(adresses[nom])
    verifier_erreur(reponse, 405, "methode_non_autorisee")


def test_racine_liste_les_ressources(api):
    reponse = api.get("/api/v1/")
    assert reponse.status_code == 200
    assert set(reponse.json()) >= {
        "thematiques",
        "engagements",
        "signataires",
        "sigles",
        "quartiers",
        "projets",
        "indicateurs",
        "territoires",
        "campagnes",
        "valeurs",
        "structures",
        "fiches-actions",
    }
