"""Nombre de requêtes constant sur la page du rapport et les listes des crédits et des études :
on mesure, on ajoute des lignes, on mesure encore. Référence : tests/bilan/query_counts.json
(à mettre à jour sciemment, jamais pour faire passer un test qui a régressé)."""

import json
import random
from decimal import Decimal
from pathlib import Path

import pytest

from bilan.models import Credit, EtudeQualitative
from engagements.models import Engagement, Signataire
from indicateurs.models import Indicateur, Territoire, Valeur
from quartiers.models import ProjetStructurant, Quartier, SuiviProjet
from structures.models import FicheAction, Structure

from .conftest import ANNEE

pytestmark = pytest.mark.django_db
REFERENCE = json.loads((Path(__file__).parent / "query_counts.json").read_text(encoding="utf-8"))

PAGES = {
    "rapport": f"/bilan/rapport/?annee={ANNEE}&toutes_valeurs=on&avec_demo=on",
    "rapport_arrondissement": f"/bilan/rapport/?annee={ANNEE}&arrondissement=19",
    "credits": "/bilan/credits/",
    "credits_filtres": f"/bilan/credits/?annee={ANNEE}&type=specifique",
    "etudes": "/bilan/etudes/",
    "index": "/bilan/",
}


def ajouter_des_lignes(spv):
    """De tout un peu plus : valeurs (dont une démo), crédits, fiches, études, suivis."""
    random.seed(3)
    signataires = list(Signataire.objects.all()[:5])
    quartiers = list(Quartier.objects.filter(arrondissements__numero=19))
    engagements = list(Engagement.objects.order_by("numero")[:6])
    for i, code in enumerate(["E03-1", "E16-1", "E20-1"]):
        ind = Indicateur.objects.get(code=code)
        for t in Territoire.objects.filter(quartier__in=quartiers, type="qpv"):
            Valeur.objects.create(
                indicateur=ind, territoire=t, annee=ANNEE - (i % 2), valeur=Decimal(10 + i),
                statut="valide",
            )  # fmt: skip
    Valeur.objects.create(
        indicateur=Indicateur.objects.get(code="E04-1"),
        territoire=Territoire.objects.get(code="ensemble-qpv"),
        annee=ANNEE,
        nombre=3,
        base=9,
        statut="valide",
        demo=True,
        origine="demo",
    )
    for i in range(6):
        Credit.objects.create(
            annee=ANNEE - (i % 2),
            signataire=signataires[i % 5],
            type=random.choice(Credit.Type.values),
            montant=Decimal(1000 * (i + 1)),
            quartier=quartiers[i % len(quartiers)] if i % 3 else None,
            engagement=engagements[i],
        )
    structure = Structure.objects.get(slug="j2p")
    for i in range(4):
        f = FicheAction.objects.create(
            structure=structure, titre=f"Fiche {i}", annee=ANNEE, statut="validee"
        )
        f.quartiers.add(*quartiers[:2])
        f.engagements.add(*engagements[:3])
    for i in range(3):
        e = EtudeQualitative.objects.create(
            titre=f"Étude {i}", annee=ANNEE, realisee_par="X", resume="R"
        )
        e.engagements.add(*engagements[:2])
        e.quartiers.add(*quartiers[:2])
    for p in ProjetStructurant.objects.filter(quartier__in=quartiers)[:4]:
        SuiviProjet.objects.create(
            projet=p, date=f"{ANNEE}-05-01", statut="en_cours", commentaire="C", auteur=spv
        )


@pytest.mark.parametrize("nom", PAGES)
def test_nombre_de_requetes_constant(client, utilisateurs, donnees, compter_requetes, nom):
    url = PAGES[nom]
    client.force_login(utilisateurs["spv"])
    client.get(url)  # échauffement (session, cache du glossaire)
    avant, reponse = compter_requetes(lambda: client.get(url))
    assert reponse.status_code == 200
    ajouter_des_lignes(utilisateurs["spv"])
    client.get(url)
    apres, reponse = compter_requetes(lambda: client.get(url))
    assert reponse.status_code == 200
    assert avant == apres, f"{url} : {avant} requêtes avant, {apres} après ajout de lignes"
    assert avant == REFERENCE.get(nom), f"{url} : {avant} requêtes, référence {REFERENCE.get(nom)}"
