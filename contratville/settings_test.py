"""Réglages des tests : ceux de production (DEBUG désactivé) avec une clé et des hôtes de
test, un hachage de mot de passe rapide et des cookies non « secure » (serveur de test en HTTP)."""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("SECRET_KEY", "cle-des-tests-uniquement")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("TESTING", "1")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("PORTAIL_URL", "http://testserver")
# Le serveur de test parle HTTP : ni redirection vers HTTPS ni HSTS.
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
if "TRAVAUX_FICHIERS_ROOT" not in os.environ:
    # Fichiers des travaux de fond : un dossier jetable par session de tests.
    _travaux = tempfile.mkdtemp(prefix="contratville-travaux-")
    atexit.register(shutil.rmtree, _travaux, ignore_errors=True)
    os.environ["TRAVAUX_FICHIERS_ROOT"] = _travaux

from contratville.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEMO_ACCOUNTS = False
# Pas de collectstatic en test : whitenoise sert directement depuis les « finders ».
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Cache en mémoire pendant les tests : le cache en base de la production (compteurs de débit)
# ajouterait ses requêtes aux comptes des tests de requêtes ; le partage entre processus est
# vérifié à part (tests/securite/test_limites_partagees.py).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# La réponse « mot de passe oublié » garde une durée minimale, courte dans les tests.
MOT_DE_PASSE_OUBLIE_DUREE_MIN = 0.05
# Un réplica « miroir » de la base de test (même base, autre connexion) : le routage des
# lectures lourdes se vérifie dans tests/contratville/test_routeurs.py, qui l'active
# (LECTURES_SUR_REPLICA) ; les autres tests lisent la base principale, dans leur transaction.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
LECTURES_SUR_REPLICA = False
# Les travaux de fond s'exécutent dans la requête qui les lance (résultat immédiat). Un test
# (tests/travaux/test_executant.py) les fait passer une fois par la file en base et le vrai
# `db_worker`, lancé avec TRAVAUX_FILE_EN_BASE=1.
if not env_bool("TRAVAUX_FILE_EN_BASE"):  # noqa: F405
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
