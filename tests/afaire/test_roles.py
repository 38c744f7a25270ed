"""« À faire » des partenaires, des structures et des délégués, l'arrivée après la connexion
et le suivi des visites.

- Un partenaire voit les valeurs attendues que son organisation doit encore saisir (jamais un
  indicateur de contexte), ses valeurs renvoyées avec le motif et l'échéance ; jamais les
  valeurs d'une autre organisation.
- Une structure voit ses fiches renvoyées avec le motif du SPV et ses brouillons ; jamais ceux
  d'une autre structure.
- Un délégué voit ce qui a changé dans ses QPV depuis sa dernière visite, classé (projets à
  l'échéance dépassée d'abord, puis fiches soumises, puis l'information, du plus récent au plus
  ancien)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from afaire.models import DUREE_VISITE, Visite
from indicateurs.models import Valeur
from quartiers.models import ProjetStructurant
from structures.models import FicheAction

from .conftest import ANNEE, creer_valeur, fiche, indicateur

pytestmark = pytest.mark.django_db


# --- arrivée après la connexion -------------------------------------------------------------


@pytest.mark.parametrize("role", ["spv", "delegue", "partenaire", "structure", "admin"])
def test_l_accueil_d_un_compte_est_son_a_faire(client, utilisateurs, role):
    client.force_login(utilisateurs[role])
    reponse = client.get("/")
    assert "afaire/a_faire.html" in [t.name for t in reponse.templates]
    nav = reponse.content.decode().split("</nav>")[0]
    assert 'active" aria-current="page" href="/a-faire/">À faire</a>' in nav
    # La présentation du contrat reste accessible.
    contrat = client.get("/?vue=contrat")
    assert "accueil.html" in [t.name for t in contrat.templates]


def test_anonyme_et_compte_sans_role(client, db):
    from tests.conftest import creer_utilisateur

    assert "accueil.html" in [t.name for t in client.get("/").templates]
    client.force_login(creer_utilisateur("sans-role"))
    assert "accueil.html" in [t.name for t in client.get("/").templates]
    reponse = client.get("/a-faire/")
    assert reponse.status_code == 302 and reponse["Location"] == "/?vue=contrat"


def test_la_connexion_mene_a_l_a_faire(client, utilisateurs):
    reponse = client.post(
        "/connexion/", {"username": "partenaire-caf", "password": "mdp-de-test-1234"}
    )
    assert reponse.status_code == 302 and reponse["Location"] == "/a-faire/"


# --- partenaire ----------------------------------------------------------------------------


def test_partenaire_valeurs_a_saisir_renvoyees_et_echeance(
    client, utilisateurs, campagne, ind_caf, ind_autre, caf
):
    from indicateurs.models import Indicateur

    # Un chiffre clé produit par la Caf : de contexte, jamais attendu.
    Indicateur.objects.filter(code="CTX-CHOMAGE").update(producteur=caf)
    creer_valeur(ind_caf, "paris", valeur=Decimal(3), producteur=caf)
    renvoyee = creer_valeur(
        ind_caf,
        "qpv-goutte-dor",
        valeur=Decimal(4),
        producteur=caf,
        statut="renvoye",
        motif_renvoi="La source manque.",
        renvoye_par=utilisateurs["spv"],
        renvoye_le=timezone.now(),
    )
    # Une valeur renvoyée de l'Académie : jamais montrée à la Caf.
    creer_valeur(ind_autre, "paris", statut="renvoye", motif_renvoi="Secret de l’Académie")
    client.force_login(utilisateurs["partenaire"])
    reponse = client.get("/a-faire/")
    a_saisir = list(reponse.context["a_saisir"])
    assert [ligne.indicateur.code for ligne in a_saisir] == ["E28-2"]
    (e28,) = a_saisir
    assert (e28.completude.attendues, e28.manquantes, e28.a_soumettre) == (23, 21, 2)
    assert list(reponse.context["renvoyees"]) == [renvoyee]
    html = reponse.content.decode()
    assert "La source manque." in html and "Secret de l’Académie" not in html
    assert "CTX-CHOMAGE" not in html
    assert 'href="/indicateurs/E28-2/saisie/2025/#ligne-qpv-goutte-dor"' in html
    assert "Campagne 2025</strong> : clôture le" in html and "dans 30 jours" in html


def test_un_partenaire_ne_voit_que_son_organisation(
    client, utilisateurs, soumises, partenaire_academie
):
    Valeur.objects.filter(pk=soumises["paris"].pk).update(statut="renvoye", motif_renvoi="Caf")
    Valeur.objects.filter(pk=soumises["academie"].pk).update(
        statut="renvoye", motif_renvoi="Académie"
    )
    client.force_login(partenaire_academie)
    reponse = client.get("/a-faire/")
    assert [v.pk for v in reponse.context["renvoyees"]] == [soumises["academie"].pk]
    assert [ligne.indicateur.code for ligne in reponse.context["a_saisir"]] == ["E01-1"]
    assert "groupes_soumis" not in reponse.context  # les listes du SPV ne le concernent pas


def test_partenaire_sans_campagne_ouverte(client, utilisateurs):
    client.force_login(utilisateurs["partenaire"])
    html = client.get("/a-faire/").content.decode()
    assert "Aucune campagne de saisie n’est ouverte en ce moment." in html


# --- structure -----------------------------------------------------------------------------


def test_structure_fiches_renvoyees_et_brouillons(
    client, utilisateurs, qpv_du_delegue, autre_structure, membre_autre_structure
):
    from structures.models import Structure

    j2p = Structure.objects.get(slug="j2p")
    a_corriger = fiche(j2p, qpv_du_delegue, titre="Fiche à corriger")
    a_corriger.submit(utilisateurs["structure"])
    a_corriger.renvoyer(utilisateurs["spv"], "Précisez le nombre de bénéficiaires.")
    brouillon = fiche(j2p, qpv_du_delegue, titre="Brouillon de J2P")
    autre = fiche(autre_structure, qpv_du_delegue, titre="Fiche du Danube")
    autre.submit(membre_autre_structure)
    autre.renvoyer(utilisateurs["spv"], "Motif du Danube")
    client.force_login(utilisateurs["structure"])
    reponse = client.get("/a-faire/")
    assert list(reponse.context["fiches_renvoyees"]) == [a_corriger]
    assert brouillon in list(reponse.context["brouillons"])
    assert all(f.structure_id == j2p.pk for f in reponse.context["brouillons"])
    html = reponse.content.decode()
    assert "Précisez le nombre de bénéficiaires." in html
    assert "Motif du Danube" not in html and "Fiche du Danube" not in html
    assert f'href="/structures/fiches/{a_corriger.pk}/modifier/"' in html


# --- délégué et dernière visite ------------------------------------------------------------


def test_la_visite_est_notee_et_la_precedente_sert_de_reference(utilisateurs):
    user = utilisateurs["delegue"]
    debut = timezone.now()
    assert Visite.noter(user, debut) is None  # première visite
    # Revue peu après : la même visite, toujours sans référence.
    assert Visite.noter(user, debut + datetime.timedelta(minutes=10)) is None
    # Revue le lendemain : les nouveautés comptent depuis la fin de la visite d'hier.
    demain = debut + datetime.timedelta(days=1)
    assert Visite.noter(user, demain) == debut + datetime.timedelta(minutes=10)
    # Un rechargement ne change pas la référence.
    assert Visite.noter(user, demain + DUREE_VISITE / 2) == debut + datetime.timedelta(minutes=10)
    visite = Visite.objects.get(user=user)
    assert visite.vue_le == demain + DUREE_VISITE / 2


def test_la_page_note_la_visite(client, utilisateurs):
    client.force_login(utilisateurs["delegue"])
    assert client.get("/a-faire/").context["depuis"] is None
    Visite.objects.filter(user=utilisateurs["delegue"]).update(
        vue_le=timezone.now() - datetime.timedelta(days=2)
    )
    depuis = client.get("/a-faire/").context["depuis"]
    assert timezone.now() - depuis > datetime.timedelta(days=1)
    assert "Votre visite précédente s’est terminée le" in client.get("/a-faire/").content.decode()


def test_delegue_ce_qui_a_change_depuis_la_derniere_visite_classe(
    client, utilisateurs, campagne, qpv_du_delegue
):
    from structures.models import Structure

    delegue = utilisateurs["delegue"]
    il_y_a_deux_jours = timezone.now() - datetime.timedelta(days=2)
    Visite.objects.create(user=delegue, vue_le=il_y_a_deux_jours)
    # Avant la dernière visite : une fiche soumise (pas nouvelle).
    ancienne = fiche(Structure.objects.get(slug="j2p"), qpv_du_delegue, titre="Ancienne fiche")
    ancienne.submit(utilisateurs["structure"])
    ancienne.transitions.update(le=il_y_a_deux_jours - datetime.timedelta(days=1))
    # Depuis : une fiche soumise, une valeur validée, un projet qui change de statut.
    nouvelle = fiche(Structure.objects.get(slug="j2p"), qpv_du_delegue, titre="Nouvelle fiche")
    nouvelle.submit(utilisateurs["structure"])
    territoire_qpv = qpv_du_delegue.territoires.get(type="qpv")
    Valeur.objects.create(
        indicateur=indicateur("E28-2"),
        territoire=territoire_qpv,
        annee=ANNEE,
        valeur=Decimal(5),
        statut="valide",
        valide_le=timezone.now(),
    )
    projet = ProjetStructurant.objects.filter(quartier=qpv_du_delegue).order_by("ordre").first()
    # Le référentiel (et son historique) a été chargé au début de la session : on le date
    # d'avant la dernière visite, comme en production.
    ProjetStructurant.history.filter(id=projet.pk).update(
        history_date=il_y_a_deux_jours - datetime.timedelta(days=30)
    )
    nouveau_statut = "en_cours" if projet.statut != "en_cours" else "realise"
    projet.ajouter_suivi(utilisateurs["spv"], nouveau_statut, "Travaux commencés")
    # Un projet à l'échéance dépassée (urgent, depuis le 1er janvier de l'année suivante).
    en_retard = ProjetStructurant.objects.filter(quartier=qpv_du_delegue).order_by("-ordre").first()
    ProjetStructurant.objects.filter(pk=en_retard.pk).update(
        annee_echeance=timezone.localdate().year - 2, statut="a_venir"
    )
    client.force_login(delegue)
    reponse = client.get("/a-faire/")
    evenements = list(reponse.context["evenements"])
    genres = [e.genre for e in evenements]
    assert genres[0] == "projet_retard" and evenements[0].titre == en_retard.nom
    assert not evenements[0].nouveau  # dépassée avant la dernière visite
    assert genres[1] == "fiche_soumise" and evenements[1].titre == "Nouvelle fiche"
    assert "Ancienne fiche" not in [e.titre for e in evenements]
    informations = evenements[2:]
    assert {e.genre for e in informations} == {"projet_statut", "valeurs_validees"}
    dates = [e.le for e in informations]
    assert dates == sorted(dates, reverse=True)
    statut = next(e for e in informations if e.genre == "projet_statut")
    assert statut.titre == projet.nom and statut.detail.startswith("Statut : ")
    valeurs = next(e for e in informations if e.genre == "valeurs_validees")
    assert valeurs.titre.startswith("E28-2 – ") and valeurs.detail == "1 nouvelle valeur validée"
    html = reponse.content.decode()
    assert "Depuis votre dernière visite" in html and ">Urgent</span>" in html
    # Une échéance dépassée se date au jour (pas « à 00:00 »).
    annee_depassee = timezone.localdate().year - 1
    assert f"en retard depuis le 01/01/{annee_depassee}</p>" in html
    assert f"01/01/{annee_depassee} à 00:00" not in html


def test_delegue_jamais_d_indicateur_de_contexte_manquant(client, utilisateurs, campagne):
    client.force_login(utilisateurs["delegue"])
    suivi = client.get("/a-faire/").context["suivi"]
    for alerte in suivi.alertes:
        assert alerte.indicateurs_manquants
        assert not [i for i in alerte.indicateurs_manquants if i.code.startswith("CTX-")]
        assert len(alerte.indicateurs_manquants) == alerte.completude.attendues


def test_mon_territoire_classe_les_indicateurs_manquants(
    client, utilisateurs, campagne, qpv_du_delegue
):
    """Les indicateurs dont rien n'est encore renseigné passent avant ceux en cours."""
    territoire_qpv = qpv_du_delegue.territoires.get(type="qpv")
    en_cours = indicateur("E01-1")
    Valeur.objects.create(
        indicateur=en_cours, territoire=territoire_qpv, annee=ANNEE, valeur=Decimal(5)
    )
    client.force_login(utilisateurs["delegue"])
    alerte = client.get("/mon-territoire/").context["alertes"][0]
    codes = [i.code for i in alerte.indicateurs_manquants]
    assert codes[-1] == "E01-1" and alerte.nb_en_cours == 1
    assert codes[0] != "E01-1"


def test_delegue_rien_de_nouveau(client, utilisateurs):
    hier = timezone.now() - datetime.timedelta(days=1)
    # Le référentiel, chargé au début de la session, date d'avant la dernière visite.
    Valeur.objects.update(valide_le=hier - datetime.timedelta(days=1))
    Visite.objects.create(user=utilisateurs["delegue"], vue_le=hier)
    client.force_login(utilisateurs["delegue"])
    reponse = client.get("/a-faire/")
    assert reponse.context["depuis"] == hier
    assert not list(reponse.context["evenements"])
    assert "Rien de nouveau dans vos quartiers depuis le" in reponse.content.decode()
    # Un QPV sans projet en retard le dit en toutes lettres (pas « 0 projet »).
    assert "<li>Aucun projet à l’échéance dépassée.</li>" in reponse.content.decode()


def test_fiches_soumises_d_un_autre_qpv_invisibles(
    client, utilisateurs, campagne, membre_autre_structure, autre_structure
):
    from quartiers.models import Quartier

    hors = Quartier.objects.order_by("ordre")[5]
    f = fiche(autre_structure, hors, titre="Fiche hors territoire")
    f.submit(membre_autre_structure)
    client.force_login(utilisateurs["delegue"])
    evenements = list(client.get("/a-faire/").context["evenements"])
    assert "Fiche hors territoire" not in [e.titre for e in evenements]
    assert FicheAction.objects.filter(titre="Fiche hors territoire", statut="soumise").exists()
