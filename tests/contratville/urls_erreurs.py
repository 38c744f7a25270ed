"""Les adresses du portail, plus des vues qui tombent en panne (pour les tests des pages
500 et 503) ; mêmes gestionnaires d'erreurs que le projet."""

from django.db import OperationalError
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from contratville.urls import handler403, handler404, handler500  # noqa: F401
from contratville.urls import urlpatterns as portail


def panne(request):
    raise RuntimeError("boum")


def panne_base(request):
    raise OperationalError("connection refused")


class PanneAPI(APIView):
    permission_classes = [AllowAny]
    exception = RuntimeError("boum")

    def get(self, request):
        raise self.exception


urlpatterns = [
    path("panne/", panne),
    path("panne-base/", panne_base),
    path("api/v1/panne/", PanneAPI.as_view()),
    path("api/v1/panne-base/", PanneAPI.as_view(exception=OperationalError("refused"))),
    *portail,
]
