"""Export tableur des valeurs des indicateurs, déclaré comme des données (socle/tableur.py).

Les colonnes sont celles du modèle d'import d'une campagne (mêmes en-têtes, même ordre) : un
export de la liste des valeurs se complète et se redépose tel quel. Les colonnes d'aide
(libellés, valeur N-1, part calculée, statut, démo) sont ignorées à l'import.

Une ligne est une `Valeur`, ou une `LigneValeur` : la même valeur lue en SQL sur les seuls
champs des colonnes (`lignes_export`, modèle d'import), sans objet du modèle par ligne
(enregistrée, ou non encore saisie pour le modèle : statut « À saisir », sans version). La
valeur de l'année précédente se lit dans l'attribut `valeur_precedente` quand l'appelant l'a
posé (annotation `avec_valeur_precedente`, ou dictionnaire du modèle d'import)."""

from collections import namedtuple

from django.db.models import OuterRef, Subquery

from indicateurs.models import Indicateur, Territoire, Valeur
from socle.tableur import TAILLE_PAQUET, Colonne, Format

SOURCE_PORTAIL = "Portail du contrat de ville (saisie, import ou API des producteurs)"


def _part(valeur):
    return valeur.valeur if valeur.indicateur.est_nombre_part else None


# Libellés des choix, lus une fois (`get_…_display` coûte cher sur des centaines de milliers de
# lignes) ; un code inconnu s'écrit tel quel, comme le ferait `get_…_display`.
LIBELLES_UNITE = dict(Indicateur.Unite.choices)
LIBELLES_STATUT = dict(Valeur.Statut.choices)


def _unite(valeur):
    unite = valeur.indicateur.unite
    return LIBELLES_UNITE.get(unite, unite)


def _statut(valeur):
    return LIBELLES_STATUT.get(valeur.statut, valeur.statut) if valeur.pk else "À saisir"


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
    Colonne("Unité", _unite, largeur=16),
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
        _statut,
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
    # Sans tri (celui du modèle joindrait et trierait à chaque ligne) : une lecture de l'index
    # unique (indicateur, territoire, année) par ligne.
    precedentes = (
        Valeur.objects.for_user(user)
        .filter(
            indicateur=OuterRef("indicateur"),
            territoire=OuterRef("territoire"),
            annee=OuterRef("annee") - 1,
        )
        .order_by()
    )
    return valeurs.annotate(valeur_precedente=Subquery(precedentes.values("valeur")[:1]))


# Les champs d'une valeur que lisent les colonnes de l'export et de la provenance, dans l'ordre
# de `LigneValeur`.
CHAMPS_LUS = (
    "pk", "annee", "valeur", "nombre", "base", "source", "commentaire", "statut", "demo",
    "version", "reserve_perimetre", "deduite", "motif_deduction",
)  # fmt: skip


# Une valeur pas encore saisie : les valeurs par défaut du modèle `Valeur`.
_DEFAUTS = {
    nom: None if nom == "pk" else Valeur._meta.get_field(nom).get_default()
    for nom in CHAMPS_LUS
    if nom != "annee"
}


class LigneValeur(
    namedtuple("LigneValeur", (*CHAMPS_LUS, "valeur_precedente", "indicateur", "territoire"))
):
    """Une valeur telle que la lisent `COLONNES_VALEURS` et la provenance : un tuple lu en SQL
    (ni objet du modèle, ni sérialiseur par ligne), l'indicateur et le territoire partagés par
    toutes leurs lignes. `pk` vide : une valeur attendue, pas encore saisie."""

    __slots__ = ()

    @classmethod
    def a_saisir(cls, annee, indicateur, territoire, valeur_precedente=None):
        """La ligne d'une valeur attendue mais pas encore saisie (modèle d'import) : les
        valeurs par défaut du modèle `Valeur`."""
        return cls(
            **_DEFAUTS,
            annee=annee,
            valeur_precedente=valeur_precedente,
            indicateur=indicateur,
            territoire=territoire,
        )


class LignesExport:
    """Les lignes d'un export de valeurs (liste filtrée), lues en flux par paquets : une seule
    requête (valeur N-1 en sous-requête, codes et libellés joints), une `LigneValeur` par
    valeur ; l'indicateur et le territoire ne sont construits qu'une fois chacun."""

    CHAMPS_INDICATEUR = ("indicateur_id", "indicateur__code", "indicateur__libelle",
                         "indicateur__unite")  # fmt: skip
    CHAMPS_TERRITOIRE = ("territoire_id", "territoire__code", "territoire__nom")

    def __init__(self, valeurs, user):
        self.requete = avec_valeur_precedente(valeurs, user).values_list(
            *CHAMPS_LUS, "valeur_precedente", *self.CHAMPS_INDICATEUR, *self.CHAMPS_TERRITOIRE
        )

    def __iter__(self):
        indicateurs, territoires = {}, {}
        n = len(CHAMPS_LUS) + 1
        for ligne in self.requete.iterator(chunk_size=TAILLE_PAQUET):
            ind_id, code, libelle, unite, ter_id, ter_code, nom = ligne[n:]
            indicateur = indicateurs.get(ind_id)
            if indicateur is None:
                indicateur = indicateurs[ind_id] = Indicateur(
                    id=ind_id, code=code, libelle=libelle, unite=unite
                )
            territoire = territoires.get(ter_id)
            if territoire is None:
                territoire = territoires[ter_id] = Territoire(id=ter_id, code=ter_code, nom=nom)
            yield LigneValeur(*ligne[:n], indicateur, territoire)


def lignes_export(valeurs, user):
    """Les valeurs d'un export (liste filtrée) prêtes pour `COLONNES_VALEURS` et la
    provenance : la valeur N-1 en sous-requête, seules les colonnes lues (ni les longs textes
    de l'indicateur, ni l'engagement, ni le producteur), en flux par paquets."""
    return LignesExport(valeurs, user)
