"""Export tableur des valeurs des indicateurs, déclaré comme des données (socle/tableur.py).

Les colonnes sont celles du modèle d'import d'une campagne (mêmes en-têtes, même ordre) : un
export de la liste des valeurs se complète et se redépose tel quel. Les colonnes d'aide
(libellés, valeur N-1, part calculée, statut, démo) sont ignorées à l'import.

Une ligne est une `Valeur` (enregistrée, ou non encore saisie pour le modèle : statut
« À saisir », sans version). La valeur de l'année précédente se lit dans l'attribut
`valeur_precedente` quand l'appelant l'a posé (annotation `avec_valeur_precedente`, ou
dictionnaire du modèle d'import)."""

from django.db.models import OuterRef, Subquery

from indicateurs.models import Valeur
from socle.tableur import Colonne, Format

SOURCE_PORTAIL = "Portail du contrat de ville (saisie, import ou API des producteurs)"


def _part(valeur):
    return valeur.valeur if valeur.indicateur.est_nombre_part else None


def _valeur(valeur):
    # La part d'un « nombre et part » est calculée : la colonne « Valeur » reste vide.
    return None if valeur.indicateur.est_nombre_part else valeur.valeur


COLONNES_VALEURS = [
    Colonne(
        "Code indicateur",
        "indicateur.code",
        largeur=14,
        definition="Code stable de l’indicateur (E05-2 : engagement 5, 2e indicateur ; "
        "CTX-… : indicateur de contexte). Identifie la valeur à l’import.",
        source="Contrat de ville parisien 2024-2030",
    ),
    Colonne("Indicateur", "indicateur.libelle", largeur=60, definition="Libellé de l’indicateur."),
    Colonne("Unité", "indicateur.get_unite_display", largeur=16),
    Colonne(
        "Code territoire",
        "territoire.code",
        largeur=24,
        definition="Code stable du territoire (paris, qpv-goutte-dor…). Identifie la valeur "
        "à l’import.",
    ),
    Colonne("Territoire", "territoire.nom", largeur=36),
    Colonne("Année", "annee", Format.ENTIER, definition="Année mesurée (campagne)."),
    Colonne(
        "Valeur N-1",
        lambda v: getattr(v, "valeur_precedente", None),
        Format.NOMBRE,
        definition="Valeur de l’année précédente, même indicateur et même territoire (aide).",
    ),
    Colonne(
        "Valeur",
        _valeur,
        Format.NOMBRE,
        definition="La valeur ; parts et taux en points de pourcentage (entre 0 et 100). Vide "
        "pour un indicateur « nombre et part » : la part est calculée.",
    ),
    Colonne("Nombre", "nombre", Format.ENTIER, definition="Numérateur (nombre et part)."),
    Colonne("Base", "base", Format.ENTIER, definition="Dénominateur (nombre et part)."),
    Colonne(
        "Part calculée (%)",
        _part,
        Format.POURCENTAGE,
        definition="Nombre ÷ base × 100, calculée par le portail (aide, ignorée à l’import).",
    ),
    Colonne("Source", "source", largeur=40, definition="Source citée par le producteur."),
    Colonne(
        "Commentaire",
        "commentaire",
        largeur=40,
        definition="Explication du producteur (obligatoire pour une valeur atypique).",
    ),
    Colonne(
        "Statut",
        lambda v: v.get_statut_display() if v.pk else "À saisir",
        largeur=16,
        definition="Brouillon, soumise, validée ou renvoyée ; « À saisir » : pas encore de valeur.",
    ),
    Colonne(
        "Démo",
        lambda v: "Oui (valeur de démonstration)" if v.demo else "Non",
        largeur=16,
        definition="« Oui » : valeur synthétique de démonstration, pas une donnée réelle.",
    ),
    Colonne(
        "Version",
        lambda v: v.version if v.pk else None,
        Format.ENTIER,
        definition="Version de la valeur : protège contre les écrasements à l’import.",
    ),
]


def avec_valeur_precedente(valeurs, user):
    """Ajoute `valeur_precedente` (même indicateur et territoire, année - 1, visible par
    `user`) en une sous-requête : pas de requête par ligne."""
    precedentes = Valeur.objects.for_user(user).filter(
        indicateur=OuterRef("indicateur"),
        territoire=OuterRef("territoire"),
        annee=OuterRef("annee") - 1,
    )
    return valeurs.annotate(valeur_precedente=Subquery(precedentes.values("valeur")[:1]))
