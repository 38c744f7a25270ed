#!/bin/sh
# Démarrage du conteneur web : attend la base, applique les migrations, crée la table du cache
# partagé, synchronise les rôles, charge (ou met à jour) le référentiel, copie les fichiers
# statiques pour le proxy frontal, puis remplace le shell par gunicorn.
# Réglages : GUNICORN_BIND (0.0.0.0:8000), GUNICORN_WORKERS (3), GUNICORN_TIMEOUT (60),
# DB_WAIT_SECONDS (60), STATIC_PARTAGE (dossier lu par nginx ; vide : pas de copie).
set -eu

cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-contratville.settings}"

echo "Attente de la base de données…"
python - <<'PY'
import os
import sys
import time

import django

django.setup()

from django.db import connection
from django.db.utils import OperationalError

limite = time.monotonic() + int(os.environ.get("DB_WAIT_SECONDS", "60"))
while True:
    try:
        connection.ensure_connection()
        break
    except OperationalError as exc:
        if time.monotonic() > limite:
            sys.exit(f"Base de données injoignable : {exc}")
        time.sleep(1)
connection.close()
PY

python manage.py migrate --noinput
# Compteurs de débit de l'API (cache partagé par les processus gunicorn). Idempotent.
python manage.py createcachetable
python manage.py sync_roles
python manage.py load_referentiel

# Les fichiers statiques de l'image (collectstatic) vers le volume que sert nginx ; les anciens
# noms hachés restent, pour les pages encore ouvertes pendant une mise à jour.
if [ -n "${STATIC_PARTAGE:-}" ]; then
    cp -R "${STATIC_ROOT:-staticfiles}/." "$STATIC_PARTAGE"/
fi

exec gunicorn contratville.wsgi:application \
    --bind "${GUNICORN_BIND:-0.0.0.0:8000}" \
    --workers "${GUNICORN_WORKERS:-3}" \
    --timeout "${GUNICORN_TIMEOUT:-60}" \
    --access-logfile - \
    --error-logfile -
