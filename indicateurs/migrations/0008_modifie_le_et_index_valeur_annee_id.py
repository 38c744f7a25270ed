import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from socle.migrations_outils import remplir_modifie_le


class Migration(migrations.Migration):
    dependencies = [
        ("engagements", "0003_signataire_slug_et_modifie_le"),
        ("indicateurs", "0007_import_controle_en_cours"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="campagne",
            name="modifie_le",
            field=models.DateTimeField(
                auto_now=True,
                db_index=True,
                default=django.utils.timezone.now,
                verbose_name="modifiée le",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="historicalcampagne",
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
            model_name="historicalindicateur",
            name="modifie_le",
            field=models.DateTimeField(
                blank=True,
                db_index=True,
                default=django.utils.timezone.now,
                editable=False,
                verbose_name="modifié le",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="historicalterritoire",
            name="modifie_le",
            field=models.DateTimeField(
                blank=True,
                db_index=True,
                default=django.utils.timezone.now,
                editable=False,
                verbose_name="modifié le",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="historicalvaleur",
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
            model_name="indicateur",
            name="modifie_le",
            field=models.DateTimeField(
                auto_now=True,
                db_index=True,
                default=django.utils.timezone.now,
                verbose_name="modifié le",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="territoire",
            name="modifie_le",
            field=models.DateTimeField(
                auto_now=True,
                db_index=True,
                default=django.utils.timezone.now,
                verbose_name="modifié le",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="valeur",
            name="modifie_le",
            field=models.DateTimeField(
                auto_now=True,
                db_index=True,
                default=django.utils.timezone.now,
                verbose_name="modifiée le",
            ),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name="valeur",
            index=models.Index(fields=["annee", "id"], name="valeur_annee_id"),
        ),
        migrations.RunPython(
            remplir_modifie_le(
                ("indicateurs", "Territoire"),
                ("indicateurs", "Indicateur"),
                ("indicateurs", "Campagne"),
                ("indicateurs", "Valeur"),
            ),
            migrations.RunPython.noop,
        ),
    ]
