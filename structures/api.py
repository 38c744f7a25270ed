"""API des structures (associations, centres sociaux, espaces de vie sociale) et de leurs
fiches-actions, en lecture, avec un compte.

La visibilité est celle des pages, reprise des querysets (`for_user(user)`, appliqué par
`VueLectureAPI`) : le SPV voit tout ; les délégués du Préfet et les partenaires voient toutes
les structures, les fiches validées et, pour un délégué, les fiches soumises de ses QPV ; un
compte de structure ne voit que sa structure et toutes ses fiches (son espace) ; un anonyme,
rien (401). Les fiches se rédigent et se soumettent dans le portail."""

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import serializers

from engagements.models import Action, Engagement
from quartiers.api import QuartierCourtSerializer
from quartiers.models import Quartier
from socle.api.pagination import PaginationParCurseur
from socle.api.rendus import Colonne
from socle.api.schema import cle_naturelle
from socle.api.serialiseurs import (
    Adresse,
    SerialiseurModele,
    libelle_de,
    prechargement,
    slugs_lies,
)
from socle.api.vues import VueLectureAPI
from structures.filters import FicheActionFilter, StructureFilter
from structures.models import (
    FicheAction,
    FinancementFiche,
    FinancementStructure,
    Structure,
)

# --- structures -------------------------------------------------------------------------------


class FinancementStructureSerializer(SerialiseurModele):
    class Meta:
        model = FinancementStructure
        fields = ["ordre", "financeur", "part", "texte"]


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Centre social",
            value={
                "id": 1,
                "url": "https://exemple.paris.fr/api/v1/structures/j2p/",
                "slug": "j2p",
                "nom": "Centre social et culturel J2P",
                "type": "centre_social",
                "type_libelle": "Centre social",
                "adresse": "25 rue Petit",
                "code_postal": "75019",
                "commune": "Paris",
                "arrondissement": 19,
                "departement": "Paris",
                "hors_paris": False,
                "siret": "",
                "rna": "",
                "quartiers": [{"slug": "danube-solidarite", "nom": "Danube – Solidarité"}],
                "annee_creation": 1986,
                "salaries": 25,
                "benevoles": 80,
                "adherents": 600,
                "budget": 1200000.0,
                "description": "Centre social agréé par la Caf…",
                "source": "Rapport d’activité",
                "financements": [
                    {"ordre": 0, "financeur": "Fonds publics", "part": 70.0, "texte": ""}
                ],
                "nb_fiches": 3,
            },
            response_only=True,
        )
    ]
)
class StructureSerializer(SerialiseurModele):
    url = Adresse(
        view_name="api:structure-detail", lookup_field="slug", help_text="Adresse dans l’API."
    )
    type_libelle = libelle_de("type")
    arrondissement = serializers.SlugRelatedField(
        slug_field="numero",
        read_only=True,
        allow_null=True,
        help_text="Numéro de l’arrondissement où la structure est installée.",
    )
    quartiers = QuartierCourtSerializer(
        many=True, read_only=True, help_text="Les QPV où la structure agit."
    )
    financements = FinancementStructureSerializer(
        many=True, read_only=True, help_text="La répartition de son financement."
    )
    nb_fiches = serializers.IntegerField(
        read_only=True, help_text="Nombre de ses fiches-actions que votre compte peut voir."
    )

    class Meta:
        model = Structure
        fields = [
            "id",
            "url",
            "slug",
            "nom",
            "type",
            "type_libelle",
            "adresse",
            "code_postal",
            "commune",
            "arrondissement",
            "departement",
            "hors_paris",
            "siret",
            "rna",
            "quartiers",
            "annee_creation",
            "salaries",
            "benevoles",
            "adherents",
            "budget",
            "description",
            "source",
            "financements",
            "nb_fiches",
            "modifie_le",
        ]
        extra_kwargs = {
            "slug": {"help_text": "Identifiant stable de la structure, utilisé dans les adresses."}
        }


@extend_schema_view(
    list=extend_schema(
        summary="Liste des structures",
        description="Les associations, centres sociaux et espaces de vie sociale que votre "
        "compte peut voir : toutes pour le SPV, les délégués du Préfet et les partenaires ; "
        "la sienne seulement pour un compte de structure. Filtres : type, arrondissement, "
        "quartier, Paris ou hors Paris.",
    ),
    retrieve=extend_schema(
        summary="Une structure",
        description="Par son identifiant (`j2p`).",
        parameters=[cle_naturelle("slug", OpenApiTypes.STR, "Identifiant de la structure.", "j2p")],
    ),
)
class StructureViewSet(VueLectureAPI):
    queryset = Structure.objects.all()
    serializer_class = StructureSerializer
    filterset_class = StructureFilter
    search_fields = ["nom", "commune", "description"]
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    tri = ("nom", "pk")
    nom_export = "structures"
    colonnes_export = [
        Colonne("Identifiant", "slug"),
        Colonne("Nom", "nom"),
        Colonne("Type", "type_libelle"),
        Colonne("Adresse", "adresse"),
        Colonne("Code postal", "code_postal"),
        Colonne("Commune", "commune"),
        Colonne("Arrondissement", "arrondissement", "nombre"),
        Colonne("Hors Paris", "hors_paris"),
        Colonne("SIRET", "siret"),
        Colonne("RNA", "rna"),
        Colonne("QPV", "quartiers[].nom"),
        Colonne("Salariés", "salaries", "nombre"),
        Colonne("Bénévoles", "benevoles", "nombre"),
        Colonne("Budget annuel (€)", "budget", "nombre"),
        Colonne("Fiches-actions", "nb_fiches", "nombre"),
    ]

    def charger(self, queryset):
        return queryset.with_list_data(self.request.user).prefetch_related(
            Prefetch("financements", queryset=FinancementStructure.objects.order_by("ordre", "pk"))
        )


# --- fiches-actions ---------------------------------------------------------------------------


# Les textes d'une structure qu'une ligne de fiche ne montre pas (seuls son slug et son nom).
STRUCTURE_NON_LUS = ("description", "adresse", "source", "reserve_perimetre", "motif_deduction")


class StructureDeFicheSerializer(SerialiseurModele):
    class Meta:
        model = Structure
        fields = ["slug", "nom"]


class ActionDeFicheSerializer(SerialiseurModele):
    engagement = serializers.IntegerField(
        source="engagement.numero", read_only=True, help_text="Numéro de l’engagement."
    )

    class Meta:
        model = Action
        fields = ["id", "engagement", "numero", "texte"]
        extra_kwargs = {"numero": {"help_text": "Numéro tel qu’imprimé dans le contrat."}}


class FinancementFicheSerializer(SerialiseurModele):
    financeur_libelle = libelle_de("financeur")

    class Meta:
        model = FinancementFiche
        fields = ["financeur", "financeur_libelle", "precision", "montant"]


def liste_de_codes(aide):
    return serializers.ListField(child=serializers.CharField(), read_only=True, help_text=aide)


EXEMPLE_FICHE = {
    "id": 12,
    "url": "https://exemple.paris.fr/api/v1/fiches-actions/12/",
    "titre": "Ateliers sociolinguistiques",
    "structure": {"slug": "j2p", "nom": "Centre social et culturel J2P"},
    "annee": 2025,
    "statut": "validee",
    "statut_libelle": "Validée",
    "etat": "en_cours",
    "etat_libelle": "En cours",
    "motif_fin": "",
    "engagements": [5],
    "actions": [{"id": 40, "engagement": 5, "numero": "3", "texte": "Développer les ASL…"}],
    "quartiers": [{"slug": "danube-solidarite", "nom": "Danube – Solidarité"}],
    "dimension": "solidarite",
    "dimension_libelle": "Solidarité",
    "mots_cles": ["parentalite", "integration"],
    "mots_cles_libelles": ["Parentalité", "Intégration"],
    "publics": ["familles"],
    "publics_libelles": ["Familles"],
    "territoire": "un_quartier",
    "territoire_libelle": "Un quartier",
    "resume": "Des ateliers de français pour les parents du quartier.",
    "nb_beneficiaires": 40,
    "nb_beneficiaires_qpv": 32,
    "financements": [
        {
            "financeur": "etat",
            "financeur_libelle": "État (politique de la ville)",
            "precision": "",
            "montant": 8000.0,
        }
    ],
    "budget_total": 8000.0,
    "modifie_le": "2026-01-20T14:02:00+01:00",
}


@extend_schema_serializer(
    examples=[OpenApiExample("Fiche validée", value=EXEMPLE_FICHE, response_only=True)]
)
class FicheActionSerializer(SerialiseurModele):
    url = Adresse(view_name="api:fiche-action-detail", help_text="Adresse dans l’API.")
    structure = StructureDeFicheSerializer(
        read_only=True, help_text="La structure qui a mené l’action."
    )
    statut_libelle = libelle_de("statut")
    etat_libelle = libelle_de("etat")
    dimension_libelle = libelle_de("dimension")
    territoire_libelle = libelle_de("territoire")
    engagements = slugs_lies(
        read_only=True,
        slug_field="numero",
        help_text="Numéros des engagements du contrat que l’action sert.",
    )
    actions = ActionDeFicheSerializer(
        many=True, read_only=True, help_text="Actions numérotées du contrat mises en œuvre."
    )
    quartiers = QuartierCourtSerializer(
        many=True, read_only=True, help_text="Les QPV où l’action a lieu."
    )
    mots_cles = liste_de_codes("Codes des mots clés (liste contrôlée de l’observatoire).")
    mots_cles_libelles = liste_de_codes("Libellés des mots clés.")
    publics = liste_de_codes("Codes des publics visés.")
    publics_libelles = liste_de_codes("Libellés des publics visés.")
    initiative = liste_de_codes("Qui est à l’initiative (codes).")
    initiative_libelles = liste_de_codes("Qui est à l’initiative (libellés).")
    partenaires = liste_de_codes("Types de partenaires d’action (codes).")
    partenaires_libelles = liste_de_codes("Types de partenaires d’action (libellés).")
    financements = FinancementFicheSerializer(
        many=True, read_only=True, help_text="Le budget de l’action, par financeur."
    )
    budget_total = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="Somme des montants renseignés (€) ; null si aucun.",
    )

    class Meta:
        model = FicheAction
        fields = [
            "id",
            "url",
            "titre",
            "structure",
            "annee",
            "statut",
            "statut_libelle",
            "etat",
            "etat_libelle",
            "motif_fin",
            "engagements",
            "actions",
            "quartiers",
            "dimension",
            "dimension_libelle",
            "mots_cles",
            "mots_cles_libelles",
            "publics",
            "publics_libelles",
            "territoire",
            "territoire_libelle",
            "initiative",
            "initiative_libelles",
            "initiative_precision",
            "partenaires",
            "partenaires_libelles",
            "resume",
            "description",
            "description_generale",
            "objectifs",
            "actions_menees",
            "resultats_quantitatifs",
            "resultats_territoire",
            "resultats_structure",
            "resultats_habitants",
            "partenariats",
            "difficultes",
            "solutions",
            "facteurs_reussite",
            "limites",
            "perspectives",
            "ressources_financieres",
            "personnes_mobilisees",
            "nb_salaries",
            "nb_benevoles",
            "nb_autres",
            "nb_beneficiaires",
            "nb_beneficiaires_qpv",
            "financements",
            "budget_total",
            "source",
            "cree_le",
            "modifie_le",
        ]
        extra_kwargs = {
            "statut": {
                "help_text": "Circuit de la fiche : brouillon → soumise → validée, ou renvoyée "
                "à la structure."
            },
            "etat": {"help_text": "L’action est en cours ou terminée."},
        }


@extend_schema_view(
    list=extend_schema(
        summary="Liste des fiches-actions",
        description="Les fiches-actions que votre compte peut voir, comme dans le portail : "
        "toutes pour le SPV ; les fiches validées pour les partenaires ; les fiches validées "
        "et les fiches soumises de ses QPV pour un délégué du Préfet ; toutes les siennes pour "
        "un compte de structure. Filtres : quartier, arrondissement, engagement, action, "
        "année, statut, dimension, mot clé, public, structure ; `q` fait une recherche plein "
        "texte en français.",
    ),
    retrieve=extend_schema(
        summary="Une fiche-action",
        description="Par son identifiant.",
        parameters=[cle_naturelle("id", OpenApiTypes.INT, "Identifiant de la fiche.", 12)],
    ),
)
class FicheActionViewSet(VueLectureAPI):
    queryset = FicheAction.objects.all()
    serializer_class = FicheActionSerializer
    filterset_class = FicheActionFilter
    search_fields = ["titre", "resume", "structure__nom"]
    lookup_value_regex = "[0-9]+"
    tri = ("-annee", "titre", "pk")
    # La liste JSON (50 000 fiches à l'échelle nationale) : pagination par curseur sur la clé
    # primaire, des plus récentes aux plus anciennes — un ordre entier, unique et jamais nul
    # (`annee` peut l'être), servi par l'index de la clé primaire, sans migration (voir
    # socle/api/pagination.py) ; les exports gardent l'ordre de lecture `tri`.
    pagination_class = PaginationParCurseur
    tri_curseur = ("-id",)
    nom_export = "fiches-actions"
    colonnes_export = [
        Colonne("N°", "id", "nombre"),
        Colonne("Titre de l’action", "titre"),
        Colonne("Structure", "structure.nom"),
        Colonne("Année", "annee", "nombre"),
        Colonne("Statut de la fiche", "statut_libelle"),
        Colonne("Statut de l’action", "etat_libelle"),
        Colonne("Engagements", "engagements[]"),
        Colonne("Actions numérotées", lambda f: [
            f"{a['engagement']}.{a['numero']}" for a in f["actions"]
        ]),
        Colonne("QPV", "quartiers[].nom"),
        Colonne("Territoire concerné", "territoire_libelle"),
        Colonne("Dimension", "dimension_libelle"),
        Colonne("Mots clés", "mots_cles_libelles"),
        Colonne("Public", "publics_libelles"),
        Colonne("Bénéficiaires", "nb_beneficiaires", "nombre"),
        Colonne("Dont habitants d’un QPV", "nb_beneficiaires_qpv", "nombre"),
        Colonne("Budget total (€)", "budget_total", "nombre"),
        Colonne("Résumé", "resume"),
        Colonne("Modifiée le", "modifie_le", "dateheure"),
    ]  # fmt: skip

    def charger(self, queryset):
        # Des lignes maigres : des objets liés, seulement les colonnes que la ligne montre
        # (slug et nom, numéro), jamais les longs textes des engagements, des QPV ou de la
        # structure (issue 15 : 50 000 fiches à l'échelle nationale).
        actions = (
            Action.objects.select_related("engagement")
            .only("id", "numero", "texte", "ordre", "engagement__id", "engagement__numero")
            .order_by("engagement__numero", "ordre", "pk")
        )
        return (
            queryset.select_related("structure")
            .defer(*(f"structure__{champ}" for champ in STRUCTURE_NON_LUS))
            .prefetch_related(
                # Relues seulement par le sérialiseur : rangées en listes (`prechargement`).
                prechargement("engagements", Engagement.objects.only("id", "numero")),
                prechargement("quartiers", Quartier.objects.only("id", "slug", "nom")),
                prechargement("actions", actions),
                # Relus aussi par `FicheAction.budget_total` (`financements.all()`).
                Prefetch("financements", queryset=FinancementFiche.objects.order_by("pk")),
            )
        )


ROUTES = [
    ("structures", StructureViewSet, "structure"),
    ("fiches-actions", FicheActionViewSet, "fiche-action"),
]
