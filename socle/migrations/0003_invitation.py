"""Reprise du modèle Invitation, créé par l'app `structures`, sans toucher à la base : seul
l'état des migrations change d'app. La table garde son nom ici ; la migration suivante la
renomme et généralise l'invitation à tous les rôles."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("socle", "0002_tables_du_socle"),
        ("structures", "0008_invitation_vers_socle"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Invitation",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "email",
                            models.EmailField(max_length=254, verbose_name="adresse électronique"),
                        ),
                        (
                            "creee_le",
                            models.DateTimeField(
                                default=django.utils.timezone.now, verbose_name="envoyée le"
                            ),
                        ),
                        (
                            "acceptee_le",
                            models.DateTimeField(blank=True, null=True, verbose_name="acceptée le"),
                        ),
                        (
                            "invitee_par",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="invitée par",
                            ),
                        ),
                        (
                            "structure",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="invitations",
                                to="structures.structure",
                                verbose_name="structure",
                            ),
                        ),
                        (
                            "utilisateur",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="invitations_acceptees",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="compte créé",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "invitation",
                        "verbose_name_plural": "invitations",
                        "ordering": ["-creee_le", "-pk"],
                        "db_table": "structures_invitation",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
