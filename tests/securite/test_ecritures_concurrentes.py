"""Écritures concurrentes sur les valeurs : la version est obligatoire pour modifier (plus
d'écrasement silencieux), des envois groupés simultanés sur les mêmes valeurs dans des ordres
différents ne font jamais d'erreur 5xx (200, 409 ou 412 seulement) et aucune écriture
acquittée n'est perdue ; un interblocage est rejoué, puis refusé en 409."""

import random
import threading
from decimal import Decimal

import pytest
from django.db import OperationalError, connection, connections
from rest_framework.test import APIClient

from indicateurs.models import Indicateur, Territoire, Valeur
from socle.api.concurrence import reessayer_si_concurrence
from socle.api.erreurs import Conflit
from socle.models import JetonAPI
from socle.roles import Role
from tests.api.conftest import ouvrir_campagne, verifier_erreur
from tests.conftest import creer_utilisateur

URL = "/api/v1/valeurs/bulk/"
ANNEE = 2025


def element(territoire, valeur, version=None, indicateur="E28-2"):
    e = {"indicateur": indicateur, "territoire": territoire, "annee": ANNEE, "valeur": valeur}
    if version is not None:
        e["version"] = version
    return e


def client_spv(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- version obligatoire ----------------------------------------------------------------------


@pytest.mark.django_db
def test_modifier_sans_version_refuse(utilisateurs):
    ouvrir_campagne(ANNEE)
    client = client_spv(utilisateurs["spv"])
    assert client.post(URL, {"valeurs": [element("paris", 10)]}, format="json").status_code == 200
    valeur = Valeur.objects.get(indicateur__code="E28-2", territoire__code="paris", annee=ANNEE)

    corps = verifier_erreur(
        client.post(URL, {"valeurs": [element("paris", 11)]}, format="json"),
        400,
        "donnees_invalides",
    )
    assert corps["erreurs"] == {
        "0": {
            "version": [
                f"Cette valeur existe déjà (id {valeur.pk}, version 1) : indiquez la version "
                "lue pour la modifier (champ « version »)."
            ]
        }
    }
    valeur.refresh_from_db()
    assert valeur.valeur == 10 and valeur.version == 1


@pytest.mark.django_db
def test_deux_ecrivains_sur_la_meme_version_le_second_est_refuse(utilisateurs):
    ouvrir_campagne(ANNEE)
    client = client_spv(utilisateurs["spv"])
    client.post(URL, {"valeurs": [element("paris", 10)]}, format="json")
    premier = client.post(URL, {"valeurs": [element("paris", 20, version=1)]}, format="json")
    assert premier.json()["valeurs"][0]["resultat"] == "modifiee"
    second = client.post(URL, {"valeurs": [element("paris", 30, version=1)]}, format="json")
    verifier_erreur(second, 412, "precondition_echouee")
    assert Valeur.objects.get(territoire__code="paris", annee=ANNEE).valeur == 20


@pytest.mark.django_db
def test_creation_concurrente_sans_version_refusee(utilisateurs):
    """Un élément sans version crée la valeur ; si elle existe déjà quand il l'écrit (créée
    entre-temps), il est refusé au lieu de l'écraser."""
    ouvrir_campagne(ANNEE)
    client = client_spv(utilisateurs["spv"])
    client.post(URL, {"valeurs": [element("paris", 10)]}, format="json")
    reponse = client.post(URL, {"valeurs": [element("paris", 99, version=0)]}, format="json")
    verifier_erreur(reponse, 412, "precondition_echouee")


def test_patch_sans_if_match_refuse(db, utilisateurs):
    ouvrir_campagne(ANNEE)
    client = client_spv(utilisateurs["spv"])
    client.post(URL, {"valeurs": [element("paris", 10)]}, format="json")
    valeur = Valeur.objects.get(territoire__code="paris", annee=ANNEE)
    reponse = client.patch(f"/api/v1/valeurs/{valeur.pk}/", {"valeur": 12}, format="json")
    verifier_erreur(reponse, 428, "precondition_requise")


# --- reprise bornée ---------------------------------------------------------------------------


class ErreurPsycopg(Exception):
    def __init__(self, sqlstate):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def erreur_de_base(sqlstate):
    erreur = OperationalError("deadlock detected")
    erreur.__cause__ = ErreurPsycopg(sqlstate)
    return erreur


@pytest.mark.parametrize("etat", ["40P01", "40001"])
def test_interblocage_rejoue(etat):
    essais = []

    def ecrire():
        essais.append(1)
        if len(essais) < 3:
            raise erreur_de_base(etat)
        return "écrit"

    assert reessayer_si_concurrence(ecrire, attente=0) == "écrit"
    assert len(essais) == 3


def test_interblocage_persistant_409():
    def ecrire():
        raise erreur_de_base("40P01")

    with pytest.raises(Conflit) as refus:
        reessayer_si_concurrence(ecrire, attente=0)
    assert refus.value.status_code == 409
    assert refus.value.get_codes() == "ecritures_concurrentes"


def test_autre_erreur_de_base_non_rejouee():
    essais = []

    def ecrire():
        essais.append(1)
        raise erreur_de_base("08006")  # connexion perdue : 503, pas de reprise

    with pytest.raises(OperationalError):
        reessayer_si_concurrence(ecrire, attente=0)
    assert len(essais) == 1


# --- écrivains simultanés (vraies transactions PostgreSQL) ------------------------------------

# Des territoires sans rattachement obligatoire (un QPV demanderait son quartier).
TERRITOIRES = {
    "paris-test": "paris",
    "ensemble-test": "ensemble_qpv",
    "rep-test": "rep",
    "rep-plus-test": "rep_plus",
}


@pytest.fixture
def quatre_valeurs(transactional_db):
    """Un indicateur, quatre territoires, une campagne ouverte et quatre valeurs (version 1),
    créés pour ce test transactionnel (le référentiel n'y est pas chargé)."""
    ouvrir_campagne(ANNEE)
    indicateur = Indicateur.objects.create(
        code="T99-1",
        libelle="Indicateur des tests de concurrence",
        niveaux=list(set(TERRITOIRES.values())),
    )
    spv = creer_utilisateur("agent-concurrence", Role.SPV)
    for i, (code, type_) in enumerate(TERRITOIRES.items()):
        territoire = Territoire.objects.create(code=code, type=type_, nom=code, ordre=i)
        Valeur.objects.create(
            indicateur=indicateur, territoire=territoire, annee=ANNEE, valeur=Decimal(100)
        )
    _, cle = JetonAPI.emettre(spv, "Écrivain concurrent")
    return cle


def lire_versions(client):
    corps = client.get("/api/v1/valeurs/?indicateur=T99-1&page_size=50").json()
    return {v["territoire"]: v["version"] for v in corps["results"]}


def test_envois_groupes_simultanes_sans_erreur_5xx_ni_ecriture_perdue(quatre_valeurs):
    statuts, acquittes, erreurs = [], [], []
    verrou = threading.Lock()

    def ecrivain(numero):
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {quatre_valeurs}")
            hasard = random.Random(numero)
            for tour in range(6):
                versions = lire_versions(client)
                ordre = list(TERRITOIRES)
                hasard.shuffle(ordre)
                valeur = 1000 * numero + tour
                elements = [
                    element(t, valeur, version=versions[t], indicateur="T99-1") for t in ordre
                ]
                reponse = client.post(URL, {"valeurs": elements}, format="json")
                with verrou:
                    statuts.append(reponse.status_code)
                    if reponse.status_code == 200:
                        acquittes.append(valeur)
        except Exception as exc:  # pragma: no cover - remonté par l'assertion
            erreurs.append(exc)
        finally:
            connection.close()

    fils = [threading.Thread(target=ecrivain, args=(n,)) for n in range(1, 5)]
    for f in fils:
        f.start()
    for f in fils:
        f.join(timeout=120)
    assert erreurs == []
    assert len(statuts) == 24
    assert set(statuts) <= {200, 409, 412}, statuts
    assert statuts.count(200) >= 1
    # Chaque envoi acquitté a écrit les quatre valeurs : aucune écriture perdue ni partielle.
    valeurs = Valeur.objects.filter(indicateur__code="T99-1")
    assert {v.version for v in valeurs} == {1 + len(acquittes)}
    assert {v.valeur for v in valeurs} == {Decimal(acquittes[-1])}
    for alias in connections:
        connections[alias].close()
