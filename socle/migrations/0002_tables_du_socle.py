"""Les tables du profil et des jetons d'API prennent le nom de leur app (`socle_…`). Les types de contenu
(et donc les permissions accordées aux groupes, les entrées du journal de l'admin) suivent :
ils sont renommés, pas recréés, pour que `sync_roles` et les droits existants continuent de
valoir."""

from django.db import migrations


def renommer_types(apps, schema_editor, depuis="contratville", vers="socle"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    modeles = [m._meta.model_name for m in apps.get_app_config("socle").get_models()]
    for ct in ContentType.objects.filter(app_label=depuis, model__in=modeles):
        if ContentType.objects.filter(app_label=vers, model=ct.model).exists():
            continue  # déjà créé (base migrée puis rechargée) : on garde le plus ancien tel quel
        ct.app_label = vers
        ct.save(update_fields=["app_label"])


def retablir_types(apps, schema_editor):
    renommer_types(apps, schema_editor, depuis="socle", vers="contratville")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("socle", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelTable(
            name="historicaljetonapi",
            table=None,
        ),
        migrations.AlterModelTable(
            name="historicalprofil",
            table=None,
        ),
        migrations.AlterModelTable(
            name="historicalprofil_quartiers",
            table=None,
        ),
        migrations.AlterModelTable(
            name="jetonapi",
            table=None,
        ),
        migrations.AlterModelTable(
            name="profil",
            table=None,
        ),
        migrations.RunPython(renommer_types, retablir_types),
    ]
