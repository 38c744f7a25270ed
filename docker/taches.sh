#!/bin/sh
# Tâches planifiées du portail (service `taches` de docker-compose) : une fois par jour,
# suppression des sessions expirées (`clearsessions` : Django ne le fait jamais seul) et des
# connexions réussies journalisées depuis plus de JOURNAL_CONNEXIONS_JOURS jours.
# Réglages : TACHES_INTERVALLE_SECONDES (86400), JOURNAL_CONNEXIONS_JOURS (365).
set -u

cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-contratville.settings}"
intervalle="${TACHES_INTERVALLE_SECONDES:-86400}"
trap 'exit 0' TERM INT

while true; do
    if python manage.py clearsessions; then
        echo "$(date -Iseconds) sessions expirées supprimées"
    else
        echo "$(date -Iseconds) clearsessions a échoué ; nouvel essai au prochain passage" >&2
    fi
    python manage.py axes_reset_logs --age "${JOURNAL_CONNEXIONS_JOURS:-365}" >/dev/null \
        || echo "$(date -Iseconds) nettoyage du journal des connexions en échec" >&2
    sleep "$intervalle" &
    wait $!
done
