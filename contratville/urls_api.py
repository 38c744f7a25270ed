"""Les adresses de /api/v1/ : une route par ressource, le schéma OpenAPI et sa
documentation (Swagger UI, Redoc) servis hors ligne.

Chaque application déclare ses routes dans son `api.py` (`ROUTES`) ; pour en ajouter une,
on l'ajoute à `MODULES`. L'ordre des modules est celui de la racine de l'API : les projets
(territoire/api.py, qui filtre par engagement servi) suivent les quartiers."""

from importlib import import_module

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import routers
from rest_framework.permissions import AllowAny

from socle.api.docs import RedocHorsLigne, avec_csp_documentation
from socle.api.erreurs import AdresseInconnue

app_name = "api"

MODULES = [
    "engagements.api",
    "quartiers.api",
    "territoire.api",
    "indicateurs.api",
    "structures.api",
    "recherche.api",
]


class RacineAPI(routers.APIRootView):
    """Les ressources de l'API du contrat de ville parisien (documentation : /api/v1/docs/)."""

    permission_classes = [AllowAny]


class Routeur(routers.DefaultRouter):
    APIRootView = RacineAPI
    include_format_suffixes = False


routeur = Routeur()
for module in MODULES:
    for prefixe, viewset, basename in import_module(module).ROUTES:
        routeur.register(prefixe, viewset, basename=basename)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        avec_csp_documentation(SpectacularSwaggerView.as_view(url_name="api:schema")),
        name="docs",
    ),
    path(
        "redoc/",
        avec_csp_documentation(RedocHorsLigne.as_view(url_name="api:schema")),
        name="redoc",
    ),
    path("", include(routeur.urls)),
    re_path(r"^.*$", AdresseInconnue.as_view(), name="inconnue"),
]
