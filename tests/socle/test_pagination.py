"""La pagination par clés (socle/pagination.PaginateurParCles) : mêmes lignes, même ordre et
même nombre de requêtes que la pagination de Django, page par page."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicateurs.models import Valeur
from socle.pagination import PaginateurParCles

pytestmark = pytest.mark.django_db


def test_pages_identiques_a_la_pagination_de_django():
    # Les valeurs du référentiel (chiffres clés), dans l'ordre joint de la liste des valeurs.
    valeurs = Valeur.objects.with_list_data()
    assert valeurs.count() > 25
    attendu = Paginator(valeurs, 7)
    par_cles = PaginateurParCles(valeurs, 7)
    assert par_cles.num_pages == attendu.num_pages > 3
    for numero in attendu.page_range:
        with CaptureQueriesContext(connection) as requetes:
            lignes = list(par_cles.page(numero).object_list)
        assert [v.pk for v in lignes] == [v.pk for v in attendu.page(numero).object_list]
        # Une seule requête pour les lignes de la page (les identifiants en sous-requête).
        assert len(requetes) == 1 and "IN (SELECT" in requetes[0]["sql"]
    assert [v.pk for v in par_cles.get_page("abc").object_list] == [
        v.pk for v in attendu.page(1).object_list
    ]
