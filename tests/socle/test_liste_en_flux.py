"""`ListeEnFlux` (socle/lectures.py) : une liste du bilan lue à la demande, qu'une page ne
montre qu'en partie et qu'un export parcourt en entier."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engagements.models import Signataire
from socle.lectures import ListeEnFlux

pytestmark = pytest.mark.django_db


def test_compte_tranche_et_parcours_comme_la_liste():
    """`len()` compte en SQL une seule fois, une tranche ne lit que ses lignes, le parcours
    donne toute la liste dans l'ordre ; `preparer` complète chaque objet lu, par tous les
    chemins."""
    tous = list(Signataire.objects.order_by("nom"))
    assert len(tous) > 5
    vus = []

    def preparer(s):
        s.prepare = True
        vus.append(s.pk)

    liste = ListeEnFlux(Signataire.objects.order_by("nom"), preparer)
    with CaptureQueriesContext(connection) as requetes:
        assert len(liste) == len(tous) and len(liste) == len(tous) and liste
    assert len(requetes) == 1 and "COUNT(" in requetes.captured_queries[0]["sql"]
    with CaptureQueriesContext(connection) as requetes:
        debut = liste[:3]
    assert len(requetes) == 1 and "LIMIT 3" in requetes.captured_queries[0]["sql"]
    assert [s.pk for s in debut] == [s.pk for s in tous[:3]]
    cinquieme = liste[4]
    assert cinquieme.pk == tous[4].pk and cinquieme.prepare
    ListeEnFlux.TAILLE_PAQUET, ancienne = 2, ListeEnFlux.TAILLE_PAQUET
    try:
        parcourus = list(liste)
    finally:
        ListeEnFlux.TAILLE_PAQUET = ancienne
    assert [s.pk for s in parcourus] == [s.pk for s in tous]
    assert all(s.prepare for s in [*debut, *parcourus])
    assert vus == [*[s.pk for s in tous[:3]], tous[4].pk, *[s.pk for s in tous]]


def test_liste_vide():
    liste = ListeEnFlux(Signataire.objects.none())
    assert len(liste) == 0 and not liste and list(liste) == [] and liste[:10] == []
