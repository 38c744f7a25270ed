"""Nombre de requêtes des pages « À faire » : constant quand les listes s'allongent (plus de
valeurs, de groupes, de fiches, de campagnes, d'invitations, d'imports, de nouveautés), et égal
à sa référence (tests/afaire/query_counts.json, à mettre à jour en connaissance de cause).

Chaque liste a au moins une ligne avant l'ajout : un préchargement ne part que pour une liste
non vide, et l'on compare des pages qui montrent les mêmes listes."""

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from bilan.models import ImportCredits
from indicateurs.models import ImportValeurs, Indicateur, Valeur
from quartiers.models import ProjetStructurant
from structures.models import Invitation, Structure

from .conftest import ANNEE, creer_valeur, fiche, soumettre

pytestmark = pytest.mark.django_db
REFERENCE = json.loads((Path(__file__).parent / "query_counts.json").read_text(encoding="utf-8"))


def indicateurs_caf(caf, nombre, depart=0):
    ids = list(
        Indicateur.objects.filter(engagement__isnull=False)
        .exclude(code__in=["E28-2", "E01-1"])
        .order_by("code")
        .values_list("pk", flat=True)[depart : depart + nombre]
    )
    Indicateur.objects.filter(pk__in=ids).update(producteur=caf)
    return list(Indicateur.objects.filter(pk__in=ids).order_by("code"))


def importer(modele, utilisateur, nom, **champs):
    return modele.objects.create(
        utilisateur=utilisateur,
        nom_fichier=nom,
        contenu=b"PK",
        statut="erreurs",
        nb_lignes=3,
        nb_erreurs=1,
        **champs,
    )


def un_peu(utilisateurs, caf, qpv, fois, depart=0):
    """`fois` lignes de chaque liste de chaque rôle."""
    j2p = Structure.objects.get(slug="j2p")
    spv, structure = utilisateurs["spv"], utilisateurs["structure"]
    maintenant = timezone.now()
    territoire_qpv = qpv.territoires.get(type="qpv")
    for i, ind in enumerate(indicateurs_caf(caf, fois, depart)):
        for code in ("paris", "qpv-goutte-dor", "qpv-algerie"):
            v = soumettre(ind, code, 10 + i, commentaire="c")
            creer_valeur(ind, code, annee=ANNEE - 1, valeur=Decimal(5), statut="valide")
        creer_valeur(
            ind,
            "ensemble-qpv",
            statut="renvoye",
            motif_renvoi="À revoir",
            producteur=caf,
            renvoye_par=spv,
            renvoye_le=maintenant,
        )
        Valeur.objects.create(
            indicateur=ind,
            territoire=territoire_qpv,
            annee=ANNEE,
            valeur=Decimal(1),
            statut="valide",
            valide_le=maintenant,
        )
    assert v
    for i in range(fois):
        numero = depart + i
        a_relire = fiche(j2p, qpv, titre=f"Soumise {numero}")
        a_relire.submit(structure)
        renvoyee = fiche(j2p, qpv, titre=f"Renvoyée {numero}")
        renvoyee.submit(structure)
        renvoyee.renvoyer(spv, f"Motif {numero}")
        fiche(j2p, qpv, titre=f"Brouillon {numero}")
        Invitation.objects.create(email=f"invite-{numero}@exemple.invalid", structure=j2p)
        importer(ImportValeurs, utilisateurs["partenaire"], f"v{numero}.xlsx", annee=ANNEE)
        importer(ImportCredits, spv, f"c{numero}.xlsx")
    projets = list(ProjetStructurant.objects.filter(quartier=qpv).order_by("ordre"))
    for projet in projets[depart : depart + fois]:
        ProjetStructurant.history.filter(id=projet.pk).update(
            history_date=maintenant - datetime.timedelta(days=60)
        )
        projet.ajouter_suivi(
            spv, "realise" if projet.statut != "realise" else "en_cours", "Constaté sur place"
        )
    for projet in projets[-depart - fois : len(projets) - depart]:
        ProjetStructurant.objects.filter(pk=projet.pk).update(
            annee_echeance=timezone.localdate().year - 1, statut="a_venir"
        )


PAGES = ["spv", "partenaire", "structure", "delegue"]


@pytest.mark.parametrize("role", PAGES)
def test_nombre_de_requetes_constant(
    client, utilisateurs, campagne, caf, qpv_du_delegue, compter_requetes, role
):
    from afaire.models import Visite

    # Le référentiel, chargé au début de la session, date d'avant la dernière visite.
    Valeur.objects.update(valide_le=timezone.now() - datetime.timedelta(days=30))
    un_peu(utilisateurs, caf, qpv_du_delegue, 1)
    user = utilisateurs[role]
    Visite.objects.create(user=user, vue_le=timezone.now() - datetime.timedelta(days=3))
    client.force_login(user)
    client.get("/a-faire/")  # échauffement (session, profil)
    avant, reponse = compter_requetes(lambda: client.get("/a-faire/"))
    assert reponse.status_code == 200
    un_peu(utilisateurs, caf, qpv_du_delegue, 4, depart=1)
    apres, reponse = compter_requetes(lambda: client.get("/a-faire/"))
    assert avant == apres, f"{role} : {avant} requêtes avant, {apres} après ajout de lignes"
    assert avant == REFERENCE[role], f"{role} : {avant} requêtes, référence {REFERENCE[role]}"
    # Les listes se sont bien allongées.
    contexte = reponse.context
    if role == "spv":
        assert contexte["groupes"].paginator.count == 5
        assert contexte["fiches_soumises"].paginator.count >= 5
        assert contexte["imports"].paginator.count == 10
        assert contexte["invitations"].paginator.count == 5
    elif role == "partenaire":
        assert contexte["renvoyees"].paginator.count == 5
    elif role == "structure":
        assert contexte["fiches_renvoyees"].paginator.count == 5
    else:
        genres = [e.genre for e in contexte["suivi"].evenements]
        assert genres.count("fiche_soumise") >= 5 and genres.count("projet_statut") == 5
        assert genres.count("projet_retard") >= 5 and genres.count("valeurs_validees") == 5
