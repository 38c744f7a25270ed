"""Le journal du circuit des valeurs (TransitionValeur), sur le modèle commun des circuits."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("indicateurs", "0002_campagne_valeurs"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="TransitionValeur",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("le", models.DateTimeField(default=django.utils.timezone.now, verbose_name="le")),
                ("motif", models.TextField(blank=True, verbose_name="motif")),
                (
                    "de",
                    models.CharField(
                        choices=[
                            ("brouillon", "Brouillon"),
                            ("soumis", "Soumise"),
                            ("valide", "Validée"),
                            ("renvoye", "Renvoyée"),
                        ],
                        max_length=20,
                        verbose_name="statut de départ",
                    ),
                ),
                (
                    "vers",
                    models.CharField(
                        choices=[
                            ("brouillon", "Brouillon"),
                            ("soumis", "Soumise"),
                            ("valide", "Validée"),
                            ("renvoye", "Renvoyée"),
                        ],
                        max_length=20,
                        verbose_name="nouveau statut",
                    ),
                ),
                (
                    "par",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="par",
                    ),
                ),
                (
                    "valeur",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="transitions",
                        to="indicateurs.valeur",
                        verbose_name="valeur",
                    ),
                ),
            ],
            options={
                "verbose_name": "étape du circuit d’une valeur",
                "verbose_name_plural": "étapes du circuit des valeurs",
                "ordering": ["valeur", "le", "pk"],
            },
        ),
    ]
