"""`/api/v1/valeurs/` (avec un compte ; visibilité `Valeur.objects.for_user`) : lecture,
création, modification sous If-Match, circuit (soumettre, valider, renvoyer) et envoi groupé
`bulk`.

L'API ne fait que traduire HTTP ↔ service : les écritures passent par
`indicateurs.ecriture` (`ecrire_valeur`, `EnvoiGroupe`), qui applique les règles de la grille
de saisie et de l'import, et par les transitions du modèle ; leurs refus deviennent des
réponses au `code` stable (`code_du_refus`) : 403 motivé, 409, 412, 428, 400 par champ ou par
élément."""

from django.core.exceptions import ValidationError
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from indicateurs.api import envoi
from indicateurs.api.envoi import EnvoiGroupeSerializer, RapportEnvoiSerializer
from indicateurs.api.reponses import (
    REPONSE_400_ENVOI,
    REPONSE_400_SAISIE,
    REPONSE_403_ECRITURE,
    REPONSE_409,
    REPONSE_409_ENVOI,
    REPONSE_412,
    REPONSE_412_ENVOI,
    REPONSE_428,
)
from indicateurs.api.saisies import (
    EXEMPLES_ECRITURE,
    CleDeValeurSerializer,
    MotifSerializer,
    SaisieSerializer,
    sans_part_lue,
)
from indicateurs.ecriture import (
    ContexteEcriture,
    EnvoiGroupe,
    LotRefuse,
    RefusDeSaisie,
    code_du_refus,
    ecrire_valeur,
    erreurs_de,
    raison_historique,
)
from indicateurs.filters import ValeurFilter
from indicateurs.models import (
    Campagne,
    ConflitDeVersion,
    Indicateur,
    Valeur,
    texte_de_valeur,
)
from socle import roles
from socle.api.concurrence import (
    ETagMixin,
    etag,
    etag_de,
    reessayer_si_concurrence,
    verifier_if_match,
)
from socle.api.erreurs import Conflit, PreconditionEchouee, Refus
from socle.api.pagination import PaginationParCurseur
from socle.api.permissions import Connecte, selon_regle
from socle.api.rendus import Colonne
from socle.api.schema import ENTETE_ETAG, cle_naturelle, entete_if_match
from socle.api.serialiseurs import Adresse, SerialiseurModele, libelle_de
from socle.api.vues import VueLectureAPI
from socle.chiffres import nombre_fr
from socle.circuits import ActionRefusee
from socle.provenance import CHAMPS_PROVENANCE, aides_api_provenance, colonnes_api_provenance

# --- lecture ----------------------------------------------------------------------------------


EXEMPLE_VALEUR = {
    "id": 412,
    "url": "https://exemple.paris.fr/api/v1/valeurs/412/",
    "etag": '"412-3"',
    "indicateur": "E28-2",
    "territoire": "qpv-goutte-dor",
    "annee": 2025,
    "valeur": 120,
    "nombre": None,
    "base": None,
    "unite": "nombre",
    "affichage": "120",
    "source": "Caf de Paris, fichier allocataires au 31/12/2025",
    "commentaire": "",
    "producteur": "caisse-dallocations-familiales",
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
    "modifie_le": "2026-02-03T10:15:00+01:00",
}


@extend_schema_serializer(
    examples=[
        OpenApiExample("Valeur soumise", value=EXEMPLE_VALEUR, response_only=True),
        *EXEMPLES_ECRITURE,
    ]
)
class ValeurSerializer(CleDeValeurSerializer, SaisieSerializer, SerialiseurModele):
    """L'enregistrement plat d'une valeur, le même en lecture et en écriture : ce que renvoie
    un GET se renvoie tel quel par PUT (ou dans un envoi groupé) ; les champs en lecture seule
    sont ignorés à l'écriture. Les objets liés sont désignés par leur clé naturelle (code
    d'indicateur, code de territoire, slug du producteur), sans leurs longs textes.

    Pour ajouter un champ : le déclarer sur le modèle et l'ajouter à `CHAMPS_LUS` (lecture
    seule) ou à `SaisieSerializer` (saisi)."""

    CHAMPS_LUS = [
        "unite",
        "affichage",
        "producteur",
        "statut",
        "statut_libelle",
        "motif_renvoi",
        "origine",
        "origine_libelle",
        "demo",
        # Provenance (issue 12) : réserve de périmètre et déduction du chargement.
        *CHAMPS_PROVENANCE,
        "saisi_le",
        "soumis_le",
        "valide_le",
        "renvoye_le",
        "modifie_le",
    ]

    url = Adresse(view_name="api:valeur-detail", help_text="Adresse dans l’API.")
    etag = serializers.SerializerMethodField(
        help_text="L’ETag de cette version, à renvoyer dans `If-Match` pour la modifier."
    )
    version = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        help_text="Incrémentée à chaque écriture. À l’écriture : la version lue (précondition, "
        "comme `If-Match`) ; une version périmée donne 412.",
    )
    unite = serializers.ChoiceField(
        source="indicateur.unite",
        choices=Indicateur.Unite.choices,
        read_only=True,
        help_text="Unité de l’indicateur (la valeur est un nombre, une part ou un taux en %, "
        "ou un « nombre et part »).",
    )
    affichage = serializers.CharField(
        read_only=True, help_text="La valeur telle qu’on la lit (« 16 % », « 12 / 40 (30 %) »)."
    )
    producteur = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="L’organisation qui produit la valeur (slug du signataire).",
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
            "source",
            "commentaire",
            "version",
        ]
        extra_kwargs = {
            "statut": {
                "help_text": "Circuit : brouillon → soumis → valide, ou renvoye (avec un motif)."
            },
            "demo": {
                "help_text": "Vrai pour une valeur synthétique de démonstration : jamais une "
                "donnée réelle."
            },
            "modifie_le": {"help_text": "Dernière modification (synchronisation incrémentale)."},
            **aides_api_provenance("la valeur"),
        }
        # L'unicité (indicateur, territoire, année) est celle du service : 409 à la création.
        validators = []

    def get_field_names(self, declared_fields, info):
        return [*self.Meta.fields, *self.CHAMPS_LUS]

    def get_extra_kwargs(self):
        # Les champs lus (statut, dates…) ne s'écrivent jamais par ce sérialiseur.
        extra = super().get_extra_kwargs()
        for nom in self.CHAMPS_LUS:
            extra[nom] = {**extra.get(nom, {}), "read_only": True}
        return extra

    @extend_schema_field(OpenApiTypes.STR)
    def get_etag(self, valeur):
        return etag(valeur)


class ValeurExportSerializer(ValeurSerializer):
    """Une ligne des exports tableur (`?format=csv|csv-excel|xlsx`) : l'enregistrement plat,
    plus les libellés que lit une personne (indicateur, territoire, producteur)."""

    indicateur_libelle = serializers.CharField(source="indicateur.libelle", read_only=True)
    unite_libelle = libelle_de("indicateur.unite")
    engagement = serializers.IntegerField(
        source="indicateur.engagement.numero", read_only=True, allow_null=True, default=None
    )
    territoire_nom = serializers.CharField(source="territoire.nom", read_only=True)
    producteur_nom = serializers.CharField(
        source="producteur.nom", read_only=True, allow_null=True, default=None
    )
    CHAMPS_LUS = [
        *ValeurSerializer.CHAMPS_LUS,
        "indicateur_libelle",
        "unite_libelle",
        "engagement",
        "territoire_nom",
        "producteur_nom",
    ]


class ValeurModificationSerializer(ValeurSerializer):
    """Le même enregistrement pour PUT et PATCH : la clé (indicateur, territoire, année) peut
    être renvoyée telle que lue, mais ne se modifie pas ; elle n'est donc pas requise."""

    def get_fields(self):
        champs = super().get_fields()
        for nom in ("indicateur", "territoire", "annee"):
            champs[nom].required = False
        return champs


def charger_enregistrements(queryset):
    """Les enregistrements plats, sans les longs textes des objets liés (libellé et
    définition de l'indicateur, nom du territoire…) : une requête, des colonnes courtes."""
    return queryset.select_related("indicateur", "territoire", "producteur").only(
        *[f.attname for f in Valeur._meta.concrete_fields],
        "indicateur__code",
        "indicateur__unite",
        "territoire__code",
        "producteur__slug",
    )


# --- écritures : traduction HTTP ↔ service --------------------------------------------------


def refus_api(refus):
    """Un refus du service (`RefusDeSaisie`) en 403 au code stable."""
    return Refus(refus.message, refus.code)


def raison_pour(request, quoi):
    """« API, envoi groupé (jeton « SI Caf ») » : la raison d'historique d'une écriture."""
    jeton = getattr(request.auth, "nom", None)
    par = f" (jeton « {jeton} »)" if jeton else " (session)"
    return f"API, {quoi}{par}"


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
        request=ValeurSerializer,
        parameters=[ENTETE_ETAG],
        responses={201: ValeurSerializer},
    ),
    update=extend_schema(
        summary="Remplacer les champs saisis d’une valeur",
        description="Reçoit l’enregistrement tel que lu par GET (les champs en lecture seule "
        "sont ignorés ; la clé indicateur, territoire, année peut être renvoyée mais ne change "
        "pas) et remplace valeur, nombre, base, source et commentaire (un champ absent est "
        "vidé). Précondition : l’en-tête `If-Match` (ETag lu) ou, à défaut, le champ `version` "
        "lu ; version périmée → 412, ni l’un ni l’autre → 428. Un enregistrement renvoyé sans "
        "changement ne modifie rien (même version) ; sinon la version augmente et la valeur "
        "repasse en brouillon : il faut la soumettre à nouveau. Une valeur validée ne se "
        "modifie plus.",
        request=ValeurModificationSerializer,
        parameters=[entete_if_match(obligatoire=False), ENTETE_ETAG],
        responses={200: ValeurSerializer},
    ),
    partial_update=extend_schema(
        summary="Modifier une valeur",
        description="Modifie les seuls champs envoyés (valeur, nombre, base, source, "
        "commentaire). Précondition : l’en-tête `If-Match` (ETag lu) ou le champ `version` "
        "lu ; version périmée → 412, ni l’un ni l’autre → 428. La valeur repasse en "
        "brouillon : il faut la soumettre à nouveau.",
        request=ValeurModificationSerializer,
        parameters=[entete_if_match(obligatoire=False), ENTETE_ETAG],
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
        f"{envoi.MAX_ELEMENTS_ENVOI} éléments et 5 Mo par envoi. Chaque valeur écrite est "
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
    filterset_class = ValeurFilter
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
    # La liste JSON : pagination par curseur sur l'index (annee, id) — voir
    # socle/api/pagination.py ; les exports gardent l'ordre de lecture `tri`.
    pagination_class = PaginationParCurseur
    tri_curseur = ("-annee", "-id")
    nom_export = "valeurs"

    @property
    def lecture_sql_export(self):
        """Les exports (176 000 valeurs par an à l'échelle nationale) lus en SQL, champs
        déduits du sérialiseur ; l'affichage, calculé, par la fonction de `Valeur.affichage`,
        chaque nombre écrit une fois par export."""
        ecrits = {}

        def ecrire(nombre):
            # Par type et texte : -0.00 et 0, égaux pour Python, ne s'écrivent pas pareil.
            cle = (nombre.__class__, str(nombre))
            texte = ecrits.get(cle)
            if texte is None:
                texte = nombre_fr(nombre)
                if len(ecrits) < 50_000:
                    ecrits[cle] = texte
            return texte

        def affichage(unite, valeur, nombre, base):
            return texte_de_valeur(unite, valeur, nombre, base, ecrire)

        return {"affichage": (("indicateur__unite", "valeur", "nombre", "base"), affichage)}

    # Les pages JSON lues en SQL (voir `VueLectureAPI.lecture_sql_liste`) : l'ETag de chaque
    # ligne d'après sa clé et sa version, l'affichage par la fonction de `Valeur.affichage`.
    lecture_sql_liste = {
        "etag": (("id", "version"), etag_de),
        "affichage": (("indicateur__unite", "valeur", "nombre", "base"), texte_de_valeur),
    }

    colonnes_export = [
        Colonne("Identifiant", "id", "nombre"),
        Colonne("Code indicateur", "indicateur"),
        Colonne("Indicateur", "indicateur_libelle"),
        Colonne("Unité", "unite_libelle"),
        Colonne("Engagement", "engagement", "nombre"),
        Colonne("Code territoire", "territoire"),
        Colonne("Territoire", "territoire_nom"),
        Colonne("Année", "annee", "nombre"),
        Colonne("Valeur", "valeur", "nombre"),
        Colonne("Nombre", "nombre", "nombre"),
        Colonne("Base", "base", "nombre"),
        Colonne("Affichage", "affichage"),
        Colonne("Source", "source"),
        Colonne("Commentaire", "commentaire"),
        *colonnes_api_provenance(),
        Colonne("Producteur", "producteur_nom"),
        Colonne("Statut", "statut_libelle"),
        Colonne("Origine", "origine_libelle"),
        Colonne("Démo", "demo"),
        Colonne("Version", "version", "nombre"),
        Colonne("Validée le", "valide_le", "dateheure"),
        Colonne("Modifiée le", "modifie_le", "dateheure"),
    ]

    @property
    def taille_max_requete(self):
        return envoi.TAILLE_MAX_ENVOI if getattr(self, "action", None) == "bulk" else None

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
            "create": ValeurSerializer,
            "update": ValeurModificationSerializer,
            "partial_update": ValeurModificationSerializer,
            "renvoyer": MotifSerializer,
            "bulk": EnvoiGroupeSerializer,
        }.get(
            getattr(self, "action", None),
            ValeurExportSerializer if self.est_export else ValeurSerializer,
        )

    def codes_erreur_de(self, methode, action_nom):
        """Réponses d'erreur propres à chaque opération (lues par le schéma OpenAPI)."""
        if methode == "GET":
            return super().codes_erreur_de(methode, action_nom)
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
        if self.est_export:
            return queryset.with_list_data()
        return charger_enregistrements(queryset)

    def repondre(self, valeur, statut=status.HTTP_200_OK, headers=None):
        donnees = ValeurSerializer(valeur, context=self.get_serializer_context()).data
        return Response(donnees, status=statut, headers={"ETag": etag(valeur), **(headers or {})})

    def relire(self, valeur):
        """La valeur telle qu'enregistrée, avec ce que le sérialiseur lit."""
        return charger_enregistrements(Valeur.objects.filter(pk=valeur.pk)).get()

    # --- création et modification ------------------------------------------------------------

    def create(self, request, *args, **kwargs):
        entree = self.get_serializer(data=request.data)
        entree.is_valid(raise_exception=True)
        saisie = dict(entree.validated_data)
        indicateur, territoire = saisie.pop("indicateur"), saisie.pop("territoire")
        annee = saisie.pop("annee")
        saisie.pop("version", None)  # une création ne porte pas de version lue
        saisie = sans_part_lue(indicateur, saisie)
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
                raise refus_api(ctx.refuser("saisir", existante, campagne, refus))
            raise self.conflit_existante(existante, territoire)
        try:
            with raison_historique(raison_pour(request, "création")):
                valeur, _ = ecrire_valeur(ctx, indicateur, territoire, annee, saisie, version=0)
        except RefusDeSaisie as refus:
            raise refus_api(refus) from None
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
            raise refus_api(ctx.refuser("saisir", valeur, campagne, refus))
        self.verifier_version_lue(request, valeur)
        self.verifier_cle_inchangee(request.data, valeur)
        entree = self.get_serializer(data=request.data, partial=partielle)
        entree.is_valid(raise_exception=True)
        saisie = {
            c: v
            for c, v in entree.validated_data.items()
            if c not in ("indicateur", "territoire", "annee", "version")
        }
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
        saisie = sans_part_lue(valeur.indicateur, saisie)
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
            raise refus_api(refus) from None
        except ConflitDeVersion as conflit:
            raise PreconditionEchouee(conflit.message) from None
        return self.repondre(self.relire(valeur))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def verifier_version_lue(self, request, valeur):
        """La précondition d'une modification : l'en-tête If-Match (ETag lu) ou, à défaut, la
        `version` de l'enregistrement renvoyé ; ni l'un ni l'autre : 428 ; périmée : 412."""
        version = request.data.get("version") if isinstance(request.data, dict) else None
        lisible = isinstance(version, int) and not isinstance(version, bool)
        if request.headers.get("If-Match", "").strip() or not lisible:
            verifier_if_match(request, valeur)
        elif version != valeur.version:
            raise PreconditionEchouee(
                f"Cette valeur a été modifiée depuis votre lecture (version {version} lue, "
                f"version {valeur.version} actuelle) : relisez-la avant d’écrire."
            )

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
        elements, soumettre = envoi.lire_envoi(request.data)
        lus, erreurs = envoi.lire_elements(elements)

        def appliquer():
            # Un nouvel envoi à chaque essai : l'état (erreurs) d'un essai annulé ne compte pas.
            groupe = EnvoiGroupe(request.user, len(elements), erreurs)
            return groupe.appliquer(lus, soumettre)

        try:
            with raison_historique(raison_pour(request, "envoi groupé")):
                # Annulé par PostgreSQL (interblocage avec une autre écriture) : rien n'est
                # écrit, on rejoue quelques fois ; au-delà, 409 (socle/api/concurrence.py).
                rapport = reessayer_si_concurrence(appliquer)
        except LotRefuse as lot:
            raise envoi.refus_du_lot(lot) from None
        return Response(envoi.rapport_json(request, rapport))
