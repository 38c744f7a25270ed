"""Exports tableur déclarés comme des données (openpyxl).

Un export est une liste de `Colonne` : un en-tête, un chemin vers la valeur et un format.
Les vues n'écrivent jamais de cellule elles-mêmes ; elles passent un queryset (déjà filtré
par `for_user(user)` et le FilterSet de la page, et préchargé) et la liste de colonnes :

    COLONNES = [
        Colonne("Titre", "titre"),
        Colonne("Structure", "structure.nom"),
        Colonne("Hors Paris", "structure.hors_paris", Format.BOOLEEN),
        Colonne("Année", "annee", Format.ENTIER),
        Colonne("Statut", "get_statut_display"),
        Colonne("QPV", "quartiers", Format.LISTE),            # gestionnaire → .all()
        Colonne("Engagements", lambda f: [e.numero for e in f.engagements.all()], Format.LISTE),
        Colonne("Modifiée le", "modifie_le", Format.DATE_HEURE),
    ]
    return reponse_xlsx(fiches, COLONNES, "fiches-actions", feuille="Fiches-actions")

Chemins : noms séparés par des points, suivis à travers les attributs ; une méthode sans
argument est appelée (`get_statut_display`), un gestionnaire de relation donne `.all()` (à
précharger pour garder un nombre de requêtes constant). Un chemin peut aussi être une fonction
qui reçoit l'objet. Une valeur manquante en route (`None`) donne une cellule vide.

Formats (conventions françaises) : dates `jj/mm/aaaa` (vraies dates Excel, triables),
booléens « Oui »/« Non », listes jointes par « ; », montants en euros, nombres entiers ou
décimaux. Le texte est protégé : jamais interprété comme une formule, caractères de contrôle
retirés, tronqué à la limite d'une cellule Excel.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

from django.db.models import Manager
from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

LIMITE_CELLULE = 32_767  # caractères au plus dans une cellule Excel
TYPE_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Format(enum.Enum):
    """Comment une valeur est écrite dans sa cellule."""

    TEXTE = "texte"
    ENTIER = "entier"
    DECIMAL = "decimal"
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

LARGEURS = {
    Format.TEXTE: 40,
    Format.LISTE: 30,
    Format.ENTIER: 10,
    Format.DECIMAL: 12,
    Format.EUROS: 14,
    Format.POURCENTAGE: 10,
    Format.DATE: 12,
    Format.DATE_HEURE: 17,
    Format.BOOLEEN: 8,
}


@dataclass(frozen=True)
class Colonne:
    """Une colonne d'export : en-tête, chemin (« structure.nom » ou fonction) et format."""

    entete: str
    chemin: str | Callable[[object], object]
    format: Format = Format.TEXTE
    largeur: int | None = None

    def lire(self, objet):
        """La valeur brute de la colonne pour `objet` (avant mise en forme)."""
        if callable(self.chemin):
            return self.chemin(objet)
        valeur = objet
        for nom in self.chemin.split("."):
            if valeur is None:
                return None
            valeur = getattr(valeur, nom)
            if isinstance(valeur, Manager):
                valeur = valeur.all()
            elif callable(valeur):
                valeur = valeur()
        return valeur

    def valeur(self, objet):
        """La valeur telle qu'écrite dans la cellule."""
        return formater(self.lire(objet), self.format)


def _texte(valeur):
    texte = ILLEGAL_CHARACTERS_RE.sub("", str(valeur))
    if len(texte) > LIMITE_CELLULE:
        texte = texte[: LIMITE_CELLULE - 1] + "…"
    return texte


def formater(valeur, format_=Format.TEXTE):
    """Met une valeur Python au format d'une cellule (voir `Format`)."""
    if valeur is None or valeur == "":
        return None
    if format_ is Format.BOOLEEN:
        return "Oui" if valeur else "Non"
    if format_ is Format.LISTE:
        if isinstance(valeur, str):
            return _texte(valeur)
        return _texte("; ".join(str(v) for v in valeur)) or None
    if format_ is Format.DATE_HEURE and isinstance(valeur, datetime):
        # Excel ne connaît pas les fuseaux : heure de Paris, sans fuseau.
        if timezone.is_aware(valeur):
            valeur = timezone.localtime(valeur)
        return valeur.replace(tzinfo=None, microsecond=0)
    if format_ is Format.DATE:
        if isinstance(valeur, datetime):
            valeur = timezone.localtime(valeur) if timezone.is_aware(valeur) else valeur
            return valeur.date()
        return valeur
    if format_ is Format.ENTIER:
        return int(valeur)
    if format_ in (Format.DECIMAL, Format.EUROS, Format.POURCENTAGE):
        return float(valeur) if isinstance(valeur, Decimal) else valeur
    return _texte(valeur)


def classeur(
    lignes: Iterable, colonnes: Sequence[Colonne], feuille="Export", *, dans: Workbook | None = None
) -> Workbook:
    """Un classeur d'une feuille : ligne d'en-têtes en gras et figée, une ligne par objet.
    `dans` : ajoute la feuille à ce classeur (feuilles d'aide, listes) au lieu d'en créer un."""
    wb = dans if dans is not None else Workbook()
    ws = wb.active if dans is None else wb.create_sheet()
    ws.title = _texte(feuille)[:31]  # limite Excel des noms de feuille
    ws.append([c.entete for c in colonnes])
    for cellule in ws[1]:
        cellule.font = Font(bold=True)
        cellule.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    for objet in lignes:
        ws.append([c.valeur(objet) for c in colonnes])
        for colonne, cellule in zip(colonnes, ws[ws.max_row], strict=True):
            if isinstance(cellule.value, str):
                # Une chaîne commençant par « = » resterait du texte : jamais de formule.
                cellule.data_type = "s"
            elif colonne.format in FORMATS_NOMBRE and isinstance(
                cellule.value, int | float | date | datetime
            ):
                cellule.number_format = FORMATS_NOMBRE[colonne.format]
    for i, colonne in enumerate(colonnes, start=1):
        ws.column_dimensions[get_column_letter(i)].width = colonne.largeur or LARGEURS.get(
            colonne.format, 20
        )
    ws.auto_filter.ref = ws.dimensions
    return wb


def contenu_xlsx(lignes: Iterable, colonnes: Sequence[Colonne], feuille="Export") -> bytes:
    """Les octets du fichier .xlsx."""
    tampon = BytesIO()
    classeur(lignes, colonnes, feuille).save(tampon)
    return tampon.getvalue()


def reponse_xlsx(
    lignes: Iterable, colonnes: Sequence[Colonne], nom_fichier: str, feuille="Export"
) -> HttpResponse:
    """Réponse HTTP de téléchargement ; le nom de fichier reçoit la date du jour."""
    nom = f"{nom_fichier}-{timezone.localdate():%Y-%m-%d}.xlsx"
    reponse = HttpResponse(contenu_xlsx(lignes, colonnes, feuille), content_type=TYPE_XLSX)
    reponse["Content-Disposition"] = f'attachment; filename="{nom}"'
    return reponse
