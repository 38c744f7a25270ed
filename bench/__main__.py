"""Banc d'essai des performances : `python -m bench` (ou `make bench`).

    python -m bench [--echelle paris|nationale|tout] [--delai 300] [--mesures cle1,cle2]
                    [--recreer] [--qpv 1600 --fiches 50000 …]

DATABASE_URL désigne un SERVEUR PostgreSQL jetable (`make bench` en démarre un) : le banc y
crée ses propres bases, `bench_paris` (référentiel + campagne synthétique parisienne de
`bench/bilan.py`) et `bench_national` (référentiel + jeu national de `bench/national/`), et
n'écrit dans aucune autre. Une base déjà préparée est réutilisée (le jeu national n'est
généré qu'une fois) ; `--recreer` repart de bases vides.

Chaque mesure tourne dans son propre processus (`bench/execution.py`), bornée par `--delai`
secondes par exécution ; le banc imprime une ligne par mesure au fil de l'eau, puis le
tableau de chaque échelle, la comparaison des deux et les plans des listes de valeurs. Rien
n'est affirmé sur les durées : ce sont des chiffres, pas des tests. Les résultats sont aussi
écrits dans le dossier de travail (JSON et texte)."""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench import tableau

# BENCH_SUFFIXE donne à chaque poste de travail sa copie des bases (bench_national_pages…),
# pour que des mesures menées en parallèle sur des branches différentes ne se gênent pas.
_SUFFIXE = os.environ.get("BENCH_SUFFIXE", "")
BASES = {"paris": "bench_paris" + _SUFFIXE, "nationale": "bench_national" + _SUFFIXE}
MARGE_PROCESSUS = 240  # s en plus du délai : préparation, rejeu du plancher, démarrage


class Sortie:
    """Imprime et garde le texte du rapport."""

    def __init__(self):
        self.lignes = []

    def __call__(self, texte=""):
        print(texte, flush=True)
        self.lignes.append(texte)


def url_base(url, nom):
    morceaux = urlsplit(url)
    return urlunsplit(morceaux._replace(path=f"/{nom}"))


def administrer(url, ordres):
    import psycopg

    with psycopg.connect(url, autocommit=True) as connexion:
        for sql in ordres:
            connexion.execute(sql)


def base_existe(url, nom):
    import psycopg

    with psycopg.connect(url, autocommit=True) as connexion:
        ligne = connexion.execute("SELECT 1 FROM pg_database WHERE datname = %s", [nom]).fetchone()
    return ligne is not None


def preparer_base(url, nom, recreer):
    """Crée (ou recrée) une base du banc ; seules les bases `bench_…` sont touchées."""
    assert nom.startswith("bench_")
    if recreer:
        administrer(url, [f'DROP DATABASE IF EXISTS "{nom}" WITH (FORCE)'])
    if not base_existe(url, nom):
        administrer(url, [f'CREATE DATABASE "{nom}"'])


def environnement(url, application):
    env = dict(os.environ)
    env["DATABASE_URL"] = url
    env.setdefault("DJANGO_SETTINGS_MODULE", "contratville.settings_test")
    env["PGAPPNAME"] = application
    return env


def arreter_requetes(url, application):
    """Termine les requêtes qu'un processus de mesure arrêté aurait laissées au serveur."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connexion:
        connexion.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            [application],
        )


def executer_mesure(cle, contexte, url, delai, dossier):
    sortie = Path(dossier) / f"resultat-{os.getpid()}.json"
    sortie.unlink(missing_ok=True)
    application = f"bench-{cle}"[:60]
    commande = [
        sys.executable,
        "-m",
        "bench.execution",
        "--contexte",
        str(contexte),
        "--mesure",
        cle,
        "--delai",
        str(delai),
        "--sortie",
        str(sortie),
    ]
    processus = subprocess.Popen(
        commande,
        env=environnement(url, application),
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        journal, _ = processus.communicate(timeout=delai + MARGE_PROCESSUS)
    except subprocess.TimeoutExpired:
        os.killpg(processus.pid, signal.SIGKILL)
        journal, _ = processus.communicate()
        arreter_requetes(url, application)
        return {"cle": cle, "interrompu": True, "durees": [], "journal": journal[-2000:]}
    if not sortie.exists():
        return {
            "cle": cle,
            "durees": [],
            "erreur": f"processus terminé (code {processus.returncode}) sans résultat",
            "journal": journal[-2000:],
        }
    resultat = json.loads(sortie.read_text())
    sortie.unlink()
    if journal.strip():
        resultat["journal"] = journal[-2000:]
    return resultat


def entete_serveur(url, sortie):
    import psycopg

    with psycopg.connect(url, autocommit=True) as connexion:
        version = connexion.execute("SHOW server_version").fetchone()[0]
        reglages = {
            nom: connexion.execute(f"SHOW {nom}").fetchone()[0]
            for nom in ("shared_buffers", "work_mem", "max_parallel_workers_per_gather")
        }
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "?"
    sortie(
        f"Banc d’essai du {datetime.now():%d/%m/%Y %H:%M} — commit {commit} — "
        f"{os.cpu_count()} cœurs — PostgreSQL {version} "
        + ", ".join(f"{k}={v}" for k, v in reglages.items())
    )


def mesurer_echelle(echelle, url_serveur, args, dossier, sortie, parametres):
    nom = BASES[echelle]
    url = url_base(url_serveur, nom)
    sortie()
    sortie(f"=== Échelle {'de Paris' if echelle == 'paris' else 'nationale'} (base {nom}) ===")
    preparer_base(url_serveur, nom, args.recreer)
    debut = time.perf_counter()
    preparation = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.preparation",
            "--echelle",
            echelle,
            "--dossier",
            str(dossier),
            *parametres,
        ],
        env=environnement(url, f"bench-preparation-{echelle}"),
    )
    if preparation.returncode:
        sortie(f"Préparation en échec (code {preparation.returncode}) : échelle abandonnée.")
        return None
    sortie(f"Base prête en {time.perf_counter() - debut:.0f} s.")
    chemin_contexte = Path(dossier) / f"contexte-{echelle}.json"
    contexte = json.loads(chemin_contexte.read_text())
    sortie(
        "Volumes : "
        + ", ".join(f"{n:,} {t}".replace(",", " ") for t, n in contexte["volumes"].items())
    )
    from bench.mesures import MESURES

    choisies = [m for m in MESURES if not args.mesures or m.cle in args.mesures]
    resultats = []
    for rang, mesure in enumerate(choisies, 1):
        delai = max(args.delai, mesure.delai_min)
        r = executer_mesure(mesure.cle, chemin_contexte, url, delai, dossier)
        r["delai"] = delai
        r.setdefault("libelle", mesure.titre(contexte))
        r.setdefault("groupe", mesure.groupe)
        r.setdefault("web", mesure.web)
        resultats.append(r)
        c = tableau.cellules(r)
        sortie(
            f"  [{rang:>2}/{len(choisies)}] {c[0]} : p50 {c[2]}, p95 {c[3]}, CPU {c[4]}, "
            f"{c[5]} requêtes, {c[6]}, RSS {c[7]}, plancher {c[8]} {c[10]}".rstrip()
        )
        if r.get("erreur") and r.get("trace"):
            print(r["trace"], file=sys.stderr)
    sortie()
    for ligne in tableau.tableau(resultats):
        sortie(ligne)
    sortie(tableau.charge(resultats))
    return resultats


def imprimer_plans(echelle, resultats, sortie):
    for r in resultats or []:
        for p in r.get("plans") or []:
            sortie()
            sortie(f"EXPLAIN ANALYZE — {echelle} — {r['libelle']} — {p['libelle']}")
            sortie(f"  {p['sql'][:200]}…")
            for ligne in p["plan"][:40]:
                sortie(f"    {ligne}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--echelle", choices=["paris", "nationale", "tout"], default="tout")
    parser.add_argument("--delai", type=float, default=300, help="s par exécution (300)")
    parser.add_argument("--mesures", default="", help="clés séparées par des virgules")
    parser.add_argument("--recreer", action="store_true", help="recréer les bases du banc")
    parser.add_argument("--dossier", help="dossier de travail (défaut : temporaire)")
    args, parametres = parser.parse_known_args(argv)
    args.mesures = {c.strip() for c in args.mesures.split(",") if c.strip()}
    from bench.mesures import PAR_CLE

    inconnues = args.mesures - set(PAR_CLE)
    if inconnues:
        parser.error(f"mesures inconnues : {', '.join(sorted(inconnues))}")
    from bench.national.__main__ import lire_parametres

    lire_parametres(parametres)  # refuse tôt une option inconnue
    url_serveur = os.environ.get("DATABASE_URL", "")
    if not url_serveur.startswith("postgres"):
        parser.error(
            "DATABASE_URL doit désigner un serveur PostgreSQL (make bench en démarre un jetable)."
        )
    dossier = Path(args.dossier or tempfile.mkdtemp(prefix="bench-"))
    dossier.mkdir(parents=True, exist_ok=True)
    sortie = Sortie()
    entete_serveur(url_serveur, sortie)
    if args.echelle != "paris":
        sortie(f"Paramètres du jeu national : {lire_parametres(parametres)}")
    echelles = ["paris", "nationale"] if args.echelle == "tout" else [args.echelle]
    tous = {}
    for echelle in echelles:
        tous[echelle] = mesurer_echelle(
            echelle, url_serveur, args, dossier, sortie, parametres if echelle != "paris" else []
        )
    if tous.get("paris") and tous.get("nationale"):
        sortie()
        sortie("=== Paris et national côte à côte ===")
        for ligne in tableau.comparaison(tous["paris"], tous["nationale"]):
            sortie(ligne)
    for echelle, resultats in tous.items():
        imprimer_plans(echelle, resultats, sortie)
    ecrire_resultats(dossier, tous, sortie)
    code = 0
    if not args.mesures:  # travaux de fond en file, pages servies pendant ce temps
        from bench import travaux

        try:
            travaux.mesurer(url_serveur, dossier, sortie)
        except Exception as erreur:  # les mesures déjà faites restent écrites
            sortie(f"Travaux de fond : échec, {erreur}")
            code = 1
        ecrire_resultats(dossier, tous, sortie)
    print(f"\nRésultats : {dossier / 'resultats.txt'} et resultats.json", flush=True)
    return code


def ecrire_resultats(dossier, tous, sortie):
    (dossier / "resultats.json").write_text(json.dumps(tous, ensure_ascii=False, indent=1))
    (dossier / "resultats.txt").write_text("\n".join(sortie.lignes) + "\n")


if __name__ == "__main__":
    sys.exit(main())
