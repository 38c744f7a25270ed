"""Nombre de requêtes SQL constant sur chaque liste de l'API, données imbriquées comprises :
échauffement, mesure, ajout de lignes (à tous les niveaux d'imbrication), nouvelle mesure.
Références dans tests/api/query_counts.json (à mettre à jour en connaissance de cause)."""

import json
from pathlib import Path

import pytest

from engagements.models import (
    Acteur,
    Action,
    AxeIntervention,
    Engagement,
    Financement,
    PlanStrategie,
    Sigle,
    Signataire,
    Thematique,
)
from indicateurs.models import Indicateur
from quartiers.models import Arrondissement, ChiffreCle, ProjetStructurant, Quartier, Secteur
from tests.api.conftest import client_api

pytestmark = pytest.mark.django_db
REFERENCE = json.loads((Path(__file__).parent / "query_counts.json").read_text(encoding="utf-8"))

LISTES = {
    "thematiques": "/api/v1/thematiques/",
    "engagements": "/api/v1/engagements/",
    "signataires": "/api/v1/signataires/",
    "sigles": "/api/v1/sigles/",
    "quartiers": "/api/v1/quartiers/",
    "projets": "/api/v1/projets/",
    "indicateurs": "/api/v1/indicateurs/",
}


def ajouter_des_lignes():
    """De nouvelles lignes à chaque niveau : thématique, engagement et tout son contenu,
    signataire, sigle, quartier avec secteurs, chiffres et projets, indicateurs."""
    theme = Thematique.objects.create(numero=90, titre="Thématique de test")
    signataire = Signataire.objects.create(nom="Signataire de test", type="institution", ordre=99)
    for n in range(3):
        e = Engagement.objects.create(numero=900 + n, thematique=theme, titre=f"Engagement {n}")
        for i in range(3):
            AxeIntervention.objects.create(engagement=e, ordre=i, libelle="Axe", texte="t")
            Action.objects.create(
                engagement=e, numero=str(i), ordre=i, type="developper", texte="a"
            )
            Acteur.objects.create(
                engagement=e, groupe="pilote", ordre=i, nom="Acteur", signataire=signataire
            )
            Financement.objects.create(
                engagement=e, ordre=i, financeur="etat", libelle="État", texte="f"
            )
            PlanStrategie.objects.create(engagement=e, ordre=i, texte="p")
            Indicateur.objects.create(code=f"T{n}-{i}", engagement=e, ordre=i, libelle="Test")
        Sigle.objects.create(sigle=f"ZZT{n}", definition="Sigle de test")
    arrondissement = Arrondissement.objects.get(numero=18)
    for n in range(3):
        q = Quartier.objects.create(slug=f"quartier-test-{n}", nom=f"Quartier test {n}", ordre=90)
        q.arrondissements.add(arrondissement)
        for i in range(3):
            s = Secteur.objects.create(quartier=q, slug=f"secteur-test-{n}-{i}", nom="S", ordre=i)
            ChiffreCle.objects.create(quartier=q, secteur=s, ordre=i, libelle="C", texte="1 %")
            ProjetStructurant.objects.create(quartier=q, secteur=s, ordre=i, nom="Projet test")


@pytest.mark.parametrize("mode", ["anonyme", "jeton"])
@pytest.mark.parametrize("nom", LISTES)
def test_nombre_de_requetes_constant(utilisateurs, compter_requetes, nom, mode):
    client = client_api(None if mode == "anonyme" else utilisateurs["spv"], mode)
    url = LISTES[nom] + "?page_size=500"
    client.get(url)  # échauffement (date de dernière utilisation du jeton, caches)
    avant, reponse = compter_requetes(lambda: client.get(url))
    assert reponse.status_code == 200
    lignes_avant = reponse.json()["nombre"]
    ajouter_des_lignes()
    client.get(url)
    apres, reponse = compter_requetes(lambda: client.get(url))
    assert reponse.json()["nombre"] > lignes_avant
    assert avant == apres, f"{url} : {avant} requêtes avant, {apres} après ajout de lignes"
    cle = nom if mode == "anonyme" else f"{nom} (jeton)"
    assert avant == REFERENCE.get(cle), f"{cle} : {avant} requêtes, référence {REFERENCE.get(cle)}"


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_exports_nombre_de_requetes_constant(compter_requetes, format):
    client = client_api(None)
    url = f"/api/v1/engagements/?format={format}"
    client.get(url)
    avant, _ = compter_requetes(lambda: client.get(url))
    ajouter_des_lignes()
    apres, _ = compter_requetes(lambda: client.get(url))
    assert avant == apres == REFERENCE["engagements"] - 1  # pas de COUNT sans pagination
