"""Le seul écrivain de tableurs du portail : xlsx et CSV déclarés comme des données.

Un export est une liste de `Colonne` : un en-tête, un chemin vers la valeur et un format.
Les vues n'écrivent jamais de cellule elles-mêmes ; elles passent un queryset (déjà filtré
par `for_user(user)` et le FilterSet de la page, et préchargé) et la liste de colonnes :

    COLONNES = [
        Colonne("Titre", "titre", definition="Titre de l’action, saisi par la structure."),
        Colonne("Structure", "structure.nom"),
        Colonne("Hors Paris", "structure.hors_paris", Format.BOOLEEN),
        Colonne("Année", "annee", Format.ENTIER),
        Colonne("Statut", "get_statut_display"),
        Colonne("QPV", "quartiers", Format.LISTE),            # gestionnaire → .all()
        Colonne("Engagements", lambda f: [e.numero for e in f.engagements.all()], Format.LISTE),
        Colonne("Modifiée le", "modifie_le", Format.DATE_HEURE),
    ]
    return reponse_xlsx(fiches, COLONNES, "fiches-actions", feuille="Fiches-actions")
    return reponse_csv(fiches, COLONNES, "fiches-actions", Variante.EXCEL)   # en flux

Chemins : noms séparés par des points, suivis à travers les attributs ; une méthode sans
argument est appelée (`get_statut_display`), un gestionnaire de relation donne `.all()` (à
précharger pour garder un nombre de requêtes constant). Un chemin peut aussi être une fonction
qui reçoit l'objet. Une valeur manquante (`None`, texte vide) donne une cellule vide : jamais
« — », jamais 0.

Les cellules sont typées : un nombre est un nombre, une date une vraie date (jamais du texte),
un booléen « Oui »/« Non », une liste est jointe par « ; ». `Format.TEXTE` (par défaut) type
la cellule d'après la valeur Python (un entier reste un nombre, une date une date).

Sorties :
- xlsx (`classeur`, `contenu_xlsx`, `reponse_xlsx`, et `Classeur` pour plusieurs feuilles) :
  openpyxl en écriture seule (mémoire constante, lignes écrites au fil de l'eau), en-tête en
  gras figé, filtre automatique, largeurs, feuille « Définitions » facultative (une ligne par
  colonne : sens, unité, source), graphiques natifs (`graphique_barres`) ;
- CSV (`lignes_csv`, `reponse_csv`), en flux depuis `queryset.iterator(chunk_size=…)`, en
  deux variantes : `Variante.MACHINE` (RFC 4180, UTF-8 sans BOM, virgule, dates ISO 8601,
  point décimal, true/false) et `Variante.EXCEL` (« Excel (français) » : UTF-8 avec BOM, « ; »,
  virgule décimale, dates jj/mm/aaaa, Oui/Non).

Neutralisation des formules, pour toute cellule de texte : un texte commençant par `=`, `+`,
`-`, `@`, une tabulation ou un retour chariot n'est jamais une formule. En xlsx la cellule est
de type texte avec le style « préfixe apostrophe » (quotePrefix : Excel la garde en texte même
après modification) ; en CSV le texte est préfixé d'une apostrophe. Les caractères de contrôle
interdits par le format sont retirés, et le texte tronqué à la limite d'une cellule Excel.
"""

from __future__ import annotations

import csv
import enum
import math
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import cached_property
from itertools import islice
from xml.sax.saxutils import escape
from zipfile import ZIP_DEFLATED, ZipFile

from django.db.models import Manager, QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.series import SeriesLabel
from openpyxl.compat import safe_string
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.writer.excel import ExcelWriter

LIMITE_CELLULE = 32_767  # caractères au plus dans une cellule Excel
LIMITE_NOM_FEUILLE = 31  # caractères au plus dans un nom de feuille Excel
TYPE_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TYPE_CSV = "text/csv"
# Lignes lues par requête (et préchargées ensemble) quand un export parcourt un queryset.
TAILLE_PAQUET = 2000
# Premiers caractères qui font d'un texte une formule dans un tableur (OWASP « CSV
# injection »), tabulation et retour chariot compris.
DEBUTS_DE_FORMULE = ("=", "+", "-", "@", "\t", "\r")
SEPARATEUR_LISTE = "; "
FEUILLE_DEFINITIONS = "Définitions"


class Format(enum.Enum):
    """Comment une valeur est écrite dans sa cellule."""

    TEXTE = "texte"  # typé d'après la valeur : texte, nombre, date, Oui/Non, liste
    ENTIER = "entier"
    DECIMAL = "decimal"
    NOMBRE = "nombre"  # entier ou décimal, précision gardée (« 40.00 »)
    EUROS = "euros"
    POURCENTAGE = "pourcentage"  # valeur en points (12,5 → « 12,5 % »)
    DATE = "date"
    DATE_HEURE = "date_heure"
    BOOLEEN = "booleen"
    LISTE = "liste"


# Formats de nombre Excel ; Excel les affiche selon la langue du poste (virgule décimale).
FORMATS_NOMBRE = {
    Format.ENTIER: "0",
    Format.DECIMAL: "#,##0.##",
    Format.EUROS: '#,##0.00 "€"',
    Format.POURCENTAGE: '0.0 "%"',
    Format.DATE: "DD/MM/YYYY",
    Format.DATE_HEURE: "DD/MM/YYYY HH:MM",
}
FORMAT_DATE = FORMATS_NOMBRE[Format.DATE]
FORMAT_DATE_HEURE = FORMATS_NOMBRE[Format.DATE_HEURE]
FORMATS_NUMERIQUES = (
    Format.ENTIER,
    Format.DECIMAL,
    Format.NOMBRE,
    Format.EUROS,
    Format.POURCENTAGE,
)

LARGEURS = {
    Format.TEXTE: 40,
    Format.LISTE: 30,
    Format.ENTIER: 10,
    Format.DECIMAL: 12,
    Format.NOMBRE: 12,
    Format.EUROS: 14,
    Format.POURCENTAGE: 10,
    Format.DATE: 12,
    Format.DATE_HEURE: 17,
    Format.BOOLEEN: 8,
}
LARGEUR_MIN, LARGEUR_MAX = 8, 60

# L'unité écrite dans la feuille « Définitions » quand la colonne n'en déclare pas.
UNITES = {
    Format.TEXTE: "Texte",
    Format.ENTIER: "Nombre entier",
    Format.DECIMAL: "Nombre",
    Format.NOMBRE: "Nombre",
    Format.EUROS: "Euros (€)",
    Format.POURCENTAGE: "Pourcentage, en points (12,5 = 12,5 %)",
    Format.DATE: "Date (jj/mm/aaaa)",
    Format.DATE_HEURE: "Date et heure de Paris (jj/mm/aaaa hh:mm)",
    Format.BOOLEEN: "Oui / Non",
    Format.LISTE: "Liste (éléments séparés par « ; »)",
}

BLEU = "1D3B6F"
ENTETE_FONTE = Font(bold=True)
ENTETE_FOND = PatternFill("solid", fgColor="DCE3F0")
ENTETE_BORD = Border(bottom=Side(style="thin", color="8A94A6"))
ENTETE_ALIGNEMENT = Alignment(wrap_text=True, vertical="top")
TEXTE_LONG = Alignment(wrap_text=True, vertical="top")


# Ce qu'un chemin lit sans appel ni gestionnaire de relation : la lecture s'arrête là.
_TYPES_SIMPLES = frozenset({str, int, bool, Decimal, float, date, datetime, type(None)})

# --- colonnes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Colonne:
    """Une colonne d'export : en-tête, chemin (« structure.nom » ou fonction) et format.

    Facultatifs : `largeur` (caractères), `definition`, `unite` et `source` (feuille
    « Définitions »), `excel` (format de nombre Excel, ou fonction de l'objet quand il dépend
    de la ligne : « +0.0 "pts" » pour une évolution en points), `separateur` des listes."""

    entete: str
    chemin: str | Callable[[object], object]
    format: Format = Format.TEXTE
    largeur: int | None = None
    definition: str = ""
    unite: str = ""
    source: str = ""
    excel: str | Callable[[object], str | None] | None = None
    separateur: str = SEPARATEUR_LISTE

    def lire(self, objet):
        """La valeur brute de la colonne pour `objet` (avant mise en forme)."""
        return self.lecteur(objet)

    @cached_property
    def lecteur(self) -> Callable[[object], object]:
        """La fonction de lecture de la colonne, préparée une fois : sur des centaines de
        milliers de lignes, ne pas redécouper le chemin ni interroger le type d'un texte ou
        d'un nombre à chaque cellule."""
        if callable(self.chemin):
            return self.chemin
        noms = tuple(self.chemin.split("."))

        def lire(objet):
            valeur = objet
            for nom in noms:
                if valeur is None:
                    return None
                valeur = getattr(valeur, nom)
                if valeur.__class__ in _TYPES_SIMPLES:
                    continue
                if isinstance(valeur, Manager):
                    valeur = valeur.all()
                elif callable(valeur):
                    valeur = valeur()
            return valeur

        return lire

    def typer(self, objet):
        """La valeur typée de la cellule (None, texte, booléen, nombre, date, date et heure),
        commune au xlsx et aux deux CSV."""
        return typer(self.lire(objet), self.format, self.separateur)

    def valeur(self, objet):
        """La valeur telle qu'écrite dans la cellule xlsx."""
        return valeur_xlsx(self.typer(objet))

    def format_excel(self, objet, valeur):
        """Le format de nombre Excel de la cellule (None : format général)."""
        if isinstance(valeur, bool) or not isinstance(valeur, int | float | Decimal | date):
            return None
        propre = self.excel(objet) if callable(self.excel) else self.excel
        if propre:
            return propre
        if isinstance(valeur, datetime):
            return FORMAT_DATE_HEURE
        if isinstance(valeur, date):
            return FORMAT_DATE
        return FORMATS_NOMBRE.get(self.format)

    @property
    def unite_lisible(self):
        return self.unite or UNITES[self.format]


# --- typage des valeurs ----------------------------------------------------------------------


def texte_propre(valeur) -> str:
    """Texte sans caractère de contrôle interdit, tronqué à la limite d'une cellule."""
    texte = ILLEGAL_CHARACTERS_RE.sub("", str(valeur))
    if len(texte) > LIMITE_CELLULE:
        texte = texte[: LIMITE_CELLULE - 1] + "…"
    return texte


def est_formule(texte) -> bool:
    """Vrai si un tableur prendrait ce texte pour une formule."""
    return isinstance(texte, str) and texte.startswith(DEBUTS_DE_FORMULE)


def neutraliser_csv(texte: str) -> str:
    """Un texte qu'un tableur prendrait pour une formule, préfixé d'une apostrophe."""
    return "'" + texte if est_formule(texte) else texte


def _est_liste(valeur):
    return isinstance(valeur, list | tuple | set | frozenset | QuerySet)


def _element(valeur):
    """Un élément de liste, en texte."""
    if isinstance(valeur, bool):
        return "Oui" if valeur else "Non"
    if isinstance(valeur, datetime):
        return _heure_locale(valeur).strftime("%d/%m/%Y %H:%M")
    if isinstance(valeur, date):
        return valeur.strftime("%d/%m/%Y")
    return str(valeur)


def _joindre(valeurs, separateur):
    morceaux = [_element(v) for v in valeurs if v is not None and v != ""]
    return texte_propre(separateur.join(morceaux)) or None


def _nombre(valeur):
    """Un nombre Python depuis un nombre ou un texte (« 12.50 », « 12,5 ») ; None sinon."""
    if isinstance(valeur, bool):
        return None
    if isinstance(valeur, float):
        return valeur if math.isfinite(valeur) else None
    if isinstance(valeur, int | Decimal):
        return valeur if not isinstance(valeur, Decimal) or valeur.is_finite() else None
    texte = str(valeur).strip().replace("\xa0", "").replace("\u202f", "").replace(",", ".")
    try:
        nombre = Decimal(texte)
    except InvalidOperation:
        return None
    return nombre if nombre.is_finite() else None


def _heure_locale(moment: datetime) -> datetime:
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def _date(valeur):
    if isinstance(valeur, datetime):
        return _heure_locale(valeur).date()
    if isinstance(valeur, date):
        return valeur
    try:
        return date.fromisoformat(str(valeur)[:10])
    except ValueError:
        return None


def _date_heure(valeur):
    if isinstance(valeur, datetime):
        return valeur
    if isinstance(valeur, date):
        return valeur
    try:
        return datetime.fromisoformat(str(valeur).replace("Z", "+00:00"))
    except ValueError:
        return None


def typer(valeur, format_=Format.TEXTE, separateur=SEPARATEUR_LISTE):
    """La valeur typée d'une cellule : None (cellule vide), str, bool, int, float, Decimal,
    date ou datetime. Une valeur qui ne se lit pas dans le format de la colonne (un texte
    dans une colonne de nombres) reste un texte, jamais perdue."""
    if isinstance(valeur, Manager):
        valeur = valeur.all()
    if valeur is None or (isinstance(valeur, str) and not valeur.strip()):
        return None
    if format_ is Format.BOOLEEN:
        return bool(valeur)
    if _est_liste(valeur):
        return _joindre(valeur, separateur)
    if format_ is Format.LISTE:
        return texte_propre(valeur)
    converti = None
    if format_ is Format.ENTIER:
        nombre = _nombre(valeur)
        if nombre is not None:
            converti = int(nombre) if nombre == int(nombre) else nombre
    elif format_ in FORMATS_NUMERIQUES:
        converti = _nombre(valeur)
    elif format_ is Format.DATE:
        converti = _date(valeur)
    elif format_ is Format.DATE_HEURE:
        converti = _date_heure(valeur)
    elif isinstance(valeur, bool | int | float | Decimal | date):
        converti = valeur  # TEXTE : la cellule prend le type de la valeur
    if converti is not None:
        return converti
    return texte_propre(valeur)


def valeur_xlsx(valeur):
    """Une valeur typée telle qu'écrite dans une cellule xlsx : Oui/Non pour un booléen,
    date et heure de Paris sans fuseau (Excel ne connaît pas les fuseaux)."""
    if isinstance(valeur, bool):
        return "Oui" if valeur else "Non"
    if isinstance(valeur, datetime):
        return _heure_locale(valeur).replace(tzinfo=None, microsecond=0)
    return valeur


def formater(valeur, format_=Format.TEXTE):
    """Met une valeur Python au format d'une cellule xlsx (voir `Format`)."""
    return valeur_xlsx(typer(valeur, format_))


# --- CSV -------------------------------------------------------------------------------------


class Variante(enum.Enum):
    """Les deux CSV : pour les programmes (RFC 4180, ISO 8601) et pour Excel en français."""

    MACHINE = "machine"
    EXCEL = "excel"

    @property
    def separateur(self):
        return ";" if self is Variante.EXCEL else ","

    @property
    def bom(self):
        # Sans BOM, Excel lit l'UTF-8 comme du Windows-1252 : accents cassés.
        return "\ufeff" if self is Variante.EXCEL else ""

    @property
    def libelle(self):
        return "CSV (Excel, français)" if self is Variante.EXCEL else "CSV (RFC 4180, ISO 8601)"


def _decimal_texte(nombre) -> str:
    if isinstance(nombre, float):
        nombre = Decimal(repr(nombre))
    return format(nombre, "f")


def texte_csv(valeur, variante: Variante) -> str:
    """Une valeur typée (voir `typer`) écrite dans une cellule CSV de la variante."""
    if valeur is None:
        return ""
    excel = variante is Variante.EXCEL
    if isinstance(valeur, bool):
        return ("Oui" if valeur else "Non") if excel else ("true" if valeur else "false")
    if isinstance(valeur, int):
        return str(valeur)
    if isinstance(valeur, float | Decimal):
        texte = _decimal_texte(valeur)
        return texte.replace(".", ",") if excel else texte
    if isinstance(valeur, datetime):
        if excel:
            return _heure_locale(valeur).strftime("%d/%m/%Y %H:%M")
        if timezone.is_naive(valeur):
            valeur = timezone.make_aware(valeur)
        return timezone.localtime(valeur).replace(microsecond=0).isoformat()
    if isinstance(valeur, date):
        return valeur.strftime("%d/%m/%Y") if excel else valeur.isoformat()
    return neutraliser_csv(str(valeur))


# --- cellules gardées en mémoire ----------------------------------------------------------------
#
# Un export national écrit des millions de cellules, mais peu de valeurs distinctes par colonne
# (codes, libellés, statuts, Oui/Non) : la cellule d'une valeur brute déjà vue est reprise telle
# quelle au lieu d'être typée et mise en forme de nouveau ; un entier ou un décimal s'écrit
# directement (son texte ne dépend que de lui et du format de la colonne). Le résultat est
# exactement celui du chemin complet (`typer`, `texte_csv`, `_fragment`), qui sert à la
# première rencontre (tests/socle/test_tableur.py compare les deux).

TAILLE_MEMO = 4000  # valeurs distinctes gardées par colonne (la mémoire reste bornée)
LONGUEUR_MEMO = 300  # un texte plus long (commentaire) n'est pas gardé
_ABSENT = object()
# Formats où un entier, ou un décimal fini, s'écrit tel quel (ni Oui/Non, ni date, ni liste ;
# en ENTIER un décimal peut devenir entier : chemin complet).
_DIRECTS_ENTIER = frozenset(
    {Format.TEXTE, Format.ENTIER, Format.NOMBRE, Format.DECIMAL, Format.EUROS, Format.POURCENTAGE}
)
_DIRECTS_DECIMAL = _DIRECTS_ENTIER - {Format.ENTIER}
# Formats où un horodatage avec fuseau s'écrit à l'heure de Paris sans passer par `typer`.
_DIRECTS_MOMENT = frozenset({Format.TEXTE, Format.DATE_HEURE})


def _cle_memo(brut):
    """La clé sous laquelle se garde la cellule d'une valeur brute (None : pas gardée). Le type
    est dans la clé (1, True et Decimal(1) sont égaux pour Python, pas dans une cellule), et un
    décimal se garde par son texte (12.5 et 12.50 ne s'écrivent pas pareil en CSV)."""
    classe = brut.__class__
    if classe is str:
        return brut if len(brut) <= LONGUEUR_MEMO else None
    if classe is int or classe is bool:
        return (classe, brut)
    if classe is Decimal:
        return (classe, str(brut))
    if classe is datetime or classe is date:
        # Des horodatages répétés : une validation en masse date toutes ses valeurs pareil.
        return (classe, brut)
    return None


class _TexteCSV:
    """Le texte CSV des cellules d'une colonne, dans une variante."""

    def __init__(self, colonne: Colonne, variante: Variante):
        self.colonne, self.variante = colonne, variante
        self.lecteur = colonne.lecteur
        self.excel = variante is Variante.EXCEL
        self.direct_entier = colonne.format in _DIRECTS_ENTIER
        self.direct_decimal = colonne.format in _DIRECTS_DECIMAL
        self.direct_moment = colonne.format in _DIRECTS_MOMENT
        # Le fuseau de Paris lu une fois (`timezone.localtime` le relit à chaque cellule).
        self.fuseau = timezone.get_current_timezone()
        self.memo = {}

    def texte(self, objet) -> str:
        brut = self.lecteur(objet)
        if brut is None:
            return ""
        classe = brut.__class__
        if classe is int and self.direct_entier:
            return str(brut)
        if classe is datetime and self.direct_moment and brut.utcoffset() is not None:
            # Comme `texte_csv` d'un horodatage avec fuseau : l'heure de Paris.
            local = brut.astimezone(self.fuseau)
            if self.excel:
                return local.strftime("%d/%m/%Y %H:%M")
            return local.replace(microsecond=0).isoformat()
        if classe is Decimal and self.direct_decimal and brut.is_finite():
            texte = format(brut, "f")
            return texte.replace(".", ",") if self.excel else texte
        cle = _cle_memo(brut)
        if cle is None:
            return self.complet(brut)
        texte = self.memo.get(cle)
        if texte is None:
            texte = self.complet(brut)
            if len(self.memo) < TAILLE_MEMO:
                self.memo[cle] = texte
        return texte

    def complet(self, brut) -> str:
        colonne = self.colonne
        return texte_csv(typer(brut, colonne.format, colonne.separateur), self.variante)


class _Tampon:
    """Le « fichier » du module csv : rend chaque ligne au lieu de la garder."""

    def write(self, texte):
        return texte


def iterer(lignes: Iterable, taille=TAILLE_PAQUET) -> Iterator:
    """Les lignes d'un export, lues par paquets quand c'est un queryset (mémoire bornée ; les
    préchargements sont faits par paquet)."""
    if isinstance(lignes, QuerySet):
        return lignes.iterator(chunk_size=taille)
    return iter(lignes)


def par_paquets(lignes: Iterable, taille=TAILLE_PAQUET) -> Iterator[list]:
    """Les lignes par listes de `taille` (pour sérialiser un paquet à la fois)."""
    source = iterer(lignes, taille)
    while paquet := list(islice(source, taille)):
        yield paquet


def lignes_csv(
    lignes: Iterable, colonnes: Sequence[Colonne], variante: Variante = Variante.MACHINE
) -> Iterator[bytes]:
    """Le CSV, morceau par morceau (octets UTF-8) : en-têtes, puis une ligne par objet."""
    ecrivain = csv.writer(_Tampon(), delimiter=variante.separateur, lineterminator="\r\n")
    yield (variante.bom + ecrivain.writerow([c.entete for c in colonnes])).encode()
    textes = [_TexteCSV(c, variante).texte for c in colonnes]
    morceau = []
    for objet in iterer(lignes):
        morceau.append(ecrivain.writerow([texte(objet) for texte in textes]))
        if len(morceau) >= 200:
            yield "".join(morceau).encode()
            morceau = []
    if morceau:
        yield "".join(morceau).encode()


def nom_avec_date(nom_fichier: str, extension: str) -> str:
    return f"{nom_fichier}-{timezone.localdate():%Y-%m-%d}.{extension}"


def reponse_csv(
    lignes: Iterable,
    colonnes: Sequence[Colonne],
    nom_fichier: str,
    variante: Variante = Variante.EXCEL,
) -> StreamingHttpResponse:
    """Réponse de téléchargement CSV en flux (la mémoire ne croît pas avec les lignes) ; le
    nom de fichier reçoit la date du jour."""
    reponse = StreamingHttpResponse(
        lignes_csv(lignes, colonnes, variante), content_type=f"{TYPE_CSV}; charset=utf-8"
    )
    nom = nom_avec_date(nom_fichier, "csv")
    reponse["Content-Disposition"] = f'attachment; filename="{nom}"'
    return reponse


# --- xlsx : classeur, feuilles, tableaux ------------------------------------------------------


def nom_de_feuille(nom) -> str:
    """Un nom de feuille valide pour Excel (31 caractères, sans « []:*?/\\ »)."""
    propre = texte_propre(nom)
    for interdit in "[]:*?/\\":
        propre = propre.replace(interdit, " ")
    return " ".join(propre.split())[:LIMITE_NOM_FEUILLE].strip() or "Export"


def _longueur(valeur) -> int:
    if valeur is None:
        return 0
    if isinstance(valeur, datetime):
        return 16
    if isinstance(valeur, date):
        return 10
    if isinstance(valeur, bool):
        return 3
    if isinstance(valeur, int | float | Decimal):
        return len(f"{valeur:,.2f}") + 2
    return max((len(ligne) for ligne in str(valeur).split("\n")), default=0)


@dataclass
class Tableau:
    """Un tableau écrit dans une feuille : où sont son en-tête et ses lignes (pour les
    graphiques et les formules de synthèse)."""

    feuille: Feuille
    colonnes: Sequence[Colonne]
    ligne_entete: int
    nombre_de_lignes: int
    colonne_debut: int = 1

    @property
    def premiere_ligne(self):
        return self.ligne_entete + 1

    @property
    def derniere_ligne(self):
        return self.ligne_entete + self.nombre_de_lignes

    def numero_colonne(self, entete) -> int:
        """Le numéro (1 = A) de la colonne d'en-tête `entete`."""
        for i, colonne in enumerate(self.colonnes):
            if colonne.entete == entete:
                return self.colonne_debut + i
        raise KeyError(entete)

    def reference(self, premiere, derniere=None, entete=True, sauter=0):
        """Les cellules des colonnes `premiere` à `derniere` (en-têtes), avec ou sans
        l'en-tête, pour un graphique ; `sauter` : lignes de données laissées de côté au début
        (une ligne de total), sans l'en-tête."""
        debut = self.numero_colonne(premiere)
        fin = self.numero_colonne(derniere) if derniere else debut
        premiere_ligne = self.premiere_ligne + sauter
        return Reference(
            self.feuille.ws,
            min_col=debut,
            max_col=fin,
            min_row=self.ligne_entete if entete and not sauter else premiere_ligne,
            max_row=max(self.derniere_ligne, premiere_ligne),
        )


@dataclass
class _LigneDeTexte:
    valeur: object
    gras: bool = False
    taille: int | None = None
    couleur: str | None = None
    fond: PatternFill | None = None


@dataclass
class Style:
    """Mise en avant d'une ligne (première colonne) : gras, retrait."""

    gras: bool = False
    retrait: int = 0


# --- écriture rapide des lignes d'un tableau ----------------------------------------------------
#
# openpyxl en écriture seule garde la mémoire constante, mais sérialise chaque cellule en
# construisant un élément XML (≈ 50 µs par cellule : 4 minutes pour les 350 000 valeurs du
# bilan national). Les lignes d'un tableau s'écrivent donc directement en XML (≈ 2 µs par
# cellule), avec les mêmes valeurs et les mêmes styles que les cellules d'openpyxl (un style
# est enregistré une fois dans le classeur par openpyxl lui-même, puis repris par son
# numéro). Ce chemin passe par le flux interne de la feuille (openpyxl 3.1, épinglé dans
# pyproject.toml, avec et_xmlfile) ; s'il n'est pas là (lxml installé, autre version), les
# lignes passent par les cellules d'openpyxl, plus lentement mais à l'identique
# (tests/socle/test_tableur.py compare les deux chemins).


def _cle_de_style(valeur, format_excel=None, gras=False, retrait=0):
    """Ce qui fait le style d'une cellule de tableau : (format de nombre, préfixe apostrophe,
    texte long renvoyé à la ligne, gras, retrait)."""
    if isinstance(valeur, str):
        # Un texte qui ressemble à une formule reste du texte même modifié dans Excel.
        return (None, est_formule(valeur), len(valeur) > LARGEUR_MAX, gras, retrait)
    return (format_excel, False, False, gras, retrait)


def _cellule_stylee(ws, valeur, cle):
    """La cellule openpyxl d'une valeur xlsx (voir `valeur_xlsx`) avec le style `cle`."""
    format_excel, prefixe, long, gras, retrait = cle
    cellule = WriteOnlyCell(ws, value=valeur)
    if isinstance(cellule.value, str):
        cellule.data_type = "s"
    if prefixe:
        cellule.quotePrefix = True
    if long:
        cellule.alignment = TEXTE_LONG
    if format_excel:
        cellule.number_format = format_excel
    if gras:
        cellule.font = ENTETE_FONTE
    if retrait:
        cellule.alignment = Alignment(indent=retrait)
    return cellule


def _xml_valeur(valeur):
    """(type OOXML, texte) d'une valeur xlsx ; None pour une cellule vide."""
    if valeur is None or valeur == "":
        return None
    if isinstance(valeur, str):
        return "s", valeur
    if isinstance(valeur, date):
        # Excel ne connaît que des numéros de jour (l'époque 1900 d'openpyxl).
        valeur = to_excel(valeur)
    # Les nombres écrits comme openpyxl les écrit (16 chiffres significatifs).
    return "n", safe_string(valeur)


class _FluxDeLignes:
    """Le flux des lignes d'une feuille en écriture seule : les cellules d'openpyxl (titres,
    en-têtes) et, quand c'est possible, les lignes de données écrites directement en XML."""

    def __init__(self, ws):
        self.ws = ws
        self.numero = 0  # la dernière ligne écrite
        self.styles = {}
        ws._get_writer()
        self.xf = ws._writer.xf.send(True)
        # La fonction d'écriture du fichier de la feuille (et_xmlfile) ; absente avec lxml.
        self.brut = getattr(self.xf, "_file", None)
        self.rangees = self._rangees()
        next(self.rangees)
        ws._rows = self.rangees  # ws.append() passe désormais par ce flux

    @classmethod
    def de(cls, ws):
        flux = getattr(ws, "_flux_portail", None)
        if flux is None:
            flux = ws._flux_portail = cls(ws)
        return flux

    def _rangees(self):
        """Le générateur de lignes de la feuille (celui d'openpyxl, qui accepte aussi du XML
        déjà écrit) ; fermé par openpyxl à l'enregistrement."""
        ws, xf = self.ws, self.xf
        with xf.element("sheetData"):
            try:
                while True:
                    rangee = yield
                    if isinstance(rangee, str):
                        self.brut(rangee)
                        continue
                    self.numero += 1
                    ws._writer.write_row(xf, ws._values_to_row(rangee, self.numero), self.numero)
            except GeneratorExit:
                pass
        ws._writer.xf.send(None)

    def _style(self, cle):
        """Le numéro du style `cle` dans le classeur, enregistré par openpyxl la première
        fois."""
        numero = self.styles.get(cle)
        if numero is None:
            cellule = _cellule_stylee(self.ws, 0, cle)
            numero = self.styles[cle] = cellule.style_id if cellule.has_style else 0
        return numero

    def ecrire(self, objets, colonnes, style_ligne=None):
        """Écrit une ligne par objet ; renvoie le nombre de lignes écrites."""
        if self.brut is None:
            return self._ecrire_cellules(objets, colonnes, style_ligne)
        ecritures = [
            _CellulesXML(self, colonne, get_column_letter(i))
            for i, colonne in enumerate(colonnes, start=1)
        ]
        premiere = ecritures[0] if ecritures else None
        nombre = 0
        morceau = []
        for objet in objets:
            style = style_ligne(objet) if style_ligne else None
            nombre += 1
            self.numero += 1
            numero = self.numero
            rangee = [f'<row r="{numero}">']
            for ecriture in ecritures:
                # La mise en avant d'une ligne ne touche que sa première cellule.
                fragment = ecriture.fragment(objet, style if ecriture is premiere else None)
                if fragment is not None:
                    rangee.append(f'<c r="{ecriture.lettre}{numero}"{fragment}')
            rangee.append("</row>")
            morceau.append("".join(rangee))
            if len(morceau) >= 500:
                self.rangees.send("".join(morceau))
                morceau = []
        if morceau:
            self.rangees.send("".join(morceau))
        return nombre

    def _ecrire_cellules(self, objets, colonnes, style_ligne):
        """Les lignes par les cellules d'openpyxl (sans le flux XML direct)."""
        nombre = 0
        for objet in objets:
            valeurs = []
            for colonne in colonnes:
                valeur = valeur_xlsx(colonne.typer(objet))
                valeurs.append((valeur, colonne.format_excel(objet, valeur)))
            style = style_ligne(objet) if style_ligne else None
            nombre += 1
            self.ws.append(self._cellules(valeurs, style))
        return nombre

    def _cellules(self, valeurs, style):
        cellules = []
        for i, (valeur, format_excel) in enumerate(valeurs):
            gras, retrait = (style.gras, style.retrait) if style and i == 0 else (False, 0)
            cle = _cle_de_style(valeur, format_excel, gras, retrait)
            cellules.append(_cellule_stylee(self.ws, valeur, cle))
        return cellules

    def fragment(self, colonne, objet, brut, style=None):
        """La cellule XML de la valeur brute `brut` de `objet`, sans son début `<c r="A2"` ;
        None pour une cellule vide sans style (non écrite)."""
        valeur = valeur_xlsx(typer(brut, colonne.format, colonne.separateur))
        format_excel = colonne.format_excel(objet, valeur)
        gras, retrait = (style.gras, style.retrait) if style else (False, 0)
        ecrite = _xml_valeur(valeur)
        cle = _cle_de_style(valeur, format_excel, gras, retrait)
        numero_style = self._style(cle) if cle != _SANS_STYLE else 0
        if ecrite is None and not numero_style:
            return None
        s = f' s="{numero_style}"' if numero_style else ""
        if ecrite is None:
            return f'{s} t="n"></c>'
        if ecrite[0] == "s":
            texte = ecrite[1]
            propre = texte.strip()
            espace = ' xml:space="preserve"' if propre and propre != texte else ""
            return f'{s} t="inlineStr"><is><t{espace}>{escape(texte)}</t></is></c>'
        return f'{s} t="n"><v>{ecrite[1]}</v></c>'


_SANS_STYLE = (None, False, False, False, 0)


class _CellulesXML:
    """Les cellules XML d'une colonne d'un tableau (voir « cellules gardées en mémoire »)."""

    def __init__(self, flux: _FluxDeLignes, colonne: Colonne, lettre: str):
        self.flux, self.colonne, self.lettre = flux, colonne, lettre
        self.lecteur = colonne.lecteur
        # Un format Excel qui dépend de la ligne (une part en « % », un nombre) : la cellule
        # se garde par valeur et par format (`Colonne.format_excel` ne demande ce format que
        # pour un nombre ou une date ; un texte n'en a pas).
        self.excel_ligne = colonne.excel if callable(colonne.excel) else None
        self.memo = {}
        self.direct_entier = self.excel_ligne is None and colonne.format in _DIRECTS_ENTIER
        self.direct_decimal = self.excel_ligne is None and colonne.format in _DIRECTS_DECIMAL
        # Un nombre dont le format dépend de la ligne (valeur d'un indicateur : « % » ou
        # nombre) : écrit directement aussi, le début de cellule gardé par format. Des
        # centaines de milliers de valeurs distinctes ne tiennent pas dans la mémoire de la
        # colonne, et chacune prenait le chemin complet.
        self.direct_ligne = self.excel_ligne is not None and colonne.format in _DIRECTS_DECIMAL
        self.debuts_par_format = {}
        self.direct_moment = colonne.format in _DIRECTS_MOMENT
        # Le fuseau de Paris lu une fois (`timezone.localtime` le relit à chaque cellule).
        self.fuseau = timezone.get_current_timezone()
        self.debut_nombre = None
        # Une date et heure sans format propre s'écrit directement (numéro de jour Excel).
        self.direct_date_heure = self.direct_moment and colonne.excel is None

    def fragment(self, objet, style=None):
        brut = self.lecteur(objet)
        memo = self.memo
        if style is not None:
            return self.flux.fragment(self.colonne, objet, brut, style)
        if brut is None:
            return None
        classe = brut.__class__
        if (classe is int and self.direct_entier) or (
            classe is Decimal and self.direct_decimal and brut.is_finite()
        ):
            # Comme `_xml_valeur` (16 chiffres significatifs, comme openpyxl).
            return f"{self.debut_nombre or self._debut_nombre()}{safe_string(brut)}</v></c>"
        if self.direct_ligne and (
            classe is int or (classe is Decimal and brut.is_finite()) or classe is float
        ):
            if classe is float and not math.isfinite(brut):
                return self.flux.fragment(self.colonne, objet, brut)
            format_excel = self.excel_ligne(objet) or FORMATS_NOMBRE.get(self.colonne.format)
            debut = self.debuts_par_format.get(format_excel) or self._debut(format_excel)
            return f"{debut}{safe_string(brut)}</v></c>"
        if classe is datetime and self.direct_moment and brut.utcoffset() is not None:
            # Un horodatage (presque toujours distinct) : mis à l'heure de Paris ici, comme le
            # ferait `valeur_xlsx`, puis le chemin complet.
            brut = brut.astimezone(self.fuseau).replace(tzinfo=None)
        cle = _cle_memo(brut)
        if cle is None:
            return self.flux.fragment(self.colonne, objet, brut)
        if self.excel_ligne is not None:
            cle = (cle, self.excel_ligne(objet))
        fragment = memo.get(cle, _ABSENT)
        if fragment is _ABSENT:
            if classe is datetime and self.direct_date_heure and brut.tzinfo is None:
                # Comme `valeur_xlsx` puis `_xml_valeur` (heure de Paris, à la seconde) :
                # 530 000 dates de validation dans le classeur national.
                fragment = self._moment(brut)
            else:
                fragment = self.flux.fragment(self.colonne, objet, brut)
            if len(memo) < TAILLE_MEMO:
                memo[cle] = fragment
        return fragment

    def _moment(self, local):
        """La cellule d'une date et heure locale sans fuseau, au format date et heure."""
        debut = self._debut(FORMAT_DATE_HEURE)
        return f"{debut}{safe_string(to_excel(local.replace(microsecond=0)))}</v></c>"

    def _debut_nombre(self):
        """Le début d'une cellule de nombre de la colonne (son style ne dépend que d'elle)."""
        format_excel = self.colonne.excel or FORMATS_NOMBRE.get(self.colonne.format)
        self.debut_nombre = self._debut(format_excel)
        return self.debut_nombre

    def _debut(self, format_excel):
        """Le début d'une cellule de nombre (ou de date) au format `format_excel`, gardé par
        format : le style n'est enregistré qu'une fois."""
        debut = self.debuts_par_format.get(format_excel)
        if debut is None:
            cle = _cle_de_style(0, format_excel)
            numero_style = self.flux._style(cle) if cle != _SANS_STYLE else 0
            s = f' s="{numero_style}"' if numero_style else ""
            debut = self.debuts_par_format[format_excel] = f'{s} t="n"><v>'
        return debut


class Feuille:
    """Une feuille d'un `Classeur` : quelques lignes de texte (titre, note), puis un seul
    tableau (en-tête en gras figé, filtre automatique), et des graphiques."""

    def __init__(self, classeur: Classeur, nom: str):
        self.classeur = classeur
        self.ws = classeur.wb.create_sheet(nom_de_feuille(nom))
        self.nom = self.ws.title
        self._avant: list[_LigneDeTexte | None] = []
        self.tableau_ecrit: Tableau | None = None

    def texte(self, valeur, gras=False, taille=None, couleur=None, fond=None):
        """Une ligne de texte au-dessus du tableau (titre, périmètre, avertissement)."""
        if self.tableau_ecrit is not None:
            raise ValueError("Le texte d’une feuille s’écrit avant son tableau.")
        self._avant.append(_LigneDeTexte(valeur, gras, taille, couleur, fond))

    def ligne_vide(self):
        self._avant.append(None)

    def _cellule_texte(self, ligne: _LigneDeTexte):
        cellule = self._cellule(typer(ligne.valeur))
        if ligne.gras or ligne.taille or ligne.couleur:
            cellule.font = Font(bold=ligne.gras, size=ligne.taille or 11, color=ligne.couleur)
        if ligne.fond:
            cellule.fill = ligne.fond
        return cellule

    def _cellule(self, valeur, format_excel=None):
        """Une cellule en écriture seule ; un texte n'est jamais une formule."""
        valeur = valeur_xlsx(valeur)
        return _cellule_stylee(self.ws, valeur, _cle_de_style(valeur, format_excel))

    def _largeurs(self, colonnes, lignes):
        """Largeurs déclarées, sinon ajustées aux 500 premières lignes quand elles se lisent
        à part (une liste, ou une séquence lue à la demande comme `ListeEnFlux` : une requête
        `LIMIT 500`), sinon selon le format (un générateur ne se relit pas)."""
        echantillon = list(lignes[:500]) if isinstance(lignes, Sequence) else []
        largeurs = []
        for colonne in colonnes:
            if colonne.largeur:
                largeurs.append(colonne.largeur)
                continue
            if not echantillon:
                largeurs.append(LARGEURS.get(colonne.format, 20))
                continue
            longueur = max(
                [min(len(colonne.entete), 24)]
                + [_longueur(valeur_xlsx(colonne.typer(o))) for o in echantillon]
            )
            largeurs.append(max(LARGEUR_MIN, min(LARGEUR_MAX, longueur + 2)))
        return largeurs

    def tableau(
        self,
        lignes: Iterable,
        colonnes: Sequence[Colonne],
        *,
        filtre=True,
        style_ligne: Callable[[object], Style | None] | None = None,
    ) -> Tableau:
        """Écrit le tableau de la feuille : en-tête (gras, figé), une ligne par objet."""
        if self.tableau_ecrit is not None:
            raise ValueError(f"La feuille « {self.nom} » a déjà son tableau : une par feuille.")
        colonnes = list(colonnes)
        ligne_entete = len(self._avant) + 1
        for i, largeur in enumerate(self._largeurs(colonnes, lignes), start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = largeur
        self.ws.freeze_panes = f"A{ligne_entete + 1}"
        flux = _FluxDeLignes.de(self.ws)
        for ligne in self._avant:
            self.ws.append([self._cellule_texte(ligne)] if ligne else [])
        entetes = []
        for colonne in colonnes:
            cellule = self._cellule(colonne.entete)
            cellule.font, cellule.fill = ENTETE_FONTE, ENTETE_FOND
            cellule.border, cellule.alignment = ENTETE_BORD, ENTETE_ALIGNEMENT
            entetes.append(cellule)
        self.ws.append(entetes)
        nombre = flux.ecrire(iterer(lignes), colonnes, style_ligne)
        if filtre and colonnes:
            derniere = get_column_letter(len(colonnes))
            self.ws.auto_filter.ref = f"A{ligne_entete}:{derniere}{ligne_entete + nombre}"
        self.tableau_ecrit = Tableau(self, colonnes, ligne_entete, nombre)
        self.classeur.definitions.append((self.nom, colonnes))
        return self.tableau_ecrit

    def graphique(self, graphique, ancre: str):
        """Place un graphique natif (voir `graphique_barres`) ; ses données peuvent être sur
        une autre feuille."""
        self.ws.add_chart(graphique, ancre)

    def ajouter_validation(self, validation):
        """Une liste de choix (openpyxl `DataValidation`) sur des cellules de la feuille, pour
        un modèle à remplir."""
        self.ws.data_validations.append(validation)

    def fermer(self):
        """Écrit les lignes de texte d'une feuille restée sans tableau (« Mode d’emploi »),
        la colonne à la largeur du texte."""
        if self.tableau_ecrit is None and self._avant:
            longueur = max(_longueur(ligne.valeur) for ligne in self._avant if ligne)
            self.ws.column_dimensions["A"].width = max(LARGEUR_MIN, min(120, longueur + 2))
            for ligne in self._avant:
                self.ws.append([self._cellule_texte(ligne)] if ligne else [])
            self._avant = []


def graphique_barres(
    titre, donnees, categories, titre_y="", largeur=16, hauteur=8, valeurs=True, series=None
):
    """Un histogramme groupé natif : une série par colonne de `donnees` (`Reference` dont la
    première ligne est l'en-tête qui nomme la série, ou sans en-tête et nommées par
    `series`)."""
    graphique = BarChart()
    graphique.type = "col"
    graphique.grouping = "clustered"
    graphique.title = titre
    graphique.y_axis.title = titre_y
    graphique.y_axis.majorGridlines = None
    graphique.add_data(donnees, titles_from_data=series is None)
    for serie, nom in zip(graphique.series, series or [], strict=False):
        serie.tx = SeriesLabel(v=nom)
    graphique.set_categories(categories)
    graphique.width, graphique.height = largeur, hauteur
    if valeurs:
        graphique.dataLabels = DataLabelList()
        graphique.dataLabels.showVal = True
    # Axes visibles (les versions récentes d'openpyxl les masquent par défaut).
    graphique.x_axis.delete = False
    graphique.y_axis.delete = False
    return graphique


COLONNES_DEFINITIONS = ("Colonne", "Définition", "Unité ou format", "Source")


class Classeur:
    """Un classeur xlsx en écriture seule (openpyxl `write_only`) : les lignes partent sur le
    disque au fil de l'eau, la mémoire ne croît pas avec leur nombre. Une feuille par
    tableau ; `feuille_definitions()` ajoute la feuille « Définitions ».

        c = Classeur(titre="Bilan 2025")
        c.feuille("Crédits").tableau(credits, COLONNES_CREDITS)
        c.feuille("Crédits par type").tableau(par_type, COLONNES_PAR_TYPE)
        c.feuille_definitions()
        contenu = c.contenu()
    """

    def __init__(self, titre=None, auteur="Portail du contrat de ville parisien"):
        self.wb = Workbook(write_only=True)
        self.wb.properties.creator = auteur
        if titre:
            self.wb.properties.title = titre
        self.feuilles: list[Feuille] = []
        self.definitions: list[tuple[str, list[Colonne]]] = []

    def feuille(self, nom) -> Feuille:
        feuille = Feuille(self, nom)
        self.feuilles.append(feuille)
        return feuille

    def tableau(self, nom, lignes, colonnes, **options) -> Tableau:
        """Une nouvelle feuille qui ne contient que ce tableau."""
        return self.feuille(nom).tableau(lignes, colonnes, **options)

    def feuille_definitions(self):
        """La feuille « Définitions » : une ligne par colonne des tableaux écrits, avec son
        sens, son unité ou son format et sa source."""
        plusieurs = len(self.definitions) > 1
        lignes = [
            (nom, colonne)
            for nom, colonnes in self.definitions
            if nom != FEUILLE_DEFINITIONS
            for colonne in colonnes
        ]
        colonnes = [Colonne("Feuille", lambda r: r[0], largeur=24)] if plusieurs else []
        colonnes += [
            Colonne(COLONNES_DEFINITIONS[0], lambda r: r[1].entete, largeur=36),
            Colonne(COLONNES_DEFINITIONS[1], lambda r: r[1].definition, largeur=80),
            Colonne(COLONNES_DEFINITIONS[2], lambda r: r[1].unite_lisible, largeur=30),
            Colonne(COLONNES_DEFINITIONS[3], lambda r: r[1].source, largeur=40),
        ]
        return self.tableau(FEUILLE_DEFINITIONS, lignes, colonnes)

    def enregistrer(self, destination):
        """Écrit le fichier (chemin ou fichier ouvert en binaire)."""
        for feuille in self.feuilles:
            feuille.fermer()
        if not self.wb.worksheets:
            self.wb.create_sheet()
        # Ce que fait `Workbook.save` (openpyxl.writer.excel.save_workbook), mais compressé au
        # niveau 1 : la compression des feuilles prenait un dixième du temps du classeur
        # national (niveau 6 par défaut), pour un fichier à peine plus gros.
        self.wb.properties.modified = datetime.now(tz=UTC).replace(tzinfo=None)
        with ZipFile(destination, "w", ZIP_DEFLATED, allowZip64=True, compresslevel=1) as archive:
            ExcelWriter(self.wb, archive).save()

    def contenu(self) -> bytes:
        """Les octets du fichier .xlsx (assemblé dans un fichier temporaire)."""
        with tempfile.TemporaryFile() as fichier:
            self.enregistrer(fichier)
            fichier.seek(0)
            return fichier.read()


def _avec_definitions(colonnes, definitions):
    if definitions is None:
        return any(c.definition for c in colonnes)
    return definitions


def classeur_export(
    lignes: Iterable, colonnes: Sequence[Colonne], feuille="Export", definitions=None
) -> Classeur:
    """Un `Classeur` d'un tableau (et de sa feuille « Définitions » si des colonnes ont une
    définition, ou si `definitions=True`)."""
    c = Classeur()
    c.tableau(feuille, lignes, colonnes)
    if _avec_definitions(colonnes, definitions):
        c.feuille_definitions()
    return c


def classeur(
    lignes: Iterable, colonnes: Sequence[Colonne], feuille="Export", definitions=None
) -> Workbook:
    """Le classeur openpyxl (en écriture seule) d'un tableau : ligne d'en-têtes en gras et
    figée, une ligne par objet. À enregistrer une seule fois (`wb.save`)."""
    c = classeur_export(lignes, colonnes, feuille, definitions)
    for f in c.feuilles:
        f.fermer()
    return c.wb


def contenu_xlsx(
    lignes: Iterable, colonnes: Sequence[Colonne], feuille="Export", definitions=None
) -> bytes:
    """Les octets du fichier .xlsx."""
    return classeur_export(lignes, colonnes, feuille, definitions).contenu()


def reponse_fichier_xlsx(contenu: bytes, nom: str) -> HttpResponse:
    """Réponse de téléchargement d'un .xlsx déjà écrit, sous le nom `nom`."""
    reponse = HttpResponse(contenu, content_type=TYPE_XLSX)
    reponse["Content-Disposition"] = f'attachment; filename="{nom}"'
    return reponse


def reponse_xlsx(
    lignes: Iterable,
    colonnes: Sequence[Colonne],
    nom_fichier: str,
    feuille="Export",
    definitions=None,
) -> HttpResponse:
    """Réponse HTTP de téléchargement ; le nom de fichier reçoit la date du jour."""
    return reponse_fichier_xlsx(
        contenu_xlsx(lignes, colonnes, feuille, definitions), nom_avec_date(nom_fichier, "xlsx")
    )


# --- un export web : xlsx (par défaut) ou CSV ---------------------------------------------------

FORMATS_WEB = ("xlsx", "csv")


def reponse_export(
    request,
    lignes: Iterable,
    colonnes: Sequence[Colonne],
    nom_fichier: str,
    feuille="Export",
    format_="xlsx",
    definitions=None,
):
    """La réponse d'un bouton d'export des pages : xlsx, ou CSV « Excel (français) » en flux
    (`?variante=machine` : le CSV RFC 4180 / ISO 8601 pour un programme)."""
    if format_ == "csv":
        variante = Variante.MACHINE if request.GET.get("variante") == "machine" else Variante.EXCEL
        return reponse_csv(lignes, colonnes, nom_fichier, variante)
    return reponse_xlsx(lignes, colonnes, nom_fichier, feuille, definitions)


__all__ = [
    "Classeur",
    "Colonne",
    "Feuille",
    "Format",
    "Style",
    "Tableau",
    "Variante",
    "classeur",
    "contenu_xlsx",
    "est_formule",
    "formater",
    "graphique_barres",
    "lignes_csv",
    "neutraliser_csv",
    "reponse_csv",
    "reponse_export",
    "reponse_xlsx",
    "texte_csv",
    "typer",
]
