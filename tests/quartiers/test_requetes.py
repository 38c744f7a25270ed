"""Nombre de requêtes constant sur les pages du territoire, quel que soit le nombre de projets
(avec portage, engagements et suivi), de valeurs (indicateurs, années, territoires) et de
fiches-actions (et de structures implantées). Références : tests/quartiers/query_counts.json.
"""

import datetime
import json
from pathlib import Path

import pytest
from django.utils import timezone

from engagements.models import Signataire
from indicateurs.models import Valeur
from quartiers.models import ProjetStructurant, Quartier
from structures.models import Structure, TransitionFiche

from .conftest import fiche, portage, valeur

pytestmark = pytest.mark.django_db
REFERENCE = json.loads((Path(__file__).parent / "query_counts.json").read_text(encoding="utf-8"))

PAGES = {
    "fiche": ("/quartiers/goutte-dor/", "delegue_autre"),
    "fiche_spv": ("/quartiers/grand-belleville/", "spv"),
    "fiche_anonyme": ("/quartiers/goutte-dor/", "anonyme"),
    "fiche_pdf": ("/quartiers/goutte-dor/fiche.pdf", "delegue_autre"),
    "mon_territoire": ("/mon-territoire/", "delegue_autre"),
    "comparaison": ("/quartiers/comparaison/?indicateur=E01-1&indicateur=E28-2&tri=-E01-1", "spv"),
    "comparaison_export": ("/quartiers/comparaison/export.xlsx?indicateur=E01-1", "spv"),
    "arrondissement": ("/quartiers/arrondissement/18/", "delegue"),
    "projets": ("/quartiers/projets/?quartier=goutte-dor", "delegue"),
    "projets_tous": ("/quartiers/projets/", "spv"),
    "projets_export": ("/quartiers/projets/export.xlsx?arrondissement=18", "delegue"),
    "projet": (None, "delegue_autre"),
}


def ajouter_des_lignes(utilisateurs, serie):
    """Des lignes de chaque sorte dans la Goutte d'Or (18e) et ailleurs ; `serie` (1, 2…)
    distingue les ajouts successifs."""
    goutte = Quartier.objects.get(slug="goutte-dor")
    caf = Signataire.objects.get(nom__icontains="allocations familiales")
    j2p = Structure.objects.get(slug="j2p")
    annee = timezone.localdate().year
    for i in range(4):
        p = ProjetStructurant.objects.create(
            quartier=goutte,
            ordre=800 + serie * 10 + i,
            nom=f"Projet ajouté {serie}-{i}",
            statut="a_venir",
            annee_echeance=annee - 1,
        )
        portage(
            p,
            signataire=caf if i % 2 else None,
            structure=None if i % 2 else j2p,
            engagements=[1, 5 + i],
        )
        p.ajouter_suivi(utilisateurs["spv"], "en_cours", f"Étape {i}")
        p.ajouter_suivi(utilisateurs["delegue_autre"], "en_reflexion", f"Étape bis {i}")
    for code in ("E01-1", "E28-2", "E16-1", "CTX-CHOMAGE"):
        for territoire in (
            "qpv-goutte-dor",
            "paris",
            "ensemble-qpv",
            "qpv-algerie",
            "qpv-amandiers",
        ):
            for a in (2021 + serie * 2, 2022 + serie * 2):
                valeur(code, territoire, annee=a, nombre=10 + serie, demo=(a % 2 == 0))
        valeur(code, "qpv-goutte-dor", annee=2015 + serie, statut=Valeur.Statut.SOUMIS)
    for i in range(3):
        s = Structure.objects.create(
            slug=f"structure-ajoutee-{serie}-{i}", nom=f"Structure {serie}-{i}"
        )
        s.quartiers.add(goutte)
        f = fiche(f"Fiche ajoutée {serie}-{i}", quartiers=["goutte-dor"], engagements=[1, 2])
        fiche(
            f"Fiche soumise {serie}-{i}",
            quartiers=["goutte-dor", "la-chapelle-evangile"],
            statut="soumise",
        )
        fiche(f"Fiche de structure {serie}-{i}", structure=s.slug, engagements=[3])
        TransitionFiche.objects.create(
            fiche=f, de="soumise", vers="validee", le=timezone.now() - datetime.timedelta(days=1)
        )


@pytest.mark.parametrize("nom", PAGES)
def test_nombre_de_requetes_constant(client, comptes_suivi, compter_requetes, campagne, nom):
    url, role = PAGES[nom]
    if url is None:
        url = f"/quartiers/projets/{ProjetStructurant.objects.filter(quartier__slug='goutte-dor').first().pk}/"
    if comptes_suivi[role] is not None:
        client.force_login(comptes_suivi[role])
    # Des lignes de chaque sorte d'abord : sans aucune, Django saute les préchargements vides
    # (porteurs, engagements…) et la page ferait une requête de moins.
    ajouter_des_lignes(comptes_suivi, 1)
    client.get(url)  # échauffement (session, cache du glossaire)
    avant, reponse = compter_requetes(lambda: client.get(url))
    assert reponse.status_code == 200, reponse.status_code
    ajouter_des_lignes(comptes_suivi, 2)
    apres, _ = compter_requetes(lambda: client.get(url))
    ajouter_des_lignes(comptes_suivi, 3)
    encore, _ = compter_requetes(lambda: client.get(url))
    assert avant == apres == encore, f"{url} : {avant}, puis {apres}, puis {encore} requêtes"
    assert avant == REFERENCE.get(nom), f"{url} : {avant} requêtes, référence {REFERENCE.get(nom)}"
