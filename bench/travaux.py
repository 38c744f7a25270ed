"""Banc des travaux de fond (issue 11, point 5) : `python -m bench.travaux`, lancé aussi par
`python -m bench` (make bench) à la fin de ses mesures.

DATABASE_URL désigne un SERVEUR PostgreSQL jetable (`./scripts/avec-postgres.sh` en démarre
un) : le banc y crée sa base `bench_travaux` et la supprime à la fin. Tout tourne sur
127.0.0.1 avec les réglages de production : gunicorn (2 workers) et un exécutant
`manage.py db_worker`, comme la pile docker-compose.

La base : référentiel et campagne synthétique parisienne (bench/bilan.py). Deux scénarios :

1. bilan — le rapport PDF du bilan de Paris (toutes valeurs, démonstration comprise) mis en
   file par le SPV ;
2. imports — trois classeurs de 10 000 lignes (créations de valeurs de la campagne, sur des
   QPV synthétiques ajoutés après le bilan) déposés par le SPV. Pour chacun, comme dans la
   page : contrôle en fond (fichier de plus de IMPORT_APERCU_DIRECT_MAX), puis confirmation
   en fond dès que le contrôle a réussi. Les trois sont mis en file ensemble.

Pendant chaque scénario, des lecteurs anonymes lisent des pages du portail en boucle : latence
p50/p95 au repos puis pendant les travaux (les pages doivent rester réactives : le travail
long n'occupe plus aucun worker web). Pour chaque travail : attente dans la file, durée
d'exécution, durée totale, et les avancements vus par une page qui le suit (états distincts
lus toutes les 0,25 s). Rien n'est affirmé : ce sont des chiffres.

Réglages : BENCH_TRAVAUX_LIGNES (10 000), BENCH_TRAVAUX_IMPORTS (3),
BENCH_TRAVAUX_LECTEURS (2), BENCH_TRAVAUX_REPOS (10 s de mesure au repos),
BENCH_TRAVAUX_SCENARIOS (bilan,imports)."""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
ANNEE = 2025
LIGNES = int(os.environ.get("BENCH_TRAVAUX_LIGNES", "10000"))
IMPORTS = int(os.environ.get("BENCH_TRAVAUX_IMPORTS", "3"))
LECTEURS = int(os.environ.get("BENCH_TRAVAUX_LECTEURS", "2"))
REPOS = float(os.environ.get("BENCH_TRAVAUX_REPOS", "10"))
SCENARIOS = os.environ.get("BENCH_TRAVAUX_SCENARIOS", "bilan,imports").split(",")
DELAI_TRAVAUX = 1800  # s : au-delà, le scénario s'arrête (travaux non finis signalés)
PAGES = ["/", "/engagements/5/", "/indicateurs/", "/quartiers/goutte-dor/", "/glossaire/"]
OUVREUR = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_SUFFIXE = os.environ.get("BENCH_SUFFIXE", "")
BASE = "bench_travaux" + _SUFFIXE
# Réglages de production, sauf le manifeste des statiques (pas de collectstatic pour un banc :
# seules les pages HTML sont lues).
REGLAGES = """from contratville.settings import *  # noqa: F403

STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
"""


# --- outils ---------------------------------------------------------------------------------------


def centile(valeurs, q):
    if not valeurs:
        return None
    if len(valeurs) == 1:
        return valeurs[0]
    return statistics.quantiles(valeurs, n=100, method="inclusive")[q - 1]


def url_base(url, nom):
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(url)._replace(path=f"/{nom}"))


def administrer(url, ordres):
    import psycopg

    with psycopg.connect(url, autocommit=True) as connexion:
        for sql in ordres:
            connexion.execute(sql)


def port_libre():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environnement(url, dossier):
    return {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "PYTHONPATH": f"{dossier}{os.pathsep}{RACINE}",
        "DJANGO_SETTINGS_MODULE": "reglages_banc_travaux",
        "SECRET_KEY": "banc-des-travaux-de-fond-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        # Obligatoire sans DEBUG (liens des courriels) ; le banc n'envoie rien au dehors.
        "PORTAIL_URL": "http://127.0.0.1",
        "DATABASE_URL": url,
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "SECURE_COOKIES": "0",
        "MEDIA_ROOT": str(Path(dossier) / "media"),
        "TRAVAUX_FICHIERS_ROOT": str(Path(dossier) / "travaux"),
        "LOG_LEVEL": "ERROR",
        # Les réglages du banc (BENCH_TRAVAUX_…) valent aussi pour le processus de la base.
        **{cle: valeur for cle, valeur in os.environ.items() if cle.startswith("BENCH_")},
    }


def manage(env, *commande, timeout=1800):
    fin = subprocess.run([sys.executable, "manage.py", *commande], cwd=RACINE, env=env,
                         capture_output=True, text=True, timeout=timeout)  # fmt: skip
    if fin.returncode:
        # La dernière ligne de l'erreur (souvent un réglage manquant), pas seulement le code.
        raise RuntimeError(f"manage.py {' '.join(commande)} a échoué : {fin.stderr.strip()[-500:]}")


# --- préparation (dans un processus Django, base du banc) --------------------------------------------


def preparer_base():
    """La campagne synthétique parisienne (bench/bilan.py : valeurs de démonstration N et N-1,
    crédits, fiches), les comptes du banc et la campagne N ouverte."""
    from bench import bilan
    from bench.preparation import creer_comptes, ouvrir_campagne

    bilan.preparer(ANNEE)
    creer_comptes()
    ouvrir_campagne(ANNEE)


def preparer_imports(dossier):
    """Les classeurs de LIGNES lignes : des créations de valeurs de la campagne. Paris n'a
    qu'environ 2 100 valeurs attendues par an : le banc ajoute des QPV synthétiques
    (quartiers `banc-qpv-…`) et y recopie, pour chaque indicateur attendu au niveau des
    QPV, sa valeur de démonstration d'un vrai QPV (unités et plages respectées). Ajoutés après
    la mesure du bilan, qu'ils ne touchent pas."""
    from openpyxl import Workbook

    from bench.preparation import COLONNES_IMPORT
    from indicateurs.models import Territoire, Valeur
    from quartiers.models import Quartier

    T = Territoire.Type
    modeles = {}
    for v in (
        Valeur.objects.filter(annee=ANNEE, territoire__type=T.QPV)
        .select_related("indicateur")
        .order_by("indicateur__code", "territoire__ordre")
    ):
        if v.valeur is not None and T.QPV in v.indicateur.niveaux_attendus:
            modeles.setdefault(v.indicateur.code, v)
    besoin = LIGNES * IMPORTS
    nombre = -(-besoin // max(len(modeles), 1))
    quartiers = Quartier.objects.bulk_create(
        [
            Quartier(slug=f"banc-qpv-{i:04d}", nom=f"QPV du banc n° {i}", ordre=900 + i)
            for i in range(nombre)
        ]
    )
    Territoire.objects.bulk_create(
        [
            Territoire(code=q.slug, type=T.QPV, nom=q.nom, ordre=9000 + i, quartier=q)
            for i, q in enumerate(quartiers)
        ]
    )
    lignes = [(v, f"banc-qpv-{i:04d}") for i in range(nombre) for v in modeles.values()][:besoin]
    fichiers = []
    for rang in range(IMPORTS):
        morceau = lignes[rang * LIGNES : (rang + 1) * LIGNES]
        classeur = Workbook()
        feuille = classeur.active
        feuille.title = f"Valeurs {ANNEE}"
        feuille.append(COLONNES_IMPORT)
        for v, territoire in morceau:
            part = v.indicateur.est_nombre_part
            feuille.append(
                [
                    v.indicateur.code,
                    territoire,
                    ANNEE,
                    None if part else float(v.valeur),
                    v.nombre if part else None,
                    v.base if part else None,
                    "Données synthétiques du banc d’essai",
                    "Import mesuré par le banc des travaux de fond",
                    None,
                ]
            )
        chemin = Path(dossier) / f"import-{rang + 1}.xlsx"
        classeur.save(chemin)
        fichiers.append({"fichier": str(chemin), "lignes": len(morceau)})
    return {"fichiers": fichiers}


# --- scénario (dans un processus Django : met en file et suit les travaux) ------------------------


class Lecteurs:
    """Des lecteurs anonymes qui lisent PAGES en boucle ; latences par période."""

    def __init__(self, base):
        self.base, self.periode, self.arret = base, "repos", threading.Event()
        self.mesures, self.verrou = [], threading.Lock()

    def lire(self, rang):
        i = rang
        while not self.arret.is_set():
            chemin = PAGES[i % len(PAGES)]
            i += 1
            periode, debut, statut = self.periode, time.monotonic(), 0
            try:
                with OUVREUR.open(self.base + chemin, timeout=30) as r:
                    r.read()
                    statut = r.status
            except urllib.error.HTTPError as e:
                statut = e.code
            except OSError:
                statut = 0
            with self.verrou:
                self.mesures.append((periode, statut, (time.monotonic() - debut) * 1000))

    def demarrer(self):
        self.fils = [threading.Thread(target=self.lire, args=(i,), daemon=True)
                     for i in range(LECTEURS)]  # fmt: skip
        for f in self.fils:
            f.start()

    def arreter(self):
        self.arret.set()
        for f in self.fils:
            f.join(timeout=40)

    def resume(self, periode):
        lignes = [m for m in self.mesures if m[0] == periode]
        ok = [d for p, s, d in lignes if s == 200]
        return {
            "requetes": len(lignes),
            "erreurs": sum(1 for _p, s, _d in lignes if s != 200),
            "p50_ms": centile(ok, 50),
            "p95_ms": centile(ok, 95),
            "max_ms": max(ok, default=None),
        }


class Suivi:
    """Lit l'état des travaux toutes les 0,25 s, comme la page d'un travail : les avancements
    distincts vus, et les instants de prise en charge et de fin."""

    def __init__(self):
        self.vus, self.debut = {}, time.monotonic()

    def lire(self, pks):
        from socle.models import Travail

        lignes = Travail.objects.filter(pk__in=pks).values_list(
            "pk", "etat", "fait", "total", "etape", "message", "commence_le", "termine_le",
            "cree_le",
        )  # fmt: skip
        for pk, etat, fait, total, etape, message, commence, termine, cree in lignes:
            suivi = self.vus.setdefault(pk, {"etats": [], "cree_le": cree})
            cle = (etat, fait, total, etape)
            if not suivi["etats"] or suivi["etats"][-1] != cle:
                suivi["etats"].append(cle)
            suivi.update(etat=etat, message=message, commence_le=commence, termine_le=termine)
        return self.vus


def demarrer_services(env, dossier):
    port = port_libre()
    journal = open(Path(dossier) / "services.log", "ab")  # noqa: SIM115
    gunicorn = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "contratville.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "30"],
        cwd=RACINE, env=env, stdout=journal, stderr=journal,
    )  # fmt: skip
    executant = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.5"],
        cwd=RACINE, env=env, stdout=journal, stderr=journal,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    limite = time.monotonic() + 120
    while True:
        try:
            with OUVREUR.open(base + "/sante/", timeout=5):
                break
        except OSError:
            if time.monotonic() > limite:
                raise RuntimeError("gunicorn ne répond pas") from None
            time.sleep(0.5)
    return base, [gunicorn, executant]


def arreter_services(processus):
    for p in processus:
        if p.poll() is None:
            p.terminate()
    for p in processus:
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()


def duree(debut, fin):
    return (fin - debut).total_seconds() if debut and fin else None


def scenario(nom, dossier, preparation):
    """Démarre gunicorn et l'exécutant, mesure les pages au repos, met les travaux en file,
    les suit jusqu'au bout en mesurant les pages, et rend les chiffres."""
    from django.contrib.auth.models import User

    from socle import travaux
    from socle.models import Travail

    env = environnement(os.environ["DATABASE_URL"], dossier)
    base, processus = demarrer_services(env, dossier)
    lecteurs = Lecteurs(base)
    try:
        lecteurs.demarrer()
        time.sleep(REPOS)
        spv = User.objects.get(username="banc-spv")
        lecteurs.periode = "travaux"
        debut = time.monotonic()
        a_suivre, imports = [], {}
        if nom == "imports":
            from indicateurs.models import ImportValeurs

            for f in preparation["fichiers"]:
                contenu = Path(f["fichier"]).read_bytes()
                imp = ImportValeurs.objects.create(
                    annee=ANNEE, utilisateur=spv, nom_fichier=Path(f["fichier"]).name,
                    contenu=contenu, statut=ImportValeurs.Statut.EN_CONTROLE,
                )  # fmt: skip
                t = travaux.lancer(spv, "indicateurs.import_valeurs",
                                   {"import": imp.pk, "confirmer": False},
                                   f"Contrôle de « {imp.nom_fichier} »")  # fmt: skip
                imports[imp.pk] = {"lignes": f["lignes"], "octets": len(contenu),
                                   "controle": t.pk, "confirmation": None}  # fmt: skip
                a_suivre.append(t.pk)
        else:
            parametres = {"annee": ANNEE, "arrondissement": None, "toutes_valeurs": True,
                          "avec_demo": True}  # fmt: skip
            t = travaux.lancer(spv, "bilan.pdf", parametres, f"Rapport PDF du bilan {ANNEE}")
            a_suivre.append(t.pk)
        suivi = Suivi()
        while time.monotonic() - debut < DELAI_TRAVAUX:
            vus = suivi.lire(a_suivre)
            for pk, imp in imports.items():
                controle = vus.get(imp["controle"], {})
                if imp["confirmation"] is None and controle.get("etat") == Travail.Etat.TERMINE:
                    t = travaux.lancer(spv, "indicateurs.import_valeurs",
                                       {"import": pk, "confirmer": True},
                                       f"Application de l’import {pk}")  # fmt: skip
                    imp["confirmation"] = t.pk
                    a_suivre.append(t.pk)
            if all(vus.get(pk, {}).get("etat") in ("termine", "echoue") for pk in a_suivre) and (
                all(
                    i["confirmation"] or vus[i["controle"]]["etat"] == "echoue"
                    for i in imports.values()
                )  # fmt: skip
            ):
                break
            time.sleep(0.25)
        total = time.monotonic() - debut
        lecteurs.periode = "apres"
    finally:
        lecteurs.arreter()
        arreter_services(processus)
    resultat = {
        "scenario": nom,
        "duree_totale_s": total,
        "pages_repos": lecteurs.resume("repos"),
        "pages_pendant": lecteurs.resume("travaux"),
        "travaux": [],
    }
    for pk in a_suivre:
        s = suivi.vus.get(pk, {})
        t = Travail.objects.get(pk=pk)
        resultat["travaux"].append({
            "pk": pk, "libelle": t.libelle, "etat": t.etat, "message": t.message,
            "attente_s": duree(t.cree_le, t.commence_le),
            "execution_s": duree(t.commence_le, t.termine_le),
            "total_s": duree(t.cree_le, t.termine_le),
            "avancements_vus": len([e for e in s.get("etats", []) if e[0] == "en_cours"]),
            "taille": t.taille,
        })  # fmt: skip
    resultat["imports"] = list(imports.values())
    return resultat


# --- orchestration ----------------------------------------------------------------------------------


def _fmt(v, unite=""):
    return "—" if v is None else f"{v:,.0f}{unite}".replace(",", " ")


def imprimer(resultat, sortie):
    nom = resultat["scenario"]
    sortie(f"Travaux de fond — scénario « {nom} » : {resultat['duree_totale_s']:.0f} s en tout")
    for periode, cle in (("au repos", "pages_repos"), ("pendant les travaux", "pages_pendant")):
        p = resultat[cle]
        sortie(f"  pages {periode:<20} {p['requetes']:>5} requêtes, {p['erreurs']} erreurs, "
               f"p50 {_fmt(p['p50_ms'], ' ms')}, p95 {_fmt(p['p95_ms'], ' ms')}, "
               f"max {_fmt(p['max_ms'], ' ms')}")  # fmt: skip
    for t in resultat["travaux"]:
        sortie(f"  n° {t['pk']:<4} {t['libelle'][:48]:<48} {t['etat']:<8} attente "
               f"{_fmt(t['attente_s'], ' s')}, exécution {_fmt(t['execution_s'], ' s')}, "
               f"total {_fmt(t['total_s'], ' s')}, {t['avancements_vus']} avancements vus"
               + (f" — {t['message'][:120]}" if t["etat"] != "termine" else ""))  # fmt: skip
    for i in resultat.get("imports", []):
        sortie(f"  import de {i['lignes']} lignes ({i['octets'] // 1024} Ko) : contrôle "
               f"n° {i['controle']}, confirmation n° {i['confirmation']}")  # fmt: skip


def mesurer(url_serveur, dossier, sortie=print):
    """Les scénarios, dans la base jetable BASE (supprimée à la fin) ; rend leurs résultats."""
    dossier = Path(dossier) / "travaux"
    dossier.mkdir(parents=True, exist_ok=True)
    (dossier / "reglages_banc_travaux.py").write_text(REGLAGES)
    sortie()
    sortie("=== Travaux de fond (gunicorn 2 workers + 1 exécutant db_worker) ===")
    administrer(url_serveur, [f'DROP DATABASE IF EXISTS "{BASE}" WITH (FORCE)'])
    resultats = {}
    try:
        administrer(url_serveur, [f'CREATE DATABASE "{BASE}"'])
        env = environnement(url_base(url_serveur, BASE), dossier)
        debut = time.perf_counter()
        for commande in (["migrate", "--noinput"], ["createcachetable"], ["sync_roles"],
                         ["load_referentiel"]):  # fmt: skip
            manage(env, *commande)
        sortie(f"Référentiel chargé en {time.perf_counter() - debut:.0f} s.")
        fin = subprocess.run(
            [sys.executable, "-m", "bench.travaux", "--dans-la-base", "--dossier", str(dossier)],
            cwd=RACINE, env=env, capture_output=True, text=True, timeout=7200,
        )  # fmt: skip
        if fin.returncode:
            sortie(f"Banc des travaux en échec (code {fin.returncode}) :")
            sortie(fin.stdout[-2000:] + fin.stderr[-3000:])
        for nom in SCENARIOS:
            chemin = dossier / f"resultat-{nom}.json"
            if chemin.exists():
                resultats[nom] = json.loads(chemin.read_text())
                imprimer(resultats[nom], sortie)
    finally:
        administrer(url_serveur, [f'DROP DATABASE IF EXISTS "{BASE}" WITH (FORCE)'])
    (dossier / "resultats.json").write_text(json.dumps(resultats, ensure_ascii=False, indent=1))
    return resultats


def executer_dans_la_base(dossier):
    """Dans un processus Django sur la base du banc : prépare, mesure le bilan, puis ajoute
    les QPV du banc et mesure les imports. Chaque scénario écrit son résultat en JSON."""
    import django

    django.setup()
    from django.db import connection

    debut = time.perf_counter()
    preparer_base()
    print(f"préparation de la base : {time.perf_counter() - debut:.0f} s", flush=True)
    for nom in SCENARIOS:
        debut = time.perf_counter()
        preparation = preparer_imports(dossier) if nom == "imports" else {}
        connection.close()
        resultat = scenario(nom, dossier, preparation)
        resultat["preparation_s"] = time.perf_counter() - debut - resultat["duree_totale_s"]
        Path(dossier, f"resultat-{nom}.json").write_text(
            json.dumps(resultat, ensure_ascii=False, indent=1, default=str)
        )


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.travaux", description=__doc__)
    parser.add_argument("--dans-la-base", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--dossier", help="dossier de travail (défaut : temporaire)")
    args = parser.parse_args(argv)
    if args.dans_la_base:
        executer_dans_la_base(args.dossier)
        return 0
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        parser.error("DATABASE_URL doit désigner un serveur PostgreSQL jetable "
                     "(./scripts/avec-postgres.sh python -m bench.travaux).")  # fmt: skip
    dossier = Path(args.dossier or tempfile.mkdtemp(prefix="bench-travaux-"))
    resultats = mesurer(url, dossier)
    print(f"\nRésultats : {dossier / 'travaux' / 'resultats.json'}", flush=True)
    return 0 if resultats else 1


if __name__ == "__main__":
    sys.exit(main())
