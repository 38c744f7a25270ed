import django.utils.timezone
from django.db import migrations, models

from socle.migrations_outils import remplir_modifie_le


def remplir_slugs(apps, schema_editor):
    """Le slug de chaque signataire, tiré de son nom (comme le fait load_referentiel) ; deux
    noms qui donneraient le même slug sont départagés par un suffixe."""
    from engagements.models import slug_signataire

    Signataire = apps.get_model("engagements", "Signataire")
    HistoricalSignataire = apps.get_model("engagements", "HistoricalSignataire")
    pris = set()
    for signataire in Signataire.objects.order_by("pk"):
        base = slug_signataire(signataire.nom) or f"signataire-{signataire.pk}"
        slug, n = base, 2
        while slug in pris:
            slug, n = f"{base[:95]}-{n}", n + 1
        pris.add(slug)
        Signataire.objects.filter(pk=signataire.pk).update(slug=slug)
        HistoricalSignataire.objects.filter(id=signataire.pk).update(slug=slug)
    HistoricalSignataire.objects.filter(slug__isnull=True).update(slug="")


class Migration(migrations.Migration):
    dependencies = [
        ("engagements", "0002_sigle_des_signataires"),
    ]

    operations = [
        migrations.AddField(
            model_name="engagement",
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
            model_name="historicalengagement",
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
            model_name="historicalsigle",
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
            model_name="historicalsignataire",
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
            model_name="historicalsignataire",
            name="slug",
            field=models.SlugField(
                db_index=False, max_length=100, null=True, verbose_name="identifiant"
            ),
        ),
        migrations.AddField(
            model_name="historicalthematique",
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
            model_name="sigle",
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
            model_name="signataire",
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
            model_name="signataire",
            name="slug",
            field=models.SlugField(
                db_index=False, max_length=100, null=True, verbose_name="identifiant"
            ),
        ),
        migrations.AddField(
            model_name="thematique",
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
            remplir_modifie_le(
                ("engagements", "Thematique"),
                ("engagements", "Engagement"),
                ("engagements", "Signataire"),
                ("engagements", "Sigle"),
            ),
            migrations.RunPython.noop,
        ),
        migrations.RunPython(remplir_slugs, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="historicalsignataire",
            name="slug",
            field=models.SlugField(max_length=100, verbose_name="identifiant"),
        ),
        migrations.AlterField(
            model_name="signataire",
            name="slug",
            field=models.SlugField(max_length=100, unique=True, verbose_name="identifiant"),
        ),
    ]
