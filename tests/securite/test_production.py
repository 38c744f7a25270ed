"""Réglages de production : `check --deploy` sans avertissement, HTTPS et HSTS actifs par
défaut, refus de démarrer avec un mot de passe de base connu, comptes de démonstration
impossibles sans DEBUG, cache partagé par tous les processus."""

import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tests.contratville.test_deploiement import BASE, env_propre

CLE_DE_PRODUCTION = "k3Jd8-vQ2pLm9ZxR4tYw7NbC1sHf6GaE0uIoPl5KjMnBvCxZaSdFgHjKlQwErTy"

PRODUCTION = {
    "SECRET_KEY": CLE_DE_PRODUCTION,
    "ALLOWED_HOSTS": "contrat-de-ville.paris.fr",
    "DATABASE_URL": "postgres://contratville:Ph7-sDq9-Lw2x@db:5432/contratville",
}


def lancer(arguments, **variables):
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=BASE,
        env=env_propre(**variables),
        capture_output=True,
        text=True,
        timeout=120,
    )


def reglages(*noms, **variables):
    code = (
        "import json, django; django.setup()\n"
        "from django.conf import settings\n"
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(noms)!r}}}, default=str))\n"
    )
    resultat = lancer(["-c", code], **variables)
    assert resultat.returncode == 0, resultat.stderr
    return json.loads(resultat.stdout)


def test_check_deploy_sans_avertissement():
    resultat = lancer(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert resultat.returncode == 0, resultat.stderr + resultat.stdout
    assert "System check identified no issues" in resultat.stdout


def test_check_deploy_signale_une_cle_faible():
    """Le test précédent ne passe pas par accident : une clé courte est bien signalée."""
    resultat = lancer(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        **{**PRODUCTION, "SECRET_KEY": "courte"},
    )
    assert resultat.returncode != 0
    assert "security.W009" in resultat.stderr + resultat.stdout


def test_https_et_hsts_actifs_par_defaut_en_production():
    valeurs = reglages(
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "CACHES",
        "DEMO_ACCOUNTS",
        **PRODUCTION,
    )
    assert valeurs["SECURE_SSL_REDIRECT"] is True
    assert valeurs["SECURE_HSTS_SECONDS"] == 31_536_000
    assert valeurs["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert valeurs["SECURE_HSTS_PRELOAD"] is False
    assert valeurs["SESSION_COOKIE_SECURE"] and valeurs["CSRF_COOKIE_SECURE"]
    assert valeurs["CACHES"]["default"]["BACKEND"].endswith("DatabaseCache")
    assert valeurs["DEMO_ACCOUNTS"] is False
    # … et désactivables par l'environnement (proxy de test en HTTP).
    local = reglages(
        "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0", **PRODUCTION,
    )  # fmt: skip
    assert local == {"SECURE_SSL_REDIRECT": False, "SECURE_HSTS_SECONDS": 0}
    # En local (make run), ni l'un ni l'autre.
    debug = reglages("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", DEBUG="1")
    assert debug == {"SECURE_SSL_REDIRECT": False, "SECURE_HSTS_SECONDS": 0}


@pytest.mark.parametrize(
    "url,refus",
    [
        ("postgres://contratville:contratville@db:5432/contratville", "valeur par défaut connue"),
        ("postgres://postgres:postgres@db:5432/contratville", "valeur par défaut connue"),
        (
            "postgres://contratville@db.exemple.org:5432/contratville",
            "distante et sans mot de passe",
        ),
    ],
)
def test_refus_de_demarrer_avec_un_mot_de_passe_de_base_connu(url, refus):
    resultat = lancer(
        ["-c", "import django; django.setup()"], **{**PRODUCTION, "DATABASE_URL": url}
    )
    assert resultat.returncode != 0
    assert "ImproperlyConfigured" in resultat.stderr and refus in resultat.stderr


def test_base_locale_sans_mot_de_passe_admise():
    # Tests, bancs d'essai et socket local : pas de mot de passe, pas de réseau.
    valeurs = reglages(
        "DEBUG", **{**PRODUCTION, "DATABASE_URL": "postgres://postgres@127.0.0.1:5433/x"}
    )
    assert valeurs == {"DEBUG": False}


@pytest.mark.django_db
def test_comptes_de_demonstration_refuses_sans_debug(settings):
    with pytest.raises(CommandError, match="DEBUG est désactivé"):
        call_command("creer_comptes_demo")
    # Plus d'option pour passer outre.
    with pytest.raises(CommandError):
        call_command("creer_comptes_demo", "--force")
    settings.DEBUG = True
    settings.DEMO_ACCOUNTS = True
    call_command("creer_comptes_demo", stdout=__import__("io").StringIO())
    from django.contrib.auth.models import User

    assert User.objects.filter(username="demo-spv").exists()


def test_reglages_de_test_sans_cache_en_base():
    # Les comptes de requêtes des tests ne voient pas les requêtes du cache.
    assert settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")
