import django.utils.timezone
from django.db import migrations, models

from socle.migrations_outils import remplir_modifie_le


class Migration(migrations.Migration):
    dependencies = [
        ("quartiers", "0003_provenance_des_chiffres_cles"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalprojetstructurant",
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
            model_name="historicalquartier",
            name="code_qpv",
            field=models.CharField(
                blank=True,
                help_text="Code officiel du quartier prioritaire (par exemple « QN07501M »), à saisir par le SPV : le texte du contrat ne le donne pas.",
                max_length=20,
                verbose_name="code QPV officiel",
            ),
        ),
        migrations.AddField(
            model_name="historicalquartier",
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
            model_name="projetstructurant",
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
            model_name="quartier",
            name="code_qpv",
            field=models.CharField(
                blank=True,
                help_text="Code officiel du quartier prioritaire (par exemple « QN07501M »), à saisir par le SPV : le texte du contrat ne le donne pas.",
                max_length=20,
                verbose_name="code QPV officiel",
            ),
        ),
        migrations.AddField(
            model_name="quartier",
            name="modifie_le",
            field=models.DateTimeField(
                auto_now=True,
                db_index=True,
                default=django.utils.timezone.now,
                verbose_name="modifié le",
            ),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name="quartier",
            constraint=models.UniqueConstraint(
                condition=models.Q(("code_qpv", ""), _negated=True),
                fields=("code_qpv",),
                name="quartier_code_qpv_unique",
                violation_error_message="Ce code QPV est déjà celui d’un autre quartier.",
            ),
        ),
        migrations.RunPython(
            remplir_modifie_le(("quartiers", "Quartier"), ("quartiers", "ProjetStructurant")),
            migrations.RunPython.noop,
        ),
    ]
