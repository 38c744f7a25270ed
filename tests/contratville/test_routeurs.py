"""Routage des lectures lourdes vers le réplica (contratville/routeurs.py, socle/lectures.py).

Le réplica des tests est un miroir de la base de test (`TEST: {"MIRROR": "default"}` dans
contratville/settings_test.py) : même base, autre connexion. On compte les requêtes reçues par
chaque connexion."""

import pytest
from django.db import connections, router
from django.http import StreamingHttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from contratville.routeurs import REPLICA, RouteurLecturesLourdes
from engagements.models import Signataire
from socle.lectures import lecture_lourde, lectures_lourdes

pytestmark = pytest.mark.django_db(databases=["default", REPLICA])


@pytest.fixture
def replica(settings):
    settings.LECTURES_SUR_REPLICA = True


def requetes(action):
    with (
        CaptureQueriesContext(connections["default"]) as principale,
        CaptureQueriesContext(connections[REPLICA]) as copie,
    ):
        action()
    return len(principale), len(copie)


def test_lecture_lourde_lue_sur_le_replica(replica):
    def lire():
        with lectures_lourdes():
            list(Signataire.objects.all())

    assert requetes(lire) == (0, 1)


def test_hors_lecture_lourde_la_base_principale(replica):
    assert requetes(lambda: list(Signataire.objects.all())) == (1, 0)


def test_ecriture_toujours_sur_la_base_principale(replica):
    def ecrire():
        with lectures_lourdes():
            Signataire.objects.filter(pk=-1).update(nom="x")

    assert requetes(ecrire) == (1, 0)
    with lectures_lourdes():
        assert router.db_for_write(Signataire) == "default"


def test_sans_replica_actif_tout_va_a_la_base_principale(settings):
    settings.LECTURES_SUR_REPLICA = False

    def lire():
        with lectures_lourdes():
            list(Signataire.objects.all())

    assert requetes(lire) == (1, 0)


def test_reponse_en_flux_lue_sur_le_replica(replica):
    """Le contenu d'une réponse en flux est produit après la sortie de la vue : il reste une
    lecture lourde."""

    @lecture_lourde
    def vue(request):
        list(Signataire.objects.all())
        return StreamingHttpResponse(s.nom for s in Signataire.objects.all())

    def appeler():
        reponse = vue(RequestFactory().get("/"))
        b"".join(reponse.streaming_content)

    assert requetes(appeler) == (0, 2)


def test_export_bilan_lu_sur_le_replica(replica, tmp_path):
    from django.core.management import call_command

    def exporter():
        call_command("export_bilan", annee=2025, sortie=str(tmp_path / "b.xlsx"), stdout=None)

    principale, copie = requetes(exporter)
    assert principale == 0 and copie > 5


def test_migrations_seulement_sur_la_base_principale():
    routeur = RouteurLecturesLourdes()
    assert routeur.allow_migrate("default", "indicateurs")
    assert not routeur.allow_migrate(REPLICA, "indicateurs")


def test_flux_suspendu_ne_deborde_pas(replica):
    """Un contenu en flux commencé puis suspendu (première ligne lue dans la vue) ne laisse
    pas le marquage posé pour le code qui suit."""
    from socle.lectures import iterer_en_lecture_lourde

    flux = iterer_en_lecture_lourde(iter(Signataire.objects.all().values_list("pk")))
    next(flux, None)
    assert requetes(lambda: list(Signataire.objects.all())) == (1, 0)


def test_liste_en_flux_creee_en_lecture_lourde_lue_plus_tard_sur_le_replica(replica):
    """Une liste du bilan créée pendant une lecture lourde et parcourue après (gabarit,
    classeur) lit encore sur le réplica ; créée hors lecture lourde, sur la base principale."""
    from socle.lectures import ListeEnFlux

    with lectures_lourdes():
        lourde = ListeEnFlux(Signataire.objects.order_by("pk"))
    ordinaire = ListeEnFlux(Signataire.objects.order_by("pk"))
    assert requetes(lambda: (len(lourde), lourde[:3], list(lourde))) == (0, 3)
    assert requetes(lambda: (len(ordinaire), ordinaire[:3], list(ordinaire))) == (3, 0)
