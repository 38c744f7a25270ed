"""L'envoi groupé (`POST /api/v1/valeurs/bulk/`), côté HTTP : lire le corps et la forme de
chaque élément (codes → objets), puis traduire le compte rendu ou le refus du service
`indicateurs.ecriture.EnvoiGroupe`, qui écrit tout ou rien."""

from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, extend_schema_serializer
from rest_framework import exceptions, serializers

from indicateurs.api.saisies import CleDeValeurSerializer, SaisieSerializer, sans_part_lue
from indicateurs.models import Indicateur, Territoire
from socle.api.concurrence import etag
from socle.api.erreurs import LotInvalide, LotPerime
from socle.api.serialiseurs import Serialiseur
from socle.chiffres import accord, compte_fr, nombre_fr

# Éléments au plus par envoi, et taille du corps (octets).
MAX_ELEMENTS_ENVOI = 1000
TAILLE_MAX_ENVOI = 5 * 1024 * 1024

# --- les corps : élément, envoi, compte rendu ---------------------------------------------------


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


# --- lecture du corps et traduction du service --------------------------------------------------


def lire_envoi(corps):
    """Le corps `{"valeurs": […], "soumettre": false}` : (éléments, soumettre), ou 400."""
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
        raise exceptions.ValidationError({"valeurs": ["Envoyez une liste non vide de valeurs."]})
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


def lire_elements(elements):
    """Contrôle de forme de chaque élément, avec des index de codes préchargés (deux requêtes
    pour tout le lot). Retourne ([(indice, données validées)], {indice: {champ: [messages]}})."""
    objets = [e for e in elements if isinstance(e, dict)]
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
    lus, erreurs = [], {}
    for index, brut in enumerate(elements):
        if not isinstance(brut, dict):
            erreurs[index] = {"general": ["Chaque élément est un objet JSON."]}
            continue
        element = ElementEnvoiSerializer(data=brut, context=contexte)
        if not element.is_valid():
            erreurs[index] = {c: [str(m) for m in ms] for c, ms in element.errors.items()}
            continue
        # Un enregistrement lu (GET) renvoyé tel quel : la part calculée n'est pas une saisie.
        lus.append(
            (index, sans_part_lue(element.validated_data["indicateur"], element.validated_data))
        )
    return lus, erreurs


def refus_du_lot(lot):
    """`LotRefuse` → 412 si les seuls défauts sont des versions périmées, 400 sinon."""
    if lot.seulement_perimees:
        return LotPerime(
            lot.erreurs,
            f"Aucune valeur n’a été enregistrée : {compte_fr(len(lot.erreurs), 'élément')} "
            f"{accord(len(lot.erreurs), 'porte', 'portent')} une version périmée (voir « erreurs ») ; relisez ces valeurs puis renvoyez.",
        )
    return LotInvalide(
        lot.erreurs,
        f"Aucune valeur n’a été enregistrée : {compte_fr(len(lot.erreurs), 'élément')} sur "
        f"{nombre_fr(lot.total)} en erreur (voir « erreurs », par position dans la liste).",
    )


def rapport_json(request, rapport):
    """Le compte rendu d'un envoi appliqué (voir `RapportEnvoiSerializer`)."""
    return {
        "nombre": rapport.nombre,
        "creees": rapport.compte("creee"),
        "modifiees": rapport.compte("modifiee"),
        "inchangees": rapport.compte("inchangee"),
        "soumises": rapport.soumises,
        "valeurs": [
            {
                "index": e.index,
                "id": e.valeur.pk,
                "etag": etag(e.valeur),
                "indicateur": e.valeur.indicateur.code,
                "territoire": e.valeur.territoire.code,
                "annee": e.valeur.annee,
                "resultat": e.resultat,
                "statut": e.valeur.statut,
                "version": e.valeur.version,
                "url": request.build_absolute_uri(reverse("api:valeur-detail", args=[e.valeur.pk])),
            }
            for e in rapport.valeurs
        ],
    }
