"""Reprise des modèles Profil et JetonAPI (et de leurs historiques), créés par l'app
`contratville`, sans toucher à la base : seul l'état des migrations change d'app. Les tables
gardent leur nom ici ; la migration suivante les renomme."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "__first__"),
        ("contratville", "0003_bilan_credits_etudes"),
        ("engagements", "0001_initial"),
        ("quartiers", "0001_initial"),
        ("structures", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="HistoricalProfil",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                auto_created=True, blank=True, db_index=True, verbose_name="ID"
                            ),
                        ),
                        (
                            "role",
                            models.CharField(
                                choices=[
                                    ("spv", "Agent DDCT/SPV"),
                                    ("delegue", "Délégué du Préfet"),
                                    ("partenaire", "Partenaire producteur de données"),
                                    ("structure", "Structure (association, centre social)"),
                                ],
                                max_length=20,
                                verbose_name="rôle",
                            ),
                        ),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.CharField(max_length=100, null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                                max_length=1,
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "signataire",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                help_text="Pour un partenaire : l’organisation qui produit ses données.",
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="engagements.signataire",
                                verbose_name="organisation signataire",
                            ),
                        ),
                        (
                            "structure",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="structures.structure",
                                verbose_name="structure",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="utilisateur",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical profil",
                        "verbose_name_plural": "historical profils",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                        "db_table": "contratville_historicalprofil",
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="Profil",
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
                            "role",
                            models.CharField(
                                choices=[
                                    ("spv", "Agent DDCT/SPV"),
                                    ("delegue", "Délégué du Préfet"),
                                    ("partenaire", "Partenaire producteur de données"),
                                    ("structure", "Structure (association, centre social)"),
                                ],
                                max_length=20,
                                verbose_name="rôle",
                            ),
                        ),
                        (
                            "quartiers",
                            models.ManyToManyField(
                                blank=True,
                                help_text="Pour un délégué du Préfet : les QPV qui lui sont confiés.",
                                related_name="delegues",
                                to="quartiers.quartier",
                                verbose_name="quartiers suivis",
                            ),
                        ),
                        (
                            "signataire",
                            models.ForeignKey(
                                blank=True,
                                help_text="Pour un partenaire : l’organisation qui produit ses données.",
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="profils",
                                to="engagements.signataire",
                                verbose_name="organisation signataire",
                            ),
                        ),
                        (
                            "structure",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="membres",
                                to="structures.structure",
                                verbose_name="structure",
                            ),
                        ),
                        (
                            "user",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="profil",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="utilisateur",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "profil",
                        "verbose_name_plural": "profils",
                        "db_table": "contratville_profil",
                    },
                ),
                migrations.CreateModel(
                    name="HistoricalProfil_quartiers",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                auto_created=True, blank=True, db_index=True, verbose_name="ID"
                            ),
                        ),
                        ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                        (
                            "history",
                            models.ForeignKey(
                                db_constraint=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                to="socle.historicalprofil",
                            ),
                        ),
                        (
                            "quartier",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                db_tablespace="",
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="quartiers.quartier",
                            ),
                        ),
                        (
                            "profil",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                db_tablespace="",
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="socle.profil",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "HistoricalProfil_quartiers",
                        "db_table": "contratville_historicalprofil_quartiers",
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="HistoricalJetonAPI",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                auto_created=True, blank=True, db_index=True, verbose_name="ID"
                            ),
                        ),
                        (
                            "nom",
                            models.CharField(
                                help_text="À quoi sert ce jeton (par exemple « Import annuel du SI de la Caf »).",
                                max_length=100,
                                verbose_name="nom",
                            ),
                        ),
                        (
                            "prefixe",
                            models.CharField(
                                editable=False,
                                help_text="Début de la clé, non secret, pour reconnaître le jeton.",
                                max_length=12,
                                verbose_name="préfixe",
                            ),
                        ),
                        (
                            "empreinte",
                            models.CharField(
                                db_index=True,
                                editable=False,
                                max_length=64,
                                verbose_name="empreinte de la clé (SHA-256)",
                            ),
                        ),
                        (
                            "cree_le",
                            models.DateTimeField(
                                blank=True, editable=False, verbose_name="créé le"
                            ),
                        ),
                        (
                            "expire_le",
                            models.DateTimeField(
                                blank=True,
                                help_text="Facultatif : au-delà de cette date, le jeton est refusé.",
                                null=True,
                                verbose_name="expire le",
                            ),
                        ),
                        (
                            "revoque_le",
                            models.DateTimeField(
                                blank=True, editable=False, null=True, verbose_name="révoqué le"
                            ),
                        ),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.CharField(max_length=100, null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                                max_length=1,
                            ),
                        ),
                        (
                            "cree_par",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                editable=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="émis par",
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                help_text="Le jeton agit au nom de cet utilisateur, avec son rôle et ses droits.",
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="utilisateur",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical jeton d’API",
                        "verbose_name_plural": "historical jetons d’API",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                        "db_table": "contratville_historicaljetonapi",
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="JetonAPI",
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
                            "nom",
                            models.CharField(
                                help_text="À quoi sert ce jeton (par exemple « Import annuel du SI de la Caf »).",
                                max_length=100,
                                verbose_name="nom",
                            ),
                        ),
                        (
                            "prefixe",
                            models.CharField(
                                editable=False,
                                help_text="Début de la clé, non secret, pour reconnaître le jeton.",
                                max_length=12,
                                verbose_name="préfixe",
                            ),
                        ),
                        (
                            "empreinte",
                            models.CharField(
                                editable=False,
                                max_length=64,
                                unique=True,
                                verbose_name="empreinte de la clé (SHA-256)",
                            ),
                        ),
                        (
                            "cree_le",
                            models.DateTimeField(auto_now_add=True, verbose_name="créé le"),
                        ),
                        (
                            "derniere_utilisation",
                            models.DateTimeField(
                                blank=True,
                                editable=False,
                                null=True,
                                verbose_name="dernière utilisation",
                            ),
                        ),
                        (
                            "expire_le",
                            models.DateTimeField(
                                blank=True,
                                help_text="Facultatif : au-delà de cette date, le jeton est refusé.",
                                null=True,
                                verbose_name="expire le",
                            ),
                        ),
                        (
                            "revoque_le",
                            models.DateTimeField(
                                blank=True, editable=False, null=True, verbose_name="révoqué le"
                            ),
                        ),
                        (
                            "cree_par",
                            models.ForeignKey(
                                blank=True,
                                editable=False,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="émis par",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                help_text="Le jeton agit au nom de cet utilisateur, avec son rôle et ses droits.",
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="jetons_api",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="utilisateur",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "jeton d’API",
                        "verbose_name_plural": "jetons d’API",
                        "ordering": ["-cree_le", "pk"],
                        "db_table": "contratville_jetonapi",
                    },
                ),
            ],
        ),
    ]
