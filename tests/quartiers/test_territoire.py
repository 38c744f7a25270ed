"""« Mon territoire » : la page d'accueil d'un délégué du Préfet, limitée à ses QPV, avec les
alertes (valeurs manquantes de la campagne, projets à l'échéance dépassée, fiches récentes)."""

import datetime

import pytest
from django.utils import timezone

from indicateurs.models import Indicateur, Territoire, Valeur
from quartiers.models import ProjetStructurant
from socle.roles import Role
from structures.models import FicheAction, TransitionFiche
from tests.conftest import client_pour, creer_utilisateur

from .conftest import ANNEE, fiche, projet_de, valeur

pytestmark = pytest.mark.django_db


def alertes_de(reponse, slug):
    return next(a for a in reponse.context["alertes"] if a.quartier.slug == slug)


def test_le_delegue_voit_ses_qpv_et_eux_seuls(client, utilisateurs):
    client.force_login(utilisateurs["delegue"])
    reponse = client.get("/mon-territoire/")
    assert reponse.status_code == 200
    assert [q.slug for q in reponse.context["quartiers"]] == [
        "petit-belleville",
        "grand-belleville",
    ]
    html = reponse.content.decode()
    assert '<h1 class="h2">Mon territoire</h1>' in html
    assert "Petit Belleville" in html and "Goutte D&#x27;Or" not in html
    assert 'href="/quartiers/petit-belleville/fiche.pdf"' in html


def test_l_accueil_d_un_delegue_mene_a_mon_territoire(client, utilisateurs):
    """L'accueil d'un délégué est son « À faire » (afaire/), qui mène à « Mon territoire »."""
    client.force_login(utilisateurs["delegue"])
    reponse = client.get("/")
    assert reponse.status_code == 200
    assert "afaire/a_faire.html" in [t.name for t in reponse.templates]
    nav = reponse.content.decode().split("</nav>")[0]
    assert 'href="/mon-territoire/">Mon territoire</a>' in nav
    # La présentation du contrat reste accessible.
    contrat = client.get("/?vue=contrat")
    assert "accueil.html" in [t.name for t in contrat.templates]


@pytest.mark.parametrize("role", ["spv", "partenaire", "structure", "admin"])
def test_pas_de_mon_territoire_pour_les_autres_roles(client, utilisateurs, role):
    client.force_login(utilisateurs[role])
    accueil = client.get("/")
    assert "afaire/a_faire.html" in [t.name for t in accueil.templates]
    assert "Mon territoire" not in accueil.content.decode()
    reponse = client.get("/mon-territoire/")
    assert reponse.status_code == 403
    assert "page des délégués du Préfet" in reponse.content.decode()


def test_anonyme_renvoye_vers_la_connexion(client):
    reponse = client.get("/mon-territoire/")
    assert reponse.status_code == 302 and "/connexion/" in reponse["Location"]


def test_delegue_sans_qpv(client, db):
    user = creer_utilisateur("delegue-sans-qpv", Role.DELEGUE)
    client.force_login(user)
    html = client.get("/mon-territoire/").content.decode()
    assert "Aucun quartier prioritaire ne vous est encore confié." in html


def test_alertes_valeurs_manquantes_de_la_campagne(client, utilisateurs, campagne):
    # Les indicateurs attendus au niveau des QPV : ceux du contrat, jamais ceux de contexte
    # (chiffres clés CTX-…), qui ne sont le travail de personne pendant la campagne.
    attendus = [
        i
        for i in Indicateur.objects.du_contrat()
        if Territoire.Type.QPV in i.niveaux_attendus and i.nature != "contexte"
    ]
    valeur("E01-1", "qpv-petit-belleville")  # validée
    valeur("E05-1", "qpv-petit-belleville", statut=Valeur.Statut.SOUMIS)
    valeur("E07-1", "qpv-petit-belleville", annee=ANNEE - 1)  # autre année
    client.force_login(utilisateurs["delegue"])
    reponse = client.get("/mon-territoire/")
    assert reponse.context["campagne"] == campagne
    alertes = alertes_de(reponse, "petit-belleville")
    codes = {i.code for i in alertes.indicateurs_manquants}
    assert "E01-1" not in codes and {"E05-1", "E07-1"} <= codes
    assert len(codes) == len(attendus) - 1
    assert alertes.nb_en_cours == 1
    # Un indicateur dont les niveaux attendus n'incluent pas les QPV n'est pas signalé.
    ind = Indicateur.objects.get(code="E02-1")
    ind.niveaux = ["paris"]
    ind.save()
    reponse = client.get("/mon-territoire/")
    assert "E02-1" not in {
        i.code for i in alertes_de(reponse, "petit-belleville").indicateurs_manquants
    }
    html = reponse.content.decode()
    assert "sans valeur validée pour la campagne 2025" in html
    assert "Dont 1 en cours de saisie ou de validation." in html


def test_sans_campagne_pas_d_alerte_de_valeur(client, utilisateurs):
    client.force_login(utilisateurs["delegue"])
    reponse = client.get("/mon-territoire/")
    assert reponse.context["campagne"] is None
    assert not alertes_de(reponse, "petit-belleville").indicateurs_manquants
    assert "Aucune campagne de saisie" in reponse.content.decode()


def test_alertes_projets_en_retard(client, utilisateurs):
    annee = timezone.localdate().year
    en_retard = projet_de("petit-belleville")
    en_retard.annee_echeance = annee - 1
    en_retard.save()
    realise = projet_de("grand-belleville")
    realise.annee_echeance = annee - 1
    realise.statut = ProjetStructurant.Statut.REALISE
    realise.save()
    ailleurs = projet_de("goutte-dor")
    ailleurs.annee_echeance = annee - 3
    ailleurs.save()
    client.force_login(utilisateurs["delegue"])
    reponse = client.get("/mon-territoire/")
    assert alertes_de(reponse, "petit-belleville").projets_en_retard == [en_retard]
    assert alertes_de(reponse, "grand-belleville").projets_en_retard == []
    assert "1 projet à l’échéance dépassée" in reponse.content.decode()


def test_alertes_fiches_recentes(client, comptes_suivi):
    soumise = fiche("Atelier parents", quartiers=["petit-belleville"], statut="soumise")
    ancienne = fiche("Fête 2022", quartiers=["petit-belleville"])
    recente = fiche("Chantier jeunes", quartiers=["grand-belleville"])
    TransitionFiche.objects.create(
        fiche=recente, de="soumise", vers="validee", le=timezone.now() - datetime.timedelta(days=2)
    )
    TransitionFiche.objects.create(
        fiche=ancienne,
        de="soumise",
        vers="validee",
        le=timezone.now() - datetime.timedelta(days=90),
    )
    autre_qpv = fiche("Permanence", quartiers=["goutte-dor"], statut="soumise")
    client.force_login(comptes_suivi["delegue"])
    reponse = client.get("/mon-territoire/")
    assert alertes_de(reponse, "petit-belleville").fiches_recentes == [soumise]
    assert alertes_de(reponse, "grand-belleville").fiches_recentes == [recente]
    html = reponse.content.decode()
    assert autre_qpv.titre not in html and ancienne.titre not in html
    # Le délégué de la Goutte d'Or, lui, voit la fiche soumise de son QPV.
    reponse = client_pour(client, comptes_suivi["delegue_autre"]).get("/mon-territoire/")
    assert alertes_de(reponse, "goutte-dor").fiches_recentes == [autre_qpv]
    assert (
        FicheAction.objects.for_user(comptes_suivi["delegue"]).filter(pk=autre_qpv.pk).count() == 0
    )
