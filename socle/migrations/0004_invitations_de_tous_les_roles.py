"""L'invitation prend le nom de sa nouvelle app (table `socle_invitation`, type de contenu et
donc permissions renommés, pas recréés : `socle.view_invitation` vaut pour les groupes qui
avaient `structures.view_invitation`), puis s'ouvre à tous les rôles invités : un rôle (les
invitations existantes sont des invitations de structure), une organisation signataire pour
un partenaire, des QPV pour un délégué du Préfet."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def renommer_type(apps, schema_editor, depuis="structures", vers="socle"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for ct in ContentType.objects.filter(app_label=depuis, model="invitation"):
        if ContentType.objects.filter(app_label=vers, model="invitation").exists():
            continue  # déjà créé (base migrée puis rechargée) : on garde le plus ancien tel quel
        ct.app_label = vers
        ct.save(update_fields=["app_label"])


def retablir_type(apps, schema_editor):
    renommer_type(apps, schema_editor, depuis="socle", vers="structures")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("engagements", "0001_initial"),
        ("quartiers", "0002_suivi_des_projets"),
        ("socle", "0003_invitation"),
        ("structures", "0008_invitation_vers_socle"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelTable(
            name="invitation",
            table=None,
        ),
        migrations.RunPython(renommer_type, retablir_type),
        migrations.AddField(
            model_name="invitation",
            name="quartiers",
            field=models.ManyToManyField(
                blank=True,
                help_text="Pour un délégué du Préfet : les QPV qui lui sont confiés.",
                related_name="invitations",
                to="quartiers.quartier",
                verbose_name="quartiers suivis",
            ),
        ),
        migrations.AddField(
            model_name="invitation",
            name="role",
            field=models.CharField(
                choices=[
                    ("delegue", "Délégué du Préfet"),
                    ("partenaire", "Partenaire producteur de données"),
                    ("structure", "Structure (association, centre social)"),
                ],
                default="structure",
                max_length=20,
                verbose_name="rôle",
            ),
        ),
        migrations.AddField(
            model_name="invitation",
            name="signataire",
            field=models.ForeignKey(
                blank=True,
                help_text="Pour un partenaire : l’organisation qui produit ses données.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="invitations",
                to="engagements.signataire",
                verbose_name="organisation signataire",
            ),
        ),
        migrations.AlterField(
            model_name="invitation",
            name="structure",
            field=models.ForeignKey(
                blank=True,
                help_text="Pour un compte de structure : seules les structures parisiennes.",
                limit_choices_to={"hors_paris": False},
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="invitations",
                to="structures.structure",
                verbose_name="structure",
            ),
        ),
        migrations.AddConstraint(
            model_name="invitation",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("role", "structure"),
                        ("signataire__isnull", True),
                        ("structure__isnull", False),
                    ),
                    models.Q(
                        ("role", "partenaire"),
                        ("signataire__isnull", False),
                        ("structure__isnull", True),
                    ),
                    models.Q(
                        ("role", "delegue"),
                        ("signataire__isnull", True),
                        ("structure__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="invitation_rattachement_du_role",
                violation_error_message="Une invitation de structure désigne une structure, celle d’un partenaire une organisation signataire, celle d’un délégué du Préfet ses QPV : rien d’autre.",
            ),
        ),
    ]
