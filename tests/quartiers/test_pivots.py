"""Le tableau « projets par statut » de la vue par arrondissement, pivoté par pandas
(quartiers/models.py, `statuts_par_quartier`) : sortie figée sur un petit jeu, identique au
calcul fait à la main qu'il remplace ; pandas n'est importé qu'à la demande."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db.models import Count

from quartiers.models import ProjetStructurant, Quartier, pivoter_statuts

pytestmark = pytest.mark.django_db


def a_la_main(comptes, ids):
    """Le calcul qu'avait la vue par arrondissement avant pandas (référence)."""
    statuts = {(q, s): n for q, s, n in comptes}
    lignes = []
    for valeur, libelle in ProjetStructurant.Statut.choices:
        nombres = [statuts.get((q, valeur), 0) for q in ids]
        if any(nombres):
            lignes.append(
                {"statut": valeur, "libelle": libelle, "nombres": nombres, "total": sum(nombres)}
            )
    totaux = [sum(ligne["nombres"][i] for ligne in lignes) for i in range(len(ids))]
    return {"lignes": lignes, "totaux": totaux, "total": sum(totaux)}


def test_pivot_fige_sur_un_petit_jeu():
    # QPV 7 sans projet, un statut hors des choix (compté nulle part), ordre des colonnes
    # imposé par `ids` et non par les numéros.
    comptes = [
        (3, "a_venir", 2),
        (5, "existant", 1),
        (3, "existant", 4),
        (5, "a_venir", 1),
        (5, "realise", 3),
        (3, "statut-inconnu", 9),
    ]
    attendu = {
        "lignes": [
            {"statut": "existant", "libelle": "Existant", "nombres": [1, 4, 0], "total": 5},
            {"statut": "a_venir", "libelle": "À venir", "nombres": [1, 2, 0], "total": 3},
            {"statut": "realise", "libelle": "Réalisé", "nombres": [3, 0, 0], "total": 3},
        ],
        "totaux": [5, 6, 0],
        "total": 11,
    }
    tableau = pivoter_statuts(comptes, [5, 3, 7])
    assert tableau == attendu == a_la_main(comptes, [5, 3, 7])
    assert all(type(n) is int for ligne in tableau["lignes"] for n in ligne["nombres"])
    assert all(type(n) is int for n in tableau["totaux"])
    assert pivoter_statuts([], [5, 3]) == {"lignes": [], "totaux": [0, 0], "total": 0}
    assert pivoter_statuts([], []) == {"lignes": [], "totaux": [], "total": 0}


@pytest.mark.parametrize("numero", [13, 18, 19, 20])
def test_identique_au_calcul_a_la_main_sur_le_referentiel(numero, django_assert_num_queries):
    quartiers = list(Quartier.objects.filter(arrondissements__numero=numero).order_by("ordre"))
    ids = [q.pk for q in quartiers]
    comptes = list(
        ProjetStructurant.objects.filter(quartier__in=ids)
        .values("quartier_id", "statut")
        .annotate(n=Count("pk"))
        .values_list("quartier_id", "statut", "n")
    )
    with django_assert_num_queries(1):
        tableau = ProjetStructurant.objects.statuts_par_quartier(quartiers)
    assert tableau == a_la_main(comptes, ids)
    assert tableau["total"] == ProjetStructurant.objects.filter(quartier__in=ids).count() > 0


def test_pandas_n_est_pas_importe_au_demarrage():
    """Les processus web chargent le projet et ses adresses sans importer pandas."""
    code = (
        "import sys, django; django.setup(); "
        "from django.urls import get_resolver; get_resolver().url_patterns; "
        "import contratville.wsgi; print('pandas' in sys.modules)"
    )
    sortie = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "contratville.settings_test"},
    )
    assert sortie.stdout.strip() == "False", sortie.stderr[-2000:]
