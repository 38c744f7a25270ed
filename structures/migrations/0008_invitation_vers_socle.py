"""L'invitation à créer un compte passe à l'app `socle` (comptes et accès), qui la généralise
à tous les rôles invités : on la retire de l'état de `structures` sans toucher à la base (la
migration socle 0003 la reprend, table comprise)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("structures", "0007_fusion_index_et_provenance"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Invitation")],
            database_operations=[],
        )
    ]
