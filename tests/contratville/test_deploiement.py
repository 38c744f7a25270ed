"""Déploiement : pile docker-compose (lue, faute de moteur Docker ici), démarrage réel du
point d'entrée du conteneur (migrate, sync_roles, load_referentiel, gunicorn) contre
PostgreSQL hors Docker, et réglages de production (DEBUG désactivé, formats français)."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from django.conf import settings
from django.utils import formats
from django.utils.html import escape

BASE = Path(settings.BASE_DIR)
COMPOSE = BASE / "docker-compose.yml"
DOCKERFILE = BASE / "Dockerfile"
ENTRYPOINT = BASE / "docker" / "entrypoint.sh"
DOCKERIGNORE = BASE / ".dockerignore"
# Le binaire de l'environnement virtuel courant (python, gunicorn) : sans résoudre le lien
# symbolique, sinon on perdrait le venv.
VENV_BIN = Path(sys.executable).parent
BOOTSTRAP_CSS = "vendor/bootstrap/css/bootstrap.min.css"


def charger_compose():
    with COMPOSE.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def env_propre(**variables):
    """Environnement minimal d'un sous-processus : rien hérité des réglages de test
    (TESTING, SECRET_KEY, DJANGO_SETTINGS_MODULE=…settings_test, DATABASE_URL…)."""
    env = {
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "PYTHONUTF8": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "DJANGO_SETTINGS_MODULE": "contratville.settings",
    }
    env.update(variables)
    return env


# --- configuration docker-compose / Dockerfile -----------------------------------------------


def test_docker_compose_decrit_la_pile_de_production():
    compose = charger_compose()
    services = compose["services"]
    assert set(services) == {"db", "web", "worker"}

    db = services["db"]
    assert db["image"].startswith("postgres:15")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db["volumes"])

    web = services["web"]
    assert web["build"] == "."
    assert web["depends_on"] == {"db": {"condition": "service_healthy"}}
    env = web["environment"]
    assert "DEBUG" not in env, "la production tourne DEBUG désactivé"
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert env["ALLOWED_HOSTS"].startswith("${ALLOWED_HOSTS:?")
    assert env["DATABASE_URL"].startswith("postgres://")
    assert "@db:5432/" in env["DATABASE_URL"]
    sonde = " ".join(web["healthcheck"]["test"])
    assert "/sante/" in sonde
    assert any(p.endswith(":8000") for p in web["ports"])
    # gunicorn est lancé par le point d'entrée de l'image (pas de `command` qui le court-circuite).
    assert "command" not in web and "entrypoint" not in web


def test_dockerfile_et_point_d_entree():
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    assert "FROM python:3.11-slim" in dockerfile
    assert "npm ci" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    assert 'ENTRYPOINT ["/app/docker/entrypoint.sh"]' in dockerfile
    # Les fichiers copiés individuellement existent.
    for nom in ("pyproject.toml", "package.json", "package-lock.json"):
        assert (BASE / nom).is_file()

    assert os.access(ENTRYPOINT, os.X_OK), "docker/entrypoint.sh doit être exécutable"
    script = ENTRYPOINT.read_text(encoding="utf-8")
    etapes = [
        "ensure_connection",
        "manage.py migrate --noinput",
        "manage.py sync_roles",
        "manage.py load_referentiel",
        "exec gunicorn contratville.wsgi",
    ]
    positions = [script.index(etape) for etape in etapes]
    assert positions == sorted(positions), "étapes du point d'entrée dans le désordre"
    assert '--bind "${GUNICORN_BIND:-0.0.0.0:8000}"' in script
    assert "--workers" in script

    ignores = DOCKERIGNORE.read_text(encoding="utf-8").split()
    for exclu in (".venv", "node_modules", "db.sqlite3", "staticfiles", ".git"):
        assert exclu in ignores
    # load_referentiel lit fixtures/ dans l'image : ne jamais l'exclure du contexte.
    assert not any(i.strip("/*") in {"fixtures", "docker", "static", "templates"} for i in ignores)


# --- démarrage réel : point d'entrée + gunicorn + PostgreSQL ---------------------------------


def port_libre():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def url_base_de_test():
    """DATABASE_URL de la base de test créée (et migrée) par pytest-django."""
    from django.db import connection

    s = connection.settings_dict
    assert s["ENGINE"] == "django.db.backends.postgresql", "le test de démarrage exige PostgreSQL"
    identifiants = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        identifiants += ":" + quote(s["PASSWORD"], safe="")
    hote = s["HOST"] or "127.0.0.1"
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgres://{identifiants}@{hote}{port}/{quote(s['NAME'], safe='')}"


# Aucun proxy pour les requêtes vers 127.0.0.1, quel que soit l'environnement.
OUVREUR = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def requete(url, host=None):
    """(statut, en-têtes, corps) ; les erreurs HTTP sont des réponses comme les autres."""
    req = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with OUVREUR.open(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.headers, e.read()


def attendre(url, processus, journal, delai=40):
    limite = time.monotonic() + delai
    while time.monotonic() < limite:
        if processus.poll() is not None:
            pytest.fail(f"le point d'entrée s'est arrêté ({processus.returncode}) :\n{journal()}")
        try:
            statut, _, _ = requete(url)
            if statut == 200:
                return
        except OSError:
            pass
        time.sleep(0.25)
    pytest.fail(f"gunicorn ne répond pas après {delai} s :\n{journal()}")


def arreter(processus):
    """Arrête le groupe de processus lancé par le test (point d'entrée puis gunicorn et ses
    workers), et lui seul."""
    if processus.poll() is None:
        os.killpg(processus.pid, signal.SIGTERM)
        try:
            processus.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(processus.pid, signal.SIGKILL)
            processus.wait(timeout=5)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_demarrage_gunicorn_postgresql(tmp_path):
    debut = time.monotonic()
    port = port_libre()
    statiques = tmp_path / "staticfiles"
    env = env_propre(
        SECRET_KEY="cle-du-test-de-demarrage",
        # Le premier hôte sert d'en-tête Host à la sonde de docker-compose.
        ALLOWED_HOSTS="contrat-de-ville.example.org,127.0.0.1",
        DATABASE_URL=url_base_de_test(),
        STATIC_ROOT=str(statiques),
        SECURE_COOKIES="0",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        DB_WAIT_SECONDS="10",
    )

    # 1. collectstatic comme dans le Dockerfile : DEBUG et TESTING absents, donc stockage
    #    whitenoise avec manifeste haché et fichiers compressés.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=BASE,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    manifeste = json.loads((statiques / "staticfiles.json").read_text(encoding="utf-8"))
    bootstrap_hache = manifeste["paths"][BOOTSTRAP_CSS]
    assert bootstrap_hache != BOOTSTRAP_CSS
    assert (statiques / (bootstrap_hache + ".gz")).is_file()

    # 2. Le point d'entrée du conteneur tel quel : attente de la base, migrate (rien à faire
    #    sur la base de test), sync_roles, load_referentiel, puis exec gunicorn.
    journal_chemin = tmp_path / "entrypoint.log"
    base_url = f"http://127.0.0.1:{port}"
    with journal_chemin.open("wb") as journal_fichier:
        processus = subprocess.Popen(
            ["sh", str(ENTRYPOINT)],
            cwd=tmp_path,  # le script se place lui-même à la racine du dépôt
            env=env,
            stdout=journal_fichier,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def journal():
        return journal_chemin.read_text(encoding="utf-8", errors="replace")[-5000:]

    try:
        attendre(f"{base_url}/sante/", processus, journal)
        demarrage = time.monotonic() - debut

        statut, entetes, corps = requete(f"{base_url}/sante/")
        assert statut == 200
        assert entetes["Content-Type"] == "application/json"
        assert json.loads(corps) == {"statut": "ok"}

        statut, _, corps = requete(f"{base_url}/")
        page = corps.decode()
        assert statut == 200, page[:2000]
        assert "Contrat de ville parisien" in page
        # Les gabarits pointent vers les noms hachés du manifeste.
        assert f"/static/{bootstrap_hache}" in page

        with (BASE / "fixtures" / "referentiel" / "engagements.json").open(encoding="utf-8") as f:
            engagement = next(e for e in json.load(f) if str(e["numero"]) == "1")
        statut, _, corps = requete(f"{base_url}/engagements/1/")
        page = corps.decode()
        assert statut == 200, page[:2000]
        assert escape(engagement["titre"]) in page
        assert escape(engagement["parole_source"]) in page
        assert "Académie de Paris" in page  # pilote de l'engagement 1

        # Statiques servis par whitenoise : nom haché (cache long, version compressée
        # négociée) et nom d'origine.
        statut, entetes, corps = requete(f"{base_url}/static/{bootstrap_hache}")
        assert statut == 200
        assert entetes["Content-Type"].startswith("text/css")
        assert "immutable" in entetes["Cache-Control"]
        assert b"Bootstrap" in corps[:500]
        req = urllib.request.Request(
            f"{base_url}/static/{bootstrap_hache}", headers={"Accept-Encoding": "gzip"}
        )
        with OUVREUR.open(req, timeout=10) as r:
            assert r.headers["Content-Encoding"] == "gzip"
        statut, _, _ = requete(f"{base_url}/static/{BOOTSTRAP_CSS}")
        assert statut == 200

        # Production : hôte inconnu refusé, 404 sans page de débogage.
        statut, _, _ = requete(f"{base_url}/", host="intrus.example.com")
        assert statut == 400
        statut, _, corps = requete(f"{base_url}/cette-page-n-existe-pas/")
        assert statut == 404
        assert b"URLconf" not in corps

        # La sonde de docker-compose elle-même, pointée sur le port du test.
        sonde = charger_compose()["services"]["web"]["healthcheck"]["test"]
        assert sonde[:3] == ["CMD", "python", "-c"]
        code = sonde[3].replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        resultat = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=20
        )
        assert resultat.returncode == 0, resultat.stderr
        # … et elle échoue bien si le serveur refuse l'hôte.
        resultat = subprocess.run(
            [sys.executable, "-c", code],
            env={**env, "ALLOWED_HOSTS": "autre.example.org"},
            capture_output=True,
            timeout=20,
        )
        assert resultat.returncode != 0
    finally:
        arreter(processus)

    journal_final = journal()
    assert "Référentiel chargé" in journal_final
    assert "Booting worker" in journal_final
    print(f"démarrage (collectstatic + point d'entrée) : {demarrage:.1f} s")


# --- réglages de production ----------------------------------------------------------------


def importer_reglages(code="", **variables):
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=BASE,
        env=env_propre(**variables),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("debug", [None, "0"])
def test_reglages_refusent_de_demarrer_sans_secret_key(debug):
    variables = {"ALLOWED_HOSTS": "portail.example.org"}
    if debug is not None:
        variables["DEBUG"] = debug
    resultat = importer_reglages(**variables)
    assert resultat.returncode != 0
    assert (
        "ImproperlyConfigured: SECRET_KEY est obligatoire quand DEBUG est désactivé."
        in resultat.stderr
    )


@pytest.mark.parametrize("debug", [None, "0"])
def test_reglages_refusent_de_demarrer_sans_allowed_hosts(debug):
    variables = {"SECRET_KEY": "une-cle"}
    if debug is not None:
        variables["DEBUG"] = debug
    resultat = importer_reglages(**variables)
    assert resultat.returncode != 0
    assert (
        "ImproperlyConfigured: ALLOWED_HOSTS est obligatoire quand DEBUG est désactivé."
        in resultat.stderr
    )


def test_reglages_avec_debug_en_francais(tmp_path):
    code = (
        "import json\n"
        "from django.conf import settings\n"
        "from django.utils.formats import number_format\n"
        "print(json.dumps({\n"
        "    'DEBUG': settings.DEBUG,\n"
        "    'LANGUAGE_CODE': settings.LANGUAGE_CODE,\n"
        "    'TIME_ZONE': settings.TIME_ZONE,\n"
        "    'STATIC_ROOT': str(settings.STATIC_ROOT),\n"
        "    'nombre': number_format(12100.5, 1, use_l10n=True, force_grouping=True),\n"
        "}))\n"
    )
    resultat = importer_reglages(code, DEBUG="1", STATIC_ROOT=str(tmp_path / "statiques"))
    assert resultat.returncode == 0, resultat.stderr
    reglages = json.loads(resultat.stdout)
    assert reglages == {
        "DEBUG": True,
        "LANGUAGE_CODE": "fr-fr",
        "TIME_ZONE": "Europe/Paris",
        "STATIC_ROOT": str(tmp_path / "statiques"),
        # Formats du projet (contratville/formats/fr) : espace fine insécable, virgule.
        "nombre": "12\u202f100,5",
    }


def test_formats_nombres_francais():
    assert formats.number_format(12100.5, 1, use_l10n=True, force_grouping=True) == "12\u202f100,5"
    assert formats.number_format(0.25, 2, use_l10n=True) == "0,25"
