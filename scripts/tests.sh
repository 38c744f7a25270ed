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
echo "== pytest";                $PY -m pytest --create-db "$@"
