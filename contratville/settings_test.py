"""Réglages des tests : ceux de production (DEBUG désactivé) avec une clé et des hôtes de
test, un hachage de mot de passe rapide et des cookies non « secure » (serveur de test en HTTP)."""

import os

os.environ.setdefault("SECRET_KEY", "cle-des-tests-uniquement")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("TESTING", "1")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("PORTAIL_URL", "http://testserver")

from contratville.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEMO_ACCOUNTS = False
# Pas de collectstatic en test : whitenoise sert directement depuis les « finders ».
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
