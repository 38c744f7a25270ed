# Image de production du portail du contrat de ville parisien (voir docker-compose.yml) : sert
# le service web (gunicorn, derrière nginx) et le service de tâches planifiées.

# --- 1. Dépendances front (Bootstrap, htmx, Chart.js) depuis package-lock.json -------------------
FROM node:20-bookworm-slim AS front
WORKDIR /front
COPY package.json package-lock.json ./
# Les devDependencies (axe-core) ne servent qu'aux tests navigateur.
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

# --- 2. Application Django servie par gunicorn ----------------------------------------------------
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=contratville.settings

RUN useradd --system --create-home --home-dir /home/app --shell /usr/sbin/nologin app

# Bibliothèques de WeasyPrint (fiche quartier en PDF) et polices DejaVu, depuis Debian ; outils
# clients de PostgreSQL 15 pour la sauvegarde (scripts/sauvegarde.py : pg_dump, pg_restore).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
        postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dépendances Python seules d'abord (pyproject.toml n'embarque aucun paquet : le code reste
# dans /app), pour profiter du cache des couches tant que pyproject.toml ne change pas.
COPY pyproject.toml /tmp/projet/
RUN pip install /tmp/projet && rm -rf /tmp/projet

COPY --from=front /front/node_modules ./node_modules
COPY . .

# Fichiers statiques (manifeste haché + compression whitenoise) figés dans l'image, copiés au
# démarrage vers le volume que sert nginx. Les réglages exigent SECRET_KEY et ALLOWED_HOSTS :
# valeurs factices, utilisées pour cette seule commande (la base SQLite n'est pas ouverte).
RUN SECRET_KEY=collectstatic-seulement ALLOWED_HOSTS=localhost \
        python manage.py collectstatic --noinput \
    && chmod 0755 docker/entrypoint.sh docker/taches.sh \
    && mkdir -p media /srv/static \
    && chown app:app media /srv/static

USER app
EXPOSE 8000
ENTRYPOINT ["/app/docker/entrypoint.sh"]
