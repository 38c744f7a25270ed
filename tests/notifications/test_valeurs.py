"""Les notifications des valeurs, pour chaque transition et chaque origine (page, import par
socle.imports, API) : les bonnes personnes reçoivent une notification et un courriel (un par
lot, pas un par valeur), l'auteur du changement jamais, un compte désactivé jamais."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from engagements.models import Signataire
from indicateurs.models import ImportValeurs, Indicateur, Valeur
from indicateurs.resources import modele_xlsx
from notifications.models import Notification
from socle.imports import executer
from tests.api.conftest import client_api
from tests.indicateurs.test_import import remplir

from .conftest import ANNEE, PORTAIL, adresse, courriels, creer_valeur, recues

pytestmark = pytest.mark.django_db

AGENTS = {"agent-spv", "agent-spv-2"}
CAF = {"partenaire-caf", "partenaire-caf-2"}


@pytest.fixture
def deux_brouillons(campagne, ind_caf, comptes):
    partenaire = comptes["partenaire"]
    return [
        creer_valeur(ind_caf, code, valeur=Decimal(v), saisi_par=partenaire)
        for code, v in (("paris", 1000), ("qpv-goutte-dor", 50))
    ]


@pytest.fixture
def deux_soumises(deux_brouillons, comptes):
    Valeur.objects.filter(pk__in=[v.pk for v in deux_brouillons]).update(
        statut="soumis", soumis_par=comptes["partenaire"]
    )
    for v in deux_brouillons:
        v.refresh_from_db()
    return deux_brouillons


def verifier(attendus, type_, nombre):
    """Chaque compte attendu a reçu une notification (de `nombre` objets) et un courriel ;
    personne d'autre."""
    assert recues() == {nom: [(type_, nombre)] for nom in attendus}
    assert set(courriels()) == {adresse(nom) for nom in attendus}
    assert all(len(objets) == 1 for objets in courriels().values())


# --- soumission : au SPV -----------------------------------------------------------------------


def soumettre_par_la_page(client, comptes, valeurs):
    client.force_login(comptes["partenaire"])
    reponse = client.post(f"/indicateurs/E28-2/saisie/{ANNEE}/tout/submit/")
    assert reponse.status_code == 302


def soumettre_par_import(client, comptes, valeurs):
    modele, _ = modele_xlsx(ANNEE, comptes["partenaire"])
    fichier = remplir(
        modele, {("E28-2", "paris"): {"Valeur": 1100}, ("E28-2", "qpv-goutte-dor"): {"Valeur": 55}}
    )
    imp = ImportValeurs(
        annee=ANNEE,
        utilisateur=comptes["partenaire"],
        organisation_id=comptes["partenaire"].profil.signataire_id,
        nom_fichier="valeurs.xlsx",
        contenu=fichier,
        soumettre=True,
    )
    assert executer(imp, confirmer=False).valide
    rapport = executer(imp, confirmer=True)
    assert rapport.valide, rapport.erreurs


def soumettre_par_l_api(client, comptes, valeurs):
    reponse = client_api(comptes["partenaire"], "jeton").post(
        "/api/v1/valeurs/bulk/",
        {
            "valeurs": [
                {
                    "indicateur": "E28-2",
                    "territoire": v.territoire.code,
                    "annee": ANNEE,
                    "valeur": 2000,
                    # Modifier une valeur existante par l'API demande la version lue.
                    "version": v.version,
                }
                for v in valeurs
            ],
            "soumettre": True,
        },
        format="json",
    )
    assert reponse.status_code == 200, reponse.content


@pytest.mark.parametrize(
    "origine", [soumettre_par_la_page, soumettre_par_import, soumettre_par_l_api]
)
def test_soumission_previent_les_agents_du_spv(
    client, comptes, deux_brouillons, origine, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        origine(client, comptes, deux_brouillons)
    assert Valeur.objects.filter(statut="soumis").count() == 2
    # Une notification par agent pour les deux valeurs ; ni l'auteur (partenaire), ni l'autre
    # partenaire de la Caf, ni l'agent désactivé, ni l'admin sans rôle.
    verifier(AGENTS, Notification.Type.VALEUR_SOUMISE, 2)
    n = Notification.objects.get(destinataire=comptes["spv"])
    assert n.titre == "2 valeurs soumises à valider"
    assert n.auteur == comptes["partenaire"]
    assert "(Caisse d’Allocations Familiales) a soumis 2 valeurs" in n.message
    assert n.lien == f"/indicateurs/valeurs/?statut=soumis&annee={ANNEE}&indicateur=E28-2"


def test_import_sans_soumission_ne_notifie_personne(
    client, comptes, deux_brouillons, django_capture_on_commit_callbacks
):
    modele, _ = modele_xlsx(ANNEE, comptes["partenaire"])
    imp = ImportValeurs(
        annee=ANNEE,
        utilisateur=comptes["partenaire"],
        nom_fichier="valeurs.xlsx",
        contenu=remplir(modele, {("E28-2", "paris"): {"Valeur": 1100}}),
    )
    executer(imp, confirmer=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert executer(imp, confirmer=True).valide
    assert Valeur.objects.get(territoire__code="paris", annee=ANNEE).statut == "brouillon"
    assert recues() == {} and courriels() == {}


def test_import_soumis_depuis_la_page_de_depot(
    client, comptes, deux_brouillons, django_capture_on_commit_callbacks
):
    modele, _ = modele_xlsx(ANNEE, comptes["partenaire"])
    fichier = remplir(modele, {("E28-2", "paris"): {"Valeur": 1100}})
    client.force_login(comptes["partenaire"])
    html = client.get(f"/indicateurs/campagnes/{ANNEE}/import/").content.decode()
    assert "Soumettre au SPV les valeurs importées" in html
    reponse = client.post(
        f"/indicateurs/campagnes/{ANNEE}/import/",
        {"fichier": SimpleUploadedFile("v.xlsx", fichier), "soumettre": "on"},
    )
    imp = ImportValeurs.objects.get()
    assert imp.soumettre and reponse["Location"] == imp.get_absolute_url()
    assert (
        "valeurs soumises au SPV à l’application"
        in client.get(reponse["Location"]).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/indicateurs/imports/{imp.pk}/confirmer/")
    assert Valeur.objects.get(territoire__code="paris", annee=ANNEE).statut == "soumis"
    verifier(AGENTS, Notification.Type.VALEUR_SOUMISE, 1)


def test_import_soumis_refuse_annule_tout(comptes, deux_brouillons, ind_part_caf):
    """Une valeur que le circuit refuse de soumettre annule l'import entier (tout ou rien)."""
    modele, _ = modele_xlsx(ANNEE, comptes["partenaire"])
    fichier = remplir(modele, {("E28-2", "paris"): {"Valeur": 1100}})
    imp = ImportValeurs(
        annee=ANNEE,
        utilisateur=None,  # ligne de commande : pas de compte au nom duquel soumettre
        nom_fichier="valeurs.xlsx",
        contenu=fichier,
        soumettre=True,
    )
    rapport = executer(imp, confirmer=True, enregistrer=False)
    assert not rapport.valide
    assert "demande un compte" in rapport.erreurs[0]["message"]
    assert Valeur.objects.get(territoire__code="paris", annee=ANNEE).valeur == 1000
    assert not Notification.objects.exists()


# --- validation et renvoi : au producteur et à qui a saisi ou soumis ---------------------------


def valider_par_la_page(client, comptes, valeurs):
    client.force_login(comptes["spv"])
    if len(valeurs) == 1:
        client.post(f"/indicateurs/valeurs/{valeurs[0].pk}/valider/")
    else:
        client.post("/indicateurs/valeurs/valider/", {"valeur": [v.pk for v in valeurs]})


def valider_par_l_api(client, comptes, valeurs):
    api = client_api(comptes["spv"], "jeton")
    for v in valeurs:
        reponse = api.post(
            f"/api/v1/valeurs/{v.pk}/valider/",
            format="json",
            HTTP_IF_MATCH=f'"{v.pk}-{v.version}"',
        )
        assert reponse.status_code == 200, reponse.content


@pytest.mark.parametrize(
    ("origine", "nombre"),
    [(valider_par_la_page, 1), (valider_par_la_page, 2), (valider_par_l_api, 1)],
    ids=["page", "page-en-masse", "api"],
)
def test_validation_previent_le_producteur(
    client, comptes, deux_soumises, origine, nombre, django_capture_on_commit_callbacks
):
    valeurs = deux_soumises[:nombre]
    with django_capture_on_commit_callbacks(execute=True):
        origine(client, comptes, valeurs)
    assert Valeur.objects.filter(statut="valide", annee=ANNEE).count() == nombre
    # Les deux comptes de la Caf (l'un a saisi et soumis), pas l'auteur (SPV), ni l'autre
    # agent, ni l'Académie.
    verifier(CAF, Notification.Type.VALEUR_VALIDEE, nombre)
    n = Notification.objects.get(destinataire=comptes["partenaire2"])
    if nombre == 1:
        assert n.titre == f"Valeur validée : E28-2 · Paris · {ANNEE}"
        assert n.lien == f"/indicateurs/valeurs/{valeurs[0].pk}/"
    else:
        assert n.titre == "2 valeurs validées"
        assert f"E28-2 · {valeurs[1].territoire.nom}" in n.message
        assert "E28-2 · Paris" in n.message


def renvoyer_par_la_page(client, comptes, valeur):
    client.force_login(comptes["spv"])
    client.post(f"/indicateurs/valeurs/{valeur.pk}/renvoyer/", {"motif": "Source à préciser."})


def renvoyer_par_l_api(client, comptes, valeur):
    reponse = client_api(comptes["spv"], "jeton").post(
        f"/api/v1/valeurs/{valeur.pk}/renvoyer/",
        {"motif": "Source à préciser."},
        format="json",
        HTTP_IF_MATCH=f'"{valeur.pk}-{valeur.version}"',
    )
    assert reponse.status_code == 200, reponse.content


@pytest.mark.parametrize("origine", [renvoyer_par_la_page, renvoyer_par_l_api])
def test_renvoi_previent_le_producteur_avec_le_motif(
    client, comptes, deux_soumises, origine, django_capture_on_commit_callbacks
):
    valeur = deux_soumises[0]
    with django_capture_on_commit_callbacks(execute=True):
        origine(client, comptes, valeur)
    valeur.refresh_from_db()
    assert valeur.statut == "renvoye"
    verifier(CAF, Notification.Type.VALEUR_RENVOYEE, 1)
    n = Notification.objects.get(destinataire=comptes["partenaire"])
    assert n.titre == f"Valeur renvoyée pour correction : E28-2 · Paris · {ANNEE}"
    assert "Motif : Source à préciser." in n.message
    courriel = mail.outbox[0]
    assert "Source à préciser." in courriel.body
    assert f"{PORTAIL}/indicateurs/valeurs/{valeur.pk}/" in courriel.body


def test_qui_a_saisi_est_prevenu_meme_sans_etre_du_producteur(
    client, comptes, campagne, ind_caf, django_capture_on_commit_callbacks
):
    """Une valeur saisie par un agent du SPV pour la Caf : à sa validation par un autre agent,
    l'agent qui l'a saisie est prévenu avec les partenaires de la Caf ; le valideur jamais."""
    valeur = creer_valeur(ind_caf, "paris", saisi_par=comptes["spv2"], statut="soumis")
    with django_capture_on_commit_callbacks(execute=True):
        valeur.valider(comptes["spv"])
    assert set(recues()) == CAF | {"agent-spv-2"}


def test_l_auteur_n_est_jamais_notifie(
    comptes, campagne, ind_caf, django_capture_on_commit_callbacks
):
    # Un agent saisit, soumet et valide lui-même une valeur : les autres agents apprennent la
    # soumission, la Caf la validation ; lui, rien.
    valeur = creer_valeur(ind_caf, "paris", saisi_par=comptes["spv"])
    with django_capture_on_commit_callbacks(execute=True):
        valeur.submit(comptes["spv"])
    with django_capture_on_commit_callbacks(execute=True):
        valeur.valider(comptes["spv"])
    assert "agent-spv" not in recues()
    assert recues()["agent-spv-2"] == [(Notification.Type.VALEUR_SOUMISE, 1)]
    assert set(recues()) == {"agent-spv-2"} | CAF


def test_une_transition_annulee_ne_notifie_pas(comptes, deux_soumises):
    """Le signal part après la validation de la transaction : sans elle, rien."""
    with pytest.raises(RuntimeError), transaction.atomic():
        deux_soumises[0].valider(comptes["spv"])
        raise RuntimeError("annulée")
    assert not Notification.objects.exists()


def test_un_lot_de_plusieurs_producteurs_se_partage(
    client, comptes, deux_soumises, django_capture_on_commit_callbacks
):
    """Validation en masse de valeurs de deux organisations : chacune n'apprend que les
    siennes, en une notification."""
    academie = Signataire.objects.get(nom="Académie de Paris")
    ind = Indicateur.objects.get(code="E01-1")
    ind.producteur = academie
    ind.save()
    autre = creer_valeur(ind, "paris", statut="soumis", valeur=Decimal(12))
    with django_capture_on_commit_callbacks(execute=True):
        valider_par_la_page(client, comptes, [*deux_soumises, autre])
    assert recues() == {
        "partenaire-caf": [(Notification.Type.VALEUR_VALIDEE, 2)],
        "partenaire-caf-2": [(Notification.Type.VALEUR_VALIDEE, 2)],
        "partenaire-academie": [(Notification.Type.VALEUR_VALIDEE, 1)],
    }
    assert "E01-1" in Notification.objects.get(destinataire=comptes["academie"]).titre
