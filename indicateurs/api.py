"""API du référentiel d'évaluation : la définition des indicateurs (lecture libre).

Le second volet y ajoutera les valeurs, les territoires et les campagnes (ROUTES)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import serializers

from contratville.api.permissions import LectureLibre
from contratville.api.rendus import Colonne
from contratville.api.schema import cle_naturelle
from contratville.api.serialiseurs import SerialiseurModele, libelle_de
from contratville.api.vues import VueLectureAPI
from engagements.models import Engagement
from indicateurs.filters import IndicateurFilter
from indicateurs.models import Indicateur


class EngagementCourtSerializer(SerialiseurModele):
    thematique = serializers.IntegerField(
        source="thematique.numero", read_only=True, help_text="Numéro de la thématique."
    )

    class Meta:
        model = Engagement
        fields = ["numero", "titre", "thematique"]


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "E05-2",
            value={
                "id": 18,
                "url": "https://exemple.paris.fr/api/v1/indicateurs/E05-2/",
                "code": "E05-2",
                "libelle": "Nombre d’allocataires de la Caf en quartiers prioritaires et à Paris",
                "engagement": {
                    "numero": 5,
                    "titre": "Favoriser l’accès aux droits et lutter contre le non-recours",
                    "thematique": 1,
                },
                "ordre": 2,
                "nature": "contexte",
                "nature_libelle": "Contexte",
                "unite": "nombre",
                "unite_libelle": "Nombre",
            },
            response_only=True,
        )
    ]
)
class IndicateurSerializer(SerialiseurModele):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:indicateur-detail", lookup_field="code", help_text="Adresse dans l’API."
    )
    engagement = EngagementCourtSerializer(read_only=True, allow_null=True)
    nature_libelle = libelle_de("nature")
    unite_libelle = libelle_de("unite")

    class Meta:
        model = Indicateur
        fields = [
            "id",
            "url",
            "code",
            "libelle",
            "engagement",
            "ordre",
            "nature",
            "nature_libelle",
            "unite",
            "unite_libelle",
        ]
        extra_kwargs = {
            "code": {"help_text": "Code stable : `E05-2` = engagement 5, 2e indicateur."},
            "libelle": {"help_text": "Libellé tel qu’écrit dans le contrat."},
            "nature": {
                "help_text": "« suivi » (déploiement d’un dispositif) ou « contexte » "
                "(évolution du territoire) ; vide si non qualifié."
            },
        }


@extend_schema_view(
    list=extend_schema(
        summary="Liste des indicateurs",
        description="Chaque indicateur à suivre des engagements, avec son code stable. Le "
        "contrat en annonce 94 ; ses engagements en listent davantage, tous gardés.",
    ),
    retrieve=extend_schema(
        summary="Un indicateur",
        description="Par son code (`E05-2`).",
        parameters=[cle_naturelle("code", OpenApiTypes.STR, "Code de l’indicateur.", "E05-2")],
    ),
)
class IndicateurViewSet(VueLectureAPI):
    queryset = Indicateur.objects.all()
    serializer_class = IndicateurSerializer
    permission_classes = [LectureLibre]
    filterset_class = IndicateurFilter
    search_fields = ["code", "libelle"]
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    tri = ("engagement__numero", "ordre", "code")
    nom_export = "indicateurs"
    colonnes_export = [
        Colonne("Code", "code"),
        Colonne("Libellé", "libelle"),
        Colonne("Engagement", "engagement.numero", "nombre"),
        Colonne("Thématique", "engagement.thematique", "nombre"),
        Colonne("Nature", "nature_libelle"),
        Colonne("Unité", "unite_libelle"),
    ]

    def charger(self, queryset):
        return queryset.select_related("engagement__thematique")


ROUTES = [("indicateurs", IndicateurViewSet, "indicateur")]
