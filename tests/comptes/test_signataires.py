"""Retrouver une organisation signataire par son nom ou son sigle : le sigle vient du
glossaire du contrat (load_referentiel), jamais inventé ; la recherche (htmx) filtre la liste
du producteur d'un indicateur et de l'organisation d'un partenaire invité."""

import re

import pytest

from engagements.models import Signataire
from engagements.signataires import normaliser, sigle_du_glossaire
from indicateurs.models import Indicateur

pytestmark = pytest.mark.django_db


def test_les_sigles_viennent_du_glossaire_du_contrat():
    sigles = dict(Signataire.objects.exclude(sigle="").values_list("nom", "sigle"))
    assert sigles == {
        "Agence Régionale de Santé": "ARS",
        "Caisse d’Allocations Familiales": "Caf",
        "Caisse Primaire d’Assurance Maladie": "CPAM",
        "Caisse Nationale d’Assurance Vieillesse": "CNAV",
        "Mission Locale de Paris": "MLP",
        "Chambre de Commerce et d’Industrie de Paris": "CCIP",
    }
    # « Ensemble Paris Emploi Compétences » (EPEC) n'est pas « Espace Paris Emploi
    # Compétences » : aucun sigle n'est inventé.
    assert Signataire.objects.get(nom="Espace Paris Emploi Compétences").sigle == ""


def test_rapprochement_d_un_nom_et_d_une_definition():
    glossaire = [
        ("Caf", "Caisse d’allocations familiales"),
        ("CPAM", "Caisse primaire d'assurance maladie"),
    ]
    assert sigle_du_glossaire("Caisse d’allocations familiales de Paris", glossaire) == "Caf"
    assert sigle_du_glossaire("CAISSE PRIMAIRE D’ASSURANCE MALADIE", glossaire) == "CPAM"
    assert sigle_du_glossaire("Caisse des écoles", glossaire) == ""
    assert normaliser("  Préfecture  d’Île-de-France ") == "prefecture d'ile-de-france"


def options(client, **params):
    reponse = client.get("/engagements/signataires/options/", params)
    assert reponse.status_code == 200
    html = reponse.content.decode()
    return re.findall(r"<option value=\"(\d*)\"[^>]*>([^<]*)</option>", html), html


@pytest.mark.parametrize(
    ("recherche", "attendu"),
    [
        ("Caf", "Caisse d’Allocations Familiales (Caf)"),
        ("caf", "Caisse d’Allocations Familiales (Caf)"),
        ("cpam", "Caisse Primaire d’Assurance Maladie (CPAM)"),
        ("allocations", "Caisse d’Allocations Familiales (Caf)"),
        ("Academie", "Académie de Paris"),
        ("paris habitat", "Paris Habitat"),
    ],
)
def test_recherche_par_nom_ou_sigle(client, recherche, attendu):
    trouves, html = options(
        client, q=recherche, champ="producteur", statut="id_producteur-resultat"
    )
    assert attendu in [libelle for _pk, libelle in trouves]
    assert 'id="id_producteur-resultat" hx-swap-oob="true"' in html
    assert "correspond" in html


def test_recherche_sans_resultat_et_choix_garde(client):
    caf = Signataire.objects.get(sigle="Caf")
    trouves, html = options(
        client, q="zzz", champ="producteur", producteur=caf.pk, vide="— Non désigné —"
    )
    # L'organisation déjà choisie reste proposée (et choisie), avec l'option vide.
    assert trouves == [("", "— Non désigné —"), (str(caf.pk), caf.libelle)]
    assert f'<option value="{caf.pk}" selected>' in html
    assert "Aucune organisation ne correspond à « zzz »" in html
    tous, html = options(client)
    n = Signataire.objects.count()
    assert len(tous) == n and f"{n} organisations signataires." in html


def test_le_producteur_d_un_indicateur_se_choisit_avec_la_recherche(client, utilisateurs):
    indicateur = Indicateur.objects.get(code="E28-2")
    client.force_login(utilisateurs["spv"])
    html = client.get(f"/indicateurs/{indicateur.code}/modifier/").content.decode()
    assert 'hx-get="/engagements/signataires/options/"' in html
    assert "Rechercher l’organisation par son nom ou son sigle" in html
    assert "Caisse d’Allocations Familiales (Caf)</option>" in html
    assert "<script" not in html.split("<main", 1)[1].split("</main>")[0]
    caf = Signataire.objects.get(sigle="Caf")
    reponse = client.post(
        f"/indicateurs/{indicateur.code}/modifier/",
        {"unite": indicateur.unite, "producteur": caf.pk},
    )
    assert reponse.status_code == 302
    indicateur.refresh_from_db()
    assert indicateur.producteur == caf
