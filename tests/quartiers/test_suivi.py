"""Suivi des projets structurants : qui peut ajouter une étape (matrice des rôles), ce que
l'étape change (statut historisé, statut imprimé intact), l'historique, le portage (porteur,
engagements) et ce que chacun en voit."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from engagements.models import Signataire
from quartiers.models import ProjetStructurant, SuiviProjet
from socle import roles
from structures.models import PortageProjet, Structure
from tests.conftest import client_pour

from .conftest import portage, projet_de

pytestmark = pytest.mark.django_db

# Le délégué de tests/conftest.py suit Petit Belleville et Grand Belleville.
AUTORISES = {"spv", "delegue", "admin"}
REFUS = {
    "delegue_autre": "ne vous est pas confié",
    "partenaire": "Seuls les agents DDCT/SPV et les délégués du Préfet du quartier",
    "structure": "Seuls les agents DDCT/SPV et les délégués du Préfet du quartier",
}


@pytest.fixture
def projet():
    return projet_de("petit-belleville", statut=ProjetStructurant.Statut.A_VENIR)


def poster(client, projet, **donnees):
    champs = {
        "date": timezone.localdate().isoformat(),
        "statut": "en_cours",
        "commentaire": "Travaux commencés en septembre.",
    }
    champs.update(donnees)
    return client.post(f"/quartiers/projets/{projet.pk}/suivi/", champs)


@pytest.mark.parametrize(
    "role", ["anonyme", "spv", "delegue", "delegue_autre", "partenaire", "structure", "admin"]
)
def test_matrice_des_etapes_de_suivi(client, comptes_suivi, projet, role):
    statut_brut = projet.statut_brut
    reponse = poster(client_pour(client, comptes_suivi[role]), projet)
    projet.refresh_from_db()
    if role in AUTORISES:
        assert reponse.status_code == 302
        assert reponse["Location"] == f"/quartiers/projets/{projet.pk}/"
        suivi = SuiviProjet.objects.get(projet=projet)
        assert suivi.auteur == comptes_suivi[role]
        assert suivi.commentaire == "Travaux commencés en septembre."
        assert projet.statut == ProjetStructurant.Statut.EN_COURS
    else:
        assert not SuiviProjet.objects.filter(projet=projet).exists()
        assert projet.statut == ProjetStructurant.Statut.A_VENIR
        if role == "anonyme":
            assert reponse.status_code == 302
            assert reponse["Location"].startswith("/connexion/?next=")
        else:
            assert reponse.status_code == 403
            assert REFUS[role] in reponse.content.decode()
    assert projet.statut_brut == statut_brut


@pytest.mark.parametrize(
    ("role", "attendu"),
    [
        ("anonyme", False),
        ("spv", True),
        ("delegue", True),
        ("delegue_autre", False),
        ("partenaire", False),
        ("structure", False),
        ("admin", True),
    ],
)
def test_regle_peut_suivre_projet(comptes_suivi, projet, role, attendu):
    from django.contrib.auth.models import AnonymousUser

    user = comptes_suivi[role] or AnonymousUser()
    assert roles.peut_suivre_projet(user, projet) is attendu
    # Le délégué d'un autre QPV suit, lui, les projets du sien.
    if role == "delegue_autre":
        assert roles.peut_suivre_projet(user, projet_de("goutte-dor"))


def test_le_modele_refuse_aussi(comptes_suivi, projet):
    with pytest.raises(PermissionDenied, match="ne vous est pas confié"):
        projet.ajouter_suivi(comptes_suivi["delegue_autre"], "realise", "Fini.")
    assert not projet.suivis.exists()


def test_historique_des_etapes_et_du_statut(comptes_suivi, projet):
    delegue, spv = comptes_suivi["delegue"], comptes_suivi["spv"]
    aujourd_hui = timezone.localdate()
    projet.ajouter_suivi(
        delegue,
        "en_reflexion",
        "Étude de faisabilité.",
        aujourd_hui.replace(day=1) - datetime.timedelta(days=60),
    )
    projet.ajouter_suivi(
        spv, "en_cours", "Marché attribué.", aujourd_hui - datetime.timedelta(days=5)
    )
    # Une étape antidatée s'ajoute à l'historique sans écraser le statut de la plus récente.
    projet.ajouter_suivi(
        delegue,
        "a_venir",
        "Rappel : présenté en comité.",
        aujourd_hui - datetime.timedelta(days=30),
    )
    projet.refresh_from_db()
    assert projet.statut == ProjetStructurant.Statut.EN_COURS
    etapes = list(projet.suivis.order_by("-date", "-pk"))
    assert [e.statut for e in etapes] == ["en_cours", "a_venir", "en_reflexion"]
    assert [e.auteur for e in etapes] == [spv, delegue, delegue]
    assert projet.dernier_suivi == etapes[0]
    # Chaque changement de statut est dans l'historique du projet, avec son auteur.
    versions = list(projet.history.order_by("history_date", "history_id"))
    changements = [(v.statut, v.history_user) for v in versions[1:]]
    assert changements == [("en_reflexion", delegue), ("en_cours", spv)]
    assert versions[-1].history_change_reason.startswith("Suivi du ")
    assert all(v.statut_brut == versions[0].statut_brut for v in versions)
    # Les étapes elles-mêmes sont historisées.
    assert SuiviProjet.history.filter(projet_id=projet.pk).count() == 3


@pytest.mark.parametrize(
    ("donnees", "champ", "message"),
    [
        ({"commentaire": "   "}, "commentaire", "obligatoire"),
        ({"date": "2099-01-01"}, "date", "futur"),
        ({"statut": "termine"}, "statut", "Sélectionnez un choix valide"),
    ],
)
def test_etape_incomplete_refusee(client, utilisateurs, projet, donnees, champ, message):
    client.force_login(utilisateurs["delegue"])
    reponse = poster(client, projet, **donnees)
    assert reponse.status_code == 400
    assert message in str(reponse.context["form"].errors[champ])
    assert not projet.suivis.exists()


def test_validation_du_modele(utilisateurs, projet):
    with pytest.raises(ValidationError) as erreur:
        projet.ajouter_suivi(utilisateurs["spv"], "inconnu", "")
    assert set(erreur.value.error_dict) == {"statut", "commentaire"}


def test_page_du_projet_selon_le_role(client, comptes_suivi, projet):
    caf = Signataire.objects.get(nom__icontains="allocations familiales")
    portage(projet, signataire=caf, engagements=[5, 12])
    projet.annee_echeance = 2024
    projet.save()
    projet.ajouter_suivi(comptes_suivi["spv"], "en_cours", "Permis de construire déposé.")
    url = f"/quartiers/projets/{projet.pk}/"

    client.force_login(comptes_suivi["delegue"])
    html = client.get(url).content.decode()
    assert "Historique du suivi" in html and "Permis de construire déposé." in html
    assert "Ajouter une étape de suivi" in html
    assert caf.nom in html and "Engagement 5" in html and "Engagement 12" in html
    assert "2024" in html and "dépassée" in html

    client.force_login(comptes_suivi["delegue_autre"])
    html = client.get(url).content.decode()
    assert "Permis de construire déposé." in html  # un délégué lit tout
    assert "Ajouter une étape de suivi" not in html

    client.force_login(comptes_suivi["partenaire"])
    html = client.get(url).content.decode()
    assert "Permis de construire déposé." not in html
    assert "Historique du suivi" not in html
    assert caf.nom in html  # le porteur, lui, est public


def test_la_fiche_montre_la_derniere_etape(client, utilisateurs, projet):
    projet.ajouter_suivi(
        utilisateurs["spv"],
        "en_reflexion",
        "Première réunion.",
        timezone.localdate() - datetime.timedelta(days=3),
    )
    projet.ajouter_suivi(utilisateurs["delegue"], "en_cours", "Chantier ouvert.")
    client.force_login(utilisateurs["delegue"])
    html = client.get("/quartiers/petit-belleville/").content.decode()
    assert "Chantier ouvert." in html
    assert "Première réunion." not in html
    client.logout()
    html = client.get("/quartiers/petit-belleville/").content.decode()
    assert "Chantier ouvert." not in html  # le suivi n'est pas public


def test_un_seul_porteur(projet):
    caf = Signataire.objects.get(nom__icontains="allocations familiales")
    j2p = Structure.objects.get(slug="j2p")
    p = PortageProjet(projet=projet, porteur_signataire=caf, porteur_structure=j2p)
    with pytest.raises(ValidationError, match="un seul porteur"):
        p.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        p.save()
    p = portage(projet, structure=j2p, engagements=[1])
    assert p.porteur == j2p
    # Historisé, engagements compris (simple_history, m2m_fields).
    assert p.history.latest().engagements.count() == 1


def test_projets_a_echeance_depassee(projet):
    annee = timezone.localdate().year
    projet.annee_echeance = annee - 1
    projet.save()
    realise = projet_de("goutte-dor")
    realise.annee_echeance = annee - 2
    realise.statut = ProjetStructurant.Statut.REALISE
    realise.save()
    cette_annee = projet_de("amandiers")
    cette_annee.annee_echeance = annee
    cette_annee.save()
    assert list(ProjetStructurant.objects.echeance_depassee()) == [projet]
    assert projet.echeance_est_depassee
    assert not realise.echeance_est_depassee and not cette_annee.echeance_est_depassee


def test_le_rechargement_du_referentiel_garde_le_statut_suivi(utilisateurs, projet):
    statut_brut = projet.statut_brut
    projet.ajouter_suivi(utilisateurs["delegue"], "realise", "Inauguré.")
    call_command("load_referentiel", stdout=io.StringIO())
    projet.refresh_from_db()
    assert projet.statut == ProjetStructurant.Statut.REALISE
    assert projet.statut_brut == statut_brut
    # Un projet sans suivi garde, lui, le statut du contrat.
    autre = projet_de("petit-belleville", statut=ProjetStructurant.Statut.EXISTANT)
    ProjetStructurant.objects.filter(pk=autre.pk).update(statut="en_cours")
    call_command("load_referentiel", stdout=io.StringIO())
    autre.refresh_from_db()
    assert autre.statut == ProjetStructurant.Statut.EXISTANT
