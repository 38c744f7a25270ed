"""Matrice des accès : seul le SPV (agents DDCT/SPV et superutilisateurs) produit le bilan et
tient les crédits et les études. Un anonyme est envoyé vers la connexion, les autres rôles
reçoivent une page 403 qui dit pourquoi ; aucune écriture ne passe."""

import pytest

from bilan.models import Credit, EtudeQualitative
from engagements.models import Signataire
from socle import roles
from tests.conftest import client_pour

pytestmark = pytest.mark.django_db

ROLES = ["anonyme", "spv", "delegue", "partenaire", "structure", "admin"]
AUTORISES = {"spv", "admin"}

PAGES = [
    "/bilan/",
    "/bilan/rapport/?annee=2025",
    "/bilan/classeur.xlsx?annee=2025",
    "/bilan/credits/",
    "/bilan/credits/nouveau/",
    "/bilan/credits/{credit}/modifier/",
    "/bilan/credits/{credit}/supprimer/",
    "/bilan/credits/modele.xlsx?annee=2025",
    "/bilan/credits/import/",
    "/bilan/credits/imports/",
    "/bilan/etudes/",
    "/bilan/etudes/nouvelle/",
    "/bilan/etudes/{etude}/",
    "/bilan/etudes/{etude}/modifier/",
    "/bilan/etudes/{etude}/supprimer/",
    "/admin/bilan/credit/",
    "/admin/bilan/credit/add/",
    "/admin/bilan/credit/{credit}/change/",
    "/admin/bilan/credit/{credit}/history/",
    "/admin/bilan/etudequalitative/",
    "/admin/bilan/etudequalitative/add/",
    "/admin/bilan/importcredits/",
]


@pytest.fixture
def objets(db):
    credit = Credit.objects.create(
        annee=2025,
        signataire=Signataire.objects.get(nom="Ville de Paris"),
        type="droit_commun",
        montant=10,
    )
    etude = EtudeQualitative.objects.create(titre="T", annee=2025, realisee_par="X", resume="R")
    return {"credit": credit.pk, "etude": etude.pk}


@pytest.mark.parametrize("chemin", PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_matrice(client, utilisateurs, objets, role, chemin):
    url = chemin.format(**objets)
    reponse = client_pour(client, utilisateurs[role]).get(url)
    if role in AUTORISES:
        assert reponse.status_code == 200, (role, url, reponse.status_code)
    elif role == "anonyme":
        assert reponse.status_code == 302
        assert "/connexion/" in reponse["Location"] or "/admin/login/" in reponse["Location"]
    else:
        assert reponse.status_code in (302, 403), (role, url, reponse.status_code)
        if reponse.status_code == 403 and url.startswith("/bilan/"):
            assert "agents DDCT/SPV" in reponse.content.decode()


@pytest.mark.parametrize("role", ["anonyme", "delegue", "partenaire", "structure"])
def test_aucune_ecriture_sans_droit(client, utilisateurs, objets, role):
    client = client_pour(client, utilisateurs[role])
    ville = Signataire.objects.get(nom="Ville de Paris")
    client.post(
        "/bilan/credits/nouveau/",
        {"annee": "2025", "signataire": ville.pk, "type": "specifique", "montant": "5"},
    )
    client.post(f"/bilan/credits/{objets['credit']}/supprimer/")
    client.post(f"/bilan/etudes/{objets['etude']}/supprimer/")
    assert Credit.objects.count() == 1
    assert EtudeQualitative.objects.count() == 1


def test_regles_nommees(utilisateurs):
    for role, user in utilisateurs.items():
        attendu = role in AUTORISES
        assert roles.peut_produire_bilan(user) is attendu, role
        assert roles.peut_gerer_credits(user) is attendu, role
        assert roles.peut_gerer_etudes(user) is attendu, role


def test_lien_de_navigation_pour_le_spv_seulement(client, utilisateurs):
    # Le lien « Bilan » de la barre de navigation (le libellé court tient sur une ligne).
    lien = 'href="/bilan/">Bilan</a>'
    assert lien in client_pour(client, utilisateurs["spv"]).get("/").content.decode()
    client.logout()
    assert (
        lien
        not in client_pour(client, utilisateurs["delegue"]).get("/?vue=contrat").content.decode()
    )
