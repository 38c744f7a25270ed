#!/bin/sh
# Démarrage du conteneur web : attend la base, applique les migrations, synchronise les rôles,
# charge (ou met à jour) le référentiel, puis remplace le shell par gunicorn.
# Réglages : GUNICORN_BIND (0.0.0.0:8000), GUNICORN_WORKERS (3), GUNICORN_TIMEOUT (60),
# DB_WAIT_SECONDS (60).
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
python manage.py sync_roles
python manage.py load_referentiel

exec gunicorn contratville.wsgi:application \
    --bind "${GUNICORN_BIND:-0.0.0.0:8000}" \
    --workers "${GUNICORN_WORKERS:-3}" \
    --timeout "${GUNICORN_TIMEOUT:-60}" \
    --access-logfile - \
    --error-logfile -
