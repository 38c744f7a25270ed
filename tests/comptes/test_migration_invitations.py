"""L'invitation passe de l'app `structures` au socle (comptes et accès) et s'ouvre à tous les
rôles : une base d'avant garde ses invitations (devenues des invitations de structure), la
permission accordée aux groupes (`structures.view_invitation` devient
`socle.view_invitation`), et les liens déjà envoyés restent valides (même sel de jeton).

Même méthode que tests/contratville/test_migration_apps.py : une base PostgreSQL neuve migrée
jusqu'à l'état d'avant, des lignes écrites en SQL brut, puis les migrations suivantes."""

import psycopg
import pytest

from tests.contratville.test_migration_apps import _manage, base_neuve  # noqa: F401

pytestmark = pytest.mark.slow


def test_invitations_gardees_avec_leurs_droits(base_neuve):  # noqa: F811
    # 1. La base d’avant : structures jusqu’à 0007, socle jusqu’à 0002.
    _manage(base_neuve, "migrate", "contenttypes", "--noinput")
    _manage(base_neuve, "migrate", "auth", "--noinput")
    _manage(base_neuve, "migrate", "structures", "0007_fusion_index_et_provenance", "--noinput")
    _manage(base_neuve, "migrate", "socle", "0002_tables_du_socle", "--noinput")
    # L'agent s'écrit avec le modèle d'aujourd'hui (inchangé), la structure avec celui de
    # l'état migré (elle a gagné `modifie_le` depuis) ; l'invitation, qui a déménagé, en SQL brut.
    ids = _manage(
        base_neuve,
        "shell",
        "-c",
        "from django.contrib.auth.models import User\n"
        "from django.db import connection\n"
        "from django.db.migrations.loader import MigrationLoader\n"
        "etat = MigrationLoader(connection).project_state(\n"
        "    ('structures', '0007_fusion_index_et_provenance'))\n"
        "Structure = etat.apps.get_model('structures', 'Structure')\n"
        "s = Structure.objects.create(slug='j2p', nom='J2P')\n"
        "u = User.objects.create_user('agent')\n"
        "print(s.pk, u.pk)\n",
    )
    structure, agent = (int(x) for x in ids.strip().splitlines()[-1].split())
    with psycopg.connect(base_neuve, autocommit=True) as connexion, connexion.cursor() as c:
        # Le post_migrate d'aujourd'hui a créé le type `socle.invitation` : une base d'avant
        # ne l'avait pas, seulement `structures.invitation`.
        c.execute(
            "DELETE FROM auth_permission WHERE content_type_id IN (SELECT id FROM "
            "django_content_type WHERE model = 'invitation')"
        )
        c.execute("DELETE FROM django_content_type WHERE model = 'invitation'")
        c.execute(
            "INSERT INTO django_content_type (app_label, model) VALUES ('structures', "
            "'invitation') RETURNING id"
        )
        type_invitation = c.fetchone()[0]
        c.execute(
            "INSERT INTO auth_permission (name, content_type_id, codename) VALUES "
            "('Can view invitation', %s, 'view_invitation') RETURNING id",
            [type_invitation],
        )
        permission = c.fetchone()[0]
        c.execute("INSERT INTO auth_group (name) VALUES ('Agents DDCT/SPV') RETURNING id")
        groupe = c.fetchone()[0]
        c.execute(
            "INSERT INTO auth_group_permissions (group_id, permission_id) VALUES (%s, %s)",
            [groupe, permission],
        )
        c.execute(
            "INSERT INTO auth_user_groups (user_id, group_id) VALUES (%s, %s)", [agent, groupe]
        )
        c.execute(
            "INSERT INTO structures_invitation (email, structure_id, invitee_par_id, creee_le) "
            "VALUES ('membre@j2p.invalid', %s, %s, now()) RETURNING id",
            [structure, agent],
        )

    # 2. Les migrations du déplacement, puis relecture avec les modèles d'aujourd'hui.
    sortie = _manage(base_neuve, "migrate", "--noinput")
    assert (
        "socle.0003_invitation" in sortie and "socle.0004_invitations_de_tous_les_roles" in sortie
    )
    script = (
        "from django.contrib.auth.models import User\n"
        "from socle.models import Invitation\n"
        "from socle.invitations import jeton, invitation_du_jeton\n"
        "i = Invitation.objects.get()\n"
        "print(i.email, i.role, i.structure.slug, i.invitee_par.username)\n"
        "print(invitation_du_jeton(jeton(i)).pk == i.pk)\n"
        "print(User.objects.get(username='agent').has_perm('socle.view_invitation'))\n"
    )
    lignes = _manage(base_neuve, "shell", "-c", script).strip().splitlines()
    assert lignes[-3] == "membre@j2p.invalid structure j2p agent"
    assert lignes[-2] == "True"
    assert lignes[-1] == "True"
    with psycopg.connect(base_neuve) as c:
        tables = {
            r[0]
            for r in c.execute(
                "SELECT tablename FROM pg_tables WHERE tablename LIKE '%%invitation%%'"
            )
        }
        types = set(
            c.execute(
                "SELECT app_label, model FROM django_content_type WHERE model = 'invitation'"
            ).fetchall()
        )
    assert tables == {"socle_invitation", "socle_invitation_quartiers"}
    assert types == {("socle", "invitation")}
