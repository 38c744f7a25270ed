"""Fixtures des travaux de fond : des types de travail propres aux tests (déclarés ici, comme
une app les déclare dans son taches.py), la file « factice » qui garde les travaux sans les
exécuter (pour vérifier qu'une page ne fait que les mettre en file), et des comptes."""

import time

import pytest

from socle import travaux
from tests.indicateurs.conftest import caf, campagne, ind_autre, ind_caf  # noqa: F401

FILE_FACTICE = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
FILE_EN_BASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@travaux.declarer("tests.fichier", "Fichier de test")
def fichier_de_test(travail, progression):
    progression(1, 2, "Écriture du fichier")
    texte = travail.parametres.get("texte", "bonjour")
    return travaux.Resultat(
        contenu=texte.encode(), nom_fichier="essai.txt", type_mime="text/plain", message="Prêt."
    )


@travaux.declarer("tests.echec", "Échec inattendu")
def echec_inattendu(travail, progression):
    raise ValueError("détail technique à ne jamais montrer")


@travaux.declarer("tests.refus", "Refus attendu")
def refus_attendu(travail, progression):
    raise travaux.Refus("Ce quartier n’existe plus dans le portail.", "/quartiers/", "Quartiers")


@travaux.declarer("tests.dormir", "Travail trop long")
def dormir(travail, progression):
    time.sleep(travail.parametres["secondes"])


@travaux.declarer("tests.boucle", "Travail long qui rend compte")
def boucle(travail, progression):
    for i in range(travail.parametres["tours"]):
        time.sleep(travail.parametres.get("pause", 0))
        progression(i + 1, travail.parametres["tours"], "Tours")


@pytest.fixture
def file_factice(settings):
    """Les travaux sont mis en file mais jamais exécutés (django-tasks, DummyBackend). Par la
    fixture `settings`, pour que les réglages changés dans le test se rétablissent dans
    l'ordre."""
    settings.TASKS = FILE_FACTICE
