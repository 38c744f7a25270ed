"""Nombre de requêtes SQL constant sur chaque liste de l'API, données imbriquées comprises :
échauffement, mesure, ajout de lignes (à tous les niveaux d'imbrication), nouvelle mesure.
Références dans tests/api/query_counts.json (à mettre à jour en connaissance de cause)."""

import datetime
import json
from pathlib import Path

import pytest
from django.core.cache import cache

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
from indicateurs.models import Campagne, Indicateur, Territoire, Valeur
from quartiers.models import (
    Arrondissement,
    ChiffreCle,
    ProjetStructurant,
    Quartier,
    Secteur,
    SuiviProjet,
)
from structures.models import (
    FicheAction,
    FinancementFiche,
    FinancementStructure,
    Structure,
)
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
    "territoires": "/api/v1/territoires/",
}

# Les listes réservées aux comptes : mesurées par session et par jeton, pour le SPV (qui voit
# tout, brouillons compris) et pour un délégué (visibilité par sous-requête).
LISTES_CONNECTEES = {
    "campagnes": "/api/v1/campagnes/",
    "valeurs": "/api/v1/valeurs/",
    "structures": "/api/v1/structures/",
    "fiches-actions": "/api/v1/fiches-actions/",
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
            projet = ProjetStructurant.objects.create(
                quartier=q, secteur=s, ordre=i, nom="Projet test"
            )
            for jour in (1, 2):
                SuiviProjet.objects.create(
                    projet=projet,
                    date=datetime.date(2025, 1, jour),
                    statut="en_cours",
                    commentaire="Étape",
                )
            Territoire.objects.create(
                code=f"secteur-test-{n}-{i}",
                type="secteur",
                nom="S",
                ordre=900,
                quartier=q,
                secteur=s,
            )
    ajouter_des_donnees(signataire)


def ajouter_des_donnees(signataire):
    """Campagnes, valeurs (indicateurs, territoires et producteurs variés), structures avec
    QPV et financements, fiches avec engagements, QPV, actions et budget."""
    for annee in (2016, 2017, 2018):
        Campagne.objects.create(
            annee=annee,
            date_ouverture=datetime.date(annee + 1, 1, 1),
            date_cloture=datetime.date(annee + 1, 3, 31),
        )
    quartiers = list(Quartier.objects.order_by("pk")[:3])
    engagements = list(Engagement.objects.order_by("pk")[:3])
    indicateurs = list(Indicateur.objects.exclude(unite="nombre_part").order_by("pk")[:3])
    for i, indicateur in enumerate(indicateurs):
        indicateur.producteur = signataire
        indicateur.save()
        for n, territoire in enumerate(Territoire.objects.order_by("pk")[:3]):
            Valeur.objects.create(
                indicateur=indicateur,
                territoire=territoire,
                annee=2016 + n,
                valeur=i + n,
                producteur=signataire,
                statut="valide" if n else "brouillon",
            )
    for n in range(3):
        structure = Structure.objects.create(slug=f"structure-test-{n}", nom=f"Structure {n}")
        structure.quartiers.set(quartiers)
        for i in range(2):
            FinancementStructure.objects.create(structure=structure, ordre=i, financeur="Ville")
        for i in range(3):
            fiche = FicheAction.objects.create(
                structure=structure, titre=f"Fiche {n}-{i}", annee=2025, statut="validee"
            )
            fiche.quartiers.set(quartiers)
            fiche.engagements.set(engagements)
            fiche.actions.set(Action.objects.filter(engagement__in=engagements)[:3])
            FinancementFiche.objects.create(fiche=fiche, financeur="etat", montant=100)
            FinancementFiche.objects.create(fiche=fiche, financeur="ville", montant=50)


@pytest.mark.parametrize("mode", ["anonyme", "jeton"])
@pytest.mark.parametrize("nom", LISTES)
def test_nombre_de_requetes_constant(utilisateurs, compter_requetes, nom, mode):
    client = client_api(None if mode == "anonyme" else utilisateurs["spv"], mode)
    url = LISTES[nom] + "?page_size=500"

    def calculer():
        # La liste calculée, pas celle du cache du référentiel (test_cache_referentiel.py).
        cache.clear()
        return client.get(url)

    client.get(url)  # échauffement (date de dernière utilisation du jeton, caches)
    avant, reponse = compter_requetes(calculer)
    assert reponse.status_code == 200
    lignes_avant = reponse.json()["count"]
    ajouter_des_lignes()
    client.get(url)
    apres, reponse = compter_requetes(calculer)
    assert reponse.json()["count"] > lignes_avant
    assert avant == apres, f"{url} : {avant} requêtes avant, {apres} après ajout de lignes"
    cle = nom if mode == "anonyme" else f"{nom} (jeton)"
    assert avant == REFERENCE.get(cle), f"{cle} : {avant} requêtes, référence {REFERENCE.get(cle)}"


@pytest.mark.parametrize("role", ["spv", "delegue"])
@pytest.mark.parametrize("mode", ["session", "jeton"])
@pytest.mark.parametrize("nom", LISTES_CONNECTEES)
def test_nombre_de_requetes_constant_avec_un_compte(
    utilisateurs, compter_requetes, nom, mode, role
):
    # Au moins une ligne avant la première mesure (une liste vide s'épargne la requête).
    Campagne.objects.create(
        annee=2015, date_ouverture=datetime.date(2016, 1, 1), date_cloture=datetime.date(2016, 2, 1)
    )
    client = client_api(utilisateurs[role], mode)
    url = LISTES_CONNECTEES[nom] + "?page_size=500"
    client.get(url)  # échauffement
    avant, reponse = compter_requetes(lambda: client.get(url))
    assert reponse.status_code == 200
    lignes_avant = reponse.json()["count"]
    ajouter_des_lignes()
    client.get(url)
    apres, reponse = compter_requetes(lambda: client.get(url))
    assert reponse.json()["count"] > lignes_avant
    assert avant == apres, f"{url} : {avant} requêtes avant, {apres} après ajout de lignes"
    cle = f"{nom} ({mode}, {role})"
    assert avant == REFERENCE.get(cle), f"{cle} : {avant} requêtes, référence {REFERENCE.get(cle)}"


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_exports_nombre_de_requetes_constant(compter_requetes, format):
    client = client_api(None)
    url = f"/api/v1/engagements/?format={format}"
    client.get(url)
    avant, _ = compter_requetes(lambda: client.get(url))
    ajouter_des_lignes()
    apres, _ = compter_requetes(lambda: client.get(url))
    assert avant == apres == REFERENCE["engagements (export)"]


def test_listes_par_numero_lues_par_cles(utilisateurs):
    """Une liste paginée par numéro lit sa page par clés (`PaginateurParCles`) : les
    identifiants de la page en sous-requête triée et bornée, puis ces lignes seules, dans le
    même ordre que la liste entière."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_api(utilisateurs["spv"])
    tous = [p["id"] for p in client.get("/api/v1/projets/", {"page_size": "200"}).json()["results"]]
    assert len(tous) > 8
    lus = []
    for page in (1, 2, 3):
        with CaptureQueriesContext(connection) as requetes:
            reponse = client.get("/api/v1/projets/", {"page_size": "4", "page": page})
        lus += [p["id"] for p in reponse.json()["results"]]
        principale = [
            r["sql"] for r in requetes if 'FROM "quartiers_projetstructurant"' in r["sql"]
        ]
        assert any("IN (SELECT" in sql and "LIMIT 4" in sql for sql in principale)
    assert lus == tous[:12]
