"""L'API des travaux de fond (socle/travaux.py) : lancer (un seul travail pour une demande
répétée, un nombre borné par compte), avancement écrit sans rafale, durée bornée (par
l'avancement, par l'alarme de l'exécutant et par le balayage des pages), échec dit en
français avec la trace au seul journal, fichier rangé puis purgé à expiration."""

import datetime
import logging
import time
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from django.utils import timezone

from socle import travaux
from socle.models import Travail
from socle.travaux import Avancement

pytestmark = pytest.mark.django_db


def test_lancer_met_en_file_sans_executer(utilisateurs, file_factice):
    travail = travaux.lancer(utilisateurs["spv"], "tests.fichier", {"texte": "a"}, "Essai")
    assert travail.etat == Travail.Etat.EN_ATTENTE
    assert travail.resultat_tache and travail.proprietaire == utilisateurs["spv"]
    assert (travail.fait, travail.total, travail.fichier.name) == (0, 0, "")


def test_lancer_execute_avec_l_executant_immediat(utilisateurs):
    travail = travaux.lancer(utilisateurs["spv"], "tests.fichier", {"texte": "salut"}, "Essai")
    assert travail.etat == Travail.Etat.TERMINE, travail.message
    with travail.fichier.open("rb") as fichier:
        assert fichier.read() == b"salut"
    assert (travail.nom_fichier, travail.taille, travail.message) == ("essai.txt", 5, "Prêt.")
    assert travail.commence_le and travail.termine_le and travail.limite_le
    assert travail.expire_le - travail.termine_le == datetime.timedelta(days=7)
    assert (travail.fait, travail.total, travail.etape) == (1, 2, "Écriture du fichier")


def test_une_demande_repetee_rend_le_travail_encore_actif(utilisateurs, file_factice):
    spv, partenaire = utilisateurs["spv"], utilisateurs["partenaire"]
    premier = travaux.lancer(spv, "tests.fichier", {"texte": "a"}, "Essai")
    assert travaux.lancer(spv, "tests.fichier", {"texte": "a"}, "Essai") == premier
    assert travaux.lancer(spv, "tests.fichier", {"texte": "b"}, "Essai") != premier
    assert travaux.lancer(partenaire, "tests.fichier", {"texte": "a"}, "Essai") != premier
    Travail.objects.filter(pk=premier.pk).update(etat=Travail.Etat.TERMINE)
    assert travaux.lancer(spv, "tests.fichier", {"texte": "a"}, "Essai") != premier


def test_nombre_de_travaux_actifs_borne_par_compte(utilisateurs, file_factice, settings):
    settings.TRAVAUX_ACTIFS_MAX = 2
    spv = utilisateurs["spv"]
    for i in range(2):
        travaux.lancer(spv, "tests.fichier", {"texte": str(i)}, "Essai")
    with pytest.raises(travaux.LancementRefuse, match="déjà 2 travaux en attente ou en cours"):
        travaux.lancer(spv, "tests.fichier", {"texte": "3"}, "Essai")
    assert Travail.objects.filter(proprietaire=spv).count() == 2
    # Les travaux d'un autre compte ne comptent pas.
    travaux.lancer(utilisateurs["partenaire"], "tests.fichier", {"texte": "3"}, "Essai")


def test_echec_inattendu_message_francais_et_trace_au_journal(utilisateurs, caplog):
    with caplog.at_level(logging.ERROR, logger="socle.travaux"):
        travail = travaux.lancer(utilisateurs["spv"], "tests.echec", {}, "Essai")
    assert travail.etat == Travail.Etat.ECHOUE
    assert travail.message == (
        "Le travail n’a pas abouti à cause d’une erreur inattendue du portail. Relancez-le ; si "
        f"l’erreur persiste, signalez-la au SPV en citant le travail n° {travail.pk}."
    )
    assert "détail technique" not in travail.message and "Traceback" not in travail.message
    (enregistrement,) = [r for r in caplog.records if r.name == "socle.travaux"]
    assert enregistrement.exc_info and "détail technique" in str(enregistrement.exc_info[1])
    assert not travail.fichier


def test_refus_attendu_message_et_lien_sans_trace(utilisateurs, caplog):
    with caplog.at_level(logging.WARNING, logger="socle.travaux"):
        travail = travaux.lancer(utilisateurs["spv"], "tests.refus", {}, "Essai")
    assert travail.etat == Travail.Etat.ECHOUE
    assert travail.message == "Ce quartier n’existe plus dans le portail."
    assert (travail.lien, travail.texte_lien) == ("/quartiers/", "Quartiers")
    assert not [r for r in caplog.records if r.name == "socle.travaux"]


def test_un_travail_deja_pris_ou_abandonne_ne_repart_pas(utilisateurs, file_factice):
    travail = travaux.lancer(utilisateurs["spv"], "tests.fichier", {}, "Essai")
    Travail.objects.filter(pk=travail.pk).update(etat=Travail.Etat.ECHOUE, message="Abandonné.")
    travaux.executer(travail.pk)
    travail.refresh_from_db()
    assert (travail.etat, travail.message, travail.fichier.name) == ("echoue", "Abandonné.", "")


def test_type_inconnu(utilisateurs, file_factice):
    travail = travaux.lancer(utilisateurs["spv"], "tests.fichier", {}, "Essai")
    Travail.objects.filter(pk=travail.pk).update(type="disparu")
    travaux.executer(travail.pk)
    travail.refresh_from_db()
    assert travail.etat == Travail.Etat.ECHOUE
    assert travail.message.startswith("Ce type de travail n’existe plus")


# --- avancement -----------------------------------------------------------------------------------


class Horloge:
    """Le temps de `time.monotonic`, avancé à la main."""

    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def test_avancement_sans_rafale_d_ecritures(utilisateurs, file_factice):
    travail = travaux.lancer(utilisateurs["spv"], "tests.fichier", {}, "Essai")
    horloge = Horloge()
    with mock.patch("socle.travaux.time.monotonic", horloge):
        avancement = Avancement(travail, duree_max=600)
        for fait in range(1, 10_001):  # 10 000 appels en « 5 secondes »
            horloge.t += 0.0005
            avancement(fait, 10_000, "Contrôle des lignes")
    # La première, puis un bond de 10 points ou une seconde écoulée, et la fin : pas 10 000.
    assert 5 <= avancement.ecritures <= 12, avancement.ecritures
    travail.refresh_from_db()
    assert (travail.fait, travail.total, travail.etape) == (10_000, 10_000, "Contrôle des lignes")
    assert travail.pourcentage == 100


def test_avancement_ecrit_un_changement_d_etape_et_une_seconde_ecoulee(utilisateurs, file_factice):
    travail = travaux.lancer(utilisateurs["spv"], "tests.fichier", {}, "Essai")
    horloge = Horloge()
    with mock.patch("socle.travaux.time.monotonic", horloge):
        avancement = Avancement(travail, duree_max=600)
        avancement(1, 1000, "Lecture")
        avancement(2, 1000, "Lecture")  # trop tôt, trop peu : rien
        assert avancement.ecritures == 1
        avancement(3, 1000, "Contrôle")  # nouvelle étape
        assert avancement.ecritures == 2
        horloge.t += 1.5
        avancement(4, 1000)  # une seconde et demie plus tard
        assert avancement.ecritures == 3
        avancement(4, 1000)  # identique : rien
        assert avancement.ecritures == 3
    travail.refresh_from_db()
    assert (travail.fait, travail.etape) == (4, "Contrôle")


# --- durée bornée ---------------------------------------------------------------------------------


@override_settings(TRAVAUX_DUREES_MAX={"exports": 1, "imports": 1})
def test_delai_depasse_vu_a_l_avancement(utilisateurs):
    debut = time.monotonic()
    travail = travaux.lancer(
        utilisateurs["spv"], "tests.boucle", {"tours": 40, "pause": 0.1}, "Essai"
    )
    assert time.monotonic() - debut < 3
    assert travail.etat == Travail.Etat.ECHOUE
    assert travail.message.startswith(
        "Le travail n’a pas abouti dans le temps imparti (1\xa0s) : il a été arrêté"
    )


@override_settings(TRAVAUX_DUREES_MAX={"exports": 1, "imports": 1})
def test_delai_depasse_sans_avancement_interrompu_par_l_alarme(utilisateurs):
    """Le code qui ne rend jamais la main (un rendu WeasyPrint) est interrompu par l'alarme
    quand l'exécutant tourne dans le fil principal (db_worker, comme ici pytest)."""
    debut = time.monotonic()
    travail = travaux.lancer(utilisateurs["spv"], "tests.dormir", {"secondes": 30}, "Essai")
    assert time.monotonic() - debut < 5
    assert travail.etat == Travail.Etat.ECHOUE
    assert "dans le temps imparti (1\xa0s)" in travail.message


def test_balayage_des_travaux_depasses_ou_jamais_pris(utilisateurs, file_factice):
    spv = utilisateurs["spv"]
    maintenant = timezone.now()
    bloque = travaux.lancer(spv, "tests.fichier", {"n": 1}, "Bloqué")
    Travail.objects.filter(pk=bloque.pk).update(
        etat=Travail.Etat.EN_COURS, limite_le=maintenant - datetime.timedelta(seconds=1)
    )
    oublie = travaux.lancer(spv, "tests.fichier", {"n": 2}, "Oublié")
    Travail.objects.filter(pk=oublie.pk).update(cree_le=maintenant - datetime.timedelta(days=2))
    en_cours = travaux.lancer(spv, "tests.fichier", {"n": 3}, "En cours")
    Travail.objects.filter(pk=en_cours.pk).update(
        etat=Travail.Etat.EN_COURS, limite_le=maintenant + datetime.timedelta(minutes=5)
    )
    recent = travaux.lancer(spv, "tests.fichier", {"n": 4}, "Récent")
    assert travaux.marquer_depasses() == 2
    etats = dict(Travail.objects.values_list("libelle", "etat"))
    assert etats == {
        "Bloqué": "echoue",
        "Oublié": "echoue",
        "En cours": "en_cours",
        "Récent": "en_attente",
    }
    bloque.refresh_from_db(), oublie.refresh_from_db()
    assert bloque.message.startswith("Le travail n’a pas abouti dans le temps imparti")
    assert oublie.message.startswith("Le travail n’a jamais été pris en charge")
    assert recent.pk


# --- conservation -----------------------------------------------------------------------------------


def test_purge_des_fichiers_expires(utilisateurs):
    spv = utilisateurs["spv"]
    garde = travaux.lancer(spv, "tests.fichier", {"texte": "garde"}, "Gardé")
    expire = travaux.lancer(spv, "tests.fichier", {"texte": "expiré"}, "Expiré")
    Travail.objects.filter(pk=expire.pk).update(expire_le=timezone.now())
    stockage, nom = expire.fichier.storage, expire.fichier.name
    assert stockage.exists(nom)
    assert travaux.purger()["fichiers"] == 1
    assert not stockage.exists(nom) and garde.fichier.storage.exists(garde.fichier.name)
    expire.refresh_from_db()
    assert expire.fichier.name == "" and expire.nom_fichier == "essai.txt"
    assert not expire.fichier_disponible and garde.fichier_disponible


def test_stockage_prive_hors_des_medias(settings):
    from socle.models import stockage_travaux

    stockage = stockage_travaux()
    assert str(stockage.location) == str(settings.TRAVAUX_FICHIERS_ROOT)
    assert stockage.base_url is None or not str(stockage.location).startswith(
        str(settings.MEDIA_ROOT)
    )
    nom = stockage.save("essai/x.txt", ContentFile(b"x"))
    assert stockage.exists(nom)
    stockage.delete(nom)
