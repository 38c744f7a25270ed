#!/bin/sh
# Service `resume-quotidien` de docker-compose.yml : le résumé quotidien des notifications
# (commande envoyer_resume_quotidien), une fois par jour à RESUME_QUOTIDIEN_HEURE (07:00 par
# défaut, heure de Paris). La commande est idempotente : un redémarrage du service ne renvoie
# rien de ce qui est déjà parti. Hors Docker, une ligne de cron fait la même chose (README).
set -eu

cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-contratville.settings}"

while true; do
    python - <<'PY'
import datetime
import os
import sys
import time
import zoneinfo

paris = zoneinfo.ZoneInfo("Europe/Paris")
try:
    heure, minute = (int(x) for x in os.environ.get("RESUME_QUOTIDIEN_HEURE", "07:00").split(":"))
    cible = datetime.time(heure, minute)
except ValueError:
    sys.exit("RESUME_QUOTIDIEN_HEURE doit être de la forme HH:MM (par exemple 07:00).")
maintenant = datetime.datetime.now(paris)
prochain = datetime.datetime.combine(maintenant.date(), cible, tzinfo=paris)
if prochain <= maintenant:
    prochain = datetime.datetime.combine(
        maintenant.date() + datetime.timedelta(days=1), cible, tzinfo=paris
    )
print(f"Prochain résumé quotidien : {prochain:%d/%m/%Y à %H:%M}.", flush=True)
time.sleep((prochain - maintenant).total_seconds())
PY
    python manage.py envoyer_resume_quotidien \
        || echo "Résumé quotidien en échec : il repartira à la prochaine exécution." >&2
done
