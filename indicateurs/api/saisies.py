"""Ce que l'API reçoit pour écrire une valeur : sa clé naturelle (indicateur × territoire ×
année, par leurs codes), les champs saisis comme dans la grille, un motif de renvoi.

Ces sérialiseurs ne contrôlent que la forme (types, longueurs, codes connus) ; les règles
(unités, valeur atypique, organisation, campagne) sont celles du service
`indicateurs.ecriture`, partagé avec la grille et l'import."""

from decimal import Decimal

from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

from indicateurs.models import ANNEE_MAX, ANNEE_MIN, Indicateur, Territoire, Valeur
from socle.api.serialiseurs import Serialiseur


class CodeField(serializers.CharField):
    """Un code (indicateur, territoire) → l'objet. Lu dans l'index préchargé du contexte
    quand il y en a un (envoi groupé : deux requêtes pour tout le lot), sinon en base."""

    slug_field = "code"  # la clé rendue (lue aussi en SQL par les exports : LectureSQL)

    def __init__(self, modele, nom, **kwargs):
        self.modele, self.nom = modele, nom
        super().__init__(**kwargs)

    def to_representation(self, value):
        return getattr(value, self.slug_field, value)

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
        help_text="« Nombre et part » seulement : le nombre, numérateur de la part (entier "
        "positif ou nul).",
    )
    base = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="« Nombre et part » seulement : la base, dénominateur de la part (le total "
        "dont le nombre est une part).",
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


EXEMPLES_ECRITURE = [
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
    OpenApiExample(
        "Corriger la valeur et expliquer l’écart (PATCH)",
        value={
            "valeur": 180,
            "commentaire": "Ouverture d’un nouveau point d’accueil en 2025.",
            "version": 3,
        },
        request_only=True,
    ),
]


def sans_part_lue(indicateur, saisie):
    """Un enregistrement lu puis renvoyé tel quel porte, pour un « nombre et part », la part
    calculée dans `valeur` : on l'ignore si elle est bien celle du nombre et de la base
    envoyés (sinon le service refuse la valeur, qui ne se saisit pas)."""
    if not indicateur.est_nombre_part or saisie.get("valeur") is None:
        return saisie
    calcul = Valeur(nombre=saisie.get("nombre"), base=saisie.get("base")).calculer_part()
    if calcul is not None and Decimal(str(saisie["valeur"])) == calcul:
        return {**saisie, "valeur": None}
    return saisie


class MotifSerializer(Serialiseur):
    motif = serializers.CharField(
        max_length=2000,
        allow_blank=True,
        help_text="Ce que le producteur doit vérifier ou corriger (obligatoire).",
    )


# Refus métier → code stable et champ auquel l'envoi groupé rattache l'erreur.
