"""Banc de résilience, répétable et borné (`make bench` ou `python -m bench.resilience`).

Sur 127.0.0.1 uniquement : un cluster PostgreSQL 15 jetable et gunicorn (2 workers, réglages
de production) ; des lecteurs (pages et API) et des écrivains (envoi groupé de l'API, par
jeton, sur les mêmes valeurs dans des ordres différents, avec la version lue) tournent
pendant DUREE secondes ; PostgreSQL redémarre au milieu (`pg_ctl restart -m fast`).

Relevés : requêtes, réponses par statut, erreurs 5xx hors de la fenêtre de redémarrage et
dedans, nature des erreurs de l'API pendant le redémarrage (seulement du 503 JSON attendu),
latences p50/p95, et écritures acquittées retrouvées en base (0 perdue attendue). Le code de
sortie est non nul si une de ces attentes n'est pas tenue.

Réglages : BENCH_RESILIENCE_DUREE (30 s), BENCH_RESILIENCE_LECTEURS (4),
BENCH_RESILIENCE_ECRIVAINS (4)."""

import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
PGBIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
DUREE = float(os.environ.get("BENCH_RESILIENCE_DUREE", "30"))
LECTEURS = int(os.environ.get("BENCH_RESILIENCE_LECTEURS", "4"))
ECRIVAINS = int(os.environ.get("BENCH_RESILIENCE_ECRIVAINS", "4"))
# Après le retour de PostgreSQL, le temps que chaque worker rouvre sa connexion.
MARGE_APRES_REDEMARRAGE = 2.0
ANNEE = 2025
INDICATEUR = "E28-2"
TERRITOIRES = ["paris", "ensemble-qpv", "qpv-goutte-dor", "qpv-algerie", "qpv-la-chapelle-evangile"]
PAGES = ["/", "/engagements/5/", "/indicateurs/", "/quartiers/goutte-dor/", "/glossaire/"]
API_LECTURE = ["/api/v1/engagements/", f"/api/v1/valeurs/?annee={ANNEE}"]
OUVREUR = urllib.request.build_opener(urllib.request.ProxyHandler({}))

PREPARATION = f"""
from django.contrib.auth.models import User
from django.utils import timezone
import datetime
from indicateurs.models import Campagne
from socle.models import JetonAPI, Profil
from socle.roles import Role
user = User.objects.create_user("banc-spv", password=None)
Profil.objects.create(user=user, role=Role.SPV)
jour = timezone.localdate()
Campagne.objects.create(annee={ANNEE}, date_ouverture=jour - datetime.timedelta(days=1),
                        date_cloture=jour + datetime.timedelta(days=30))
print(JetonAPI.emettre(user, "Banc de résilience")[1])
"""


def port_libre():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def en_postgres(commande, **options):
    """initdb et pg_ctl refusent de tourner en root : on passe par l'utilisateur postgres."""
    if os.geteuid() == 0:
        commande = ["runuser", "-u", "postgres", "--", *commande]
    return subprocess.run(commande, check=True, capture_output=True, **options)


@dataclass
class Mesure:
    debut: float
    duree: float
    statut: int  # 0 : pas de réponse (connexion refusée, délai dépassé)
    type_contenu: str
    api: bool
    ecriture: bool = False
    code: str = ""


@dataclass
class Journal:
    mesures: list = field(default_factory=list)
    acquittees: list = field(default_factory=list)  # (territoire, version, valeur)
    verrou: threading.Lock = field(default_factory=threading.Lock)

    def noter(self, mesure):
        with self.verrou:
            self.mesures.append(mesure)


def appeler(base, chemin, journal, jeton=None, corps=None):
    entetes = {"Accept": "application/json"} if chemin.startswith("/api/") else {}
    if jeton:
        entetes["Authorization"] = f"Bearer {jeton}"
    donnees = None
    if corps is not None:
        donnees = json.dumps(corps).encode()
        entetes["Content-Type"] = "application/json"
    requete = urllib.request.Request(base + chemin, data=donnees, headers=entetes)
    debut = time.monotonic()
    statut, type_contenu, contenu = 0, "", b""
    try:
        with OUVREUR.open(requete, timeout=15) as r:
            statut, type_contenu, contenu = r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        with e:
            statut, type_contenu, contenu = e.code, e.headers.get("Content-Type", ""), e.read()
    except OSError:
        pass
    mesure = Mesure(debut, time.monotonic() - debut, statut, type_contenu,
                    chemin.startswith("/api/"), corps is not None)  # fmt: skip
    if statut >= 400 and type_contenu.startswith("application/json"):
        try:
            mesure.code = json.loads(contenu).get("code", "")
        except ValueError:
            mesure.code = "json_illisible"
    journal.noter(mesure)
    return statut, contenu


def lecteur(base, jeton, fin, journal, graine):
    hasard = random.Random(graine)
    while time.monotonic() < fin:
        chemin = hasard.choice(PAGES + API_LECTURE)
        appeler(base, chemin, journal, jeton if "valeurs" in chemin else None)


def versions_lues(base, jeton, journal):
    statut, contenu = appeler(
        base, f"/api/v1/valeurs/?indicateur={INDICATEUR}&annee={ANNEE}&page_size=50", journal,
        jeton,
    )  # fmt: skip
    if statut != 200:
        return None
    return {v["territoire"]: v["version"] for v in json.loads(contenu)["results"]}


def ecrivain(base, jeton, fin, journal, graine):
    hasard = random.Random(graine)
    while time.monotonic() < fin:
        versions = versions_lues(base, jeton, journal)
        if versions is None:
            time.sleep(0.2)
            continue
        ordre = TERRITOIRES[:]
        hasard.shuffle(ordre)
        valeur = hasard.randint(1, 10**6)
        elements = [
            {"indicateur": INDICATEUR, "territoire": t, "annee": ANNEE, "valeur": valeur,
             "version": versions.get(t, 0)}
            for t in ordre
        ]  # fmt: skip
        statut, contenu = appeler(base, "/api/v1/valeurs/bulk/", journal, jeton,
                                  {"valeurs": elements})  # fmt: skip
        if statut == 200:
            with journal.verrou:
                for ligne in json.loads(contenu)["valeurs"]:
                    journal.acquittees.append((ligne["territoire"], ligne["version"], valeur))


def centile(valeurs, q):
    if not valeurs:
        return 0.0
    return statistics.quantiles(valeurs, n=100, method="inclusive")[q - 1]


def ecritures_perdues(url, acquittees):
    """Les écritures acquittées (territoire, version, valeur) absentes de l'historique des
    valeurs : chaque version écrite y a sa ligne."""
    import psycopg

    with psycopg.connect(url) as c:
        lignes = c.execute(
            "SELECT t.code, h.version, h.valeur FROM indicateurs_historicalvaleur h "
            "JOIN indicateurs_territoire t ON t.id = h.territoire_id "
            "JOIN indicateurs_indicateur i ON i.id = h.indicateur_id "
            "WHERE i.code = %s AND h.annee = %s",
            [INDICATEUR, ANNEE],
        ).fetchall()
    enregistrees = {(code, version, int(valeur)) for code, version, valeur in lignes}
    return [a for a in acquittees if a not in enregistrees]


def main():
    if not (PGBIN / "initdb").is_file() or not shutil.which(
        "gunicorn", path=str(Path(sys.executable).parent)
    ):
        print("PostgreSQL 15 (initdb) ou gunicorn introuvable : make system-deps, make deps.")
        return 2
    dossier = Path(tempfile.mkdtemp(prefix="contratville-resilience-"))
    if os.geteuid() == 0:
        shutil.chown(dossier, "postgres")
    donnees = dossier / "data"
    port_pg, port_web = port_libre(), port_libre()
    url = f"postgres://postgres@127.0.0.1:{port_pg}/contratville"
    options_pg = f"-p {port_pg} -k {dossier} -c listen_addresses=127.0.0.1 -c fsync=off"
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "contratville.settings",
        "SECRET_KEY": "banc-de-resilience-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "PORTAIL_URL": "http://127.0.0.1",
        "DATABASE_URL": url,
        # Réglages de production, sans TLS (boucle locale) ni manifeste des statiques.
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "SECURE_COOKIES": "0",
        "TESTING": "1",
        "STATIC_ROOT": str(dossier / "static"),
        "API_DEBIT_ANONYME": "1000000/min",
        "API_DEBIT_UTILISATEUR": "1000000/min",
        "LOG_LEVEL": "ERROR",
    }
    gunicorn = None
    try:
        en_postgres([str(PGBIN / "initdb"), "-D", str(donnees), "-U", "postgres", "-A", "trust",
                     "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])  # fmt: skip
        en_postgres([str(PGBIN / "pg_ctl"), "-D", str(donnees), "-l", str(dossier / "pg.log"),
                     "-w", "-o", options_pg, "start"])  # fmt: skip
        subprocess.run([str(PGBIN / "createdb"), "-h", "127.0.0.1", "-p", str(port_pg), "-U",
                        "postgres", "contratville"], check=True)  # fmt: skip
        print(f"PostgreSQL 15 jetable sur le port {port_pg} ; préparation de la base…")
        for commande in (["migrate", "--noinput"], ["createcachetable"], ["sync_roles"],
                         ["load_referentiel"]):  # fmt: skip
            subprocess.run([sys.executable, "manage.py", *commande], cwd=RACINE, env=env,
                           check=True, capture_output=True, timeout=900)  # fmt: skip
        jeton = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", PREPARATION],
            cwd=RACINE, env=env, check=True, capture_output=True, text=True, timeout=300,
        ).stdout.strip().splitlines()[-1]  # fmt: skip

        gunicorn = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "contratville.wsgi:application",
             "--bind", f"127.0.0.1:{port_web}", "--workers", "2", "--timeout", "30"],
            cwd=RACINE, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port_web}"
        limite = time.monotonic() + 60
        while True:
            try:
                with OUVREUR.open(base + "/sante/", timeout=2):
                    break
            except OSError:
                if time.monotonic() > limite:
                    raise RuntimeError("gunicorn ne répond pas") from None
                time.sleep(0.3)
        # Les valeurs écrites ensuite par les écrivains.
        amorce = Journal()
        appeler(base, "/api/v1/valeurs/bulk/", amorce, jeton, {"valeurs": [
            {"indicateur": INDICATEUR, "territoire": t, "annee": ANNEE, "valeur": 1}
            for t in TERRITOIRES]})  # fmt: skip

        journal = Journal()
        debut = time.monotonic()
        fin = debut + DUREE
        fils = [threading.Thread(target=lecteur, args=(base, jeton, fin, journal, i))
                for i in range(LECTEURS)]  # fmt: skip
        fils += [threading.Thread(target=ecrivain, args=(base, jeton, fin, journal, 100 + i))
                 for i in range(ECRIVAINS)]  # fmt: skip
        print(f"{LECTEURS} lecteurs et {ECRIVAINS} écrivains pendant {DUREE:.0f} s ; "
              f"redémarrage de PostgreSQL à mi-parcours…")  # fmt: skip
        for f in fils:
            f.start()
        time.sleep(DUREE / 2)
        fenetre_debut = time.monotonic()
        en_postgres([str(PGBIN / "pg_ctl"), "-D", str(donnees), "-l", str(dossier / "pg.log"),
                     "-w", "-m", "fast", "-o", options_pg, "restart"])  # fmt: skip
        fenetre_fin = time.monotonic() + MARGE_APRES_REDEMARRAGE
        for f in fils:
            f.join(timeout=DUREE + 60)

        mesures = journal.mesures
        # Une requête est « dans la fenêtre » si elle a été en cours pendant le redémarrage.
        dedans = [m for m in mesures
                  if m.debut <= fenetre_fin and m.debut + m.duree >= fenetre_debut]  # fmt: skip
        dehors = [m for m in mesures if m not in dedans]
        statuts = Counter(m.statut for m in mesures)
        erreurs_dehors = [m for m in dehors if m.statut >= 500 or m.statut == 0]
        erreurs_dedans = [m for m in dedans if m.statut >= 500 or m.statut == 0]
        api_dedans_non_503_json = [
            m for m in erreurs_dedans
            if m.api and not (m.statut == 503 and m.type_contenu.startswith("application/json")
                              and m.code == "service_indisponible")
        ]  # fmt: skip
        latences = [m.duree * 1000 for m in mesures if m.statut]
        perdues = ecritures_perdues(url, journal.acquittees)

        print()
        print("Résilience (gunicorn 2 workers, PostgreSQL redémarré à mi-parcours)")
        print(f"  requêtes                         {len(mesures)}")
        print(
            "  réponses par statut              "
            + ", ".join(f"{s or 'sans réponse'} : {n}" for s, n in sorted(statuts.items()))
        )
        print(f"  fenêtre de redémarrage           {fenetre_fin - fenetre_debut:.1f} s "
              f"({len(dedans)} requêtes)")  # fmt: skip
        print(f"  5xx hors de la fenêtre           {len(erreurs_dehors)}")
        print(f"  5xx dans la fenêtre              {len(erreurs_dedans)} "
              f"(API : {sum(m.api for m in erreurs_dedans)}, dont non « 503 JSON » : "
              f"{len(api_dedans_non_503_json)})")  # fmt: skip
        print(f"  latence p50 / p95                {centile(latences, 50):.0f} ms / "
              f"{centile(latences, 95):.0f} ms")  # fmt: skip
        ecritures = [m for m in mesures if m.ecriture]
        print(f"  envois groupés                   {len(ecritures)} "
              f"({Counter(m.statut for m in ecritures)})")  # fmt: skip
        print(f"  écritures acquittées             {len(journal.acquittees)}")
        print(f"  écritures perdues                {len(perdues)}")
        ok = not erreurs_dehors and not api_dedans_non_503_json and not perdues
        print("  résultat                         " + ("tenu" if ok else "NON TENU"))
        return 0 if ok else 1
    finally:
        if gunicorn is not None and gunicorn.poll() is None:
            gunicorn.terminate()
            try:
                gunicorn.wait(timeout=15)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        subprocess.run(
            (["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else [])
            + [str(PGBIN / "pg_ctl"), "-D", str(donnees), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(dossier, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
