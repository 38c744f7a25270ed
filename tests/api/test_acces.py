"""Matrice des accès de l'API : chaque ressource du référentiel se lit par tous les rôles
(anonyme, structure, partenaire, délégué, SPV, admin), par session comme par jeton ; aucune
écriture n'est possible (405 en JSON)."""

import pytest

from engagements.models import Signataire
from quartiers.models import ProjetStructurant
from tests.api.conftest import ROLES, client_api, verifier_erreur

pytestmark = pytest.mark.django_db


def adresses():
    signataire = Signataire.objects.order_by("ordre", "pk").first()
    projet = ProjetStructurant.objects.order_by("pk").first()
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
    }


NOMS = [
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
]

# ressource → rôles autorisés en lecture. Le référentiel du contrat est public.
MATRICE = {nom: set(ROLES) for nom in NOMS}


# Chaque rôle par session et par jeton ; l'anonyme n'a ni l'un ni l'autre.
CONNEXIONS = [("anonyme", "aucune")] + [
    (role, mode) for role in ROLES if role != "anonyme" for mode in ("session", "jeton")
]


@pytest.mark.parametrize("nom", NOMS)
@pytest.mark.parametrize("role,mode", CONNEXIONS)
def test_matrice_des_acces(utilisateurs, role, nom, mode):
    reponse = client_api(utilisateurs[role], mode).get(adresses()[nom])
    if role in MATRICE[nom]:
        assert reponse.status_code == 200, (role, nom, reponse.status_code)
        assert reponse["Content-Type"] == "application/json"
    else:
        assert reponse.status_code in (401, 403)


@pytest.mark.parametrize("methode", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("nom", ["engagements", "engagement", "quartier", "projets", "sigle"])
@pytest.mark.parametrize("role", ["anonyme", "partenaire", "spv", "admin"])
def test_aucune_ecriture_sur_le_referentiel(utilisateurs, role, nom, methode):
    """Les ressources du référentiel sont en lecture seule pour tous, même pour le SPV (qui
    modifie le référentiel dans l'admin, historisé)."""
    client = client_api(utilisateurs[role], "jeton")
    reponse = getattr(client, methode)(adresses()[nom], {"titre": "x"}, format="json")
    corps = verifier_erreur(reponse, 405, "methode_non_autorisee")
    assert methode.upper() in corps["detail"] and "non autorisée" in corps["detail"]
    assert "GET" in reponse["Allow"]


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
    }
