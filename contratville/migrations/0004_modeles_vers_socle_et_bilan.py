"""Les modèles de l'app `contratville` passent à `socle` (profil, jetons d'API) et à `bilan`
(crédits, études, imports de crédits) : on les retire de l'état de `contratville` sans
toucher à la base (les migrations 0001 de `socle` et `bilan` les reprennent, tables
comprises)."""

from django.db import migrations

MODELES = [
    "HistoricalProfil_quartiers",
    "HistoricalProfil",
    "HistoricalJetonAPI",
    "JetonAPI",
    "Profil",
    "HistoricalEtudeQualitative_engagements",
    "HistoricalEtudeQualitative_quartiers",
    "HistoricalEtudeQualitative",
    "HistoricalCredit",
    "ImportCredits",
    "Credit",
    "EtudeQualitative",
]


class Migration(migrations.Migration):
    dependencies = [
        ("contratville", "0003_bilan_credits_etudes"),
        ("socle", "0001_initial"),
        ("bilan", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name=nom) for nom in MODELES],
            database_operations=[],
        )
    ]
