"""Documentation servie hors ligne : Swagger UI et Redoc viennent de drf-spectacular-sidecar
(fichiers statiques locaux). Le gabarit Redoc d'origine charge des polices Google : on le
remplace par une tête sans aucune ressource externe (les postes n'ont pas d'accès Internet).

Ces deux pages sont les seules à assouplir la politique de sécurité du contenu du portail :
Swagger UI s'initialise par un script en ligne, Redoc injecte ses styles et lance un « worker »
depuis un blob. Voir `avec_csp_documentation`."""

from csp.decorators import csp_update
from django.template import engines
from drf_spectacular.views import SpectacularRedocView
from rest_framework.renderers import TemplateHTMLRenderer

GABARIT_REDOC = """{% extends "drf_spectacular/redoc.html" %}
{% block head %}
<title>{{ title|default:"Redoc" }}</title>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body { margin: 0; padding: 0; }</style>
{% endblock head %}"""


class RenduRedocHorsLigne(TemplateHTMLRenderer):
    def resolve_template(self, template_names):
        return engines["django"].from_string(GABARIT_REDOC)


class RedocHorsLigne(SpectacularRedocView):
    renderer_classes = [RenduRedocHorsLigne]


# Ce que Swagger UI et Redoc demandent en plus de la politique du portail (CONTENT_SECURITY_POLICY).
CSP_DOCUMENTATION = {
    "script-src": ["'unsafe-inline'"],
    "style-src": ["'unsafe-inline'"],
    "worker-src": ["'self'", "blob:"],
}


def avec_csp_documentation(vue):
    """La vue d'une page de documentation, avec la politique assouplie pour elle seule."""
    return csp_update(CSP_DOCUMENTATION)(vue)
