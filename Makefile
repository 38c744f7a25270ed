# Portail du contrat de ville parisien — deux commandes : `make run` et `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help run test deps system-deps lint format bench bench-resilience backup restore clean referentiel extract

help:
	@echo "make run    installe tout, charge le référentiel et sert le portail sur http://$(HOST):$(PORT)"
	@echo "make test   installe tout (PostgreSQL et Chromium compris) et lance ruff, migrations et pytest"
	@echo "make bench  banc d’essai : Paris puis échelle nationale (ECHELLE=paris : Paris seul), puis résilience"
	@echo "make backup   sauvegarde base + pièces jointes + manifeste (DATABASE_URL, MEDIA_ROOT)"
	@echo "make restore DOSSIER=sauvegardes/sauvegarde-…  restauration vérifiée (FORCE=1 pour écraser)"
	@echo "make extract  régénère fixtures/ depuis le texte du contrat (../shared/seeds)"

# --- dépendances -------------------------------------------------------------------------------
$(VENV)/.installe: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

node_modules/.installe: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

deps: $(VENV)/.installe node_modules/.installe

# Paquets système des tests : serveur PostgreSQL 15, Chromium (Playwright), polices.
system-deps:
	@./scripts/system-deps.sh

# --- lancement local ---------------------------------------------------------------------------
run: deps
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py createcachetable
	DEBUG=1 $(PY) manage.py sync_roles
	DEBUG=1 $(PY) manage.py load_referentiel
	DEBUG=1 $(PY) manage.py creer_comptes_demo
	@echo "Portail servi sur http://$(HOST):$(PORT) — documentation dans README.md"
# L'exécutant des travaux de fond (PDF, classeurs, imports) tourne à côté du serveur, dans sa
# propre session (setsid) : il est arrêté, lui et son rechargeur, quand le serveur s'arrête,
# y compris par Ctrl-C.
	DEBUG=1 setsid $(PY) manage.py db_worker & executant=$$!; \
	trap 'kill -TERM -- -$$executant 2>/dev/null; wait $$executant 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

referentiel: deps
	DEBUG=1 $(PY) manage.py load_referentiel

extract: deps
	$(PY) -m fixtures.extract

# --- qualité et tests --------------------------------------------------------------------------
lint: deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: deps
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: deps system-deps
	./scripts/avec-postgres.sh ./scripts/tests.sh

# Banc d'essai (hors de `make test`) : ECHELLE=tout (défaut), paris ou nationale ;
# BENCH_OPTIONS pour le reste (--delai 600, --mesures comparaison,grille, --qpv 800…).
ECHELLE ?= tout
BENCH_OPTIONS ?=
bench: deps system-deps
	./scripts/avec-postgres.sh $(PY) -m bench --echelle $(ECHELLE) $(BENCH_OPTIONS)
	$(PY) -m bench.resilience

# Résilience seule : cluster PostgreSQL et gunicorn jetables sur 127.0.0.1, lecteurs et
# écrivains concurrents, redémarrage de PostgreSQL au milieu (bench/resilience.py).
bench-resilience: deps system-deps
	$(PY) -m bench.resilience

# --- sauvegarde et restauration (scripts/sauvegarde.py, voir README « Production ») -----------
backup: deps
	$(PY) scripts/sauvegarde.py sauvegarder $(if $(DOSSIER),--dossier $(DOSSIER))

restore: deps
	@test -n "$(DOSSIER)" || { echo "Indiquez la sauvegarde : make restore DOSSIER=sauvegardes/sauvegarde-…"; exit 2; }
	$(PY) scripts/sauvegarde.py restaurer --dossier $(DOSSIER) $(if $(FORCE),--force)

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache test-results
