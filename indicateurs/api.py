"""API du référentiel d'évaluation et de sa campagne annuelle.

- `indicateurs` (lecture libre) : définition et métadonnées (producteur, niveaux, cible…) ;
- `territoires` (lecture libre) : là où une valeur s'applique (`qpv-goutte-dor`, `paris`…) ;
- `campagnes` (avec un compte) : les années de saisie et leur état ;
- `valeurs` (avec un compte ; visibilité `Valeur.objects.for_user`) : lecture, création,
  modification sous If-Match, circuit (soumettre, valider, renvoyer) et envoi groupé `bulk`.

Les écritures passent par le code de la grille de saisie et de l'import, sans rien recoder :
`LigneSaisieForm` (valeur requise selon l'unité, valeur atypique à expliquer),
`Valeur.motif_refus_saisie` / `motif_refus_transition` (organisation, campagne, valeur
validée), `saisie.enregistrer_valeur` (verrou, version, unités, historique) et les
transitions du modèle. L'API ne fait que traduire leurs refus en réponses HTTP au `code`
stable (`code_du_refus`)."""

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass, field

import django_filters
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from simple_history.signals import pre_create_historical_record

from engagements.api import SignataireCourtSerializer
from engagements.models import Engagement, Signataire
from indicateurs.filters import IndicateurFilter, ValeurFilter
from indicateurs.forms import LigneSaisieForm
from indicateurs.models import (
    ANNEE_MAX,
    ANNEE_MIN,
    Campagne,
    ConflitDeVersion,
    Indicateur,
    Territoire,
    Valeur,
    transition_en_masse,
)
from indicateurs.saisie import CHAMPS_SAISIS, enregistrer_valeur, plage_observee
from quartiers.api import QuartierCourtSerializer, SecteurCourtSerializer
from quartiers.models import Arrondissement, Quartier
from socle import roles
from socle.api.concurrence import (
    ETagMixin,
    etag,
    reessayer_si_concurrence,
    verifier_if_match,
    verrouiller_cles,
)
from socle.api.erreurs import (
    Conflit,
    LotInvalide,
    LotPerime,
    PreconditionEchouee,
    Refus,
)
from socle.api.permissions import Connecte, LectureLibre, selon_regle
from socle.api.rendus import Colonne
from socle.api.schema import (
    ENTETE_ETAG,
    ErreurAPISerializer,
    cle_naturelle,
    entete_if_match,
    exemple_erreur,
)
from socle.api.serialiseurs import Serialiseur, SerialiseurModele, libelle_de
from socle.api.vues import VueLectureAPI
from socle.circuits import ActionRefusee

# Envoi groupé : éléments au plus par requête, et taille du corps (octets).
MAX_ELEMENTS_ENVOI = 1000
TAILLE_MAX_ENVOI = 5 * 1024 * 1024

# --- indicateurs ----------------------------------------------------------------------------


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
                "producteur": {"id": 7, "nom": "Caisse d’allocations familiales de Paris"},
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
    url = serializers.HyperlinkedIdentityField(
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


class IndicateurFilterAPI(IndicateurFilter):
    """Le filtre des indicateurs de la page, plus le producteur (identifiant du signataire)."""

    producteur = django_filters.ModelChoiceFilter(
        queryset=Signataire.objects.all(), label="Producteur (identifiant du signataire)"
    )

    class Meta(IndicateurFilter.Meta):
        fields = [*IndicateurFilter.Meta.fields, "producteur"]


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
    filterset_class = IndicateurFilterAPI
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


# --- territoires ------------------------------------------------------------------------------


class TerritoireFilter(django_filters.FilterSet):
    """Les territoires par niveau, par QPV (le QPV et ses secteurs) ou par arrondissement."""

    type = django_filters.ChoiceFilter(choices=Territoire.Type.choices, label="Niveau")
    quartier = django_filters.ModelChoiceFilter(
        to_field_name="slug",
        queryset=Quartier.objects.all(),
        label="Quartier (identifiant) : le QPV et ses secteurs",
    )
    arrondissement = django_filters.ModelChoiceFilter(
        to_field_name="numero",
        queryset=Arrondissement.objects.all(),
        label="Arrondissement (numéro)",
    )

    class Meta:
        model = Territoire
        fields = ["type", "quartier", "arrondissement"]


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
    url = serializers.HyperlinkedIdentityField(
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


# --- campagnes --------------------------------------------------------------------------------

ETATS_CAMPAGNE = [("a_venir", "À venir"), ("ouverte", "Ouverte"), ("cloturee", "Clôturée")]


class CampagneFilter(django_filters.FilterSet):
    """État à la date du jour (à venir, ouverte, clôturée) et bornes d'années."""

    etat = django_filters.ChoiceFilter(
        choices=ETATS_CAMPAGNE, method="filtrer_etat", label="État aujourd’hui"
    )
    annee_min = django_filters.NumberFilter(
        field_name="annee", lookup_expr="gte", label="Année minimale"
    )
    annee_max = django_filters.NumberFilter(
        field_name="annee", lookup_expr="lte", label="Année maximale"
    )

    class Meta:
        model = Campagne
        fields = ["etat", "annee_min", "annee_max"]

    def filtrer_etat(self, queryset, name, value):
        jour = timezone.localdate()
        close = Q(statut=Campagne.Statut.CLOTUREE) | Q(date_cloture__lt=jour)
        if value == "cloturee":
            return queryset.filter(close)
        if value == "ouverte":
            return queryset.exclude(close).filter(date_ouverture__lte=jour)
        return queryset.exclude(close).filter(date_ouverture__gt=jour)


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
    url = serializers.HyperlinkedIdentityField(
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

    @extend_schema_field(OpenApiTypes.STR)
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


# --- valeurs : lecture ------------------------------------------------------------------------


class IndicateurDeValeurSerializer(SerialiseurModele):
    engagement = serializers.IntegerField(
        source="engagement.numero",
        read_only=True,
        allow_null=True,
        help_text="Numéro de l’engagement ; null pour un indicateur de contexte.",
    )
    unite_libelle = libelle_de("unite")

    class Meta:
        model = Indicateur
        fields = ["code", "libelle", "unite", "unite_libelle", "engagement"]


class TerritoireDeValeurSerializer(SerialiseurModele):
    niveau = serializers.CharField(
        source="type", read_only=True, help_text="Niveau du territoire (`qpv`, `paris`…)."
    )

    class Meta:
        model = Territoire
        fields = ["code", "nom", "niveau"]


EXEMPLE_VALEUR = {
    "id": 412,
    "url": "https://exemple.paris.fr/api/v1/valeurs/412/",
    "etag": '"412-3"',
    "indicateur": {
        "code": "E28-2",
        "libelle": "Nombre de familles accompagnées",
        "unite": "nombre",
        "unite_libelle": "Nombre",
        "engagement": 28,
    },
    "territoire": {"code": "qpv-goutte-dor", "nom": "Goutte d’Or", "niveau": "qpv"},
    "annee": 2025,
    "valeur": "120.00",
    "nombre": None,
    "base": None,
    "affichage": "120",
    "source": "Caf de Paris, fichier allocataires au 31/12/2025",
    "commentaire": "",
    "producteur": {"id": 7, "nom": "Caisse d’allocations familiales de Paris"},
    "statut": "soumis",
    "statut_libelle": "Soumise",
    "motif_renvoi": "",
    "origine": "import",
    "origine_libelle": "Import de tableur",
    "demo": False,
    "version": 3,
    "saisi_le": "2026-02-03T10:12:00+01:00",
    "soumis_le": "2026-02-03T10:15:00+01:00",
    "valide_le": None,
    "renvoye_le": None,
}


@extend_schema_serializer(
    examples=[OpenApiExample("Valeur soumise", value=EXEMPLE_VALEUR, response_only=True)]
)
class ValeurSerializer(SerialiseurModele):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:valeur-detail", help_text="Adresse dans l’API."
    )
    etag = serializers.SerializerMethodField(
        help_text="L’ETag de cette version, à renvoyer dans `If-Match` pour la modifier."
    )
    indicateur = IndicateurDeValeurSerializer(read_only=True)
    territoire = TerritoireDeValeurSerializer(read_only=True)
    affichage = serializers.CharField(
        read_only=True, help_text="La valeur telle qu’on la lit (« 16 % », « 12 / 40 (30 %) »)."
    )
    producteur = SignataireCourtSerializer(
        read_only=True, allow_null=True, help_text="L’organisation qui produit la valeur."
    )
    statut_libelle = libelle_de("statut")
    origine_libelle = libelle_de("origine")

    class Meta:
        model = Valeur
        fields = [
            "id",
            "url",
            "etag",
            "indicateur",
            "territoire",
            "annee",
            "valeur",
            "nombre",
            "base",
            "affichage",
            "source",
            "commentaire",
            "producteur",
            "statut",
            "statut_libelle",
            "motif_renvoi",
            "origine",
            "origine_libelle",
            "demo",
            "version",
            "saisi_le",
            "soumis_le",
            "valide_le",
            "renvoye_le",
        ]
        extra_kwargs = {
            "valeur": {
                "help_text": "La valeur ; pour un indicateur « nombre et part », la part "
                "calculée (en %)."
            },
            "nombre": {"help_text": "« Nombre et part » seulement : le nombre saisi."},
            "base": {
                "help_text": "« Nombre et part » seulement : la base, le total dont le nombre "
                "est une part."
            },
            "statut": {
                "help_text": "Circuit : brouillon → soumis → valide, ou renvoye (avec un motif)."
            },
            "demo": {
                "help_text": "Vrai pour une valeur synthétique de démonstration : jamais une "
                "donnée réelle."
            },
            "version": {"help_text": "Incrémentée à chaque écriture (voir `etag`)."},
        }

    @extend_schema_field(OpenApiTypes.STR)
    def get_etag(self, valeur):
        return etag(valeur)


class ValeurFilterAPI(ValeurFilter):
    """Le filtre de la liste des valeurs du portail, plus le QPV (le QPV et ses secteurs) et
    une plage d'années."""

    quartier = django_filters.ModelChoiceFilter(
        field_name="territoire__quartier",
        to_field_name="slug",
        queryset=Quartier.objects.all(),
        label="Quartier (identifiant) : valeurs du QPV et de ses secteurs",
    )
    annee_min = django_filters.NumberFilter(
        field_name="annee", lookup_expr="gte", label="Année minimale (incluse)"
    )
    annee_max = django_filters.NumberFilter(
        field_name="annee", lookup_expr="lte", label="Année maximale (incluse)"
    )

    class Meta(ValeurFilter.Meta):
        fields = [*ValeurFilter.Meta.fields, "quartier", "annee_min", "annee_max"]


# --- valeurs : écriture ------------------------------------------------------------------------


class CodeField(serializers.CharField):
    """Un code (indicateur, territoire) → l'objet. Lu dans l'index préchargé du contexte
    quand il y en a un (envoi groupé : deux requêtes pour tout le lot), sinon en base."""

    def __init__(self, modele, nom, **kwargs):
        self.modele, self.nom = modele, nom
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        code = super().to_internal_value(data).strip()
        if "\x00" in code:
            raise serializers.ValidationError("Les caractères nuls ne sont pas autorisés.")
        index = self.context.get(f"index_{self.nom}")
        if index is not None:
            objet = index.get(code)
        else:
            objet = self.modele.objects.filter(code=code).first()
        if objet is None:
            raise serializers.ValidationError(f"Code {self.nom} inconnu : « {code} ».")
        return objet


class SaisieSerializer(Serialiseur):
    """Ce qui se saisit d'une valeur, comme dans la grille : la valeur, ou le nombre et la base
    pour un indicateur « nombre et part » (la part est calculée), la source et un
    commentaire (obligatoire pour une valeur atypique)."""

    valeur = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        allow_null=True,
        coerce_to_string=False,
        help_text="La valeur (nombre entier positif pour un « nombre », entre 0 et 100 pour "
        "une part ou un taux). Jamais pour un indicateur « nombre et part ».",
    )
    nombre = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        help_text="« Nombre et part » seulement : le nombre (entier positif ou nul).",
    )
    base = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="« Nombre et part » seulement : la base, le total dont le nombre est une part.",
    )
    source = serializers.CharField(
        required=False, allow_blank=True, max_length=500, help_text="La source de la donnée."
    )
    commentaire = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="Commentaire ; obligatoire pour expliquer une valeur atypique (écart de plus "
        "de ±50 % avec l’année précédente, ou hors de la plage des années précédentes).",
    )


class CleDeValeurSerializer(Serialiseur):
    """La clé naturelle d'une valeur : indicateur × territoire × année."""

    indicateur = CodeField(Indicateur, "indicateur", help_text="Code de l’indicateur (`E28-2`).")
    territoire = CodeField(
        Territoire, "territoire", help_text="Code du territoire (`qpv-goutte-dor`)."
    )
    annee = serializers.IntegerField(
        min_value=ANNEE_MIN, max_value=ANNEE_MAX, help_text="Année de la valeur."
    )


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Un nombre",
            value={
                "indicateur": "E28-2",
                "territoire": "qpv-goutte-dor",
                "annee": 2025,
                "valeur": 120,
                "source": "Caf de Paris, fichier allocataires au 31/12/2025",
            },
            request_only=True,
        ),
        OpenApiExample(
            "Un « nombre et part »",
            value={
                "indicateur": "E05-1",
                "territoire": "paris",
                "annee": 2025,
                "nombre": 1200,
                "base": 4000,
                "source": "Caf de Paris",
            },
            request_only=True,
        ),
    ]
)
class ValeurCreationSerializer(CleDeValeurSerializer, SaisieSerializer):
    """Une nouvelle valeur."""


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Corriger la valeur et expliquer l’écart",
            value={
                "valeur": 180,
                "commentaire": "Ouverture d’un nouveau point d’accueil en 2025.",
            },
            request_only=True,
        )
    ]
)
class ValeurModificationSerializer(SaisieSerializer):
    """Les champs modifiés (PATCH) ou tous les champs saisis (PUT) ; la clé de la valeur
    (indicateur, territoire, année) ne se modifie pas."""


class ElementEnvoiSerializer(CleDeValeurSerializer, SaisieSerializer):
    """Un élément d'un envoi groupé."""

    version = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        help_text="La version lue (champ `version` de la valeur). **Obligatoire pour modifier "
        "une valeur existante** : sans elle, l’élément est refusé (400, erreur sur "
        "`version`). Absente ou 0 pour créer une valeur qui ne doit pas encore exister. Si la "
        "valeur a changé depuis la lecture (ou a été créée entre-temps), l’élément est refusé "
        "(412) : jamais d’écrasement silencieux.",
    )


EXEMPLE_ENVOI = {
    "soumettre": False,
    "valeurs": [
        {
            "indicateur": "E28-2",
            "territoire": "qpv-goutte-dor",
            "annee": 2025,
            "valeur": 120,
            "source": "Caf de Paris",
        },
        {
            "indicateur": "E28-2",
            "territoire": "paris",
            "annee": 2025,
            "valeur": 5400,
            "source": "Caf de Paris",
            "version": 2,
        },
        {
            "indicateur": "E05-1",
            "territoire": "ensemble-qpv",
            "annee": 2025,
            "nombre": 1200,
            "base": 4000,
            "source": "Caf de Paris",
        },
    ],
}


@extend_schema_serializer(
    examples=[OpenApiExample("Trois valeurs", value=EXEMPLE_ENVOI, request_only=True)]
)
class EnvoiGroupeSerializer(Serialiseur):
    """Le corps d'un envoi groupé (documentation ; chaque élément est contrôlé à part pour
    rapporter ses erreurs sous son indice)."""

    valeurs = ElementEnvoiSerializer(
        many=True,
        help_text=f"Les valeurs à créer ou mettre à jour (1 à {MAX_ELEMENTS_ENVOI}), chacune "
        "désignée par son code d’indicateur, son code de territoire et son année ; une même "
        "valeur n’apparaît qu’une fois.",
    )
    soumettre = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Vrai : soumettre aussi au SPV les valeurs envoyées (brouillons et valeurs "
        "renvoyées), dans la même transaction.",
    )


class ResultatElementSerializer(Serialiseur):
    index = serializers.IntegerField(help_text="Position de l’élément dans la liste envoyée.")
    id = serializers.IntegerField(help_text="Identifiant de la valeur.")
    url = serializers.URLField(help_text="Adresse de la valeur dans l’API.")
    etag = serializers.CharField(help_text="Son ETag après l’écriture.")
    indicateur = serializers.CharField(help_text="Code de l’indicateur.")
    territoire = serializers.CharField(help_text="Code du territoire.")
    annee = serializers.IntegerField(help_text="Année.")
    resultat = serializers.ChoiceField(
        choices=[("creee", "Créée"), ("modifiee", "Modifiée"), ("inchangee", "Inchangée")],
        help_text="Ce que l’envoi a fait de la valeur.",
    )
    statut = serializers.CharField(help_text="Statut de la valeur après l’envoi.")
    version = serializers.IntegerField(help_text="Version de la valeur après l’envoi.")


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Envoi appliqué",
            value={
                "nombre": 1,
                "creees": 1,
                "modifiees": 0,
                "inchangees": 0,
                "soumises": 0,
                "valeurs": [
                    {
                        "index": 0,
                        "id": 412,
                        "url": "https://exemple.paris.fr/api/v1/valeurs/412/",
                        "etag": '"412-1"',
                        "indicateur": "E28-2",
                        "territoire": "qpv-goutte-dor",
                        "annee": 2025,
                        "resultat": "creee",
                        "statut": "brouillon",
                        "version": 1,
                    }
                ],
            },
            response_only=True,
        )
    ]
)
class RapportEnvoiSerializer(Serialiseur):
    nombre = serializers.IntegerField(help_text="Éléments reçus.")
    creees = serializers.IntegerField(help_text="Valeurs créées.")
    modifiees = serializers.IntegerField(help_text="Valeurs modifiées (remises en brouillon).")
    inchangees = serializers.IntegerField(help_text="Éléments identiques à la valeur existante.")
    soumises = serializers.IntegerField(help_text="Valeurs soumises au SPV (`soumettre`).")
    valeurs = ResultatElementSerializer(many=True, help_text="Une ligne par élément, dans l’ordre.")


class MotifSerializer(Serialiseur):
    motif = serializers.CharField(
        max_length=2000,
        allow_blank=True,
        help_text="Ce que le producteur doit vérifier ou corriger (obligatoire).",
    )


# Refus métier → code stable et champ auquel l'envoi groupé rattache l'erreur.
CHAMP_DU_REFUS = {
    "indicateur_non_produit": "indicateur",
    "campagne_fermee": "annee",
    "role_insuffisant": "general",
    "valeur_validee": "general",
    "transition_impossible": "general",
}


def code_du_refus(action, user, valeur, campagne):
    """Le code stable d'un refus que le modèle a motivé, en suivant l'ordre de ses contrôles
    (le droit, puis la campagne, puis l'état de la valeur) avec les mêmes règles."""
    if action in ("saisir", "submit"):
        if not roles.peut_saisir_valeur(user, valeur.indicateur):
            partenaire = roles.role_de(user) == roles.Role.PARTENAIRE
            return "indicateur_non_produit" if partenaire else "role_insuffisant"
    elif not {"valider": roles.peut_valider_valeur, "renvoyer": roles.peut_renvoyer_valeur}[action](
        user
    ):
        return "role_insuffisant"
    if Campagne.motif_verrouillage_annee(valeur.annee, campagne):
        return "campagne_fermee"
    if valeur.statut == Valeur.Statut.VALIDE:
        return "valeur_validee"
    return "transition_impossible"


class RefusDeSaisie(Exception):
    """Un refus motivé par le modèle, avec son code et son champ (pour l'envoi groupé)."""

    def __init__(self, message, code):
        super().__init__(message)
        self.message, self.code = message, code
        self.champ = CHAMP_DU_REFUS.get(code, "general")

    def pour_api(self):
        return Refus(self.message, self.code)


def erreurs_de(exc):
    """Les erreurs d'une ValidationError de Django, par champ (`general` pour le reste)."""
    if hasattr(exc, "error_dict"):
        return {
            ("general" if champ == NON_FIELD_ERRORS else champ): [str(m) for m in messages]
            for champ, messages in exc.message_dict.items()
        }
    return {"general": [str(m) for m in exc.messages]}


# L'historique d'une écriture par l'API dit d'où elle vient (la grille et l'import écrivent
# « Saisie dans la grille » / « Import de tableur »).
_raison_api = contextvars.ContextVar("raison_historique_api", default=None)
RAISONS_DE_SAISIE = {"Saisie dans la grille", "Import de tableur"}


@contextmanager
def raison_historique(raison):
    jeton = _raison_api.set(raison[:100])
    try:
        yield
    finally:
        _raison_api.reset(jeton)


@receiver(pre_create_historical_record, sender=Valeur.history.model)
def _raison_des_ecritures_api(sender, history_instance, **kwargs):
    raison = _raison_api.get()
    if raison is None:
        return
    if history_instance.history_change_reason in RAISONS_DE_SAISIE:
        history_instance.history_change_reason = raison
    else:  # une transition (« Valeur soumise »…) garde sa raison, précisée
        history_instance.history_change_reason = (
            f"{history_instance.history_change_reason} (API)"
        )[:100]


def raison_pour(request, quoi):
    """« API, envoi groupé (jeton « SI Caf ») » : la raison d'historique d'une écriture."""
    jeton = getattr(request.auth, "nom", None)
    par = f" (jeton « {jeton} »)" if jeton else " (session)"
    return f"API, {quoi}{par}"


@dataclass
class ContexteEcriture:
    """Ce qu'une ou plusieurs écritures partagent : l'auteur, l'origine, et les campagnes,
    plages observées et valeurs de l'année précédente (chargées une fois par lot)."""

    user: object
    origine: str
    campagnes: dict = field(default_factory=dict)
    plages: dict = field(default_factory=dict)
    precedentes: dict | None = None

    def campagne(self, annee):
        if annee not in self.campagnes:
            self.campagnes[annee] = Campagne.objects.filter(annee=annee).first()
        return self.campagnes[annee]

    def plage(self, indicateur, annee):
        cle = (indicateur.pk, annee)
        if cle not in self.plages:
            self.plages[cle] = plage_observee(indicateur, annee)
        return self.plages[cle]

    def precedente(self, indicateur, territoire, annee):
        """La valeur de l'année précédente que l'auteur voit (comme la grille)."""
        cle = (indicateur.pk, territoire.pk, annee - 1)
        if self.precedentes is None:
            precedente = (
                Valeur.objects.for_user(self.user)
                .filter(indicateur=indicateur, territoire=territoire, annee=annee - 1)
                .values_list("valeur", flat=True)
                .first()
            )
            return precedente
        return self.precedentes.get(cle)

    def refuser(self, action, valeur, campagne, message):
        return RefusDeSaisie(message, code_du_refus(action, self.user, valeur, campagne))


def verifier_unites(indicateur, saisie):
    """Les champs envoyés correspondent à l'unité de l'indicateur (la grille n'affiche que les
    bons champs ; l'API dit pourquoi elle refuse les autres plutôt que de les ignorer)."""
    if indicateur.est_nombre_part:
        if saisie.get("valeur") is not None:
            raise ValidationError(
                {
                    "valeur": f"{indicateur.code} est un indicateur « nombre et part » : la part "
                    "est calculée ; envoyez « nombre » et « base », sans « valeur »."
                }
            )
        return
    erreurs = {
        champ: "Le nombre et la base ne se saisissent que pour un indicateur « nombre et "
        "part » ; renseignez la valeur."
        for champ in ("nombre", "base")
        if saisie.get(champ) is not None
    }
    if erreurs:
        raise ValidationError(erreurs)


# Un élément d'envoi groupé qui modifie une valeur existante sans en donner la version lue.
VERSION_REQUISE = object()


def ecrire_valeur(ctx, indicateur, territoire, annee, saisie, version, existante=None):
    """Contrôle puis enregistre une valeur, avec les règles de la grille de saisie.

    `saisie` : valeur, nombre, base, source, commentaire (absents : vides). `version` : celle
    que le client a lue (0 : aucune valeur ; None : pas de contrôle ; VERSION_REQUISE : refus,
    après le contrôle du droit d'écrire). Lève RefusDeSaisie
    (organisation, campagne, valeur validée), ValidationError (territoire non attendu,
    unités, champ requis, valeur atypique sans commentaire) ou ConflitDeVersion. Retourne
    (valeur, modifiée ?)."""
    if territoire.type not in indicateur.niveaux_attendus:
        raise ValidationError(
            {
                "territoire": f"Aucune valeur n’est attendue pour « {territoire.nom} » sur "
                f"{indicateur.code} (niveaux attendus : "
                f"{', '.join(indicateur.niveaux_libelles).lower()})."
            }
        )
    campagne = ctx.campagne(annee)
    modele = existante or Valeur(indicateur=indicateur, territoire=territoire, annee=annee)
    modele.indicateur = indicateur
    refus = modele.motif_refus_saisie(ctx.user, campagne, campagne_connue=True)
    if refus:
        raise ctx.refuser("saisir", modele, campagne, refus)
    if version is VERSION_REQUISE:
        raise ValidationError(
            {
                "version": f"Cette valeur existe déjà (id {existante.pk}, version "
                f"{existante.version}) : indiquez la version lue pour la modifier (champ "
                "« version »)."
            }
        )
    verifier_unites(indicateur, saisie)
    # Le formulaire de la grille : champs requis selon l'unité, formats, longueurs, et valeur
    # atypique à expliquer par un commentaire.
    form = LigneSaisieForm(
        data={
            **{c: ("" if saisie.get(c) is None else saisie[c]) for c in CHAMPS_SAISIS},
            "version": "0",
        },
        indicateur=indicateur,
        annee=annee,
        precedente=ctx.precedente(indicateur, territoire, annee),
        plage=ctx.plage(indicateur, annee),
    )
    if not form.is_valid():
        raise ValidationError(
            {
                (champ if champ != NON_FIELD_ERRORS else "general"): [str(m) for m in liste]
                for champ, liste in form.errors.items()
            }
        )
    donnees = {c: v for c, v in form.cleaned_data.items() if c != "version"}
    try:
        return enregistrer_valeur(
            ctx.user, indicateur, territoire, annee, donnees, version, campagne, ctx.origine
        )
    except ActionRefusee as exc:
        raise ctx.refuser("saisir", modele, campagne, exc.message) from None


REFUS_EXEMPLES = [
    exemple_erreur(
        "Indicateur d’une autre organisation",
        "indicateur_non_produit",
        "L’indicateur E01-1 n’est pas produit par votre organisation (producteur : Académie "
        "de Paris) : seuls son producteur et le SPV en saisissent les valeurs.",
        "403",
    ),
    exemple_erreur(
        "Campagne close",
        "campagne_fermee",
        "La campagne 2024 est clôturée depuis le 31/03/2025 : ses valeurs sont verrouillées "
        "jusqu’à ce que le SPV la rouvre.",
        "403",
    ),
    exemple_erreur(
        "Valeur validée",
        "valeur_validee",
        "Cette valeur est déjà validée par Agent SPV le 02/04/2025 : elle ne peut plus être "
        "modifiée. Demandez au SPV de la renvoyer pour correction.",
        "403",
    ),
]

REPONSE_403_ECRITURE = OpenApiResponse(
    ErreurAPISerializer,
    description="Refus métier motivé, avec un code stable : `role_insuffisant`, "
    "`indicateur_non_produit`, `campagne_fermee`, `valeur_validee`, `transition_impossible`.",
    examples=REFUS_EXEMPLES,
)
REPONSE_412 = OpenApiResponse(
    ErreurAPISerializer,
    description="Version périmée : la valeur a changé depuis votre lecture (relisez-la).",
    examples=[
        exemple_erreur(
            "Version périmée",
            "precondition_echouee",
            "Cette valeur a été modifiée entre-temps par Agent SPV : la valeur actuelle est 130 "
            "(brouillon). Vos changements n’ont pas été enregistrés ; vérifiez la valeur "
            "actuelle puis recommencez si besoin.",
            "412",
        )
    ],
)
REPONSE_428 = OpenApiResponse(
    ErreurAPISerializer,
    description="En-tête If-Match absent : obligatoire pour modifier une valeur.",
    examples=[
        exemple_erreur(
            "If-Match absent",
            "precondition_requise",
            "L’en-tête If-Match est obligatoire pour modifier cette ressource.",
            "428",
        )
    ],
)
REPONSE_400_SAISIE = OpenApiResponse(
    ErreurAPISerializer,
    description="Données invalides : détail par champ dans `erreurs`.",
    examples=[
        exemple_erreur(
            "Valeur atypique sans commentaire",
            "donnees_invalides",
            "Les données envoyées ne sont pas valides.",
            "400",
            {
                "commentaire": [
                    "Écart de +80 (+66,7 %) par rapport à 2024 (120), au-delà de ±50 % : "
                    "expliquez-le dans le commentaire avant d’enregistrer."
                ]
            },
        )
    ],
)
REPONSE_400_ENVOI = OpenApiResponse(
    ErreurAPISerializer,
    description="Au moins un élément est invalide ou refusé : **rien n’est écrit**. "
    "`erreurs` est indexé par la position de l’élément (à partir de 0), puis par champ.",
    examples=[
        exemple_erreur(
            "Deux éléments en erreur",
            "donnees_invalides",
            "Aucune valeur n’a été enregistrée : 2 élément(s) sur 3 en erreur (voir "
            "« erreurs », par position dans la liste).",
            "400",
            {
                "0": {
                    "valeur": ["Un nombre doit être un entier positif ou nul (12,5 ne l’est pas)."]
                },
                "2": {"indicateur": ["Code indicateur inconnu : « E99-9 »."]},
            },
        )
    ],
)
REPONSE_412_ENVOI = OpenApiResponse(
    ErreurAPISerializer,
    description="Des éléments portent une version périmée (et aucun autre défaut) : rien "
    "n’est écrit ; relire ces valeurs puis renvoyer.",
    examples=[
        exemple_erreur(
            "Version périmée",
            "precondition_echouee",
            "Aucune valeur n’a été enregistrée : 1 élément(s) portent une version périmée.",
            "412",
            {"1": {"version": ["Cette valeur a été modifiée entre-temps…"]}},
        )
    ],
)
REPONSE_409_ENVOI = OpenApiResponse(
    ErreurAPISerializer,
    description="D’autres écritures simultanées sur les mêmes valeurs ont annulé l’envoi "
    "plusieurs fois : rien n’est écrit ; le renvoyer tel quel après `Retry-After` secondes.",
    examples=[
        exemple_erreur(
            "Écritures concurrentes",
            "ecritures_concurrentes",
            "D’autres écritures simultanées portent sur les mêmes valeurs : rien n’a été "
            "enregistré. Renvoyez la requête dans quelques secondes.",
            "409",
        )
    ],
)
REPONSE_409 = OpenApiResponse(
    ErreurAPISerializer,
    description="Une valeur existe déjà pour cet indicateur, ce territoire et cette année : "
    "la modifier (PATCH avec If-Match) ou passer par l’envoi groupé.",
    examples=[
        exemple_erreur(
            "Valeur existante",
            "conflit",
            "Une valeur existe déjà pour E28-2, Goutte d’Or et 2025 (id 412, version 3) : "
            'modifiez-la par PATCH /api/v1/valeurs/412/ avec l’en-tête If-Match: "412-3", '
            "ou passez par l’envoi groupé.",
            "409",
        )
    ],
)

PeutEnvoyerValeurs = selon_regle(
    roles.peut_importer_valeurs,
    message="Seuls les agents DDCT/SPV et les partenaires producteurs de données, rattachés à "
    "une organisation signataire, saisissent des valeurs.",
    code="role_insuffisant",
)

ACTIONS_ECRITURE = {
    "create",
    "update",
    "partial_update",
    "bulk",
    "soumettre",
    "valider",
    "renvoyer",
}


def _operation_transition(resume, description, requete=None):
    return extend_schema(
        summary=resume,
        description=description,
        request=requete,
        parameters=[entete_if_match(obligatoire=False), ENTETE_ETAG],
        responses={200: ValeurSerializer},
    )


@extend_schema_view(
    list=extend_schema(
        summary="Liste des valeurs",
        description="Les valeurs que votre compte peut voir, comme sur les pages du portail : "
        "les valeurs validées pour tout compte ; en plus, les brouillons, valeurs soumises et "
        "renvoyées des indicateurs de votre organisation (partenaire) ou de tous (SPV). "
        "Filtres : indicateur (code), engagement, territoire (code), quartier (slug : le QPV "
        "et ses secteurs), année ou plage d’années, statut, producteur, démonstration. "
        "Les valeurs de démonstration (`demo`) sont synthétiques : colonne « Démo » dans les "
        "exports.",
    ),
    retrieve=extend_schema(
        summary="Une valeur",
        description="Par son identifiant ; l’en-tête `ETag` donne sa version, à renvoyer dans "
        "`If-Match` pour la modifier.",
        parameters=[
            cle_naturelle("id", OpenApiTypes.INT, "Identifiant de la valeur.", 412),
            ENTETE_ETAG,
        ],
    ),
    create=extend_schema(
        summary="Créer une valeur",
        description="Crée la valeur d’un indicateur pour un territoire et une année, en "
        "brouillon, avec les contrôles de la grille de saisie : indicateur produit par votre "
        "organisation (ou SPV), campagne de l’année ouverte, territoire attendu, unités, "
        "commentaire pour une valeur atypique. Si la valeur existe déjà : 409 (la modifier, "
        "ou passer par l’envoi groupé).",
        request=ValeurCreationSerializer,
        parameters=[ENTETE_ETAG],
        responses={201: ValeurSerializer},
    ),
    update=extend_schema(
        summary="Remplacer les champs saisis d’une valeur",
        description="Remplace valeur, nombre, base, source et commentaire (un champ absent est "
        "vidé), avec l’en-tête `If-Match` (ETag lu) : version périmée → 412, en-tête absent → "
        "428. La valeur repasse en brouillon : il faut la soumettre à nouveau. Une valeur "
        "validée ne se modifie plus.",
        request=ValeurModificationSerializer,
        parameters=[entete_if_match(), ENTETE_ETAG],
        responses={200: ValeurSerializer},
    ),
    partial_update=extend_schema(
        summary="Modifier une valeur",
        description="Modifie les seuls champs envoyés (valeur, nombre, base, source, "
        "commentaire), avec l’en-tête `If-Match` (ETag lu) : version périmée → 412, en-tête "
        "absent → 428. La valeur repasse en brouillon : il faut la soumettre à nouveau.",
        request=ValeurModificationSerializer,
        parameters=[entete_if_match(), ENTETE_ETAG],
        responses={200: ValeurSerializer},
    ),
    soumettre=_operation_transition(
        "Soumettre une valeur au SPV",
        "Brouillon ou renvoyée → soumise, par le producteur de l’indicateur ou le SPV, pendant "
        "la campagne ouverte. `If-Match` facultatif (contrôlé s’il est donné).",
    ),
    valider=_operation_transition(
        "Valider une valeur (SPV)",
        "Brouillon ou soumise → validée, par un agent DDCT/SPV, pendant la campagne ouverte. "
        "Une valeur validée est visible de tous les comptes et ne se modifie plus. `If-Match` "
        "facultatif (contrôlé s’il est donné).",
    ),
    renvoyer=_operation_transition(
        "Renvoyer une valeur pour correction (SPV)",
        "Soumise ou validée → renvoyée à son producteur, par un agent DDCT/SPV, avec un motif "
        "obligatoire. `If-Match` facultatif (contrôlé s’il est donné).",
        requete=MotifSerializer,
    ),
    bulk=extend_schema(
        summary="Envoyer plusieurs valeurs (tout ou rien)",
        description="Crée ou met à jour plusieurs valeurs, chacune désignée par son code "
        "d’indicateur, son code de territoire et son année, avec les mêmes contrôles que la "
        "grille et l’import de tableurs, **dans une seule transaction** : au moindre élément "
        "invalide ou refusé, rien n’est écrit et `erreurs` donne, par position de l’élément "
        f"dans la liste (à partir de 0), le champ fautif et le message. Au plus "
        f"{MAX_ELEMENTS_ENVOI} éléments et 5 Mo par envoi. Chaque valeur écrite est "
        "historisée (raison « API, envoi groupé »). Avec `soumettre`, les valeurs envoyées "
        "sont aussi soumises au SPV.\n\n"
        "**Verrouillage optimiste** : un élément qui modifie une valeur existante porte la "
        "`version` lue (sinon 400 sur `version`) ; une version périmée, ou une valeur créée "
        "entre-temps par quelqu’un d’autre, donne 412. Des envois simultanés sur les mêmes "
        "valeurs passent l’un après l’autre ; si la base en annule un malgré tout, il est rejoué, "
        "et au-delà de trois essais l’API répond 409 `ecritures_concurrentes` (rien n’est écrit, "
        "renvoyer après `Retry-After`).",
        request=EnvoiGroupeSerializer,
        responses={200: RapportEnvoiSerializer},
    ),
)
class ValeurViewSet(ETagMixin, VueLectureAPI):
    """Les valeurs des indicateurs : lecture selon `Valeur.objects.for_user`, écritures avec
    les contrôles et le circuit du portail."""

    queryset = Valeur.objects.all()
    serializer_class = ValeurSerializer
    filterset_class = ValeurFilterAPI
    search_fields = ["indicateur__code", "indicateur__libelle", "territoire__nom", "source"]
    lookup_value_regex = "[0-9]+"
    tri = (
        "-annee",
        "indicateur__engagement__numero",
        "indicateur__ordre",
        "indicateur__code",
        "territoire__ordre",
        "territoire__code",
        "pk",
    )
    nom_export = "valeurs"
    colonnes_export = [
        Colonne("Identifiant", "id", "nombre"),
        Colonne("Code indicateur", "indicateur.code"),
        Colonne("Indicateur", "indicateur.libelle"),
        Colonne("Unité", "indicateur.unite_libelle"),
        Colonne("Engagement", "indicateur.engagement", "nombre"),
        Colonne("Code territoire", "territoire.code"),
        Colonne("Territoire", "territoire.nom"),
        Colonne("Année", "annee", "nombre"),
        Colonne("Valeur", "valeur", "nombre"),
        Colonne("Nombre", "nombre", "nombre"),
        Colonne("Base", "base", "nombre"),
        Colonne("Affichage", "affichage"),
        Colonne("Source", "source"),
        Colonne("Commentaire", "commentaire"),
        Colonne("Producteur", "producteur.nom"),
        Colonne("Statut", "statut_libelle"),
        Colonne("Origine", "origine_libelle"),
        Colonne("Démo", "demo"),
        Colonne("Version", "version", "nombre"),
        Colonne("Validée le", "valide_le", "dateheure"),
    ]

    @property
    def taille_max_requete(self):
        return TAILLE_MAX_ENVOI if getattr(self, "action", None) == "bulk" else None

    def get_permissions(self):
        if getattr(self, "action", None) in ("create", "bulk"):
            return [Connecte(), PeutEnvoyerValeurs()]
        return super().get_permissions()

    def get_renderers(self):
        if getattr(self, "action", None) in ACTIONS_ECRITURE:
            return [JSONRenderer()]
        return super().get_renderers()

    def get_serializer_class(self):
        return {
            "create": ValeurCreationSerializer,
            "update": ValeurModificationSerializer,
            "partial_update": ValeurModificationSerializer,
            "renvoyer": MotifSerializer,
            "bulk": EnvoiGroupeSerializer,
        }.get(getattr(self, "action", None), ValeurSerializer)

    def codes_erreur_de(self, methode, action_nom):
        """Réponses d'erreur propres à chaque opération (lues par le schéma OpenAPI)."""
        if methode == "GET":
            return {}
        codes = {"403": REPONSE_403_ECRITURE}
        if action_nom == "create":
            codes |= {"400": REPONSE_400_SAISIE, "409": REPONSE_409}
        elif action_nom in ("update", "partial_update"):
            codes |= {"400": REPONSE_400_SAISIE, "412": REPONSE_412, "428": REPONSE_428}
        elif action_nom == "bulk":
            codes |= {
                "400": REPONSE_400_ENVOI,
                "409": REPONSE_409_ENVOI,
                "412": REPONSE_412_ENVOI,
            }
        else:
            codes |= {"412": REPONSE_412}
        return codes

    def charger(self, queryset):
        return queryset.with_list_data()

    def repondre(self, valeur, statut=status.HTTP_200_OK, headers=None):
        donnees = ValeurSerializer(valeur, context=self.get_serializer_context()).data
        return Response(donnees, status=statut, headers={"ETag": etag(valeur), **(headers or {})})

    def relire(self, valeur):
        """La valeur telle qu'enregistrée, avec ce que le sérialiseur lit."""
        return Valeur.objects.with_list_data().get(pk=valeur.pk)

    # --- création et modification ------------------------------------------------------------

    def create(self, request, *args, **kwargs):
        entree = self.get_serializer(data=request.data)
        entree.is_valid(raise_exception=True)
        saisie = dict(entree.validated_data)
        indicateur, territoire = saisie.pop("indicateur"), saisie.pop("territoire")
        annee = saisie.pop("annee")
        ctx = ContexteEcriture(request.user, Valeur.Origine.SAISIE)
        existante = (
            Valeur.objects.filter(indicateur=indicateur, territoire=territoire, annee=annee)
            .select_related("valide_par")
            .first()
        )
        if existante is not None:
            existante.indicateur = indicateur
            campagne = ctx.campagne(annee)
            refus = existante.motif_refus_saisie(request.user, campagne, campagne_connue=True)
            if refus:
                raise ctx.refuser("saisir", existante, campagne, refus).pour_api()
            raise self.conflit_existante(existante, territoire)
        try:
            with raison_historique(raison_pour(request, "création")):
                valeur, _ = ecrire_valeur(ctx, indicateur, territoire, annee, saisie, version=0)
        except RefusDeSaisie as refus:
            raise refus.pour_api() from None
        except ConflitDeVersion as conflit:  # créée entre-temps par quelqu'un d'autre
            raise self.conflit_existante(conflit.actuelle, territoire) from None
        adresse = request.build_absolute_uri(reverse("api:valeur-detail", args=[valeur.pk]))
        return self.repondre(self.relire(valeur), status.HTTP_201_CREATED, {"Location": adresse})

    def conflit_existante(self, valeur, territoire):
        return Conflit(
            f"Une valeur existe déjà pour {valeur.indicateur.code}, {territoire.nom} et "
            f"{valeur.annee} (id {valeur.pk}, version {valeur.version}) : modifiez-la par PATCH "
            f"/api/v1/valeurs/{valeur.pk}/ avec l’en-tête If-Match: {etag(valeur)}, ou passez "
            "par l’envoi groupé."
        )

    def update(self, request, *args, **kwargs):
        partielle = kwargs.pop("partial", False)
        valeur = self.get_object()
        ctx = ContexteEcriture(request.user, Valeur.Origine.SAISIE)
        campagne = ctx.campagne(valeur.annee)
        # Dans l'ordre : le droit d'écrire, puis la version lue, puis les données.
        refus = valeur.motif_refus_saisie(request.user, campagne, campagne_connue=True)
        if refus:
            raise ctx.refuser("saisir", valeur, campagne, refus).pour_api()
        verifier_if_match(request, valeur)
        self.verifier_cle_inchangee(request.data, valeur)
        entree = self.get_serializer(data=request.data, partial=partielle)
        entree.is_valid(raise_exception=True)
        saisie = dict(entree.validated_data)
        if partielle:
            # Les champs absents gardent leur valeur (la part calculée n'est jamais reprise).
            actuels = {
                "nombre": valeur.nombre,
                "base": valeur.base,
                "source": valeur.source,
                "commentaire": valeur.commentaire,
            }
            if not valeur.indicateur.est_nombre_part:
                actuels = {**actuels, "valeur": valeur.valeur, "nombre": None, "base": None}
            saisie = {**actuels, **saisie}
        try:
            with raison_historique(raison_pour(request, "modification")):
                valeur, _ = ecrire_valeur(
                    ctx,
                    valeur.indicateur,
                    valeur.territoire,
                    valeur.annee,
                    saisie,
                    version=valeur.version,
                    existante=valeur,
                )
        except RefusDeSaisie as refus:
            raise refus.pour_api() from None
        except ConflitDeVersion as conflit:
            raise PreconditionEchouee(conflit.message) from None
        return self.repondre(self.relire(valeur))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def verifier_cle_inchangee(self, donnees, valeur):
        if not isinstance(donnees, dict):
            return
        actuelle = {
            "indicateur": valeur.indicateur.code,
            "territoire": valeur.territoire.code,
            "annee": str(valeur.annee),
        }
        erreurs = {
            cle: [
                "La clé d’une valeur (indicateur, territoire, année) ne se modifie pas : créez "
                "la valeur voulue plutôt que de déplacer celle-ci."
            ]
            for cle, attendue in actuelle.items()
            if cle in donnees and str(donnees[cle]) != attendue
        }
        if erreurs:
            raise exceptions.ValidationError(erreurs)

    # --- circuit ------------------------------------------------------------------------------

    def transition(self, request, action_modele, motif=""):
        valeur = self.get_object()
        campagne = Campagne.objects.filter(annee=valeur.annee).first()
        refus = valeur.motif_refus_transition(
            action_modele, request.user, campagne, campagne_connue=True
        )
        if refus:
            code = code_du_refus(action_modele, request.user, valeur, campagne)
            raise Refus(refus, code)
        verifier_if_match(request, valeur, obligatoire=False)
        options = {"campagne": campagne, "campagne_connue": True}
        try:
            with raison_historique(raison_pour(request, "circuit")):
                if action_modele == "renvoyer":
                    valeur.renvoyer(request.user, motif, **options)
                else:
                    getattr(valeur, action_modele)(request.user, **options)
        except ActionRefusee as exc:
            raise Refus(
                exc.message, code_du_refus(action_modele, request.user, valeur, campagne)
            ) from None
        except ConflitDeVersion as conflit:
            raise PreconditionEchouee(conflit.message) from None
        except ValidationError as exc:
            erreurs = erreurs_de(exc)
            if "motif_renvoi" in erreurs:
                erreurs["motif"] = erreurs.pop("motif_renvoi")
            raise exceptions.ValidationError(erreurs) from None
        return self.repondre(self.relire(valeur))

    @action(detail=True, methods=["post"])
    def soumettre(self, request, pk=None):
        return self.transition(request, "submit")

    @action(detail=True, methods=["post"])
    def valider(self, request, pk=None):
        return self.transition(request, "valider")

    @action(detail=True, methods=["post"])
    def renvoyer(self, request, pk=None):
        entree = MotifSerializer(data=request.data)
        entree.is_valid(raise_exception=True)
        return self.transition(request, "renvoyer", entree.validated_data["motif"])

    # --- envoi groupé -------------------------------------------------------------------------

    @action(detail=False, methods=["post"])
    def bulk(self, request):
        elements, soumettre = self.lire_envoi(request.data)

        def appliquer():
            # Un nouvel envoi à chaque essai : l'état (erreurs) d'un essai annulé ne compte pas.
            return EnvoiGroupe(request.user, elements).appliquer(soumettre)

        with raison_historique(raison_pour(request, "envoi groupé")):
            # Annulé par PostgreSQL (interblocage avec une autre écriture) : rien n'est écrit,
            # on rejoue quelques fois ; au-delà, 409 (voir socle/api/concurrence.py).
            rapport = reessayer_si_concurrence(appliquer)
        for ligne in rapport["valeurs"]:
            ligne["url"] = request.build_absolute_uri(
                reverse("api:valeur-detail", args=[ligne["id"]])
            )
        return Response(rapport)

    def lire_envoi(self, corps):
        if not isinstance(corps, dict):
            raise exceptions.ValidationError(
                {"general": ['Envoyez un objet JSON : {"valeurs": […], "soumettre": false}.']}
            )
        inconnus = sorted(set(corps) - {"valeurs", "soumettre"})
        if inconnus:
            raise exceptions.ValidationError(
                {cle: ["Champ inconnu : seuls « valeurs » et « soumettre » sont lus."]
                 for cle in inconnus}
            )  # fmt: skip
        elements = corps.get("valeurs")
        if not isinstance(elements, list) or not elements:
            raise exceptions.ValidationError(
                {"valeurs": ["Envoyez une liste non vide de valeurs."]}
            )
        if len(elements) > MAX_ELEMENTS_ENVOI:
            raise exceptions.ValidationError(
                {
                    "valeurs": [
                        f"{len(elements)} éléments : un envoi en compte au plus "
                        f"{MAX_ELEMENTS_ENVOI} ; découpez-le."
                    ]
                }
            )
        soumettre = corps.get("soumettre", False)
        if not isinstance(soumettre, bool):
            raise exceptions.ValidationError({"soumettre": ["« soumettre » vaut true ou false."]})
        return elements, soumettre


def lisibles(codes):
    """Les codes cherchables en base (texte sans caractère nul) ; les autres seront refusés
    par le contrôle de forme de leur élément."""
    return [c.strip() for c in codes if isinstance(c, str) and "\x00" not in c]


class EnvoiGroupe:
    """Un envoi groupé : chaque élément passe les contrôles de la grille, toutes les
    écritures ont lieu dans une transaction ; au moindre élément en erreur, elle est annulée
    et les erreurs sont rapportées par indice d'élément et par champ."""

    def __init__(self, user, elements):
        self.user, self.elements = user, elements
        self.erreurs = {}
        self.perimees = set()

    def erreur(self, index, champs):
        courant = self.erreurs.setdefault(str(index), {})
        for champ, messages in champs.items():
            courant.setdefault(champ, []).extend(messages)

    def lire(self):
        """Contrôle de forme de chaque élément, avec des index de codes préchargés (deux
        requêtes pour tout le lot). Retourne [(indice, données validées)]."""
        objets = [e for e in self.elements if isinstance(e, dict)]
        codes_i = [e.get("indicateur") for e in objets]
        codes_t = [e.get("territoire") for e in objets]
        contexte = {
            "index_indicateur": {
                i.code: i
                for i in Indicateur.objects.select_related("producteur").filter(
                    code__in=lisibles(codes_i)
                )
            },
            "index_territoire": {
                t.code: t for t in Territoire.objects.filter(code__in=lisibles(codes_t))
            },
        }
        lus, vus = [], {}
        for index, brut in enumerate(self.elements):
            if not isinstance(brut, dict):
                self.erreur(index, {"general": ["Chaque élément est un objet JSON."]})
                continue
            element = ElementEnvoiSerializer(data=brut, context=contexte)
            if not element.is_valid():
                self.erreur(index, {c: [str(m) for m in ms] for c, ms in element.errors.items()})
                continue
            d = element.validated_data
            cle = (d["indicateur"].pk, d["territoire"].pk, d["annee"])
            if cle in vus:
                self.erreur(
                    index,
                    {
                        "general": [
                            f"Même indicateur, territoire et année que l’élément {vus[cle]} : "
                            "une valeur n’apparaît qu’une fois par envoi."
                        ]
                    },
                )
                continue
            vus[cle] = index
            lus.append((index, d))
        return lus

    def contexte(self, lus):
        """Campagnes, valeurs existantes et de l'année précédente du lot, en trois requêtes."""
        indicateurs = {d["indicateur"].pk for _, d in lus}
        territoires = {d["territoire"].pk for _, d in lus}
        annees = {d["annee"] for _, d in lus}
        ctx = ContexteEcriture(self.user, Valeur.Origine.IMPORT, precedentes={})
        ctx.campagnes = dict.fromkeys(annees) | {
            c.annee: c for c in Campagne.objects.filter(annee__in=annees)
        }
        existantes = {}
        for v in Valeur.objects.filter(
            indicateur_id__in=indicateurs,
            territoire_id__in=territoires,
            annee__in=annees | {a - 1 for a in annees},
        ).select_related("valide_par"):
            existantes[(v.indicateur_id, v.territoire_id, v.annee)] = v
        # L'année précédente comparée est celle que l'auteur voit, comme dans la grille.
        visibles = set(
            Valeur.objects.for_user(self.user)
            .filter(pk__in=[v.pk for v in existantes.values()])
            .values_list("pk", flat=True)
        )
        ctx.precedentes = {
            cle: v.valeur for cle, v in existantes.items() if v.pk in visibles
        }  # fmt: skip
        return ctx, existantes

    def verrouiller(self, lus, existantes):
        """Verrous de l'envoi, pris dans un ordre stable avant toute écriture : les clés
        naturelles de tous les éléments (créations comprises), puis les lignes existantes par
        clé primaire, comme `transition_en_masse`. Deux envois sur les mêmes valeurs dans des
        ordres différents passent alors l'un après l'autre au lieu de s'interbloquer."""
        cles = [(d["indicateur"].pk, d["territoire"].pk, d["annee"]) for _, d in lus]
        verrouiller_cles(cles)
        pks = sorted(existantes[c].pk for c in cles if c in existantes)
        if pks:
            list(
                Valeur.objects.select_for_update(of=("self",))
                .filter(pk__in=pks)
                .order_by("pk")
                .values_list("pk", flat=True)
            )

    @staticmethod
    def version_attendue(d, existante):
        """La version que l'élément doit trouver : celle qu'il porte ; 0 (la valeur ne doit pas
        exister) s'il n'en porte pas et crée une valeur ; VERSION_REQUISE s'il modifie une
        valeur existante sans dire quelle version il a lue (refusé par `ecrire_valeur` : sinon
        le dernier envoi écraserait en silence celui d'un autre)."""
        version = d.get("version")
        if version is not None:
            return version
        return 0 if existante is None else VERSION_REQUISE

    def appliquer(self, soumettre=False):
        lus = self.lire()
        resultats, ecrites = [], []
        with transaction.atomic():
            ctx, existantes = self.contexte(lus)
            self.verrouiller(lus, existantes)
            for index, d in lus:
                indicateur, territoire, annee = d["indicateur"], d["territoire"], d["annee"]
                existante = existantes.get((indicateur.pk, territoire.pk, annee))
                version = self.version_attendue(d, existante)
                try:
                    valeur, modifiee = ecrire_valeur(
                        ctx,
                        indicateur,
                        territoire,
                        annee,
                        d,
                        version,
                        existante=existante,
                    )
                except RefusDeSaisie as refus:
                    self.erreur(index, {refus.champ: [refus.message]})
                except ValidationError as exc:
                    self.erreur(index, erreurs_de(exc))
                except ConflitDeVersion as conflit:
                    self.erreur(index, {"version": [conflit.message]})
                    self.perimees.add(str(index))
                else:
                    if existante is None:
                        resultat = "creee"
                    else:
                        resultat = "modifiee" if modifiee else "inchangee"
                    valeur.indicateur, valeur.territoire = indicateur, territoire
                    ecrites.append((index, valeur))
                    resultats.append((index, valeur, resultat))
            soumises = self.soumettre(ecrites) if soumettre and not self.erreurs else 0
            if self.erreurs:
                raise self.refus_du_lot()  # annule toute la transaction
        return {
            "nombre": len(self.elements),
            "creees": sum(r == "creee" for _, _, r in resultats),
            "modifiees": sum(r == "modifiee" for _, _, r in resultats),
            "inchangees": sum(r == "inchangee" for _, _, r in resultats),
            "soumises": soumises,
            "valeurs": [
                {
                    "index": index,
                    "id": v.pk,
                    "etag": etag(v),
                    "indicateur": v.indicateur.code,
                    "territoire": v.territoire.code,
                    "annee": v.annee,
                    "resultat": resultat,
                    "statut": v.statut,
                    "version": v.version,
                }
                for index, v, resultat in resultats
            ],
        }

    def soumettre(self, ecrites):
        """Soumet les valeurs écrites encore en brouillon ou renvoyées (écriture groupée
        historisée valeur par valeur) ; un refus annule tout le lot."""
        a_soumettre = [(i, v) for i, v in ecrites if v.statut in ("brouillon", "renvoye")]
        if not a_soumettre:
            return 0
        faites, refusees = transition_en_masse([v for _, v in a_soumettre], "submit", self.user)
        indices = {v.pk: i for i, v in a_soumettre}
        for valeur, raison in refusees:
            self.erreur(indices[valeur.pk], {"general": [raison]})
        etats = {v.pk: v for v in faites}
        for _, v in a_soumettre:
            if v.pk in etats:
                v.statut, v.version = etats[v.pk].statut, etats[v.pk].version
        return len(faites)

    def refus_du_lot(self):
        erreurs = dict(sorted(self.erreurs.items(), key=lambda e: int(e[0])))
        total = len(self.elements)
        if set(erreurs) <= self.perimees:
            return LotPerime(
                erreurs,
                f"Aucune valeur n’a été enregistrée : {len(erreurs)} élément(s) portent une "
                "version périmée (voir « erreurs ») ; relisez ces valeurs puis renvoyez.",
            )
        return LotInvalide(
            erreurs,
            f"Aucune valeur n’a été enregistrée : {len(erreurs)} élément(s) sur {total} en "
            "erreur (voir « erreurs », par position dans la liste).",
        )


ROUTES = [
    ("indicateurs", IndicateurViewSet, "indicateur"),
    ("territoires", TerritoireViewSet, "territoire"),
    ("campagnes", CampagneViewSet, "campagne"),
    ("valeurs", ValeurViewSet, "valeur"),
]
