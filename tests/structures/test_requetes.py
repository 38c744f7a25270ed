"""Nombre de requêtes constant sur les pages des structures et des fiches-actions : on
mesure, on ajoute des lignes, on mesure encore. Référence : tests/structures/query_counts.json
(à mettre à jour sciemment, jamais pour faire passer un test qui a régressé)."""

import json
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from engagements.models import Action, Engagement
from quartiers.models import Quartier
from structures.models import FicheAction, FinancementFiche, PieceJointe, TransitionFiche

from .conftest import PDF_MINIMAL, fiche_complete

pytestmark = pytest.mark.django_db
REFERENCE = json.loads((Path(__file__).parent / "query_counts.json").read_text(encoding="utf-8"))


def ajouter_des_lignes(structure, fiche, spv):
    """Des fiches de plus (chacune avec engagements, actions, QPV, budget, pièce jointe et
    étapes), et de quoi allonger la fiche suivie : rien de tout cela ne doit coûter une
    requête de plus."""
    quartiers = list(Quartier.objects.order_by("ordre")[:3])
    engagements = list(Engagement.objects.filter(numero__in=[1, 5, 16]))
    for i in range(4):
        nouvelle = fiche_complete(
            structure, quartiers[i % 3], titre=f"Fiche ajoutée {i}", statut="validee"
        )
        nouvelle.engagements.add(*engagements)
        nouvelle.quartiers.add(*quartiers)
        nouvelle.actions.add(*Action.objects.filter(engagement__in=engagements)[:3])
        FinancementFiche.objects.create(fiche=nouvelle, financeur="caf", montant=100 + i)
        TransitionFiche.objects.create(fiche=nouvelle, de="soumise", vers="validee", par=spv)
    for i in range(3):
        FinancementFiche.objects.create(fiche=fiche, financeur="etat", montant=10 * i)
        TransitionFiche.objects.create(fiche=fiche, de="brouillon", vers="soumise", par=spv)
        piece = PieceJointe(
            fiche=fiche, nom=f"piece-{i}.pdf", type_mime="application/pdf", taille=1
        )
        piece.fichier.save(f"piece-{i}.pdf", ContentFile(PDF_MINIMAL), save=False)
        piece.save()
        fiche.resume = f"Résumé modifié {i}"
        fiche.save()  # une version d'historique de plus
    fiche.actions.add(*Action.objects.filter(engagement__numero=5)[1:4])


PAGES = {
    # nom: (compte, chemin ; {fiche} est remplacé par la fiche suivie)
    "fiches": ("spv", "/structures/fiches/"),
    "fiches_filtrees": ("spv", "/structures/fiches/?q=fiche&mot_cle=parentalite&annee=2025"),
    "fiches_delegue": ("delegue", "/structures/fiches/"),
    "fiches_export": ("spv", "/structures/fiches/export.xlsx"),
    "couverture": ("spv", "/structures/fiches/couverture/?statut="),
    "fiche": ("spv", "/structures/fiches/{fiche}/"),
    "espace_structure": ("structure", "/structures/j2p/"),
    "fiche_modifier": ("structure", "/structures/fiches/{fiche}/modifier/"),
}


@pytest.mark.parametrize("nom", PAGES)
def test_nombre_de_requetes_constant(client, comptes, compter_requetes, j2p, qpv_delegue, nom):
    compte, chemin = PAGES[nom]
    fiche = fiche_complete(j2p, qpv_delegue, titre="Fiche suivie")
    # Une action numérotée citée dès le départ : la couverture lit alors toujours ses actions.
    fiche.actions.add(Action.objects.filter(engagement__numero=5).first())
    fiche.statut = "validee" if compte != "structure" else "brouillon"
    fiche.save()
    url = chemin.format(fiche=fiche.pk)
    client.force_login(comptes[compte])
    client.get(url)  # échauffement (session, cache du glossaire)
    avant, reponse = compter_requetes(lambda: client.get(url))
    assert reponse.status_code == 200, reponse.status_code
    ajouter_des_lignes(j2p, fiche, comptes["spv"])
    client.get(url)
    apres, reponse = compter_requetes(lambda: client.get(url))
    assert reponse.status_code == 200
    assert avant == apres, f"{url} : {avant} requêtes avant, {apres} après ajout de lignes"
    assert avant == REFERENCE.get(nom), f"{url} : {avant} requêtes, référence {REFERENCE.get(nom)}"
    assert FicheAction.objects.filter(titre__startswith="Fiche ajoutée").count() == 4
