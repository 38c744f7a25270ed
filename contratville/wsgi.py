"""Point d'entrée WSGI (gunicorn)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contratville.settings")
application = get_wsgi_application()

from contratville.processus import figer_le_demarrage  # noqa: E402 (Django chargé d'abord)

figer_le_demarrage()
