"""`/api/v1/campagnes/` (avec un compte) : les campagnes annuelles de saisie et leur état
aujourd'hui ; une valeur ne se saisit que pendant la campagne ouverte de son année. Le SPV
retrouve les mêmes filtres sur la page des campagnes."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import serializers

from indicateurs.filters import ETATS_CAMPAGNE, CampagneFilter
from indicateurs.models import Campagne
from socle.api.rendus import Colonne
from socle.api.schema import cle_naturelle
from socle.api.serialiseurs import Adresse, SerialiseurModele, libelle_de
from socle.api.vues import VueLectureAPI


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Campagne ouverte",
            value={
                "annee": 2025,
                "url": "https://exemple.paris.fr/api/v1/campagnes/2025/",
                "date_ouverture": "2026-01-15",
                "date_cloture": "2026-03-31",
                "statut": "ouverte",
                "statut_libelle": "Ouverte",
                "etat": "ouverte",
                "etat_libelle": "Ouverte",
                "ouverte": True,
                "motif_verrouillage": None,
            },
            response_only=True,
        )
    ]
)
class CampagneSerializer(SerialiseurModele):
    url = Adresse(
        view_name="api:campagne-detail", lookup_field="annee", help_text="Adresse dans l’API."
    )
    statut_libelle = libelle_de("statut")
    etat = serializers.SerializerMethodField(
        help_text="État aujourd’hui : « a_venir » (avant l’ouverture), « ouverte », "
        "« cloturee » (clôturée par le SPV ou date de clôture passée)."
    )
    etat_libelle = serializers.CharField(read_only=True, help_text="Libellé de l’état.")
    ouverte = serializers.BooleanField(
        source="est_ouverte",
        read_only=True,
        help_text="Vrai si la campagne accepte les saisies aujourd’hui.",
    )
    motif_verrouillage = serializers.SerializerMethodField(
        help_text="Pourquoi les valeurs de l’année ne peuvent pas être saisies ; null si la "
        "campagne est ouverte."
    )

    class Meta:
        model = Campagne
        fields = [
            "annee",
            "url",
            "date_ouverture",
            "date_cloture",
            "statut",
            "statut_libelle",
            "etat",
            "etat_libelle",
            "ouverte",
            "motif_verrouillage",
            "modifie_le",
        ]
        extra_kwargs = {
            "annee": {"help_text": "L’année des valeurs saisies (clé naturelle)."},
            "statut": {"help_text": "« ouverte » tant que le SPV ne l’a pas clôturée."},
        }

    @extend_schema_field(
        {"type": "string", "enum": [e for e, _ in ETATS_CAMPAGNE], "description": "État."}
    )
    def get_etat(self, campagne):
        return campagne.etat()

    @extend_schema_field({"type": "string", "nullable": True})
    def get_motif_verrouillage(self, campagne):
        return campagne.motif_verrouillage()


@extend_schema_view(
    list=extend_schema(
        summary="Liste des campagnes",
        description="Les campagnes annuelles de saisie, la plus récente d’abord. Une valeur ne "
        "se saisit que pendant la campagne ouverte de son année.",
    ),
    retrieve=extend_schema(
        summary="Une campagne",
        description="Par son année.",
        parameters=[cle_naturelle("annee", OpenApiTypes.INT, "Année de la campagne.", 2025)],
    ),
)
class CampagneViewSet(VueLectureAPI):
    queryset = Campagne.objects.all()
    serializer_class = CampagneSerializer
    filterset_class = CampagneFilter
    lookup_field = "annee"
    lookup_value_regex = "[0-9]{4}"
    tri = ("-annee",)
    nom_export = "campagnes"
    colonnes_export = [
        Colonne("Année", "annee", "nombre"),
        Colonne("Ouverture", "date_ouverture", "date"),
        Colonne("Clôture", "date_cloture", "date"),
        Colonne("État", "etat_libelle"),
    ]
