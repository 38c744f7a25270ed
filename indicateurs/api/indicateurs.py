"""`/api/v1/indicateurs/` (lecture libre) : la définition et les métadonnées de chaque
indicateur (producteur, niveaux attendus, cible…), filtrables comme la page du référentiel."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import serializers

from engagements.api import SignataireCourtSerializer
from engagements.models import Engagement
from indicateurs.filters import IndicateurFilter
from indicateurs.models import Indicateur
from socle.api.permissions import LectureLibre
from socle.api.rendus import Colonne
from socle.api.schema import cle_naturelle
from socle.api.serialiseurs import Adresse, SerialiseurModele, libelle_de
from socle.api.vues import VueLectureAPI


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
                "du_contrat": True,
                "ordre": 2,
                "nature": "contexte",
                "nature_libelle": "Contexte",
                "unite": "nombre",
                "unite_libelle": "Nombre",
                "producteur": {
                    "slug": "caisse-dallocations-familiales",
                    "nom": "Caisse d’allocations familiales de Paris",
                },
                "niveaux": ["paris", "ensemble_qpv", "qpv"],
                "niveaux_libelles": [
                    "Paris",
                    "Ensemble des QPV parisiens",
                    "Quartier prioritaire",
                ],
                "definition": "Allocataires d’au moins une prestation au 31 décembre.",
                "methode": "",
                "cible_valeur": None,
                "cible_annee": None,
            },
            response_only=True,
        )
    ]
)
class IndicateurSerializer(SerialiseurModele):
    url = Adresse(
        view_name="api:indicateur-detail", lookup_field="code", help_text="Adresse dans l’API."
    )
    engagement = EngagementCourtSerializer(read_only=True, allow_null=True)
    du_contrat = serializers.BooleanField(
        source="est_du_contrat",
        read_only=True,
        help_text="Vrai pour une puce « Les indicateurs à suivre » du contrat ; faux pour un "
        "indicateur de contexte ajouté par le portail (`CTX-…`).",
    )
    nature_libelle = libelle_de("nature")
    unite_libelle = libelle_de("unite")
    producteur = SignataireCourtSerializer(
        read_only=True,
        allow_null=True,
        help_text="L’organisation signataire qui produit les valeurs et peut les saisir ; "
        "null tant que le SPV ne l’a pas désignée.",
    )
    niveaux = serializers.ListField(
        child=serializers.CharField(),
        source="niveaux_attendus",
        read_only=True,
        help_text="Niveaux territoriaux pour lesquels une valeur est attendue chaque année "
        "(`paris`, `ensemble_qpv`, `qpv`, `secteur`, `arrondissement`, `rep`, `rep_plus`) : "
        "ceux renseignés par le SPV, sinon Paris, l’ensemble des QPV et chaque QPV.",
    )
    niveaux_libelles = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Libellés des niveaux attendus."
    )

    class Meta:
        model = Indicateur
        fields = [
            "id",
            "url",
            "code",
            "libelle",
            "engagement",
            "du_contrat",
            "ordre",
            "nature",
            "nature_libelle",
            "unite",
            "unite_libelle",
            "producteur",
            "niveaux",
            "niveaux_libelles",
            "definition",
            "methode",
            "cible_valeur",
            "cible_annee",
            "modifie_le",
        ]
        extra_kwargs = {
            "code": {"help_text": "Code stable : `E05-2` = engagement 5, 2e indicateur."},
            "libelle": {"help_text": "Libellé tel qu’écrit dans le contrat."},
            "nature": {
                "help_text": "« suivi » (déploiement d’un dispositif) ou « contexte » "
                "(évolution du territoire) ; vide si non qualifié."
            },
            "cible_valeur": {"help_text": "Valeur cible, avec son année ; null sans cible."},
        }


@extend_schema_view(
    list=extend_schema(
        summary="Liste des indicateurs",
        description="Chaque indicateur à suivre des engagements, avec son code stable, son "
        "producteur et ses métadonnées ; puis les indicateurs de contexte (`CTX-…`) qui "
        "portent les chiffres clés des fiches quartiers. Le contrat en annonce 94 ; ses "
        "engagements en listent davantage, tous gardés.",
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
        Colonne("Producteur", "producteur.nom"),
        Colonne("Niveaux attendus", "niveaux_libelles"),
        Colonne("Définition", "definition"),
        Colonne("Méthode de calcul", "methode"),
        Colonne("Valeur cible", "cible_valeur", "nombre"),
        Colonne("Année de la cible", "cible_annee", "nombre"),
    ]

    def charger(self, queryset):
        return queryset.select_related("engagement__thematique", "producteur")
