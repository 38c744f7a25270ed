"""Import de tableurs : une seule mécanique pour tout le portail.

Un import DÉCLARE ce qui lui est propre : le modèle écrit, ses colonnes (en-tête, champ,
lecteur de cellule), sa clé naturelle et ses règles de ligne. Tout le reste vient d'ici :
lecture bornée du fichier, erreurs numérotées en français (« Ligne 12, colonne « Valeur » :
… »), prévisualisation, confirmation tout ou rien, écriture groupée historisée, historique
des imports (`socle.models.ImportTableur`), pages (`socle/vues_import.py`) et commandes de
gestion (`CommandeImport`, avec --dry-run).

Déclarer un import (l'exemple complet est dans tests/socle/test_imports.py) :

    class DeclarationSigles(DeclarationImport):
        modele = Sigle
        objet = Nom("sigle", "sigles")
        cle = ("sigle",)                        # retrouve la ligne existante à modifier
        colonnes = (
            Colonne("Sigle", "sigle", texte, obligatoire=True),
            Colonne("Définition", "definition", texte, longueur_max=2000),
        )

puis un modèle d'historique concret (`class ImportSigles(ImportTableur)` avec
`DECLARATION = "…DeclarationSigles"`), et `executer(ImportSigles(...), confirmer=...)`.
Les règles propres à l'import se logent dans des crochets facultatifs : `preparer()` (charger
d'un coup ce que les règles consultent), `regles()` (contrôles d'une ligne), `avant_ecriture()`
(champs de suivi), `apres_ecriture()` (suite donnée aux objets écrits, dans la même
transaction), `apercu()` (ce que la prévisualisation montre).

Principes :
- Le fichier est borné avant toute lecture : taille, taille décompressée (lue dans le
  répertoire central du zip, sans rien décompresser), lignes, colonnes, longueur des textes.
  Au-delà, `FichierRefuse` (message français) et rien n'est écrit.
- Le contrôle est ensembliste : une requête par sorte de contrôle (codes référencés, lignes
  existantes pour les clés du fichier, données de comparaison), jamais une par ligne.
- Toutes les erreurs d'une ligne sont rapportées ensemble, les valeurs impossibles avant les
  règles métier, elles-mêmes avant les demandes d'explication (commentaire).
- L'écriture est groupée (`bulk_create_with_history` / `bulk_update_with_history`, auteur et
  raison d'historique renseignés). À la confirmation, seules les lignes existantes visées par
  le fichier sont verrouillées, dans l'ordre des clés primaires. Une contrainte de la base qui
  refuse encore une ligne devient l'erreur française de cette ligne, jamais le message brut.
- La prévisualisation fait le même chemin sans écrire ni verrouiller (elle ne fait que lire :
  son coût reste celui de la lecture et des contrôles) ; la confirmation refait tout le
  contrôle sous verrou, puis écrit.
"""

from __future__ import annotations

import copy
import enum
import io
import warnings
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DataError, IntegrityError, connection, models, transaction
from django.utils import formats, timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from socle.chiffres import accord, compte_fr

# --- bornes -----------------------------------------------------------------------------------

MEMBRES_ZIP_MAX = 1_000  # un classeur ordinaire en compte une dizaine
ERREURS_GARDEES_MAX = 1_000  # au-delà, l'historique garde un résumé
APERCU_GARDE_MAX = 1_000


@dataclass(frozen=True)
class Bornes:
    """Les limites d'un fichier importé (réglages IMPORT_*, lus à chaque import)."""

    taille: int
    taille_decompressee: int
    lignes: int
    colonnes: int
    texte: int

    @classmethod
    def actuelles(cls):
        return cls(
            taille=getattr(settings, "IMPORT_TAILLE_MAX", 5 * 1024 * 1024),
            taille_decompressee=getattr(settings, "IMPORT_TAILLE_DECOMPRESSEE_MAX", 50 * 1024**2),
            lignes=getattr(settings, "IMPORT_LIGNES_MAX", 20_000),
            colonnes=getattr(settings, "IMPORT_COLONNES_MAX", 50),
            texte=getattr(settings, "IMPORT_TEXTE_MAX", 5_000),
        )


class FichierRefuse(ValueError):
    """Le fichier entier est refusé (illisible, pas un classeur, au-delà d'une borne) : rien
    n'est lu ni écrit ; le message dit pourquoi, en français."""


class ImportDejaTraite(ValueError):
    """Confirmation d'un import qui n'attend plus de confirmation (déjà appliqué, abandonné,
    ou confirmé au même moment par un autre clic)."""


def nombre_lisible(n):
    """12 000 → « 12 000 » (séparateur des milliers à la française)."""
    return formats.number_format(n, use_l10n=True, force_grouping=True)


def taille_lisible(octets):
    """5 242 880 → « 5 Mo » ; 1 500 → « 1,5 ko »."""
    for unite, facteur in (("Go", 1024**3), ("Mo", 1024**2), ("ko", 1024)):
        if octets >= facteur:
            valeur = Decimal(octets) / facteur
            valeur = valeur.quantize(Decimal(1) if valeur >= 10 else Decimal("0.1"))
            return f"{formats.number_format(valeur.normalize(), use_l10n=True)}\xa0{unite}"
    return f"{octets}\xa0octets"


MESSAGE_ILLISIBLE = (
    "Le fichier n’a pas pu être lu : déposez un classeur Excel (.xlsx) enregistré depuis le modèle."
)


def message_taille(taille, bornes=None):
    bornes = bornes or Bornes.actuelles()
    return (
        f"Le fichier pèse {taille_lisible(taille)} : {taille_lisible(bornes.taille)} au plus. "
        "Découpez-le en plusieurs fichiers."
    )


# --- lecture du classeur ------------------------------------------------------------------------


@dataclass
class Feuille:
    """La première feuille d'un classeur : ses en-têtes et ses lignes non vides, chacune avec
    son numéro dans le classeur (la ligne 1 est l'en-tête)."""

    entetes: list[str]
    lignes: list[tuple[int, tuple]]


def _cellule_vide(valeur):
    return valeur is None or (isinstance(valeur, str) and not valeur.strip())


def controler_zip(contenu, bornes):
    """Refuse un fichier qui n'est pas un zip de classeur, ou dont les membres décompressés
    dépasseraient la borne. Seul le répertoire central est lu (tailles déclarées) : une bombe
    de décompression est refusée sans être décompressée. La lecture ultérieure ne peut pas
    dépasser ces tailles déclarées : zipfile s'arrête à la taille annoncée et vérifie le CRC."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(contenu))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FichierRefuse(MESSAGE_ILLISIBLE) from None
    with archive:
        membres = archive.infolist()
        if len(membres) > MEMBRES_ZIP_MAX:
            raise FichierRefuse(
                f"Le classeur contient {nombre_lisible(len(membres))} éléments internes : ce "
                "n’est pas un classeur ordinaire. Enregistrez de nouveau le modèle depuis Excel."
            )
        total = sum(m.file_size for m in membres)
        if total > bornes.taille_decompressee:
            raise FichierRefuse(
                f"Une fois décompressé, ce classeur occuperait {taille_lisible(total)} "
                f"({taille_lisible(bornes.taille_decompressee)} au plus) : il est refusé sans "
                "être ouvert. Découpez-le, ou enregistrez de nouveau le modèle depuis Excel."
            )
        if "xl/workbook.xml" not in {m.filename for m in membres}:
            raise FichierRefuse(MESSAGE_ILLISIBLE)


def lire_feuille(contenu, bornes=None):
    """Les en-têtes et les lignes non vides de la première feuille d'un classeur .xlsx.

    Lève `FichierRefuse` (message français) pour un fichier trop gros, une bombe de
    décompression, un fichier qui n'est pas un classeur ou abîmé, trop de colonnes ou trop
    de lignes. Les lignes entièrement vides sont sautées mais gardent leur numéro."""
    from openpyxl import load_workbook

    bornes = bornes or Bornes.actuelles()
    if len(contenu) > bornes.taille:
        raise FichierRefuse(message_taille(len(contenu), bornes))
    controler_zip(contenu, bornes)
    try:
        with warnings.catch_warnings():
            # openpyxl signale les fonctions d'Excel qu'il ignore (validations étendues,
            # styles) : sans intérêt pour l'import.
            warnings.simplefilter("ignore")
            classeur = load_workbook(io.BytesIO(contenu), read_only=True, data_only=True)
            try:
                return _lire_premiere_feuille(classeur, bornes)
            finally:
                classeur.close()
    except FichierRefuse:
        raise
    except Exception:  # openpyxl lève des erreurs variées sur un fichier abîmé
        raise FichierRefuse(MESSAGE_ILLISIBLE) from None


def _lire_premiere_feuille(classeur, bornes):
    if not classeur.worksheets:
        raise FichierRefuse(MESSAGE_ILLISIBLE)
    feuille = classeur.worksheets[0]
    # Les dimensions annoncées par le fichier ne sont pas fiables (ni bornées) : on les
    # ignore et on lit avec un nombre de colonnes explicite.
    feuille.reset_dimensions()
    premiere = next(
        feuille.iter_rows(min_row=1, max_row=1, max_col=bornes.colonnes + 1, values_only=True),
        (),
    )
    entetes = ["" if v is None else str(v).strip() for v in premiere]
    while entetes and not entetes[-1]:
        entetes.pop()
    if len(entetes) > bornes.colonnes:
        raise FichierRefuse(
            f"La feuille compte plus de {nombre_lisible(bornes.colonnes)} colonnes : partez du "
            "modèle téléchargé, sans ajouter de colonnes."
        )
    lignes = []
    if not entetes:
        return Feuille(entetes, lignes)
    etendue_max = 1 + 2 * bornes.lignes
    for numero, valeurs in enumerate(
        feuille.iter_rows(min_row=2, max_col=len(entetes), values_only=True), start=2
    ):
        if numero > etendue_max:
            raise FichierRefuse(
                f"La feuille s’étend au-delà de la ligne {nombre_lisible(etendue_max)} : "
                f"{nombre_lisible(bornes.lignes)} lignes au plus par fichier. Découpez-le, ou "
                "supprimez les lignes vides en fin de feuille."
            )
        if all(_cellule_vide(v) for v in valeurs):
            continue
        if len(lignes) >= bornes.lignes:
            raise FichierRefuse(
                f"Le fichier compte plus de {nombre_lisible(bornes.lignes)} lignes : "
                "découpez-le en plusieurs fichiers."
            )
        lignes.append((numero, tuple(valeurs) + (None,) * (len(entetes) - len(valeurs))))
    return Feuille(entetes, lignes)


# --- lecteurs : une cellule → une valeur Python, ou ValueError au message français ------------


def est_vide(valeur):
    return valeur is None or (isinstance(valeur, str) and not valeur.strip())


def citer(valeur, longueur=80):
    """Le contenu d'une cellule tel qu'on le cite dans un message (raccourci s'il est long)."""
    texte = str(valeur).strip()
    return texte if len(texte) <= longueur else texte[: longueur - 1] + "…"


def texte(valeur):
    """Un texte, sans espaces autour ; une cellule vide donne « »."""
    if valeur is None:
        return ""
    if isinstance(valeur, float) and valeur.is_integer():
        valeur = int(valeur)  # « 12 » tapé dans une cellule au format nombre
    return str(valeur).strip()


def nombre(valeur):
    """Un nombre décimal, qu'Excel le donne en nombre ou en texte (« 12,5 », « 12 100 »,
    « 30 % ») ; vide → None."""
    if est_vide(valeur):
        return None
    if isinstance(valeur, bool):
        raise ValueError(f"« {citer(valeur)} » n’est pas un nombre.")
    if isinstance(valeur, int | float | Decimal):
        resultat = Decimal(str(valeur))
    else:
        brut = str(valeur).strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
        brut = brut.replace(",", ".").removesuffix("%")
        try:
            resultat = Decimal(brut)
        except InvalidOperation:
            raise ValueError(f"« {citer(valeur)} » n’est pas un nombre.") from None
    if not resultat.is_finite():
        raise ValueError(f"« {citer(valeur)} » n’est pas un nombre.")
    return resultat


def entier(valeur):
    """Un nombre entier positif ou nul ; vide → None."""
    resultat = nombre(valeur)
    if resultat is None:
        return None
    if resultat != resultat.to_integral_value() or resultat < 0:
        raise ValueError(f"« {citer(valeur)} » n’est pas un nombre entier positif ou nul.")
    return int(resultat)


def annee(valeur):
    """Une année (obligatoire)."""
    if est_vide(valeur):
        raise ValueError("Année manquante.")
    try:
        resultat = Decimal(str(valeur).strip())
        if not resultat.is_finite() or resultat != resultat.to_integral_value():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise ValueError(f"« {citer(valeur)} » n’est pas une année.") from None
    return int(resultat)


class Reference:
    """Une cellule → un objet du référentiel, par sa clé (code, nom, numéro).

    L'index est chargé une fois pour tout le fichier (`charger`), en une requête : filtrée sur
    les clés présentes quand `champ` est donné (gros référentiels : indicateurs, territoires),
    sinon sur toute la table (petites listes, dont la clé est normalisée : noms sans accents).

    - `normaliser` : cellule → clé (None si la cellule ne peut pas être une clé) ;
    - `cles` : objet → sa clé, ou un tuple de clés équivalentes (nom et slug) ;
    - `inconnu` : message d'une clé absente (`{valeur}` : la cellule, `{liste}` : `liste(objets)`) ;
    - `manquant` : message d'une cellule vide ; None → facultative (vide donne None)."""

    def __init__(
        self,
        queryset,
        champ=None,
        *,
        inconnu,
        manquant=None,
        normaliser=texte,
        cles=None,
        liste=None,
    ):
        self.queryset, self.champ = queryset, champ
        self.inconnu, self.manquant = inconnu, manquant
        self.normaliser = normaliser
        self.cles = cles or (lambda objet: getattr(objet, champ))
        self.liste = liste

    def charger(self, bruts: Iterable) -> Callable:
        """Le lecteur de la colonne pour ce fichier, avec son index chargé."""
        queryset = self.queryset.all()
        if self.champ:
            voulues = {self.normaliser(b) for b in bruts if not est_vide(b)} - {None, ""}
            objets = list(queryset.filter(**{f"{self.champ}__in": voulues})) if voulues else []
        else:
            objets = list(queryset)
        index = {}
        for objet in objets:
            cles = self.cles(objet)
            for cle in cles if isinstance(cles, tuple) else (cles,):
                index.setdefault(cle, objet)
        liste = self.liste(objets) if self.liste else ""

        def lire(valeur):
            if est_vide(valeur):
                if self.manquant:
                    raise ValueError(self.manquant)
                return None
            objet = index.get(self.normaliser(valeur))
            if objet is None:
                raise ValueError(self.inconnu.format(valeur=citer(valeur), liste=liste))
            return objet

        return lire


# --- déclaration --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Colonne:
    """Une colonne lue à l'import : son en-tête dans le classeur, le champ qu'elle remplit
    (un champ du modèle, ou un nom propre aux règles de l'import), le lecteur de ses cellules,
    si elle doit figurer dans le fichier, et la longueur maximale de ses textes (à défaut,
    la borne IMPORT_TEXTE_MAX)."""

    entete: str
    champ: str
    lire: Callable | Reference = texte
    obligatoire: bool = False
    longueur_max: int | None = None


@dataclass(frozen=True)
class Nom:
    """Ce que l'import écrit, pour les messages : « 2 valeurs créées », « aucun crédit n’a
    été écrit »."""

    singulier: str
    pluriel: str
    feminin: bool = False

    def compte(self, n):
        return f"{nombre_lisible(n)} {self.singulier if n <= 1 else self.pluriel}"

    def accorder(self, participe, n=1):
        return participe + ("e" if self.feminin else "") + ("s" if n > 1 else "")

    @property
    def aucun_ecrit(self):
        e = "e" if self.feminin else ""
        return f"aucun{e} {self.singulier} n’a été écrit{e}"


class Rang(enum.IntEnum):
    """L'ordre des erreurs d'une ligne : ce qui est illisible, puis ce qui est impossible
    (unités, bornes du modèle), puis les règles métier, enfin les explications demandées."""

    LECTURE = 0
    VALEUR = 1
    REGLE = 2
    EXPLICATION = 3


class Action(enum.Enum):
    VIDE = "vide"
    INCHANGEE = "inchangée"
    CREATION = "création"
    MODIFICATION = "modification"


class Ligne:
    """Une ligne du classeur pendant l'import : ses cellules brutes, les valeurs lues, ses
    erreurs, puis ce que l'import en fait (objet créé ou modifié, original avant
    modification)."""

    def __init__(self, numero, cellules):
        self.numero = numero
        self.cellules = cellules  # en-tête → valeur brute
        self.valeurs = {}  # champ → valeur lue
        self.illisibles = set()  # champs dont la cellule n'a pas pu être lue
        self.erreurs = []  # (rang, champ ou en-tête, message)
        self.cle = None
        self.action = None
        self.objet = None
        self.original = None

    def cellule(self, entete):
        return self.cellules.get(entete)

    def erreur(self, champ, message, rang=Rang.REGLE):
        """Ajoute une erreur sur un champ (ou un en-tête ; None : la ligne entière)."""
        self.erreurs.append((rang, champ, str(message)))

    def en_erreur(self, *champs):
        """Vrai si la ligne a une erreur (sur l'un de ces champs, s'ils sont donnés)."""
        if not champs:
            return bool(self.erreurs)
        return any(champ in champs for _rang, champ, _message in self.erreurs)


@dataclass
class Rapport:
    """Ce qu'un import a trouvé (prévisualisation) ou écrit (confirmation)."""

    objet: Nom = field(default_factory=lambda: Nom("ligne", "lignes", feminin=True))
    lignes: int = 0
    nouvelles: int = 0
    modifiees: int = 0
    inchangees: int = 0
    nb_lignes_en_erreur: int = 0
    erreurs: list = field(default_factory=list)  # {ligne, colonne, message}
    apercu: list = field(default_factory=list)  # {ligne, action, …} : ce que l'import écrit

    @property
    def valide(self):
        return not self.erreurs

    def erreur_fichier(self, message):
        self.erreurs.append({"ligne": None, "colonne": "", "message": message})

    @property
    def resume(self):
        """Une phrase de compte rendu, pour les messages et la ligne de commande."""
        o = self.objet
        return (
            f"{compte_fr(self.lignes, 'ligne lue', 'lignes lues')} : {o.compte(self.nouvelles)} "
            f"à créer, {nombre_lisible(self.modifiees)} à modifier, "
            f"{nombre_lisible(self.inchangees)} {o.accorder('inchangé', self.inchangees)} ou "
            f"{accord(self.inchangees, 'vide')}, {compte_fr(self.nb_lignes_en_erreur, 'ligne')} "
            "en erreur."
        )

    @property
    def resume_applique(self):
        """Le compte rendu d'un import écrit, au passé : « 5 valeurs créées, 1 modifiée,
        2 inchangées ou vides. »"""
        o = self.objet
        n, m, i = self.nouvelles, self.modifiees, self.inchangees
        return (
            f"{o.compte(n)} {o.accorder('créé', n)}, {nombre_lisible(m)} "
            f"{o.accorder('modifié', m)}, {nombre_lisible(i)} {o.accorder('inchangé', i)} ou "
            f"{accord(i, 'vide')}."
        )


def formater_erreur(erreur):
    """« Ligne 12, colonne « Valeur » : … » (ou « Fichier : … »)."""
    ligne = f"Ligne {erreur['ligne']}" if erreur["ligne"] else "Fichier"
    colonne = f", colonne « {erreur['colonne']} »" if erreur["colonne"] else ""
    return f"{ligne}{colonne} : {erreur['message']}"


class DeclarationImport:
    """Un import de tableur, déclaré : sous-classez et renseignez les attributs ; surchargez
    les crochets au besoin. Une instance sert à un seul passage (`importer`).

    Attributs :
    - `modele` : le modèle écrit ;
    - `objet` : son nom (`Nom`), pour les messages et les pages ;
    - `colonnes` : les `Colonne` lues (les autres colonnes du fichier sont ignorées) ;
    - `cle` : les champs qui retrouvent l'objet existant qu'une ligne modifie ; une ligne dont
      la clé est incomplète crée un objet ;
    - `creer_si_absent` : faux si une clé renseignée doit désigner un objet existant
      (identifiant) ;
    - `champs_saisis` : les champs qui font qu'une ligne nouvelle n'est pas vide (par défaut,
      tous sauf la clé) ;
    - `champs_suivi` : les champs écrits en plus des colonnes (version, auteur…) ;
    - `conseil` : ce qu'on conseille quand des colonnes manquent ;
    - `raison` : la raison d'historique (suivie du nom du fichier)."""

    modele: type[models.Model]
    objet = Nom("ligne", "lignes", feminin=True)
    colonnes: Sequence[Colonne] = ()
    cle: Sequence[str] = ()
    creer_si_absent = True
    champs_saisis: Sequence[str] | None = None
    champs_suivi: Sequence[str] = ()
    conseil = "Partez du modèle téléchargé dans le portail."
    raison = "Import de tableur"
    taille_lot = 500

    def __init__(self, operateur=None, nom_fichier="", **contexte):
        self.operateur = operateur
        # L'opérateur d'une commande n'est pas un compte : l'historique reste sans auteur.
        est_compte = isinstance(operateur, AbstractBaseUser) and operateur.pk
        self.auteur = operateur if est_compte else None
        self.nom_fichier = nom_fichier
        self.contexte = contexte
        self.existants = {}

    # --- ce qui se déduit de la déclaration -----------------------------------------------------

    @property
    def champs_modele(self):
        """Les champs des colonnes qui sont des champs concrets du modèle."""
        noms = {f.name for f in self.modele._meta.concrete_fields}
        return [c.champ for c in self.colonnes if c.champ in noms]

    def entete_de(self, champ):
        """L'en-tête de la colonne d'un champ (« » pour une erreur de la ligne entière)."""
        if champ in (None, "", NON_FIELD_ERRORS):
            return ""
        for colonne in self.colonnes:
            if champ in (colonne.champ, colonne.entete):
                return colonne.entete
        return ""

    def _position(self, entete):
        for i, colonne in enumerate(self.colonnes):
            if colonne.entete == entete:
                return i
        return len(self.colonnes)

    # --- le passage -----------------------------------------------------------------------------

    def importer(self, contenu, confirmer=False, progression=None):
        """Contrôle le classeur (`confirmer` faux : rien n'est écrit) ou l'applique. Tout ou
        rien : la moindre ligne en erreur et rien n'est écrit. Lève `FichierRefuse`."""
        progression = progression or (lambda fait, total: None)
        feuille = lire_feuille(contenu)
        rapport = Rapport(objet=self.objet, lignes=len(feuille.lignes))
        probleme = self.controler_entetes(feuille.entetes)
        if probleme:
            rapport.erreur_fichier(probleme)
            return rapport
        lignes = self.lire(feuille)
        with transaction.atomic():
            self.preparer(lignes, verrouiller=confirmer)
            self.controler(lignes, progression)
            self.rendre_compte(lignes, rapport)
            if confirmer and rapport.valide:
                self.ecrire(lignes, rapport, progression)
            if not (confirmer and rapport.valide):
                # Une erreur (la base a refusé une ligne) : tout ce qui a été écrit est annulé.
                transaction.set_rollback(True)
        return rapport

    def controler_entetes(self, entetes):
        """Le message d'erreur du fichier si ses en-têtes ne conviennent pas, sinon None."""
        vus = set()
        for entete in entetes:
            if entete and entete in vus and any(c.entete == entete for c in self.colonnes):
                return f"La colonne « {entete} » apparaît deux fois : gardez-en une seule."
            vus.add(entete)
        manquantes = [c.entete for c in self.colonnes if c.obligatoire and c.entete not in vus]
        if manquantes:
            return (
                "Colonnes manquantes : "
                + ", ".join(f"« {c} »" for c in manquantes)
                + f". {self.conseil}"
            )
        return None

    def lire(self, feuille):
        """Les lignes du classeur, cellules lues. Un lecteur de référence charge son index en
        une requête pour tout le fichier."""
        bornes = Bornes.actuelles()
        positions = {e: i for i, e in enumerate(feuille.entetes) if e}
        presentes = [c for c in self.colonnes if c.entete in positions]
        lecteurs = {}
        for colonne in presentes:
            if isinstance(colonne.lire, Reference):
                i = positions[colonne.entete]
                lecteurs[colonne] = colonne.lire.charger(v[i] for _n, v in feuille.lignes)
            else:
                lecteurs[colonne] = colonne.lire
        lignes = []
        for numero, valeurs in feuille.lignes:
            ligne = Ligne(numero, {e: valeurs[i] for e, i in positions.items()})
            for colonne in presentes:
                brut = valeurs[positions[colonne.entete]]
                limite = min(colonne.longueur_max or bornes.texte, bornes.texte)
                if isinstance(brut, str) and len(brut.strip()) > limite:
                    ligne.illisibles.add(colonne.champ)
                    ligne.erreur(
                        colonne.champ,
                        f"Texte trop long : {nombre_lisible(len(brut.strip()))} caractères, "
                        f"{nombre_lisible(limite)} au plus.",
                        Rang.LECTURE,
                    )
                    continue
                try:
                    ligne.valeurs[colonne.champ] = lecteurs[colonne](brut)
                except ValueError as erreur:
                    ligne.illisibles.add(colonne.champ)
                    ligne.erreur(colonne.champ, str(erreur), Rang.LECTURE)
            lignes.append(ligne)
        return lignes

    # --- crochets : chargement ensembliste ----------------------------------------------------

    def existants_queryset(self):
        """Le queryset des objets existants (ajoutez les select_related des règles)."""
        return self.modele._default_manager.all()

    def cle_de(self, ligne):
        """La clé de la ligne (tuple de valeurs de colonnes en base), None si incomplète."""
        if not self.cle:
            return None
        cle = []
        for champ in self.cle:
            valeur = ligne.valeurs.get(champ)
            if valeur is None or champ in ligne.illisibles:
                return None
            cle.append(valeur.pk if isinstance(valeur, models.Model) else valeur)
        return tuple(cle)

    def _cle_objet(self, objet):
        return tuple(getattr(objet, self.modele._meta.get_field(c).attname) for c in self.cle)

    def preparer(self, lignes, verrouiller):
        """Charge d'un coup ce que les règles consultent. Ici : les objets existants visés par
        les clés du fichier (une requête) ; à la confirmation (`verrouiller`), ceux-là seuls
        sont verrouillés, dans l'ordre des clés primaires (une requête de plus pour une clé
        composée : la première ne lit qu'un sur-ensemble). Surchargez en appelant super()."""
        for ligne in lignes:
            ligne.cle = self.cle_de(ligne)
        voulues = {ligne.cle for ligne in lignes if ligne.cle is not None}
        self.existants = {}
        if not voulues:
            return
        queryset = self.existants_queryset()
        verrou = {"of": ("self",)} if connection.features.has_select_for_update_of else {}
        filtre = {f"{champ}__in": {cle[i] for cle in voulues} for i, champ in enumerate(self.cle)}
        if len(self.cle) == 1 and verrouiller:
            trouves = queryset.select_for_update(**verrou).filter(**filtre).order_by("pk")
        else:
            trouves = queryset.filter(**filtre).order_by()
        existants = {self._cle_objet(o): o for o in trouves}
        existants = {cle: o for cle, o in existants.items() if cle in voulues}
        if verrouiller and len(self.cle) > 1 and existants:
            pks = [o.pk for o in existants.values()]
            verrouilles = queryset.select_for_update(**verrou).filter(pk__in=pks).order_by("pk")
            existants = {self._cle_objet(o): o for o in verrouilles}
        self.existants = existants

    # --- contrôle ligne à ligne (sans requête) -------------------------------------------------

    def controler(self, lignes, progression):
        total = len(lignes)
        premieres = {}
        for fait, ligne in enumerate(lignes, start=1):
            if ligne.cle is not None:
                if ligne.cle in premieres:
                    ligne.erreur(
                        None,
                        f"Cette ligne reprend la clé de la ligne {premieres[ligne.cle]} ("
                        + ", ".join(f"« {self.entete_de(c)} »" for c in self.cle)
                        + ") : gardez une seule ligne.",
                        Rang.LECTURE,
                    )
                    continue
                premieres[ligne.cle] = ligne.numero
            self.traiter(ligne)
            if fait % 1000 == 0:
                progression(fait, total)
        progression(total, total)

    def traiter(self, ligne):
        """Construit l'objet de la ligne, décide de l'action, puis contrôle (modèle et
        règles) ce qui sera créé ou modifié."""
        existant = self.existants.get(ligne.cle) if ligne.cle is not None else None
        if ligne.cle is not None and existant is None and not self.creer_si_absent:
            ligne.erreur(self.cle[0], self.message_absent(ligne), Rang.LECTURE)
        creation = existant is None
        objet = self.modele() if creation else existant
        if not creation:
            # La clé rattache à l'objet les objets liés déjà chargés (pas de requête ensuite),
            # puis on garde l'état d'avant pour l'aperçu et la détection des changements.
            for champ in self.cle:
                if isinstance(ligne.valeurs.get(champ), models.Model):
                    setattr(objet, champ, ligne.valeurs[champ])
            ligne.original = copy.copy(objet)
        champs = self.champs_lus(ligne)
        for champ in champs:
            if champ in ligne.valeurs and champ not in ligne.illisibles:
                setattr(objet, champ, ligne.valeurs[champ])
        ligne.objet = objet
        if not ligne.erreurs:
            if creation and self.est_vide(ligne):
                ligne.action = Action.VIDE
                return
            if not creation and not self.a_change(ligne.original, objet, champs):
                ligne.action = Action.INCHANGEE
                return
            if creation and self.deja_enregistree(ligne, objet):
                ligne.action = Action.INCHANGEE
                return
        ligne.action = Action.CREATION if creation else Action.MODIFICATION
        self.valider(ligne, objet)
        self.regles(ligne, objet, creation)

    def champs_lus(self, ligne):
        """Les champs du modèle que la ligne remplit (surchargez pour en ignorer un)."""
        return self.champs_modele

    def est_vide(self, ligne):
        champs = self.champs_saisis
        if champs is None:
            champs = [c.champ for c in self.colonnes if c.champ not in self.cle]
        return all(est_vide(ligne.valeurs.get(c)) for c in champs)

    def a_change(self, original, objet, champs):
        meta = self.modele._meta
        attributs = [meta.get_field(c).attname for c in champs]
        return any(getattr(original, a) != getattr(objet, a) for a in attributs)

    def deja_enregistree(self, ligne, objet):
        """Vrai si cette ligne nouvelle existe déjà en base (elle est alors « inchangée »)."""
        return False

    def message_absent(self, ligne):
        colonnes = ", ".join(f"« {self.entete_de(c)} »" for c in self.cle)
        o = self.objet
        return f"Aucun{'e' if o.feminin else ''} {o.singulier} ne correspond à {colonnes}."

    def valider(self, ligne, objet):
        """Les contrôles du modèle (`clean_fields`, `clean`), sans requête : les relations
        viennent des index déjà chargés, l'unicité et les contraintes sont garanties par la
        recherche des existants et, en dernier recours, par la base (voir `ecrire`). Une
        cellule illisible n'ajoute pas « Ce champ est obligatoire » à son erreur."""
        meta = self.modele._meta
        relations = [f for f in meta.concrete_fields if f.is_relation]
        for relation in relations:
            if (
                not relation.null
                and getattr(objet, relation.attname) is None
                and relation.name not in ligne.illisibles
                and relation.name in self.champs_modele
            ):
                ligne.erreur(
                    relation.name, f"Renseignez « {self.entete_de(relation.name)} ».", Rang.VALEUR
                )
        exclure = {f.name for f in relations} | ligne.illisibles
        try:
            objet.full_clean(exclude=exclure, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for champ, messages in exc.message_dict.items():
                if champ in ligne.illisibles:
                    continue
                for message in messages:
                    ligne.erreur(champ, message, Rang.VALEUR)

    def regles(self, ligne, objet, creation):
        """Les règles métier d'une ligne à créer ou modifier : `ligne.erreur(champ, message,
        rang)`. Aucune requête ici : ce qu'il faut consulter est chargé par `preparer`."""

    # --- compte rendu -------------------------------------------------------------------------

    def apercu(self, ligne):
        """Ce que la prévisualisation montre d'une ligne créée ou modifiée (clés libres ; les
        pages les affichent selon `VuesImport.colonnes_apercu`)."""
        return {"objet": str(ligne.objet), "avant": str(ligne.original or "")}

    def rendre_compte(self, lignes, rapport):
        erreurs = []
        for ligne in lignes:
            if ligne.erreurs:
                rapport.nb_lignes_en_erreur += 1
                for rang, champ, message in ligne.erreurs:
                    entete = self.entete_de(champ)
                    erreurs.append(((ligne.numero, rang, self._position(entete)), entete, message))
            elif ligne.action in (Action.VIDE, Action.INCHANGEE):
                rapport.inchangees += 1
            else:
                if ligne.action is Action.CREATION:
                    rapport.nouvelles += 1
                else:
                    rapport.modifiees += 1
                if len(rapport.apercu) < APERCU_GARDE_MAX:
                    rapport.apercu.append(
                        {"ligne": ligne.numero, "action": ligne.action.value, **self.apercu(ligne)}
                    )
        erreurs.sort(key=lambda e: e[0])
        for (numero, _rang, _position), entete, message in erreurs[:ERREURS_GARDEES_MAX]:
            rapport.erreurs.append({"ligne": numero, "colonne": entete, "message": message})
        if len(erreurs) > ERREURS_GARDEES_MAX:
            reste = len(erreurs) - ERREURS_GARDEES_MAX
            rapport.erreur_fichier(
                f"Et {compte_fr(reste, 'autre erreur', 'autres erreurs')}, non "
                f"{accord(reste, 'détaillée')} : corrigez "
                "d’abord celles-ci puis déposez de nouveau le fichier."
            )

    # --- écriture -----------------------------------------------------------------------------

    def avant_ecriture(self, objet, creation):
        """Les champs de suivi d'un objet avant écriture (auteur, version…) ; déclarez-les
        dans `champs_suivi` pour qu'ils soient écrits aussi sur les objets modifiés."""

    def champs_ecrits(self):
        meta = self.modele._meta
        auto = [f.name for f in meta.concrete_fields if getattr(f, "auto_now", False)]
        # La clé ne change pas : elle a servi à retrouver l'objet.
        champs = [c for c in self.champs_modele if c not in ("id", "pk", *self.cle)]
        return list(dict.fromkeys([*champs, *self.champs_suivi, *auto]))

    def ecrire(self, lignes, rapport, progression):
        """Écrit les créations et les modifications en lots, historisés. Une contrainte de la
        base qui refuse une ligne devient l'erreur de cette ligne."""
        creations = [ligne for ligne in lignes if ligne.action is Action.CREATION]
        modifications = [ligne for ligne in lignes if ligne.action is Action.MODIFICATION]
        if not creations and not modifications:
            return
        maintenant = timezone.now()
        champs = self.champs_ecrits()
        auto = [f.attname for f in self.modele._meta.concrete_fields if getattr(f, "auto_now", 0)]
        for ligne in creations + modifications:
            self.avant_ecriture(ligne.objet, ligne.action is Action.CREATION)
            for attribut in auto:
                setattr(ligne.objet, attribut, maintenant)
        raison = f"{self.raison} : {self.nom_fichier}"[:100] if self.nom_fichier else self.raison
        try:
            with transaction.atomic():
                if creations:
                    bulk_create_with_history(
                        [ligne.objet for ligne in creations],
                        self.modele,
                        batch_size=self.taille_lot,
                        default_user=self.auteur,
                        default_change_reason=raison,
                    )
                if modifications:
                    bulk_update_with_history(
                        [ligne.objet for ligne in modifications],
                        self.modele,
                        champs,
                        batch_size=self.taille_lot,
                        default_user=self.auteur,
                        default_change_reason=raison,
                    )
        except (IntegrityError, DataError):
            self.diagnostiquer(creations, modifications, champs)
            self.rendre_compte_erreurs_base(creations + modifications, rapport)
            return
        total = len(creations) + len(modifications)
        progression(total, total)
        self.apres_ecriture([ligne.objet for ligne in creations + modifications], rapport)

    def apres_ecriture(self, objets, rapport):
        """Après l'écriture, dans la même transaction : ce que l'import fait de plus sur les
        objets écrits (les soumettre par leur circuit de validation, par exemple). Pour tout
        annuler, noter une erreur (`rapport.erreur_fichier`)."""

    def diagnostiquer(self, creations, modifications, champs):
        """Une écriture groupée a été refusée par la base : on rejoue chaque ligne seule (dans
        un point de sauvegarde) pour savoir lesquelles, et on traduit le refus. Ce chemin
        d'erreur seul fait une requête par ligne ; tout est annulé ensuite."""
        for ligne in creations + modifications:
            objet = ligne.objet
            try:
                with transaction.atomic():
                    if ligne.action is Action.CREATION:
                        self.modele._default_manager.bulk_create([copy.copy(objet)])
                    else:
                        self.modele._default_manager.bulk_update([objet], champs)
            except (IntegrityError, DataError) as exc:
                champ, message = self.traduire_refus(exc)
                ligne.erreur(champ, message, Rang.REGLE)

    def traduire_refus(self, exc):
        """(champ, message français) pour un refus de la base, sans jamais son texte brut."""
        cause = exc.__cause__
        diag = getattr(cause, "diag", None)
        nom = getattr(diag, "constraint_name", None)
        code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None) or ""
        meta = self.modele._meta
        for contrainte in meta.constraints:
            if contrainte.name == nom:
                champs = list(getattr(contrainte, "fields", ()) or ())
                champ = champs[0] if len(champs) == 1 else None
                return champ, contrainte.get_violation_error_message()
        if isinstance(exc, DataError) or code.startswith("22"):
            return None, (
                "Une valeur de cette ligne dépasse ce que la base accepte (nombre trop grand ou "
                "texte trop long)."
            )
        if code == "23505" or (not code and "unique" in str(exc).lower()):
            for f in meta.concrete_fields:
                if f.unique and not f.primary_key and nom and f.column in nom:
                    return f.name, (
                        f"Un{'e' if self.objet.feminin else ''} {self.objet.singulier} avec "
                        f"cette valeur de « {self.entete_de(f.name) or f.verbose_name} » existe "
                        "déjà (enregistré entre-temps ?) : téléchargez un modèle à jour."
                    )
            return None, (
                "Cette ligne double un enregistrement qui existe déjà (créé entre-temps ?) : "
                "téléchargez un modèle à jour puis recommencez."
            )
        if code == "23503":
            return (
                None,
                "Cette ligne désigne un élément qui n’existe plus (supprimé entre-temps ?).",
            )
        if code == "23502":
            return None, "Une valeur obligatoire manque sur cette ligne."
        return None, "Cette ligne ne respecte pas une règle de cohérence des données."

    def rendre_compte_erreurs_base(self, lignes, rapport):
        en_erreur = [ligne for ligne in lignes if ligne.erreurs]
        if not en_erreur:
            rapport.erreur_fichier(
                "L’écriture a été refusée par la base de données : rien n’a été écrit. "
                "Recommencez ; si l’erreur persiste, signalez-la au SPV."
            )
            return
        rapport.nouvelles = rapport.modifiees = 0
        rapport.apercu = []
        rapport.nb_lignes_en_erreur = len(en_erreur)
        for ligne in en_erreur:
            for _rang, champ, message in ligne.erreurs:
                rapport.erreurs.append(
                    {"ligne": ligne.numero, "colonne": self.entete_de(champ), "message": message}
                )


# --- point d'entrée -----------------------------------------------------------------------------


class OperateurCommande:
    """Les droits d'un opérateur en ligne de commande (ou d'une tâche sans auteur) : ceux du
    SPV, puisqu'il a accès au serveur. Ce n'est pas un compte : l'historique reste sans
    auteur."""

    is_authenticated = True
    is_superuser = True
    is_active = True
    pk = None
    username = "ligne-de-commande"

    def get_full_name(self):
        return "Ligne de commande"


def executer(imp, confirmer=False, progression=None, operateur=None, enregistrer=True):
    """Contrôle (prévisualisation) ou applique l'import `imp` (un `ImportTableur` : son
    fichier, qui l'a déposé et son contexte), et note le compte rendu sur `imp`.

    - `confirmer` faux : rien n'est écrit ; `imp` passe « prévisualisé » ou « erreurs » ;
    - `confirmer` vrai : tout ou rien, `imp` passe « appliqué » ou « erreurs » ; un import
      enregistré doit attendre sa confirmation (sinon `ImportDejaTraite`) ;
    - `progression(fait, total)` est appelée pendant le contrôle et l'écriture (tâche de fond) ;
    - `operateur` : dont les droits s'appliquent (par défaut, le déposant ; à défaut, la ligne
      de commande) ;
    - `enregistrer` faux : `imp` n'est pas sauvegardé (contrôle à blanc d'une commande).

    Lève `FichierRefuse` si le fichier entier est refusé. Retourne le `Rapport`."""
    operateur = operateur or imp.utilisateur or OperateurCommande()
    declaration = imp.declaration()(
        operateur=operateur, nom_fichier=imp.nom_fichier, **imp.contexte_import()
    )
    with transaction.atomic():
        if confirmer and imp.pk:
            # Deux confirmations simultanées : la seconde attend la première, puis renonce.
            statut = (
                type(imp)
                .objects.select_for_update()
                .filter(pk=imp.pk)
                .values_list("statut", flat=True)
                .first()
            )
            if statut != imp.Statut.PREVISUALISE:
                raise ImportDejaTraite("Cet import n’attend plus de confirmation.")
        rapport = declaration.importer(
            imp.lire_contenu(), confirmer=confirmer, progression=progression
        )
        if enregistrer:
            imp.noter(rapport, confirme=confirmer)
            imp.save()
    return rapport


def importer_contenu(
    historique, contenu, operateur=None, confirmer=False, nom_fichier="", **contexte
):
    """Contrôle ou applique un contenu sans en garder l'historique (scripts, tests) :
    `executer` sur un import de `historique` (modèle concret) non enregistré."""
    imp = historique(nom_fichier=nom_fichier, contenu=contenu, **contexte)
    return executer(imp, confirmer=confirmer, operateur=operateur, enregistrer=False)


# --- commandes de gestion -----------------------------------------------------------------------


class CommandeImport(BaseCommand):
    """Une commande d'import : `manage.py <commande> FICHIER.xlsx [--dry-run]`.

    Tout ou rien : si une ligne est en erreur, les erreurs sont listées (ligne, colonne,
    message), rien n'est écrit et la commande sort en erreur (code 1). --dry-run contrôle sans
    rien écrire. Un import appliqué est gardé dans l'historique, avec l'origine « ligne de
    commande ». Sous-classez : `historique` (le modèle concret), `aide_fichier`, et au besoin
    `ajouter_arguments` et `preparer` (droits et contexte)."""

    historique: type | None = None
    aide_fichier = "classeur .xlsx (le modèle complété)"

    def add_arguments(self, parser):
        parser.add_argument("fichier", help=self.aide_fichier)
        parser.add_argument("--dry-run", action="store_true", help="contrôler sans écrire")
        self.ajouter_arguments(parser)

    def ajouter_arguments(self, parser):
        """Arguments propres à l'import."""

    def preparer(self, options):
        """(utilisateur dont les droits s'appliquent ou None, champs de l'historique)."""
        return None, {}

    def handle(self, *args, fichier, dry_run, **options):
        chemin = Path(fichier)
        if not chemin.is_file():
            raise CommandError(f"Fichier introuvable : {chemin}")
        bornes = Bornes.actuelles()
        if chemin.stat().st_size > bornes.taille:
            raise CommandError(message_taille(chemin.stat().st_size, bornes))
        utilisateur, champs = self.preparer(options)
        imp = self.historique(
            utilisateur=utilisateur,
            origine=self.historique.Origine.COMMANDE,
            nom_fichier=chemin.name[:255],
            contenu=chemin.read_bytes(),
            **champs,
        )
        objet = imp.declaration().objet
        with transaction.atomic():
            # L'import et sa ligne d'historique ensemble, ou rien.
            try:
                rapport = executer(imp, confirmer=not dry_run, enregistrer=not dry_run)
            except FichierRefuse as erreur:
                raise CommandError(str(erreur)) from None
            self.stdout.write(rapport.resume)
            if not rapport.valide:
                for erreur in rapport.erreurs:
                    self.stderr.write(formater_erreur(erreur))
                raise CommandError(f"Import refusé : {objet.aucun_ecrit}.")
        if dry_run:
            self.stdout.write(
                self.style.SUCCESS("Contrôle réussi (--dry-run) : rien n’a été écrit.")
            )
        else:
            self.stdout.write(self.style.SUCCESS("Import appliqué."))


__all__ = [
    "Bornes",
    "Colonne",
    "CommandeImport",
    "DeclarationImport",
    "FichierRefuse",
    "ImportDejaTraite",
    "Nom",
    "OperateurCommande",
    "Rang",
    "Rapport",
    "Reference",
    "annee",
    "entier",
    "executer",
    "formater_erreur",
    "importer_contenu",
    "lire_feuille",
    "nombre",
    "texte",
]
