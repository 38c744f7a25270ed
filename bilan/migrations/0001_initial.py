"""Reprise des modèles du bilan (crédits, études qualitatives, imports de crédits, et leurs
historiques), créés par l'app `contratville`, sans toucher à la base : seul l'état des
migrations change d'app. Les tables gardent leur nom ici ; la migration suivante les renomme."""

import bilan.models
import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "__first__"),
        ("contratville", "0003_bilan_credits_etudes"),
        ("engagements", "0001_initial"),
        ("quartiers", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="EtudeQualitative",
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
                        ("titre", models.CharField(max_length=255, verbose_name="titre")),
                        (
                            "annee",
                            models.PositiveSmallIntegerField(
                                validators=[
                                    django.core.validators.MinValueValidator(
                                        2015, "L’année doit être comprise entre 2015 et 2030."
                                    ),
                                    django.core.validators.MaxValueValidator(
                                        2030, "L’année doit être comprise entre 2015 et 2030."
                                    ),
                                ],
                                verbose_name="année",
                            ),
                        ),
                        (
                            "realisee_par",
                            models.CharField(
                                help_text="L’organisme ou l’équipe qui a conduit l’étude (Apur, cabinet, université…).",
                                max_length=255,
                                verbose_name="réalisée par",
                            ),
                        ),
                        ("resume", models.TextField(verbose_name="résumé des résultats")),
                        (
                            "fichier",
                            models.FileField(
                                blank=True,
                                max_length=255,
                                upload_to=bilan.models.chemin_etude,
                                verbose_name="rapport",
                            ),
                        ),
                        (
                            "nom_fichier",
                            models.CharField(
                                blank=True,
                                editable=False,
                                max_length=255,
                                verbose_name="nom du fichier",
                            ),
                        ),
                        (
                            "type_mime",
                            models.CharField(
                                blank=True,
                                editable=False,
                                max_length=120,
                                verbose_name="type de fichier",
                            ),
                        ),
                        (
                            "taille",
                            models.PositiveBigIntegerField(
                                blank=True,
                                editable=False,
                                null=True,
                                verbose_name="taille (octets)",
                            ),
                        ),
                        (
                            "cree_le",
                            models.DateTimeField(
                                default=django.utils.timezone.now,
                                editable=False,
                                verbose_name="enregistrée le",
                            ),
                        ),
                        (
                            "modifie_le",
                            models.DateTimeField(auto_now=True, verbose_name="modifiée le"),
                        ),
                        (
                            "arrondissement",
                            models.ForeignKey(
                                blank=True,
                                help_text="Pour une étude menée à l’échelle d’un arrondissement.",
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="etudes_qualitatives",
                                to="quartiers.arrondissement",
                                verbose_name="arrondissement",
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
                                verbose_name="enregistrée par",
                            ),
                        ),
                        (
                            "engagements",
                            models.ManyToManyField(
                                blank=True,
                                related_name="etudes_qualitatives",
                                to="engagements.engagement",
                                verbose_name="engagements étudiés",
                            ),
                        ),
                        (
                            "quartiers",
                            models.ManyToManyField(
                                blank=True,
                                help_text="Aucun : l’étude porte sur l’ensemble des QPV parisiens.",
                                related_name="etudes_qualitatives",
                                to="quartiers.quartier",
                                verbose_name="quartiers prioritaires",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "étude qualitative",
                        "verbose_name_plural": "études qualitatives",
                        "ordering": ["-annee", "titre", "pk"],
                        "db_table": "contratville_etudequalitative",
                    },
                ),
                migrations.CreateModel(
                    name="HistoricalCredit",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                auto_created=True, blank=True, db_index=True, verbose_name="ID"
                            ),
                        ),
                        (
                            "annee",
                            models.PositiveSmallIntegerField(
                                validators=[
                                    django.core.validators.MinValueValidator(
                                        2015, "L’année doit être comprise entre 2015 et 2030."
                                    ),
                                    django.core.validators.MaxValueValidator(
                                        2030, "L’année doit être comprise entre 2015 et 2030."
                                    ),
                                ],
                                verbose_name="année",
                            ),
                        ),
                        (
                            "type",
                            models.CharField(
                                choices=[
                                    ("droit_commun", "Droit commun"),
                                    ("specifique", "Spécifique politique de la ville"),
                                ],
                                max_length=20,
                                verbose_name="type de crédit",
                            ),
                        ),
                        (
                            "montant",
                            models.DecimalField(
                                decimal_places=2,
                                help_text="En euros, positif ou nul (par exemple « 12 500,00 »).",
                                max_digits=14,
                                validators=[
                                    django.core.validators.MinValueValidator(
                                        0, "Le montant doit être positif ou nul."
                                    ),
                                    django.core.validators.MaxValueValidator(
                                        Decimal("999999999999.99"),
                                        "Le montant dépasse le maximum accepté.",
                                    ),
                                ],
                                verbose_name="montant (€)",
                            ),
                        ),
                        (
                            "dispositif",
                            models.CharField(
                                blank=True,
                                help_text="Par exemple « BOP 147 », « Appel à projets politique de la ville », « Fonds de participation des habitants ».",
                                max_length=200,
                                verbose_name="dispositif",
                            ),
                        ),
                        ("commentaire", models.TextField(blank=True, verbose_name="commentaire")),
                        (
                            "cree_le",
                            models.DateTimeField(
                                default=django.utils.timezone.now,
                                editable=False,
                                verbose_name="saisi le",
                            ),
                        ),
                        (
                            "modifie_le",
                            models.DateTimeField(
                                blank=True, editable=False, verbose_name="modifié le"
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
                            "arrondissement",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                help_text="Pour un crédit d’arrondissement sans QPV précis ; laissez vide si vous choisissez un QPV.",
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="quartiers.arrondissement",
                                verbose_name="arrondissement",
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
                                verbose_name="saisi par",
                            ),
                        ),
                        (
                            "engagement",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="engagements.engagement",
                                verbose_name="engagement",
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
                            "quartier",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="quartiers.quartier",
                                verbose_name="quartier prioritaire",
                            ),
                        ),
                        (
                            "signataire",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                help_text="L’organisation signataire qui a engagé le crédit.",
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="engagements.signataire",
                                verbose_name="signataire",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical crédit",
                        "verbose_name_plural": "historical crédits",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                        "db_table": "contratville_historicalcredit",
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="HistoricalEtudeQualitative",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                auto_created=True, blank=True, db_index=True, verbose_name="ID"
                            ),
                        ),
                        ("titre", models.CharField(max_length=255, verbose_name="titre")),
                        (
                            "annee",
                            models.PositiveSmallIntegerField(
                                validators=[
                                    django.core.validators.MinValueValidator(
                                        2015, "L’année doit être comprise entre 2015 et 2030."
                                    ),
                                    django.core.validators.MaxValueValidator(
                                        2030, "L’année doit être comprise entre 2015 et 2030."
                                    ),
                                ],
                                verbose_name="année",
                            ),
                        ),
                        (
                            "realisee_par",
                            models.CharField(
                                help_text="L’organisme ou l’équipe qui a conduit l’étude (Apur, cabinet, université…).",
                                max_length=255,
                                verbose_name="réalisée par",
                            ),
                        ),
                        ("resume", models.TextField(verbose_name="résumé des résultats")),
                        (
                            "fichier",
                            models.TextField(blank=True, max_length=255, verbose_name="rapport"),
                        ),
                        (
                            "nom_fichier",
                            models.CharField(
                                blank=True,
                                editable=False,
                                max_length=255,
                                verbose_name="nom du fichier",
                            ),
                        ),
                        (
                            "type_mime",
                            models.CharField(
                                blank=True,
                                editable=False,
                                max_length=120,
                                verbose_name="type de fichier",
                            ),
                        ),
                        (
                            "taille",
                            models.PositiveBigIntegerField(
                                blank=True,
                                editable=False,
                                null=True,
                                verbose_name="taille (octets)",
                            ),
                        ),
                        (
                            "cree_le",
                            models.DateTimeField(
                                default=django.utils.timezone.now,
                                editable=False,
                                verbose_name="enregistrée le",
                            ),
                        ),
                        (
                            "modifie_le",
                            models.DateTimeField(
                                blank=True, editable=False, verbose_name="modifiée le"
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
                            "arrondissement",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                help_text="Pour une étude menée à l’échelle d’un arrondissement.",
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="quartiers.arrondissement",
                                verbose_name="arrondissement",
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
                                verbose_name="enregistrée par",
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
                    ],
                    options={
                        "verbose_name": "historical étude qualitative",
                        "verbose_name_plural": "historical études qualitatives",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                        "db_table": "contratville_historicaletudequalitative",
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="HistoricalEtudeQualitative_engagements",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                auto_created=True, blank=True, db_index=True, verbose_name="ID"
                            ),
                        ),
                        ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                        (
                            "engagement",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                db_tablespace="",
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="engagements.engagement",
                            ),
                        ),
                        (
                            "etudequalitative",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                db_tablespace="",
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="bilan.etudequalitative",
                            ),
                        ),
                        (
                            "history",
                            models.ForeignKey(
                                db_constraint=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                to="bilan.historicaletudequalitative",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "HistoricalEtudeQualitative_engagements",
                        "db_table": "contratville_historicaletudequalitative_engagements",
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="HistoricalEtudeQualitative_quartiers",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                auto_created=True, blank=True, db_index=True, verbose_name="ID"
                            ),
                        ),
                        ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                        (
                            "etudequalitative",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                db_tablespace="",
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="bilan.etudequalitative",
                            ),
                        ),
                        (
                            "history",
                            models.ForeignKey(
                                db_constraint=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                to="bilan.historicaletudequalitative",
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
                    ],
                    options={
                        "verbose_name": "HistoricalEtudeQualitative_quartiers",
                        "db_table": "contratville_historicaletudequalitative_quartiers",
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="ImportCredits",
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
                            "origine",
                            models.CharField(
                                choices=[("web", "Portail"), ("commande", "Ligne de commande")],
                                default="web",
                                max_length=10,
                                verbose_name="origine",
                            ),
                        ),
                        ("nom_fichier", models.CharField(max_length=255, verbose_name="fichier")),
                        ("contenu", models.BinaryField(verbose_name="contenu du fichier")),
                        (
                            "cree_le",
                            models.DateTimeField(
                                default=django.utils.timezone.now, verbose_name="déposé le"
                            ),
                        ),
                        (
                            "applique_le",
                            models.DateTimeField(blank=True, null=True, verbose_name="appliqué le"),
                        ),
                        (
                            "statut",
                            models.CharField(
                                choices=[
                                    ("previsualise", "Prévisualisé, en attente de confirmation"),
                                    ("erreurs", "Refusé : lignes en erreur"),
                                    ("applique", "Appliqué"),
                                    ("abandonne", "Abandonné"),
                                ],
                                max_length=15,
                                verbose_name="statut",
                            ),
                        ),
                        (
                            "nb_lignes",
                            models.PositiveIntegerField(default=0, verbose_name="lignes"),
                        ),
                        (
                            "nb_nouvelles",
                            models.PositiveIntegerField(default=0, verbose_name="crédits créés"),
                        ),
                        (
                            "nb_modifiees",
                            models.PositiveIntegerField(default=0, verbose_name="crédits modifiés"),
                        ),
                        (
                            "nb_inchangees",
                            models.PositiveIntegerField(
                                default=0, verbose_name="lignes inchangées ou vides"
                            ),
                        ),
                        (
                            "nb_erreurs",
                            models.PositiveIntegerField(default=0, verbose_name="lignes en erreur"),
                        ),
                        (
                            "erreurs",
                            models.JSONField(blank=True, default=list, verbose_name="erreurs"),
                        ),
                        (
                            "apercu",
                            models.JSONField(
                                blank=True, default=list, verbose_name="aperçu des changements"
                            ),
                        ),
                        (
                            "utilisateur",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="imports_credits",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="déposé par",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "import de crédits",
                        "verbose_name_plural": "imports de crédits",
                        "ordering": ["-cree_le", "-pk"],
                        "db_table": "contratville_importcredits",
                    },
                ),
                migrations.CreateModel(
                    name="Credit",
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
                            "annee",
                            models.PositiveSmallIntegerField(
                                validators=[
                                    django.core.validators.MinValueValidator(
                                        2015, "L’année doit être comprise entre 2015 et 2030."
                                    ),
                                    django.core.validators.MaxValueValidator(
                                        2030, "L’année doit être comprise entre 2015 et 2030."
                                    ),
                                ],
                                verbose_name="année",
                            ),
                        ),
                        (
                            "type",
                            models.CharField(
                                choices=[
                                    ("droit_commun", "Droit commun"),
                                    ("specifique", "Spécifique politique de la ville"),
                                ],
                                max_length=20,
                                verbose_name="type de crédit",
                            ),
                        ),
                        (
                            "montant",
                            models.DecimalField(
                                decimal_places=2,
                                help_text="En euros, positif ou nul (par exemple « 12 500,00 »).",
                                max_digits=14,
                                validators=[
                                    django.core.validators.MinValueValidator(
                                        0, "Le montant doit être positif ou nul."
                                    ),
                                    django.core.validators.MaxValueValidator(
                                        Decimal("999999999999.99"),
                                        "Le montant dépasse le maximum accepté.",
                                    ),
                                ],
                                verbose_name="montant (€)",
                            ),
                        ),
                        (
                            "dispositif",
                            models.CharField(
                                blank=True,
                                help_text="Par exemple « BOP 147 », « Appel à projets politique de la ville », « Fonds de participation des habitants ».",
                                max_length=200,
                                verbose_name="dispositif",
                            ),
                        ),
                        ("commentaire", models.TextField(blank=True, verbose_name="commentaire")),
                        (
                            "cree_le",
                            models.DateTimeField(
                                default=django.utils.timezone.now,
                                editable=False,
                                verbose_name="saisi le",
                            ),
                        ),
                        (
                            "modifie_le",
                            models.DateTimeField(auto_now=True, verbose_name="modifié le"),
                        ),
                        (
                            "arrondissement",
                            models.ForeignKey(
                                blank=True,
                                help_text="Pour un crédit d’arrondissement sans QPV précis ; laissez vide si vous choisissez un QPV.",
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="credits",
                                to="quartiers.arrondissement",
                                verbose_name="arrondissement",
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
                                verbose_name="saisi par",
                            ),
                        ),
                        (
                            "engagement",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="credits",
                                to="engagements.engagement",
                                verbose_name="engagement",
                            ),
                        ),
                        (
                            "quartier",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="credits",
                                to="quartiers.quartier",
                                verbose_name="quartier prioritaire",
                            ),
                        ),
                        (
                            "signataire",
                            models.ForeignKey(
                                help_text="L’organisation signataire qui a engagé le crédit.",
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="credits",
                                to="engagements.signataire",
                                verbose_name="signataire",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "crédit",
                        "verbose_name_plural": "crédits",
                        "ordering": ["-annee", "signataire__ordre", "type", "pk"],
                        "indexes": [
                            models.Index(fields=["annee", "type"], name="credit_annee_type")
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("montant__gte", 0)),
                                name="credit_montant_positif",
                                violation_error_message="Le montant doit être positif ou nul.",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("annee__gte", 2015), ("annee__lte", 2030)),
                                name="credit_annee_bornee",
                                violation_error_message="L’année doit être comprise entre 2015 et 2030.",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("quartier__isnull", True),
                                    ("arrondissement__isnull", True),
                                    _connector="OR",
                                ),
                                name="credit_qpv_ou_arrondissement",
                                violation_error_message="Un crédit se rattache à un QPV ou à un arrondissement, pas aux deux.",
                            ),
                        ],
                        "db_table": "contratville_credit",
                    },
                ),
                migrations.AddConstraint(
                    model_name="etudequalitative",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("annee__gte", 2015), ("annee__lte", 2030)),
                        name="etude_annee_bornee",
                        violation_error_message="L’année doit être comprise entre 2015 et 2030.",
                    ),
                ),
            ],
        ),
    ]
