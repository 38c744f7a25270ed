"""`/api/v1/territoires/` (lecture libre) : là où une valeur d'indicateur s'applique
(`paris`, `ensemble-qpv`, `qpv-goutte-dor`, `secteur-…`, `arrondissement-19`, `rep`…)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import serializers

from indicateurs.filters import TerritoireFilter
from indicateurs.models import Territoire
from quartiers.api import QuartierCourtSerializer, SecteurCourtSerializer
from socle.api.permissions import LectureLibre
from socle.api.rendus import Colonne
from socle.api.schema import cle_naturelle
from socle.api.serialiseurs import Adresse, SerialiseurModele, libelle_de
from socle.api.vues import VueLectureAPI


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Un QPV",
            value={
                "id": 5,
                "url": "https://exemple.paris.fr/api/v1/territoires/qpv-goutte-dor/",
                "code": "qpv-goutte-dor",
                "type": "qpv",
                "type_libelle": "Quartier prioritaire",
                "nom": "Goutte d’Or",
                "ordre": 160,
                "quartier": {"slug": "goutte-dor", "nom": "Goutte d’Or"},
                "secteur": None,
                "arrondissement": None,
            },
            response_only=True,
        )
    ]
)
class TerritoireSerializer(SerialiseurModele):
    url = Adresse(
        view_name="api:territoire-detail", lookup_field="code", help_text="Adresse dans l’API."
    )
    type_libelle = libelle_de("type")
    quartier = QuartierCourtSerializer(
        read_only=True, allow_null=True, help_text="Le QPV (pour un QPV ou l’un de ses secteurs)."
    )
    secteur = SecteurCourtSerializer(
        read_only=True, allow_null=True, help_text="Le secteur ou micro-quartier désigné."
    )
    arrondissement = serializers.SlugRelatedField(
        slug_field="numero",
        read_only=True,
        allow_null=True,
        help_text="Numéro de l’arrondissement (territoire « arrondissement »).",
    )

    class Meta:
        model = Territoire
        fields = [
            "id",
            "url",
            "code",
            "type",
            "type_libelle",
            "nom",
            "ordre",
            "quartier",
            "secteur",
            "arrondissement",
            "modifie_le",
        ]
        extra_kwargs = {
            "code": {
                "help_text": "Clé naturelle stable (`qpv-goutte-dor`, `secteur-…`, `paris`, "
                "`ensemble-qpv`, `arrondissement-19`, `rep`, `rep-plus`), utilisée dans les "
                "adresses, les filtres et l’envoi des valeurs."
            }
        }


@extend_schema_view(
    list=extend_schema(
        summary="Liste des territoires",
        description="Paris, l’ensemble des QPV, chaque QPV suivi de ses secteurs, les "
        "arrondissements qui comptent un QPV et les réseaux REP/REP+ : les territoires auxquels "
        "une valeur d’indicateur peut s’appliquer.",
    ),
    retrieve=extend_schema(
        summary="Un territoire",
        description="Par son code (`qpv-goutte-dor`).",
        parameters=[
            cle_naturelle(
                "code", OpenApiTypes.STR, "Code du territoire.", "qpv-goutte-dor", "paris"
            )
        ],
    ),
)
class TerritoireViewSet(VueLectureAPI):
    queryset = Territoire.objects.all()
    serializer_class = TerritoireSerializer
    permission_classes = [LectureLibre]
    filterset_class = TerritoireFilter
    search_fields = ["code", "nom"]
    lookup_field = "code"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    tri = ("ordre", "code")
    nom_export = "territoires"
    colonnes_export = [
        Colonne("Code", "code"),
        Colonne("Nom", "nom"),
        Colonne("Niveau", "type_libelle"),
        Colonne("Quartier", "quartier.slug"),
        Colonne("Secteur", "secteur.slug"),
        Colonne("Arrondissement", "arrondissement", "nombre"),
    ]

    def charger(self, queryset):
        return queryset.select_related("quartier", "secteur", "arrondissement")
