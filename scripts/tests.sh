#!/usr/bin/env bash
# La suite complète : lint, format, migrations, pytest (navigateur compris).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE=contratville.settings_test
echo "== ruff check";            .venv/bin/ruff check .
echo "== ruff format --check";   .venv/bin/ruff format --check .
echo "== makemigrations --check"; $PY manage.py makemigrations --check --dry-run
echo "== schéma OpenAPI";        $PY manage.py spectacular --validate --fail-on-warn --file /dev/null
if [ "$#" -gt 0 ]; then
  echo "== pytest";              $PY -m pytest --create-db "$@"
  exit 0
fi
# Hors navigateur : un processus par cœur (pytest-xdist, une base de test par processus).
# Les parcours dans Chromium passent ensuite, seuls et dans l'ordre, comme en local : ils
# vident la base après eux (tests transactionnels) et ne gagnent rien à se disputer les cœurs.
echo "== pytest (hors navigateur, ${TESTS_PROCESSUS:-auto} processus)"
$PY -m pytest --create-db -n "${TESTS_PROCESSUS:-auto}" -m "not browser"
echo "== pytest (navigateur)"
$PY -m pytest --create-db -m browser
