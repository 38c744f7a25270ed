"""Exécute UNE mesure dans un processus neuf et écrit son résultat en JSON :

    python -m bench.execution --contexte DOSSIER/contexte-paris.json --mesure comparaison \
        --delai 300 --sortie resultat.json

Un processus par mesure : la mémoire de pointe (`ru_maxrss`) est celle de cette mesure seule,
et une mesure qui déborde est arrêtée sans emporter les autres.

Protocole :
1. préparation hors chrono (connexion du compte, fichiers) ;
2. une exécution d’échauffement (la première requête d'un processus charge gabarits et
   modules : 2 à 3 s), sauf pour les mesures « lourdes » ; si elle dure plus de 20 s, elle
   compte comme la première mesure plutôt que d'être refaite ;
3. des exécutions chronométrées, jusqu'au nombre prévu ou jusqu'à 30 s cumulées ; chacune
   est bornée par `--delai` (au-delà : « interrompu », la requête SQL en cours est annulée) ;
4. le plancher SQL : les requêtes de la dernière exécution rejouées telles quelles sur un
   curseur (avec lecture des lignes), dans une transaction annulée ; leur somme est le temps
   que la base seule met à répondre, le rapport p50 / plancher ce que coûte tout le reste ;
5. pour les listes de valeurs, l'EXPLAIN ANALYZE de la requête principale et du comptage.

Le temps CPU du processus (`time.process_time`, Python seul, hors base) est relevé à côté de
la durée : il dépend bien moins de la charge de la machine, partagée, que la durée murale."""

import argparse
import json
import os
import resource
import signal
import sys
import time
import traceback
from contextlib import contextmanager

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contratville.settings_test")
# Le débit de l'API (600 requêtes par minute et par compte) n'est pas ce qu'on mesure.
os.environ.setdefault("API_DEBIT_UTILISATEUR", "1000000/min")
os.environ.setdefault("API_DEBIT_ANONYME", "1000000/min")

import django  # noqa: E402

SEUIL_ECHAUFFEMENT = 20.0  # s : une première exécution plus longue compte comme mesure
BUDGET_REPETITIONS = 30.0  # s cumulées au-delà desquelles on ne relance plus
BUDGET_PLANCHER = 120.0  # s au plus pour rejouer les requêtes


class MesureInterrompue(KeyboardInterrupt):
    """Le délai d'une exécution est écoulé. Hérite de KeyboardInterrupt pour que psycopg
    annule la requête en cours côté serveur au lieu de la laisser tourner."""


def _alarme(signum, frame):
    raise MesureInterrompue()


class Chrono:
    """Enregistre les requêtes SQL d'une exécution (`connection.execute_wrapper`), le temps
    passé hors chrono, et les résultats annexes (saisie concurrente)."""

    def __init__(self):
        self.requetes = []  # (sql, params, many, durée, chronométrée)
        self.hors = 0.0
        self.annexes = []
        self._hors_actif = False

    def __call__(self, execute, sql, params, many, context):
        debut = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            duree = time.perf_counter() - debut
            if self._hors_actif != "oublier":
                self.requetes.append((sql, params, many, duree, not self._hors_actif))

    @contextmanager
    def hors_chrono(self, rejouer=True):
        """Ce qui s'exécute dans ce bloc n'est pas chronométré ; ses requêtes sont rejouées
        (sans être comptées) avant les suivantes pour le plancher, sauf `rejouer=False`
        (connexion d'un autre client, par exemple)."""
        debut = time.perf_counter()
        self._hors_actif = True if rejouer else "oublier"
        try:
            yield
        finally:
            self._hors_actif = False
            self.hors += time.perf_counter() - debut

    def annexe(self, libelle, duree, note=""):
        self.annexes.append({"libelle": libelle, "duree": duree, "note": note})

    @property
    def chronometrees(self):
        return [r for r in self.requetes if r[4]]


def rss_actuel_mo():
    try:
        with open("/proc/self/status") as f:
            for ligne in f:
                if ligne.startswith("VmRSS:"):
                    return int(ligne.split()[1]) / 1024
    except OSError:
        pass
    return None


def rss_max_mo():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def executer_une_fois(lancer, delai):
    """(durée, taille, chrono) d'une exécution ; lève MesureInterrompue après `delai`."""
    from django.db import connection

    chrono = Chrono()
    signal.setitimer(signal.ITIMER_REAL, delai)
    debut, cpu = time.perf_counter(), time.process_time()
    try:
        with connection.execute_wrapper(chrono):
            taille = lancer(chrono)
    except MesureInterrompue as interruption:
        interruption.chrono = chrono  # requêtes faites jusque-là
        raise
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        chrono.duree_totale = time.perf_counter() - debut
        chrono.cpu = time.process_time() - cpu
    return chrono.duree_totale - chrono.hors, taille, chrono


def rejouer(requetes):
    """Le plancher SQL : (secondes, note). Les requêtes sont rejouées dans l'ordre, dans une
    transaction annulée (une mesure qui écrit ne laisse rien)."""
    from django.db import DatabaseError, connection, transaction

    total, debut = 0.0, time.perf_counter()
    note = ""
    try:
        with transaction.atomic(), connection.cursor() as curseur:
            for n, (sql, params, many, _duree, chronometree) in enumerate(requetes, 1):
                t0 = time.perf_counter()
                if many:
                    curseur.executemany(sql, params)
                else:
                    curseur.execute(sql, params)
                if curseur.description is not None:
                    curseur.fetchall()
                if chronometree:
                    total += time.perf_counter() - t0
                if time.perf_counter() - debut > BUDGET_PLANCHER and n < len(requetes):
                    # Extrapolé au prorata des requêtes chronométrées rejouées.
                    faites = sum(1 for r in requetes[:n] if r[4])
                    comptees = sum(1 for r in requetes if r[4])
                    if faites:
                        total *= comptees / faites
                    note = f"extrapolé de {faites} requêtes sur {comptees}"
                    break
            transaction.set_rollback(True)
    except DatabaseError as erreur:
        return None, f"rejeu impossible : {str(erreur).splitlines()[0][:120]}"
    return total, note


def plans(requetes, table_valeurs):
    """EXPLAIN ANALYZE (forme courte) de la plus longue requête de lecture des valeurs et de
    leur comptage."""
    from django.db import connection

    lectures = [
        r for r in requetes if r[0].lstrip().upper().startswith("SELECT") and table_valeurs in r[0]
    ]
    comptages = [r for r in lectures if "COUNT(" in r[0].upper()]
    principales = [r for r in lectures if "COUNT(" not in r[0].upper()]
    choisies = []
    if principales:
        choisies.append(("requête principale", max(principales, key=lambda r: r[3])))
    if comptages:
        choisies.append(("comptage", max(comptages, key=lambda r: r[3])))
    resultat = []
    with connection.cursor() as curseur:
        for libelle, (sql, params, *_reste) in choisies:
            curseur.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql, params)
            lignes = [ligne[0] for ligne in curseur.fetchall()]
            resultat.append({"libelle": libelle, "sql": sql[:300], "plan": lignes})
    return resultat


def mesurer(mesure, contexte, delai):
    from django.db import connection

    from indicateurs.models import Valeur

    resultat = {
        "charge": os.getloadavg()[0],
        "cle": mesure.cle,
        "groupe": mesure.groupe,
        "libelle": mesure.titre(contexte),
        "web": mesure.web,
        "durees": [],
        "cpu": [],
        "echauffement": None,
        "nb_requetes": None,
        "taille": None,
        "plancher": None,
        "note_plancher": "",
        "interrompu": False,
        "remarque": "",
        "erreur": None,
        "annexes": [],
        "plans": [],
    }
    dernier = None
    try:
        # Chargement commun de Django (URL, intergiciels, gabarit de base) hors mesure : une
        # mesure « lourde », sans échauffement, ne paie ainsi que son propre démarrage.
        from django.test import Client

        Client().get("/")
        lancer = mesure.preparer(contexte)
        # Comme un processus gunicorn (contratville/wsgi.py) une fois Django chargé.
        from contratville.processus import figer_le_demarrage

        figer_le_demarrage()
        resultat["rss_depart_mo"] = rss_actuel_mo()
        cumul = 0.0
        for rang in range(mesure.repetitions + 1):
            duree, taille, chrono = executer_une_fois(lancer, delai)
            resultat["taille"] = taille
            resultat["nb_requetes"] = len(chrono.chronometrees)
            resultat["annexes"] = chrono.annexes
            dernier = chrono
            if rang == 0 and not mesure.lourde and duree < SEUIL_ECHAUFFEMENT:
                resultat["echauffement"] = duree
                continue
            resultat["durees"].append(duree)
            resultat["cpu"].append(chrono.cpu)
            cumul += duree
            if len(resultat["durees"]) >= mesure.repetitions or cumul > BUDGET_REPETITIONS:
                break
    except MesureInterrompue as interruption:
        resultat["interrompu"] = True
        chrono = getattr(interruption, "chrono", None)
        if chrono is not None:
            resultat["nb_requetes"] = len(chrono.chronometrees)
            resultat["annexes"] = chrono.annexes
            resultat["remarque"] = "requêtes comptées jusqu’à l’interruption"
    except Exception as erreur:  # noqa: BLE001 — l'échec est un résultat du banc
        resultat["erreur"] = f"{type(erreur).__name__} : {str(erreur).splitlines()[0][:200]}"
        resultat["trace"] = traceback.format_exc()[-3000:]
    resultat["rss_max_mo"] = rss_max_mo()
    if dernier is not None and not resultat["interrompu"] and resultat["erreur"] is None:
        resultat["plancher"], resultat["note_plancher"] = rejouer(dernier.requetes)
        if mesure.plans:
            resultat["plans"] = plans(dernier.chronometrees, Valeur._meta.db_table)
    connection.close()
    return resultat


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.execution")
    parser.add_argument("--contexte", required=True)
    parser.add_argument("--mesure", required=True)
    parser.add_argument("--delai", type=float, default=300)
    parser.add_argument("--sortie", required=True)
    args = parser.parse_args(argv)
    django.setup()
    from bench.mesures import PAR_CLE

    signal.signal(signal.SIGALRM, _alarme)
    with open(args.contexte) as f:
        contexte = json.load(f)
    resultat = mesurer(PAR_CLE[args.mesure], contexte, args.delai)
    with open(args.sortie, "w") as f:
        json.dump(resultat, f, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
