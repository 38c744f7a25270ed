"""API des projets structurants des fiches quartiers (/api/v1/projets/). Lecture libre,
aucune écriture.

La ressource vit ici, dans l'app du territoire, parce que son filtre (territoire/filters.py,
le même que la liste de suivi /quartiers/projets/ et son export) lit l'engagement servi par
un projet, à travers `structures.PortageProjet` : quartiers ne peut pas importer structures.
L'adresse et le JSON sont ceux d'avant le déplacement.

Le suivi daté des projets (`SuiviProjet` : étapes, commentaires, auteurs) n'est donné qu'aux
comptes qui le lisent dans le portail (`roles.peut_voir_suivi_projets` : SPV et délégués du
Préfet) ; pour les autres, `dernier_suivi` et `suivi` valent null."""

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import serializers

from quartiers.api import QuartierCourtSerializer, SecteurCourtSerializer
from quartiers.models import ProjetStructurant, SuiviProjet
from socle import roles
from socle.api.permissions import LectureLibre
from socle.api.rendus import Colonne
from socle.api.schema import cle_naturelle
from socle.api.serialiseurs import Adresse, SerialiseurModele, libelle_de, slugs_lies
from socle.api.vues import VueLectureAPI
from territoire.filters import ProjetFilter

EXEMPLE_PROJET = {
    "id": 120,
    "url": "https://exemple.paris.fr/api/v1/projets/120/",
    "quartier": {"slug": "petit-belleville", "nom": "Petit Belleville"},
    "secteur": None,
    "arrondissements": [11],
    "ordre": 2,
    "nom": "Centre social",
    "descriptif": "Accueil des habitants, accompagnement à la scolarité…",
    "adresse": "73 boulevard de Belleville, 75011 Paris",
    "cartographiable": True,
    "statut": "en_cours",
    "statut_libelle": "En cours",
    "statut_brut": "A venir",
    "annee_echeance": 2027,
    "echeance_depassee": False,
    "dernier_suivi": {
        "date": "2026-01-12",
        "statut": "en_cours",
        "statut_libelle": "En cours",
        "commentaire": "Permis de construire accordé ; travaux au printemps.",
        "auteur": "Délégué du Préfet (18e)",
    },
    "suivi": [
        {
            "date": "2026-01-12",
            "statut": "en_cours",
            "statut_libelle": "En cours",
            "commentaire": "Permis de construire accordé ; travaux au printemps.",
            "auteur": "Délégué du Préfet (18e)",
        }
    ],
}


class SuiviProjetSerializer(SerialiseurModele):
    """Une étape datée du suivi d'un projet structurant."""

    # Texte simple (et non énumération) : les choix sont ceux du `statut` du projet.
    statut = serializers.CharField(read_only=True, help_text="Statut constaté à cette date.")
    statut_libelle = libelle_de("statut")
    auteur = serializers.SerializerMethodField(
        help_text="Nom de l’auteur (agent du SPV ou délégué du Préfet)."
    )

    class Meta:
        model = SuiviProjet
        fields = ["date", "statut", "statut_libelle", "commentaire", "auteur"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_auteur(self, suivi):
        auteur = suivi.auteur
        return (auteur.get_full_name() or auteur.username) if auteur else None


@extend_schema_serializer(
    examples=[OpenApiExample("Projet suivi", value=EXEMPLE_PROJET, response_only=True)]
)
class ProjetSerializer(SerialiseurModele):
    url = Adresse(view_name="api:projet-detail", help_text="Adresse dans l’API.")
    quartier = QuartierCourtSerializer(read_only=True)
    secteur = SecteurCourtSerializer(read_only=True, allow_null=True)
    arrondissements = slugs_lies(
        source="quartier.arrondissements",
        read_only=True,
        slug_field="numero",
        help_text="Arrondissements du quartier.",
    )
    statut_libelle = libelle_de("statut")
    echeance_depassee = serializers.BooleanField(
        source="echeance_est_depassee",
        read_only=True,
        help_text="Année d’échéance passée sans que le projet soit réalisé.",
    )
    dernier_suivi = serializers.SerializerMethodField(
        help_text="La dernière étape du suivi ; null sans suivi, ou pour un compte qui ne lit "
        "pas le suivi (seuls le SPV et les délégués du Préfet le lisent)."
    )
    suivi = serializers.SerializerMethodField(
        help_text="Toutes les étapes du suivi, la plus récente d’abord ; null pour un compte "
        "qui ne lit pas le suivi."
    )

    class Meta:
        model = ProjetStructurant
        fields = [
            "id",
            "url",
            "quartier",
            "secteur",
            "arrondissements",
            "ordre",
            "nom",
            "descriptif",
            "adresse",
            "cartographiable",
            "statut",
            "statut_libelle",
            "statut_brut",
            "annee_echeance",
            "echeance_depassee",
            "dernier_suivi",
            "suivi",
            "modifie_le",
        ]
        extra_kwargs = {
            "statut": {"help_text": "Statut normalisé, mis à jour par le suivi."},
            "statut_brut": {"help_text": "Statut tel qu’imprimé dans la fiche."},
        }

    def _suivis(self, projet):
        """Les étapes préchargées par la vue (`suivis_lus`), ou None si le compte ne lit pas
        le suivi (la vue ne les charge alors pas)."""
        return getattr(projet, "suivis_lus", None)

    @extend_schema_field(SuiviProjetSerializer(allow_null=True))
    def get_dernier_suivi(self, projet):
        suivis = self._suivis(projet)
        return SuiviProjetSerializer(suivis[0]).data if suivis else None

    @extend_schema_field(SuiviProjetSerializer(many=True, allow_null=True))
    def get_suivi(self, projet):
        suivis = self._suivis(projet)
        return None if suivis is None else SuiviProjetSerializer(suivis, many=True).data


@extend_schema_view(
    list=extend_schema(
        summary="Liste des projets structurants",
        description="Les projets des fiches quartiers, filtrables comme la liste de suivi "
        "du portail (/quartiers/projets/) : quartier, secteur, arrondissement, statut "
        "normalisé, engagement servi, année d’échéance, échéance dépassée, cartographiable.",
    ),
    retrieve=extend_schema(
        summary="Un projet structurant",
        description="Par son identifiant.",
        parameters=[cle_naturelle("id", OpenApiTypes.INT, "Identifiant du projet.", 1)],
    ),
)
class ProjetViewSet(VueLectureAPI):
    queryset = ProjetStructurant.objects.all()
    serializer_class = ProjetSerializer
    permission_classes = [LectureLibre]
    filterset_class = ProjetFilter
    search_fields = ["nom", "descriptif", "adresse"]
    lookup_value_regex = "[0-9]+"
    tri = ("quartier__ordre", "quartier__nom", "ordre", "pk")
    nom_export = "projets"
    colonnes_export = [
        Colonne("Identifiant", "id", "nombre"),
        Colonne("Quartier", "quartier.nom"),
        Colonne("Secteur", "secteur.nom"),
        Colonne("Arrondissements", "arrondissements[]"),
        Colonne("Nom du projet", "nom"),
        Colonne("Descriptif", "descriptif"),
        Colonne("Adresse", "adresse"),
        Colonne("Cartographiable", "cartographiable"),
        Colonne("Statut", "statut_libelle"),
        Colonne("Statut imprimé", "statut_brut"),
        Colonne("Année d’échéance", "annee_echeance", "nombre"),
        Colonne("Échéance dépassée", "echeance_depassee"),
        Colonne("Dernier suivi (date)", "dernier_suivi.date", "date"),
        Colonne("Dernier suivi (commentaire)", "dernier_suivi.commentaire"),
    ]

    def charger(self, queryset):
        queryset = queryset.select_related("quartier", "secteur").prefetch_related(
            "quartier__arrondissements"
        )
        if roles.peut_voir_suivi_projets(self.request.user):
            # Tout le suivi en une requête, la plus récente d'abord (dernier_suivi = [0]).
            suivis = SuiviProjet.objects.select_related("auteur").order_by("-date", "-pk")
            queryset = queryset.prefetch_related(
                Prefetch("suivis", queryset=suivis, to_attr="suivis_lus")
            )
        return queryset


ROUTES = [
    ("projets", ProjetViewSet, "projet"),
]
