"""Le découpage en étages a déplacé des modèles d'app : le profil et les jetons d'API de
`contratville` vers `socle`, les crédits, études et imports de crédits vers `bilan`. Une base
migrée avant ce découpage doit garder ses lignes, ses historiques, ses relations multiples et
les permissions des groupes (accordées par `sync_roles` avant le déplacement).

Le test monte une base PostgreSQL neuve à côté de celle des tests, la migre jusqu'à l'état
d'avant (contratville 0003), y écrit des lignes en SQL brut (les modèles Python ont déjà
déménagé), puis applique les migrations suivantes et relit tout avec les modèles actuels."""

import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

BASE = Path(settings.BASE_DIR)

pytestmark = pytest.mark.slow


def _url(nom):
    params = connection.settings_dict
    hote = params["HOST"] or "127.0.0.1"
    return f"postgres://{params['USER']}@{hote}:{params['PORT']}/{nom}"


def _manage(url, *args):
    env = {
        "PATH": "/usr/bin:/bin",
        "DEBUG": "1",
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "contratville.settings",
    }
    resultat = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resultat.returncode == 0, resultat.stdout[-3000:] + resultat.stderr[-3000:]
    return resultat.stdout


@pytest.fixture
def base_neuve(django_db_blocker):
    nom = connection.settings_dict["NAME"] + "_migration_apps"
    admin = _url("postgres")
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{nom}"')
        c.execute(f'CREATE DATABASE "{nom}"')
    yield _url(nom)
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{nom}" WITH (FORCE)')


def test_deplacement_des_modeles_garde_donnees_et_permissions(base_neuve):
    # 1. La base telle qu'elle était avant le découpage, avec les groupes de sync_roles.
    _manage(base_neuve, "migrate", "contratville", "0003_bilan_credits_etudes", "--noinput")
    _manage(base_neuve, "migrate", "contenttypes", "--noinput")
    _manage(base_neuve, "migrate", "auth", "--noinput")
    with psycopg.connect(base_neuve, autocommit=True) as connexion, connexion.cursor() as c:
        # Le post_migrate d'aujourd'hui a déjà créé les types `socle` et `bilan` : une base
        # d'avant le découpage ne les avait pas, seulement ceux de `contratville`.
        c.execute(
            "DELETE FROM auth_permission WHERE content_type_id IN (SELECT id FROM "
            "django_content_type WHERE app_label IN ('socle', 'bilan', 'contratville'))"
        )
        c.execute("DELETE FROM django_content_type WHERE app_label IN ('socle', 'bilan')")
        c.execute(
            "INSERT INTO django_content_type (app_label, model) VALUES "
            "('contratville', 'credit'), ('contratville', 'profil'), "
            "('contratville', 'jetonapi') RETURNING id"
        )
        ct_credit, ct_profil, ct_jeton = [r[0] for r in c.fetchall()]
        c.execute(
            "INSERT INTO auth_permission (name, content_type_id, codename) VALUES "
            "('Can add crédit', %s, 'add_credit'), ('Can view profil', %s, 'view_profil') "
            "RETURNING id",
            [ct_credit, ct_profil],
        )
        perm_credit, perm_profil = [r[0] for r in c.fetchall()]
        c.execute("INSERT INTO auth_group (name) VALUES ('Agents DDCT/SPV') RETURNING id")
        groupe = c.fetchone()[0]
        c.execute(
            "INSERT INTO auth_group_permissions (group_id, permission_id) VALUES (%s, %s), "
            "(%s, %s)",
            [groupe, perm_credit, groupe, perm_profil],
        )
        c.execute(
            "INSERT INTO auth_user (username, password, is_superuser, first_name, last_name, "
            "email, is_staff, is_active, date_joined) VALUES ('agent', '!', false, '', '', '', "
            "true, true, now()) RETURNING id"
        )
        user = c.fetchone()[0]
        c.execute(
            "INSERT INTO auth_user_groups (user_id, group_id) VALUES (%s, %s)", [user, groupe]
        )
        c.execute(
            "INSERT INTO quartiers_quartier (slug, nom, nom_fiche, ordre, population_source, "
            "description) VALUES ('qpv-test', 'QPV test', '', 1, '', '') RETURNING id"
        )
        quartier = c.fetchone()[0]
        c.execute(
            "INSERT INTO contratville_profil (user_id, role) VALUES (%s, 'spv') RETURNING id",
            [user],
        )
        profil = c.fetchone()[0]
        c.execute(
            "INSERT INTO contratville_profil_quartiers (profil_id, quartier_id) VALUES (%s, %s)",
            [profil, quartier],
        )
        c.execute(
            "INSERT INTO contratville_historicalprofil (id, role, history_date, history_type, "
            "user_id) VALUES (%s, 'spv', now(), '+', %s)",
            [profil, user],
        )
        c.execute(
            "INSERT INTO contratville_jetonapi (user_id, nom, prefixe, empreinte, cree_le) "
            "VALUES (%s, 'Import Caf', 'cvp_abcdefgh', %s, now())",
            [user, "e" * 64],
        )
        c.execute(
            "INSERT INTO engagements_signataire (nom, type, ordre) VALUES "
            "('Caisse d’allocations familiales', 'autre', 1) RETURNING id"
        )
        signataire = c.fetchone()[0]
        c.execute(
            "INSERT INTO contratville_credit (annee, signataire_id, type, montant, dispositif, "
            "commentaire, cree_le, modifie_le, quartier_id) VALUES (2024, %s, 'droit_commun', "
            "12500.50, 'Dispositif', '', now(), now(), %s) RETURNING id",
            [signataire, quartier],
        )
        credit = c.fetchone()[0]
        c.execute(
            "INSERT INTO contratville_historicalcredit (id, annee, type, montant, dispositif, "
            "commentaire, cree_le, modifie_le, history_date, history_type, signataire_id) "
            "VALUES (%s, 2024, 'droit_commun', 12500.50, 'Dispositif', '', now(), now(), now(), "
            "'+', %s)",
            [credit, signataire],
        )

    # 2. Les migrations du découpage, puis relecture avec les modèles d'aujourd'hui.
    sortie = _manage(base_neuve, "migrate", "--noinput")
    assert "socle.0002_tables_du_socle" in sortie
    assert "bilan.0002_tables_du_bilan" in sortie
    script = (
        "from django.contrib.auth.models import User\n"
        "from socle.models import JetonAPI, Profil\n"
        "from bilan.models import Credit\n"
        "u = User.objects.get(username='agent')\n"
        "p = Profil.objects.get(user=u)\n"
        "c = Credit.objects.get()\n"
        "print(p.role, [q.slug for q in p.quartiers.all()], p.history.count())\n"
        "print(JetonAPI.objects.get().nom, c.montant, c.quartier.slug, c.history.count())\n"
        "print(u.has_perm('bilan.add_credit'), u.has_perm('socle.view_profil'))\n"
    )
    lignes = _manage(base_neuve, "shell", "-c", script).strip().splitlines()
    assert lignes[-3] == "spv ['qpv-test'] 1"
    assert lignes[-2] == "Import Caf 12500.50 qpv-test 1"
    # Les permissions accordées au groupe avant le déplacement valent toujours.
    assert lignes[-1] == "True True"
    with psycopg.connect(base_neuve) as c:
        tables = {
            r[0]
            for r in c.execute(
                "SELECT tablename FROM pg_tables WHERE tablename LIKE 'contratville%%' "
                "OR tablename LIKE 'socle%%' OR tablename LIKE 'bilan%%'"
            )
        }
        types = set(c.execute("SELECT app_label, model FROM django_content_type").fetchall())
    assert not {t for t in tables if t.startswith("contratville")}
    assert {"socle_profil", "socle_profil_quartiers", "bilan_credit"} <= tables
    assert ("bilan", "credit") in types and ("socle", "profil") in types
    assert not {t for t in types if t[0] == "contratville"}
