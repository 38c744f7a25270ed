"""Le journal des fiches suit le journal commun des circuits (socle.models.JournalTransition) :
le commentaire d'une étape devient son motif (même colonne renommée, données gardées)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("structures", "0004_langue_des_textes"),
    ]

    operations = [
        migrations.RenameField(
            model_name="transitionfiche",
            old_name="commentaire",
            new_name="motif",
        ),
    ]
