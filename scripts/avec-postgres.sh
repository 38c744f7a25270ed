#!/usr/bin/env bash
# Lance la commande donnée avec une base PostgreSQL 15 :
# celle de DATABASE_URL si elle est définie, sinon un cluster jetable créé ici (port libre,
# données en /tmp) et arrêté en sortie, même en cas d'échec.
set -euo pipefail
if [ -n "${DATABASE_URL:-}" ]; then
  exec "$@"
fi
PGBIN=/usr/lib/postgresql/15/bin
dossier=$(mktemp -d /tmp/contratville-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
en_postgres() {
  # initdb refuse de tourner en root : on passe par l'utilisateur postgres.
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" -eq 0 ]; then chown postgres "$dossier"; fi
arreter() {
  en_postgres "$PGBIN/pg_ctl" -D "$dossier/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dossier"
}
trap arreter EXIT
en_postgres "$PGBIN/initdb" -D "$dossier/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
en_postgres "$PGBIN/pg_ctl" -D "$dossier/data" -l "$dossier/postgres.log" -w \
  -o "-p $port -k $dossier -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null
"$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U postgres contratville
export DATABASE_URL="postgres://postgres@127.0.0.1:$port/contratville"
echo "PostgreSQL 15 jetable sur le port $port"
set +e
"$@"
code=$?
set -e
exit $code
