"""Déploiement : pile docker-compose (lue, faute de moteur Docker ici), démarrage réel du
point d'entrée du conteneur (migrate, createcachetable, sync_roles, load_referentiel,
gunicorn) contre PostgreSQL hors Docker, derrière le vrai nginx configuré par le gabarit de
la pile (TLS, statiques, clients lents), et réglages de production (DEBUG désactivé, formats
français)."""

import json
import os
import shutil
import signal
import socket
import ssl
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
TACHES = BASE / "docker" / "taches.sh"
GABARIT_NGINX = BASE / "docker" / "nginx" / "portail.conf.template"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
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
    # `resume-quotidien` : le résumé quotidien des notifications (app notifications) ;
    # `worker` : l'exécutant des travaux de fond.
    assert set(services) == {"db", "web", "proxy", "taches", "resume-quotidien", "worker"}

    db = services["db"]
    assert db["image"].startswith("postgres:15")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db["volumes"])
    # Aucun mot de passe par défaut : la pile refuse de démarrer sans POSTGRES_PASSWORD.
    assert db["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert "ports" not in db

    web = services["web"]
    assert web["build"] == "."
    assert web["depends_on"] == {"db": {"condition": "service_healthy"}}
    env = web["environment"]
    assert "DEBUG" not in env, "la production tourne DEBUG désactivé"
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert env["ALLOWED_HOSTS"].startswith("${ALLOWED_HOSTS:?")
    assert env["DATABASE_URL"].startswith("postgres://contratville:${POSTGRES_PASSWORD:?")
    assert (
        env["PORTAIL_URL"]
        == "https://${PORTAIL_HOTE:?PORTAIL_HOTE est obligatoire (nom public du portail)}"
    )
    assert "@db:5432/" in env["DATABASE_URL"]
    assert env["NOMBRE_PROXYS"] == "1"  # nginx devant : adresse client dans X-Forwarded-For
    assert env["STATIC_PARTAGE"] == "/srv/static"
    sonde = " ".join(web["healthcheck"]["test"])
    assert "/sante/" in sonde
    # gunicorn n'est plus publié sur l'hôte : seul le proxy le joint.
    assert "ports" not in web and web["expose"] == ["8000"]
    assert "media:/app/media" in web["volumes"] and "static:/srv/static" in web["volumes"]
    # gunicorn est lancé par le point d'entrée de l'image (pas de `command` qui le court-circuite).
    assert "command" not in web and "entrypoint" not in web

    proxy = services["proxy"]
    assert proxy["image"].startswith("nginx:")
    assert proxy["depends_on"] == {"web": {"condition": "service_healthy"}}
    assert sorted(p.rsplit(":", 1)[1] for p in proxy["ports"]) == ["443", "80"]
    assert proxy["environment"]["APPLICATION"] == "web:8000"
    volumes = proxy["volumes"]
    assert (
        "./docker/nginx/portail.conf.template:/etc/nginx/templates/default.conf.template:ro"
        in volumes
    )
    assert "static:/srv/static:ro" in volumes
    assert any(v.startswith("${TLS_CERTIFICATS:?") for v in volumes)
    # Les pièces jointes ne sont jamais servies par le proxy : il n'a pas leur volume.
    assert not any("media" in v.split(":")[0] for v in volumes)

    taches = services["taches"]
    assert taches["entrypoint"] == ["/app/docker/taches.sh"]
    assert taches["depends_on"] == {"web": {"condition": "service_healthy"}}
    assert taches["environment"]["DATABASE_URL"] == env["DATABASE_URL"]
    assert "ports" not in taches

    # Le résumé quotidien : même image, même base et mêmes réglages obligatoires, son script.
    resume = services["resume-quotidien"]
    assert resume["image"] == web["image"]
    assert resume["entrypoint"] == ["/app/docker/resume-quotidien.sh"]
    env_resume = resume["environment"]
    assert "DEBUG" not in env_resume
    for variable in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "PORTAIL_URL"):
        assert env_resume[variable] == env[variable]
    assert "ports" not in resume
    script = (BASE / "docker" / "resume-quotidien.sh").read_text(encoding="utf-8")
    assert "manage.py envoyer_resume_quotidien" in script
    assert os.access(BASE / "docker" / "resume-quotidien.sh", os.X_OK)
    # L'exécutant des travaux de fond : même image et même base que le web, et le volume des
    # médias où il dépose les fichiers produits que le web sert à leur propriétaire.
    worker = services["worker"]
    assert worker["image"] == web["image"]
    assert worker["entrypoint"][-3:] == ["manage.py", "db_worker", "--no-reload"]
    assert worker["depends_on"] == {"web": {"condition": "service_healthy"}}
    assert worker["environment"]["DATABASE_URL"] == env["DATABASE_URL"]
    assert "media:/app/media" in worker["volumes"]
    assert "ports" not in worker
    assert set(compose["volumes"]) == {"db-data", "media", "static"}


def test_gabarit_nginx():
    gabarit = GABARIT_NGINX.read_text(encoding="utf-8")
    for directive in (
        "proxy_request_buffering on;",
        "proxy_buffering on;",
        "client_header_timeout 10s;",
        "client_body_timeout 20s;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header X-Forwarded-For $remote_addr;",
        "ssl_certificate /etc/nginx/certs/fullchain.pem;",
        "alias /srv/static/;",
        "return 301 https://$host$request_uri;",
        "server ${APPLICATION};",
    ):
        assert directive in gabarit, directive
    assert "/app/media" not in gabarit and "alias /srv/media" not in gabarit


def test_taches_planifiees():
    assert os.access(TACHES, os.X_OK), "docker/taches.sh doit être exécutable"
    script = TACHES.read_text(encoding="utf-8")
    assert "python manage.py clearsessions" in script
    assert "TACHES_INTERVALLE_SECONDES:-86400" in script


def test_dockerfile_et_point_d_entree():
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    assert "FROM python:3.11-slim" in dockerfile
    assert "npm ci" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    assert 'ENTRYPOINT ["/app/docker/entrypoint.sh"]' in dockerfile
    assert "chmod 0755 docker/entrypoint.sh docker/taches.sh" in dockerfile
    # Les fichiers copiés individuellement existent.
    for nom in ("pyproject.toml", "package.json", "package-lock.json"):
        assert (BASE / nom).is_file()

    assert os.access(ENTRYPOINT, os.X_OK), "docker/entrypoint.sh doit être exécutable"
    script = ENTRYPOINT.read_text(encoding="utf-8")
    etapes = [
        "ensure_connection",
        "manage.py migrate --noinput",
        "manage.py createcachetable",
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


class SansRedirection(urllib.request.HTTPRedirectHandler):
    """Une redirection est une réponse à vérifier, pas à suivre."""

    def redirect_request(self, *args, **kwargs):
        return None


# Aucun proxy pour les requêtes vers 127.0.0.1, quel que soit l'environnement ; TLS sans
# vérification (certificat autosigné du test).
TLS_DU_TEST = ssl.create_default_context()
TLS_DU_TEST.check_hostname = False
TLS_DU_TEST.verify_mode = ssl.CERT_NONE
OUVREUR = urllib.request.build_opener(
    urllib.request.ProxyHandler({}),
    SansRedirection(),
    urllib.request.HTTPSHandler(context=TLS_DU_TEST),
)
# Ce que le proxy frontal ajoute à chaque requête qu'il relaie (connexion TLS terminée chez lui).
DERRIERE_LE_PROXY = {"X-Forwarded-Proto": "https"}


def requete(url, host=None, entetes=None, delai=10):
    """(statut, en-têtes, corps) ; les erreurs HTTP sont des réponses comme les autres."""
    entetes = dict(DERRIERE_LE_PROXY if entetes is None else entetes)
    if host:
        entetes["Host"] = host
    req = urllib.request.Request(url, headers=entetes)
    try:
        with OUVREUR.open(req, timeout=delai) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.headers, e.read()


def attendre(url, processus, journal, delai=180):
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
    partage = tmp_path / "statiques-du-proxy"
    partage.mkdir()
    env = env_propre(
        SECRET_KEY="cle-du-test-de-demarrage",
        # Le premier hôte sert d'en-tête Host à la sonde de docker-compose.
        ALLOWED_HOSTS="contrat-de-ville.example.org,127.0.0.1",
        PORTAIL_URL="https://contrat-de-ville.example.org",
        DATABASE_URL=url_base_de_test(),
        STATIC_ROOT=str(statiques),
        SECURE_COOKIES="0",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        DB_WAIT_SECONDS="10",
        STATIC_PARTAGE=str(partage),
    )

    # 1. collectstatic comme dans le Dockerfile : DEBUG et TESTING absents, donc stockage
    #    whitenoise avec manifeste haché et fichiers compressés.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=BASE,
        env=env,
        check=True,
        capture_output=True,
        timeout=240,
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
        # La sonde interroge gunicorn en HTTP simple : jamais redirigée.
        statut, _, _ = requete(f"{base_url}/sante/", entetes={})
        assert statut == 200
        # Une page demandée en HTTP (sans le proxy) est redirigée vers HTTPS ; derrière le
        # proxy, HSTS et la politique de sécurité du contenu accompagnent chaque page.
        statut, entetes, _ = requete(f"{base_url}/engagements/", entetes={})
        assert statut == 301
        assert entetes["Location"] == f"https://127.0.0.1:{port}/engagements/"
        statut, entetes, _ = requete(f"{base_url}/engagements/")
        assert statut == 200
        assert entetes["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert "script-src 'self'" in entetes["Content-Security-Policy"]
        # Les statiques de l'image, copiés pour nginx.
        assert (partage / bootstrap_hache).is_file()

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
            f"{base_url}/static/{bootstrap_hache}",
            headers={"Accept-Encoding": "gzip", **DERRIERE_LE_PROXY},
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

        # 3. Le vrai nginx, configuré par le gabarit de la pile, devant ce gunicorn.
        verifier_derriere_nginx(tmp_path, port, partage, bootstrap_hache)
    finally:
        arreter(processus)

    journal_final = journal_chemin.read_text(encoding="utf-8", errors="replace")
    assert "Référentiel chargé" in journal_final
    assert "Booting worker" in journal_final
    print(f"démarrage (collectstatic + point d'entrée) : {demarrage:.1f} s")


# --- nginx devant gunicorn ----------------------------------------------------------------


def certificat_autosigne(dossier):
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1",
            "-keyout", str(dossier / "privkey.pem"), "-out", str(dossier / "fullchain.pem"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip


def configurer_nginx(dossier, port_http, port_https, port_gunicorn, statiques):
    """Le gabarit de docker/nginx tel quel, avec ce que l'image officielle et la pile y
    mettent (variables, chemins des certificats et des statiques), dans un nginx.conf minimal
    équivalent à celui de l'image."""
    certificat_autosigne(dossier)
    gabarit = GABARIT_NGINX.read_text(encoding="utf-8")
    serveur = (
        gabarit.replace("${PORTAIL_HOTE}", "127.0.0.1")
        .replace("${APPLICATION}", f"127.0.0.1:{port_gunicorn}")
        .replace("listen 80;", f"listen 127.0.0.1:{port_http};")
        .replace("listen 443 ssl;", f"listen 127.0.0.1:{port_https} ssl;")
        .replace("/etc/nginx/certs/", f"{dossier}/")
        .replace("alias /srv/static/;", f"alias {statiques}/;")
        .replace("root /srv;", f"root {statiques.parent};")
    )
    assert "${" not in serveur
    # Les fichiers hachés sont servis par « root » : le dossier doit s'appeler static/.
    (dossier / "portail.conf").write_text(serveur, encoding="utf-8")
    utilisateur = "user root;\n" if os.geteuid() == 0 else ""
    temporaires = "\n".join(
        f"    {d}_temp_path {dossier}/{d};"
        for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (dossier / "nginx.conf").write_text(
        f"""{utilisateur}worker_processes 1;
pid {dossier}/nginx.pid;
error_log {dossier}/erreurs.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
{temporaires}
    include {dossier}/portail.conf;
}}
""",
        encoding="utf-8",
    )
    return dossier / "nginx.conf"


def connexions_lentes(port, nombre, tls=False):
    """Des clients qui envoient le début d'une requête et n'envoient jamais la fin."""
    prises = []
    for _ in range(nombre):
        prise = socket.create_connection(("127.0.0.1", port), timeout=5)
        if tls:
            prise = TLS_DU_TEST.wrap_socket(prise, server_hostname="127.0.0.1")
        prise.sendall(b"GET /sante/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Lent: ")
        prises.append(prise)
    return prises


def repond_a_temps(url, delai):
    try:
        statut, _, _ = requete(url, entetes={}, delai=delai)
    except (TimeoutError, OSError, urllib.error.URLError):
        return False
    return statut == 200


def verifier_derriere_nginx(tmp_path, port_gunicorn, statiques, bootstrap_hache):
    dossier = tmp_path / "nginx"
    dossier.mkdir()
    # Le dossier des statiques porte le nom /srv/static de la pile.
    servis = tmp_path / "srv" / "static"
    servis.parent.mkdir()
    statiques.rename(servis)
    port_http, port_https = port_libre(), port_libre()
    conf = configurer_nginx(dossier, port_http, port_https, port_gunicorn, servis)
    verification = subprocess.run(
        [NGINX, "-t", "-c", str(conf), "-p", str(dossier)], capture_output=True, text=True
    )
    assert verification.returncode == 0, verification.stderr
    nginx = subprocess.Popen(
        [NGINX, "-c", str(conf), "-p", str(dossier), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    https = f"https://127.0.0.1:{port_https}"
    prises = []
    try:
        limite = time.monotonic() + 10
        while not repond_a_temps(f"{https}/sante/", 2):
            assert time.monotonic() < limite, (dossier / "erreurs.log").read_text()
            time.sleep(0.2)

        # HTTP → HTTPS, par nginx.
        statut, entetes, _ = requete(f"http://127.0.0.1:{port_http}/engagements/", entetes={})
        assert statut == 301
        assert entetes["Location"] == "https://127.0.0.1/engagements/"
        # Une page relayée : Django la sait en HTTPS (X-Forwarded-Proto), donc pas de boucle
        # de redirection, et HSTS ; nginx ne dit pas sa version.
        statut, entetes, corps = requete(f"{https}/engagements/1/", entetes={})
        assert statut == 200, corps[:500]
        assert entetes["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert entetes["Server"] == "nginx"
        # Statiques servis par nginx lui-même (ses en-têtes, pas ceux de whitenoise).
        statut, entetes, corps = requete(f"{https}/static/{bootstrap_hache}", entetes={})
        assert statut == 200 and b"Bootstrap" in corps[:500]
        assert entetes["Cache-Control"] == "public, max-age=31536000, immutable"
        assert entetes["Content-Type"].startswith("text/css")
        # Les pièces jointes ne sont jamais servies directement.
        statut, _, _ = requete(f"{https}/media/fiches/1/piece.pdf", entetes={})
        assert statut == 404

        # Clients lents : quatre requêtes jamais terminées suffisent à immobiliser les deux
        # workers de gunicorn joint directement…
        prises = connexions_lentes(port_gunicorn, 4)
        time.sleep(0.5)
        assert not repond_a_temps(f"http://127.0.0.1:{port_gunicorn}/sante/", 2)
        for prise in prises:
            prise.close()
        prises = []
        limite = time.monotonic() + 10
        while not repond_a_temps(f"http://127.0.0.1:{port_gunicorn}/sante/", 2):
            assert time.monotonic() < limite, "gunicorn ne s'est pas libéré"
        # … mais pas derrière nginx, qui attend la requête complète avant de relayer.
        prises = connexions_lentes(port_https, 8, tls=True)
        time.sleep(0.5)
        reponses = [repond_a_temps(f"{https}/sante/", 2) for _ in range(4)]
        assert reponses == [True] * 4
    finally:
        for prise in prises:
            prise.close()
        if nginx.poll() is None:
            os.killpg(nginx.pid, signal.SIGTERM)
            nginx.wait(timeout=10)


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


@pytest.mark.parametrize("valeur", [None, "", "portail.example.org"])
def test_reglages_refusent_de_demarrer_sans_portail_url(valeur):
    variables = {"SECRET_KEY": "une-cle", "ALLOWED_HOSTS": "portail.example.org"}
    if valeur is not None:
        variables["PORTAIL_URL"] = valeur
    resultat = importer_reglages(**variables)
    assert resultat.returncode != 0
    attendu = (
        "PORTAIL_URL doit commencer par http:// ou https://"
        if valeur
        else "ImproperlyConfigured: PORTAIL_URL est obligatoire quand DEBUG est désactivé"
    )
    assert attendu in resultat.stderr
    # Avec l'adresse, les réglages se chargent et la gardent sans barre finale.
    variables["PORTAIL_URL"] = "https://portail.example.org/"
    resultat = importer_reglages(
        "from django.conf import settings; print(settings.PORTAIL_URL)", **variables
    )
    assert resultat.returncode == 0, resultat.stderr
    assert resultat.stdout.strip() == "https://portail.example.org"


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
