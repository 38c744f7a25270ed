"""L'index de recherche et, sur PostgreSQL seulement, ce qui le rend rapide et tolérant :

- les extensions `unaccent` (accents) et `pg_trgm` (trigrammes, pour les fautes de frappe) ;
  CreateExtension ne fait rien hors PostgreSQL ;
- la configuration plein texte `recherche_fr` : `french` dont les mots passent d'abord par
  `unaccent` (« santé » et « sante » donnent la même racine, et ts_headline surligne le texte
  accentué d'origine) ;
- les index GIN : vecteur, trigrammes du texte plié (mots exacts : sigles) et du lexique.

Sur SQLite (lancement local), seules les tables sont créées : la recherche y passe par le
texte plié."""

import django.contrib.postgres.search
from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations, models

SQL_POSTGRESQL = [
    (
        "CREATE TEXT SEARCH CONFIGURATION recherche_fr (COPY = french)",
        "DROP TEXT SEARCH CONFIGURATION IF EXISTS recherche_fr",
    ),
    (
        "ALTER TEXT SEARCH CONFIGURATION recherche_fr ALTER MAPPING FOR hword, hword_part, word "
        "WITH unaccent, french_stem",
        "",
    ),
    (
        "CREATE INDEX recherche_entree_vecteur ON recherche_entreerecherche USING gin (vecteur)",
        "DROP INDEX IF EXISTS recherche_entree_vecteur",
    ),
    (
        "CREATE INDEX recherche_entree_plie_trgm ON recherche_entreerecherche "
        "USING gin (plie gin_trgm_ops)",
        "DROP INDEX IF EXISTS recherche_entree_plie_trgm",
    ),
    (
        "CREATE INDEX recherche_mot_trgm ON recherche_motrecherche USING gin (mot gin_trgm_ops)",
        "DROP INDEX IF EXISTS recherche_mot_trgm",
    ),
]


def _executer(schema_editor, requetes):
    if schema_editor.connection.vendor != "postgresql":
        return
    for requete in requetes:
        if requete:
            schema_editor.execute(requete)


def creer(apps, schema_editor):
    _executer(schema_editor, [avant for avant, _ in SQL_POSTGRESQL])


def supprimer(apps, schema_editor):
    _executer(schema_editor, [apres for _, apres in reversed(SQL_POSTGRESQL)])


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        UnaccentExtension(),
        TrigramExtension(),
        migrations.CreateModel(
            name="MotRecherche",
            fields=[
                (
                    "mot",
                    models.CharField(
                        max_length=100, primary_key=True, serialize=False, verbose_name="mot"
                    ),
                ),
            ],
            options={
                "verbose_name": "mot du lexique de recherche",
                "verbose_name_plural": "lexique de recherche",
            },
        ),
        migrations.CreateModel(
            name="EntreeRecherche",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        help_text="« app.modèle » de l’objet indexé.",
                        max_length=60,
                        verbose_name="modèle source",
                    ),
                ),
                ("objet_id", models.BigIntegerField(verbose_name="identifiant de l’objet")),
                (
                    "type",
                    models.CharField(
                        choices=[
                            ("engagements", "Engagements"),
                            ("actions", "Actions"),
                            ("indicateurs", "Indicateurs"),
                            ("quartiers", "Quartiers prioritaires"),
                            ("projets", "Projets structurants"),
                            ("glossaire", "Glossaire"),
                            ("signataires", "Signataires"),
                            ("structures", "Structures"),
                            ("fiches-actions", "Fiches-actions"),
                        ],
                        max_length=20,
                        verbose_name="rubrique",
                    ),
                ),
                ("titre", models.TextField(verbose_name="titre affiché")),
                ("contexte", models.TextField(blank=True, verbose_name="contexte affiché")),
                ("url", models.CharField(max_length=500, verbose_name="adresse")),
                (
                    "langue",
                    models.CharField(default="fr", max_length=5, verbose_name="langue du texte"),
                ),
                (
                    "cle",
                    models.CharField(
                        blank=True,
                        help_text="Code, sigle ou numéro, plié : une requête égale à la clé est un résultat exact.",
                        max_length=120,
                        verbose_name="clé pliée",
                    ),
                ),
                ("ordre", models.IntegerField(default=0, verbose_name="ordre par défaut")),
                ("intitule", models.TextField(verbose_name="intitulé (poids A)")),
                ("mots_cles", models.TextField(blank=True, verbose_name="mots-clés (poids B)")),
                ("texte", models.TextField(blank=True, verbose_name="texte (poids C)")),
                ("titre_plie", models.TextField(verbose_name="titre plié")),
                (
                    "plie",
                    models.TextField(
                        help_text="Tout le texte cherchable, plié, entouré d’espaces (repli SQLite).",
                        verbose_name="texte plié",
                    ),
                ),
                (
                    "vecteur",
                    django.contrib.postgres.search.SearchVectorField(
                        null=True, verbose_name="vecteur plein texte"
                    ),
                ),
                ("modifiee_le", models.DateTimeField(auto_now=True, verbose_name="indexée le")),
            ],
            options={
                "verbose_name": "entrée de l’index de recherche",
                "verbose_name_plural": "entrées de l’index de recherche",
                "ordering": ["type", "ordre", "pk"],
                "indexes": [models.Index(fields=["type", "objet_id"], name="recherche_type_objet")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("source", "objet_id"), name="recherche_entree_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(creer, supprimer),
    ]
