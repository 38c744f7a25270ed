"""API du contenu du contrat : thématiques, engagements (avec tout leur contenu), signataires
et sigles. Lecture libre, aucune écriture."""

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

from engagements.filters import EngagementFilter, SigleFilter, SignataireFilter, ThematiqueFilter
from engagements.models import (
    Acteur,
    Action,
    AxeIntervention,
    Engagement,
    Financement,
    PlanStrategie,
    Sigle,
    Signataire,
    Thematique,
)
from socle.api.permissions import LectureLibre
from socle.api.rendus import Colonne
from socle.api.schema import cle_naturelle
from socle.api.serialiseurs import Adresse, Serialiseur, SerialiseurModele, libelle_de, slugs_lies
from socle.api.vues import VueLectureAPI

# --- sérialiseurs imbriqués ----------------------------------------------------------------


class ThematiqueCourteSerializer(SerialiseurModele):
    libelle = serializers.CharField(
        read_only=True, help_text="« Thématique N°2 – Se former… » (le titre s’il est connu)."
    )

    class Meta:
        model = Thematique
        fields = ["numero", "titre", "libelle"]


class AxeSerializer(SerialiseurModele):
    class Meta:
        model = AxeIntervention
        fields = ["ordre", "libelle", "texte"]
        extra_kwargs = {"libelle": {"help_text": "Mot-clé de l’axe (« Valoriser »)."}}


class ActionSerializer(SerialiseurModele):
    type_libelle = libelle_de("type")

    class Meta:
        model = Action
        fields = ["id", "numero", "ordre", "type", "type_libelle", "texte"]
        extra_kwargs = {
            "numero": {
                "help_text": "Numéro tel qu’imprimé dans le contrat (« 5 » peut "
                "apparaître deux fois)."
            },
            "ordre": {"help_text": "Position réelle de l’action dans l’engagement."},
        }


class SignataireCourtSerializer(SerialiseurModele):
    """Un signataire cité (producteur, acteur) : sa clé naturelle (slug) et son nom."""

    class Meta:
        model = Signataire
        fields = ["slug", "nom"]


class ActeurSerializer(SerialiseurModele):
    groupe_libelle = libelle_de("groupe")
    signataire = SignataireCourtSerializer(
        read_only=True, allow_null=True, help_text="Le signataire du contrat, quand c’en est un."
    )

    class Meta:
        model = Acteur
        fields = ["groupe", "groupe_libelle", "ordre", "nom", "signataire"]


class FinancementSerializer(SerialiseurModele):
    financeur_libelle = libelle_de("financeur")

    class Meta:
        model = Financement
        fields = ["ordre", "financeur", "financeur_libelle", "libelle", "texte"]


class PlanSerializer(SerialiseurModele):
    class Meta:
        model = PlanStrategie
        fields = ["ordre", "texte"]


class IndicateurResumeSerializer(Serialiseur):
    """Un indicateur à suivre, tel que l'engagement le cite (la définition complète est sur
    /api/v1/indicateurs/{code}/)."""

    code = serializers.CharField(help_text="Code stable de l’indicateur (`E05-2`).")
    libelle = serializers.CharField(help_text="Libellé tel qu’écrit dans le contrat.")


# --- ressources ----------------------------------------------------------------------------


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Thématique N°2",
            value={
                "id": 2,
                "url": "https://exemple.paris.fr/api/v1/thematiques/2/",
                "numero": 2,
                "titre": "Se former, travailler ou entreprendre",
                "libelle": "Thématique N°2 – Se former, travailler ou entreprendre",
                "engagements": [7, 8, 9, 10],
            },
            response_only=True,
        )
    ]
)
class ThematiqueSerializer(SerialiseurModele):
    url = Adresse(
        view_name="api:thematique-detail", lookup_field="numero", help_text="Adresse dans l’API."
    )
    libelle = serializers.CharField(read_only=True, help_text="Numéro et titre, pour affichage.")
    engagements = slugs_lies(
        read_only=True, slug_field="numero", help_text="Numéros des engagements."
    )

    class Meta:
        model = Thematique
        fields = ["id", "url", "numero", "titre", "libelle", "engagements", "modifie_le"]
        extra_kwargs = {
            "titre": {
                "help_text": "Titre de la thématique ; vide quand le texte du contrat ne "
                "le donne pas."
            }
        }


EXEMPLE_ENGAGEMENT = {
    "id": 5,
    "url": "https://exemple.paris.fr/api/v1/engagements/5/",
    "numero": 5,
    "titre": "Favoriser l’accès aux droits et lutter contre le non-recours",
    "thematique": {"numero": 1, "titre": "", "libelle": "Thématique N°1"},
    "problematiques": "Le non-recours aux droits reste élevé dans les quartiers…",
    "parole_habitant": "« On ne sait pas à qui s’adresser. »",
    "parole_source": "Conférence citoyenne, juin-juillet 2023",
    "indicateurs_en_cours_de_definition": False,
    "axes": [{"ordre": 1, "libelle": "Informer", "texte": "Mieux faire connaître les droits…"}],
    "actions": [
        {
            "id": 41,
            "numero": "1",
            "ordre": 1,
            "type": "consolider",
            "type_libelle": "À consolider",
            "texte": "Poursuivre les permanences d’accès aux droits…",
        }
    ],
    "acteurs": [
        {
            "groupe": "pilote",
            "groupe_libelle": "Pilote",
            "ordre": 1,
            "nom": "Caf de Paris",
            "signataire": {
                "slug": "caisse-dallocations-familiales",
                "nom": "Caisse d’allocations familiales de Paris",
            },
        }
    ],
    "financements": [
        {
            "ordre": 1,
            "financeur": "etat",
            "financeur_libelle": "État",
            "libelle": "État",
            "texte": "Crédits politique de la ville (BOP 147)",
        }
    ],
    "plans": [{"ordre": 1, "texte": "Schéma départemental des services aux familles"}],
    "indicateurs": [{"code": "E05-1", "libelle": "Nombre de permanences d’accès aux droits"}],
}


@extend_schema_serializer(
    examples=[OpenApiExample("Engagement 5", value=EXEMPLE_ENGAGEMENT, response_only=True)]
)
class EngagementSerializer(SerialiseurModele):
    url = Adresse(
        view_name="api:engagement-detail", lookup_field="numero", help_text="Adresse dans l’API."
    )
    thematique = ThematiqueCourteSerializer(read_only=True)
    axes = AxeSerializer(many=True, read_only=True, help_text="Enjeux et axes d’intervention.")
    actions = ActionSerializer(
        many=True, read_only=True, help_text="Actions à consolider puis à développer."
    )
    acteurs = ActeurSerializer(
        many=True, read_only=True, help_text="Pilotes, partenaires associés, lieux ressources."
    )
    financements = FinancementSerializer(
        many=True, read_only=True, help_text="Financements mobilisables, par financeur."
    )
    plans = PlanSerializer(many=True, read_only=True, help_text="Plans et stratégies.")
    indicateurs = IndicateurResumeSerializer(
        many=True, read_only=True, help_text="Indicateurs à suivre (code et libellé)."
    )

    class Meta:
        model = Engagement
        fields = [
            "id",
            "url",
            "numero",
            "titre",
            "thematique",
            "problematiques",
            "parole_habitant",
            "parole_source",
            "indicateurs_en_cours_de_definition",
            "axes",
            "actions",
            "acteurs",
            "financements",
            "plans",
            "indicateurs",
            "modifie_le",
        ]
        extra_kwargs = {"numero": {"help_text": "Numéro de l’engagement (1 à 30)."}}


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Caf",
            value={
                "id": 7,
                "slug": "caisse-dallocations-familiales",
                "url": "https://exemple.paris.fr/api/v1/signataires/caisse-dallocations-familiales/",
                "nom": "Caisse d’allocations familiales de Paris",
                "type": "institution",
                "type_libelle": "Institution",
                "ordre": 7,
                "engagements": [1, 5, 12],
                "pilote_de": [5],
                "modifie_le": "2026-02-03T10:15:00+01:00",
            },
            response_only=True,
        )
    ]
)
class SignataireSerializer(SerialiseurModele):
    url = Adresse(
        view_name="api:signataire-detail", lookup_field="slug", help_text="Adresse dans l’API."
    )
    type_libelle = libelle_de("type")
    engagements = serializers.SerializerMethodField(
        help_text="Numéros des engagements dont le signataire est acteur (tout rôle)."
    )
    pilote_de = serializers.SerializerMethodField(
        help_text="Numéros des engagements dont le signataire est pilote."
    )

    class Meta:
        model = Signataire
        fields = [
            "id",
            "slug",
            "url",
            "nom",
            "type",
            "type_libelle",
            "ordre",
            "engagements",
            "pilote_de",
            "modifie_le",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_engagements(self, signataire):
        return sorted({a.engagement.numero for a in signataire.acteurs.all()})

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_pilote_de(self, signataire):
        return sorted(
            {a.engagement.numero for a in signataire.acteurs.all() if a.groupe == "pilote"}
        )


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "QPV",
            value={
                "id": 95,
                "sigle": "QPV",
                "definition": "Quartier prioritaire de la politique de la ville",
            },
            response_only=True,
        )
    ]
)
class SigleSerializer(SerialiseurModele):
    class Meta:
        model = Sigle
        fields = ["id", "sigle", "definition", "modifie_le"]


def _acteurs(engagement, groupe):
    return [a["nom"] for a in engagement["acteurs"] if a["groupe"] == groupe]


# --- vues ----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Liste des thématiques",
        description="Les 8 thématiques du contrat, avec les numéros de leurs engagements. "
        "Seuls trois titres figurent dans le texte source ; les autres restent vides tant "
        "que le SPV ne les a pas saisis.",
    ),
    retrieve=extend_schema(
        summary="Une thématique",
        description="Par son numéro (1 à 8).",
        parameters=[cle_naturelle("numero", OpenApiTypes.INT, "Numéro de la thématique.", 2)],
    ),
)
class ThematiqueViewSet(VueLectureAPI):
    queryset = Thematique.objects.all()
    serializer_class = ThematiqueSerializer
    permission_classes = [LectureLibre]
    filterset_class = ThematiqueFilter
    search_fields = ["titre"]
    lookup_field = "numero"
    lookup_value_regex = "[0-9]+"
    tri = ("numero",)
    nom_export = "thematiques"
    colonnes_export = [
        Colonne("Numéro", "numero", "nombre"),
        Colonne("Titre", "titre"),
        Colonne("Engagements", "engagements[]"),
    ]

    def charger(self, queryset):
        return queryset.prefetch_related(
            Prefetch("engagements", queryset=Engagement.objects.order_by("numero"))
        )


@extend_schema_view(
    list=extend_schema(
        summary="Liste des engagements",
        description="Les 30 engagements avec tout leur contenu : axes, actions numérotées, "
        "acteurs (reliés aux signataires), financements mobilisables, plans et stratégies, "
        "indicateurs à suivre.",
    ),
    retrieve=extend_schema(
        summary="Un engagement",
        description="Par son numéro (1 à 30).",
        parameters=[cle_naturelle("numero", OpenApiTypes.INT, "Numéro de l’engagement.", 5, 16)],
    ),
)
class EngagementViewSet(VueLectureAPI):
    queryset = Engagement.objects.all()
    serializer_class = EngagementSerializer
    permission_classes = [LectureLibre]
    # Tout le contrat imbriqué (257 Ko) : servi depuis le cache tant que rien de ce qu'il lit
    # (`with_detail_data`) n'a changé ; les indicateurs sont atteints par leur relation.
    cache_referentiel = (
        Thematique,
        Engagement,
        AxeIntervention,
        Action,
        Acteur,
        Signataire,
        Financement,
        PlanStrategie,
        Engagement.indicateurs.field.model,
    )
    filterset_class = EngagementFilter
    search_fields = ["titre", "problematiques", "parole_habitant"]
    lookup_field = "numero"
    lookup_value_regex = "[0-9]+"
    tri = ("numero",)
    nom_export = "engagements"
    colonnes_export = [
        Colonne("Numéro", "numero", "nombre"),
        Colonne("Thématique", "thematique.numero", "nombre"),
        Colonne("Titre", "titre"),
        Colonne("Problématiques et besoins exprimés", "problematiques"),
        Colonne("Parole d’habitante et d’habitant", "parole_habitant"),
        Colonne("Source de la parole", "parole_source"),
        Colonne("Axes d’intervention", "axes[].libelle"),
        Colonne("Actions", "actions[].texte"),
        Colonne("Pilotes", lambda e: _acteurs(e, "pilote")),
        Colonne("Partenaires associés", lambda e: _acteurs(e, "partenaire")),
        Colonne("Lieux ressources", lambda e: _acteurs(e, "lieu_ressource")),
        Colonne("Financements mobilisables", "financements[].texte"),
        Colonne("Plans et stratégies", "plans[].texte"),
        Colonne("Indicateurs à suivre", "indicateurs[].code"),
        Colonne("Indicateurs en cours de définition", "indicateurs_en_cours_de_definition"),
    ]

    def charger(self, queryset):
        return queryset.with_detail_data()


@extend_schema_view(
    list=extend_schema(
        summary="Liste des signataires",
        description="Les signataires du contrat (institutions et bailleurs sociaux), avec "
        "les engagements dont ils sont acteurs. `engagements?signataire={slug}` donne ces "
        "engagements en entier.",
    ),
    retrieve=extend_schema(
        summary="Un signataire",
        description="Par son slug (clé naturelle) ; l’identifiant numérique reste accepté.",
        parameters=[
            cle_naturelle(
                "slug",
                OpenApiTypes.STR,
                "Slug du signataire.",
                "caisse-dallocations-familiales",
            )
        ],
    ),
)
class SignataireViewSet(VueLectureAPI):
    queryset = Signataire.objects.all()
    serializer_class = SignataireSerializer
    permission_classes = [LectureLibre]
    filterset_class = SignataireFilter
    search_fields = ["nom"]
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    tri = ("ordre", "nom", "pk")
    nom_export = "signataires"
    colonnes_export = [
        Colonne("Identifiant", "slug"),
        Colonne("Nom", "nom"),
        Colonne("Type", "type_libelle"),
        Colonne("Engagements (acteur)", "engagements[]"),
        Colonne("Engagements (pilote)", "pilote_de[]"),
    ]

    def charger(self, queryset):
        acteurs = Acteur.objects.select_related("engagement").order_by("pk")
        return queryset.prefetch_related(Prefetch("acteurs", queryset=acteurs))

    def get_object(self):
        # Les adresses d'avant les slugs (`/api/v1/signataires/7/`) restent valables.
        valeur = self.kwargs.get(self.lookup_field, "")
        if (
            valeur.isdigit()
            and len(valeur) < 10
            and not self.get_queryset().filter(slug=valeur).exists()
        ):
            self.lookup_field, self.kwargs = "pk", {"pk": valeur}
        return super().get_object()


@extend_schema_view(
    list=extend_schema(summary="Glossaire", description="Les sigles du contrat et leur sens."),
    retrieve=extend_schema(
        summary="Un sigle",
        description="Par le sigle lui-même, sensible à la casse (`Caf`, `REP%2B` pour « REP+ »).",
        parameters=[cle_naturelle("sigle", OpenApiTypes.STR, "Le sigle.", "QPV", "REP+")],
    ),
)
class SigleViewSet(VueLectureAPI):
    queryset = Sigle.objects.all()
    serializer_class = SigleSerializer
    permission_classes = [LectureLibre]
    filterset_class = SigleFilter
    search_fields = ["sigle", "definition"]
    lookup_field = "sigle"
    lookup_value_regex = "[^/]+"
    tri = ("sigle",)
    nom_export = "sigles"
    colonnes_export = [Colonne("Sigle", "sigle"), Colonne("Définition", "definition")]


ROUTES = [
    ("thematiques", ThematiqueViewSet, "thematique"),
    ("engagements", EngagementViewSet, "engagement"),
    ("signataires", SignataireViewSet, "signataire"),
    ("sigles", SigleViewSet, "sigle"),
]
