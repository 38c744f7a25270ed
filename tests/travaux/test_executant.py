"""Les travaux de fond par la vraie file : la mise en file dans la base (django-tasks-db) puis
le vrai exécutant `manage.py db_worker --batch`, dans un sous-processus branché sur la base de
test ; et l'avancement écrit par la seconde connexion, visible des autres pendant qu'un import
tient sa transaction ouverte. Tests transactionnels : l'exécutant ne voit que ce qui est
validé."""

import datetime
import os
import subprocess
import sys
from unittest import mock

import psycopg
import pytest
from django.contrib.auth.models import User
from django.db import connection, connections, transaction
from django_tasks_db.models import DBTaskResult

from indicateurs.models import Campagne
from socle import travaux
from socle.models import Profil, Travail
from socle.roles import Role

from .conftest import FILE_EN_BASE

pytestmark = pytest.mark.django_db(transaction=True)


def url_de_la_base():
    base = connection.settings_dict
    identifiants = base["USER"] + (f":{base['PASSWORD']}" if base["PASSWORD"] else "")
    return f"postgres://{identifiants}@{base['HOST']}:{base['PORT']}/{base['NAME']}"


def test_un_travail_passe_par_la_file_et_le_vrai_executant(client, settings):
    settings.TASKS = FILE_EN_BASE
    spv = User.objects.create_user("agent-spv-file", password="mdp-de-test-1234")
    Profil.objects.create(user=spv, role=Role.SPV)
    Campagne.objects.create(
        annee=2025,
        date_ouverture=datetime.date(2026, 1, 15),
        date_cloture=datetime.date(2026, 6, 30),
    )
    client.force_login(spv)
    # Le bouton de la page du modèle : le travail est en file, rien n'est exécuté.
    reponse = client.post("/indicateurs/campagnes/2025/modele.xlsx")
    travail = Travail.objects.get()
    assert reponse.status_code == 302 and reponse["Location"] == travail.get_absolute_url()
    assert travail.etat == Travail.Etat.EN_ATTENTE
    tache = DBTaskResult.objects.get()
    assert tache.status == "READY" and str(tache.id) == travail.resultat_tache
    assert tache.task_path == "socle.travaux.executer_travail"
    html = client.get(travail.get_absolute_url()).content.decode()
    assert "En attente" in html and "every 2s" in html

    environnement = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "contratville.settings_test",
        "DATABASE_URL": url_de_la_base(),
        "TRAVAUX_FILE_EN_BASE": "1",
        "TRAVAUX_FICHIERS_ROOT": str(settings.TRAVAUX_FICHIERS_ROOT),
    }
    sortie = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload"],
        cwd=settings.BASE_DIR,
        env=environnement,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert sortie.returncode == 0, sortie.stderr

    travail.refresh_from_db()
    assert travail.etat == Travail.Etat.TERMINE, travail.message
    assert travail.nom_fichier == "modele-valeurs-2025.xlsx" and travail.commence_le
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    html = client.get(travail.get_absolute_url()).content.decode()
    assert "Terminé" in html and "hx-trigger" not in html
    reponse = client.get(f"/mes-exports/{travail.pk}/fichier/")
    assert reponse.status_code == 200
    assert reponse["Content-Disposition"] == 'attachment; filename="modele-valeurs-2025.xlsx"'
    assert b"".join(reponse.streaming_content).startswith(b"PK")


def _lu_par_une_autre_connexion(pk):
    base = connection.settings_dict
    with psycopg.connect(
        host=base["HOST"],
        port=base["PORT"],
        user=base["USER"],
        password=base["PASSWORD"] or None,
        dbname=base["NAME"],
        autocommit=True,
    ) as autre:
        return autre.execute(
            "SELECT fait, total, etape FROM socle_travail WHERE id = %s", [pk]
        ).fetchone()


def test_avancement_visible_pendant_la_transaction_d_un_import(settings):
    settings.TASKS = FILE_EN_BASE
    user = User.objects.create_user("compte-avancement")
    travail = travaux.lancer(user, "tests.boucle", {"tours": 4}, "Essai")
    avancement = travaux.progression(travail)
    with transaction.atomic():  # la transaction tout ou rien d'un import
        avancement(1, 4, "Contrôle des lignes")
        # Sans seconde connexion (tests, SQLite), l'avancement n'apparaît qu'à la fin.
        assert _lu_par_une_autre_connexion(travail.pk) == (0, 0, "")
    assert _lu_par_une_autre_connexion(travail.pk) == (1, 4, "Contrôle des lignes")

    # Avec la connexion « progression » de contratville/settings.py (PostgreSQL) : tout de suite.
    # (Créée ici à part : le test n'autorise que les bases déclarées à son démarrage.)
    connections[travaux.ALIAS_PROGRESSION] = type(connections["default"])(
        dict(connection.settings_dict), travaux.ALIAS_PROGRESSION
    )
    try:
        with (
            mock.patch.object(travaux, "alias_progression", lambda: travaux.ALIAS_PROGRESSION),
            transaction.atomic(),
        ):
            avancement(3, 4, "Écriture")
            assert _lu_par_une_autre_connexion(travail.pk) == (3, 4, "Écriture")
            transaction.set_rollback(True)  # l'import échoue : l'avancement reste écrit
        assert _lu_par_une_autre_connexion(travail.pk) == (3, 4, "Écriture")
    finally:
        connections[travaux.ALIAS_PROGRESSION].close()
        del connections[travaux.ALIAS_PROGRESSION]
