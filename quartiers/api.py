"""API des quartiers prioritaires (avec arrondissements, secteurs et chiffres clés). Lecture
libre, aucune écriture.

Les projets structurants (/api/v1/projets/) sont servis par territoire/api.py : leur filtre
lit l'engagement servi, à travers `structures.PortageProjet`, que quartiers ne peut pas
importer. Les sérialiseurs courts d'un QPV et d'un secteur restent ici, pour toutes les
ressources qui en citent."""

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import serializers

from quartiers.filters import QuartierFilter
from quartiers.models import ChiffreCle, Quartier, Secteur
from socle.api.permissions import LectureLibre
from socle.api.rendus import Colonne
from socle.api.schema import cle_naturelle
from socle.api.serialiseurs import Adresse, SerialiseurModele, libelle_de, slugs_lies
from socle.api.vues import VueLectureAPI


class SecteurSerializer(SerialiseurModele):
    type_libelle = libelle_de("type")

    class Meta:
        model = Secteur
        fields = [
            "slug",
            "nom",
            "type",
            "type_libelle",
            "ordre",
            "population",
            "population_source",
            "description",
        ]


class PartieDeChiffreSerializer(serializers.Serializer):
    """Une partie nommée d'un chiffre clé double (« 32 % à Bédier Boutroux ») et sa valeur."""

    slug = serializers.CharField(help_text="Identifiant de la partie (territoire `partie-…`).")
    nom = serializers.CharField(help_text="Nom de la partie, tel qu’imprimé.")
    valeur = serializers.FloatField(help_text="Valeur imprimée pour cette partie.")


class ChiffreCleSerializer(SerialiseurModele):
    secteur = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="Identifiant du secteur auquel le chiffre se rapporte ; null pour le QPV.",
    )
    parties = PartieDeChiffreSerializer(
        many=True,
        read_only=True,
        help_text="Un chiffre imprimé avec une valeur par partie nommée du quartier : ces "
        "valeurs, dans l’ordre du texte ; vide sinon.",
    )

    class Meta:
        model = ChiffreCle
        fields = [
            "ordre",
            "secteur",
            "libelle",
            "qualificatif",
            "texte",
            "valeur",
            "unite",
            "valeur_paris",
            "source",
            "annee",
            # Provenance (issue 12).
            "reserve_perimetre",
            "deduite",
            "motif_deduction",
            "parties",
        ]
        extra_kwargs = {
            "reserve_perimetre": {
                "help_text": "Ce que couvre le chiffre quand ce n’est pas exactement le "
                "territoire (« chiffre du Grand Belleville (10e, 11e, 20e) ») ; vide sinon."
            },
            "deduite": {
                "help_text": "Vrai quand une partie de l’information (source, année, "
                "périmètre) est déduite par le chargement plutôt qu’écrite dans la source."
            },
            "motif_deduction": {"help_text": "Ce qui a été déduit et pourquoi ; vide sinon."},
            "texte": {"help_text": "Le chiffre tel qu’imprimé dans la fiche (toujours gardé)."},
            "valeur": {
                "help_text": "Valeur numérique, seulement quand le texte en donne une seule."
            },
            "qualificatif": {
                "help_text": "Précision de périmètre (« Grand Belleville 10e 11e 20e »)."
            },
        }


class QuartierCourtSerializer(SerialiseurModele):
    class Meta:
        model = Quartier
        fields = ["slug", "nom"]


class SecteurCourtSerializer(SerialiseurModele):
    class Meta:
        model = Secteur
        fields = ["slug", "nom"]


EXEMPLE_QUARTIER = {
    "id": 3,
    "url": "https://exemple.paris.fr/api/v1/quartiers/goutte-dor/",
    "slug": "goutte-dor",
    "nom": "Goutte d’Or",
    "nom_fiche": "Quartier prioritaire Goutte d’Or",
    "ordre": 3,
    "arrondissements": [18],
    "population": 21800,
    "population_source": "Décret n° 2023-1314 (Filosofi 2019)",
    "description": "Quartier de faubourg au pied de la butte Montmartre…",
    "nb_projets": 12,
    "secteurs": [],
    "chiffres_cles": [
        {
            "ordre": 1,
            "secteur": None,
            "libelle": "Taux de chômage",
            "qualificatif": "",
            "texte": "16 % (contre 11 % à Paris)",
            "valeur": 16.0,
            "unite": "%",
            "valeur_paris": 11.0,
            "source": "Insee, RP 2019",
            "annee": 2019,
            "reserve_perimetre": "",
            "deduite": False,
            "motif_deduction": "",
            "parties": [],
        }
    ],
    "code_qpv": "",
    "modifie_le": "2026-02-03T10:15:00+01:00",
}


@extend_schema_serializer(
    examples=[OpenApiExample("Goutte d’Or", value=EXEMPLE_QUARTIER, response_only=True)]
)
class QuartierSerializer(SerialiseurModele):
    url = Adresse(
        view_name="api:quartier-detail", lookup_field="slug", help_text="Adresse dans l’API."
    )
    arrondissements = slugs_lies(
        read_only=True, slug_field="numero", help_text="Numéros des arrondissements."
    )
    nb_projets = serializers.IntegerField(
        read_only=True, help_text="Nombre de projets structurants (voir /api/v1/projets/)."
    )
    secteurs = SecteurSerializer(
        many=True, read_only=True, help_text="Secteurs ou micro-quartiers de la fiche."
    )
    chiffres_cles = ChiffreCleSerializer(
        many=True, read_only=True, help_text="Chiffres clés, comparés à Paris."
    )

    class Meta:
        model = Quartier
        fields = [
            "id",
            "url",
            "slug",
            "nom",
            "nom_fiche",
            "ordre",
            "arrondissements",
            "population",
            "population_source",
            "description",
            "nb_projets",
            "secteurs",
            "chiffres_cles",
            "code_qpv",
            "modifie_le",
        ]
        extra_kwargs = {
            "slug": {"help_text": "Identifiant stable du QPV, utilisé dans les adresses."},
            "code_qpv": {
                "help_text": "Code officiel du QPV (« QN07501M »), saisi par le SPV ; vide tant "
                "qu’il ne l’est pas (le texte du contrat ne le donne pas)."
            },
            "population": {
                "help_text": "Population du décret (Filosofi 2019) ; les secteurs "
                "portent celles des fiches."
            },
        }


@extend_schema_view(
    list=extend_schema(
        summary="Liste des quartiers prioritaires",
        description="Les 21 QPV parisiens, avec arrondissements, secteurs ou micro-quartiers "
        "et chiffres clés ; les projets structurants sont sur /api/v1/projets/?quartier={slug}.",
    ),
    retrieve=extend_schema(
        summary="Un quartier prioritaire",
        description="Par son identifiant (`goutte-dor`).",
        parameters=[
            cle_naturelle(
                "slug", OpenApiTypes.STR, "Identifiant du QPV.", "goutte-dor", "grand-belleville"
            )
        ],
    ),
)
class QuartierViewSet(VueLectureAPI):
    queryset = Quartier.objects.all()
    serializer_class = QuartierSerializer
    permission_classes = [LectureLibre]
    filterset_class = QuartierFilter
    search_fields = ["nom", "nom_fiche", "description"]
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    tri = ("ordre", "nom", "pk")
    nom_export = "quartiers"
    colonnes_export = [
        Colonne("Identifiant", "slug"),
        Colonne("Nom", "nom"),
        Colonne("Arrondissements", "arrondissements[]"),
        Colonne("Population", "population", "nombre"),
        Colonne("Source de la population", "population_source"),
        Colonne("Secteurs", "secteurs[].nom"),
        Colonne("Projets structurants", "nb_projets", "nombre"),
        Colonne(
            "Chiffres clés",
            lambda q: [f"{c['libelle']} : {c['texte']}" for c in q["chiffres_cles"]],
        ),
    ]

    def charger(self, queryset):
        secteurs = Secteur.objects.order_by("ordre", "pk")
        chiffres = ChiffreCle.objects.select_related("secteur").order_by("ordre", "pk")
        return queryset.with_list_data().prefetch_related(
            Prefetch("secteurs", queryset=secteurs),
            Prefetch("chiffres_cles", queryset=chiffres),
        )


ROUTES = [
    ("quartiers", QuartierViewSet, "quartier"),
]
