import django.utils.timezone
from django.db import migrations, models

from socle.migrations_outils import remplir_modifie_le


class Migration(migrations.Migration):
    dependencies = [
        ("structures", "0008_invitation_vers_socle"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalstructure",
            name="modifie_le",
            field=models.DateTimeField(
                blank=True,
                db_index=True,
                default=django.utils.timezone.now,
                editable=False,
                verbose_name="modifiée le",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="structure",
            name="modifie_le",
            field=models.DateTimeField(
                auto_now=True,
                db_index=True,
                default=django.utils.timezone.now,
                verbose_name="modifiée le",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(
            remplir_modifie_le(("structures", "Structure")),
            migrations.RunPython.noop,
        ),
    ]
