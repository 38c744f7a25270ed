"""Rendus tableur des listes : `?format=csv` et `?format=xlsx`.

Les colonnes se déclarent comme des données sur la vue (`colonnes_export`) : un en-tête, un
chemin dans la réponse JSON, un format. Dans un chemin, `a.b` descend dans un objet et `a[]`
parcourt une liste ; les listes sont jointes par « ; ». Les booléens s'écrivent Oui/Non, les
dates jj/mm/aaaa. Sans déclaration, les colonnes se déduisent de la première ligne."""

import csv
import datetime
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from rest_framework.renderers import BaseRenderer

SEPARATEUR_LISTE = " ; "
# Clés tentées, dans l'ordre, pour résumer un objet d'une liste en une valeur de cellule.
CLES_RESUME = ("libelle", "nom", "sigle", "code", "numero", "slug", "texte", "id")


@dataclass(frozen=True)
class Colonne:
    """Une colonne d'export : en-tête, chemin dans la réponse JSON (ou fonction de la ligne),
    format (`texte`, `nombre`, `date`, `dateheure`)."""

    entete: str
    chemin: object
    format: str = "texte"


def extraire(donnees, chemin):
    """La valeur au bout de `chemin` (`thematique.numero`, `actions[].texte`,
    `arrondissements[]`) ; une liste dès que le chemin traverse une liste. Un chemin peut
    aussi être une fonction de la ligne (colonne calculée)."""
    if callable(chemin):
        return chemin(donnees)
    return _extraire(donnees, chemin.split(".") if chemin else [])


def _extraire(valeur, morceaux):
    if not morceaux:
        return valeur
    tete, reste = morceaux[0], morceaux[1:]
    est_liste = tete.endswith("[]")
    cle = tete[:-2] if est_liste else tete
    if cle:
        valeur = valeur.get(cle) if isinstance(valeur, dict) else None
    if est_liste:
        return [_extraire(v, reste) for v in (valeur or [])]
    return _extraire(valeur, reste)


def resumer(objet):
    """Un objet imbriqué réduit à une valeur lisible (son libellé, son nom, son code…)."""
    for cle in CLES_RESUME:
        if objet.get(cle) not in (None, ""):
            return objet[cle]
    return ", ".join(f"{k} : {v}" for k, v in objet.items() if v not in (None, "", [], {}))


def formater(valeur, format="texte", tableur=False):
    """Valeur d'une cellule : chaîne pour le CSV, et nombre natif pour le xlsx quand la
    colonne est numérique."""
    if valeur is None:
        return ""
    if isinstance(valeur, bool):
        return "Oui" if valeur else "Non"
    if isinstance(valeur, list):
        morceaux = [formater(v, format) for v in valeur]
        return SEPARATEUR_LISTE.join(str(m) for m in morceaux if m != "")
    if isinstance(valeur, dict):
        return formater(resumer(valeur), format)
    if format == "nombre":
        return _nombre(valeur) if tableur else str(valeur)
    if format == "date":
        return _date(valeur)
    if format == "dateheure":
        return _dateheure(valeur)
    return valeur if isinstance(valeur, (int, float, Decimal)) and tableur else str(valeur)


def _nombre(valeur):
    if isinstance(valeur, (int, float, Decimal)):
        return valeur
    try:
        nombre = Decimal(str(valeur))
    except InvalidOperation:
        return str(valeur)
    return int(nombre) if nombre == nombre.to_integral_value() else nombre


def _date(valeur):
    try:
        return datetime.date.fromisoformat(str(valeur)[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return str(valeur)


def _dateheure(valeur):
    try:
        moment = datetime.datetime.fromisoformat(str(valeur))
    except ValueError:
        return str(valeur)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%d/%m/%Y %H:%M")


def colonnes_deduites(ligne, prefixe=""):
    """Sans déclaration : une colonne par champ de la première ligne ; un objet imbriqué
    donne une colonne par sous-champ (`thematique.numero`), une liste une seule colonne."""
    colonnes = []
    for cle, valeur in ligne.items():
        chemin = f"{prefixe}{cle}"
        if isinstance(valeur, dict):
            colonnes.extend(colonnes_deduites(valeur, prefixe=f"{chemin}."))
        else:
            colonnes.append(Colonne(chemin, chemin))
    return colonnes


class RenduTableau(BaseRenderer):
    """Base des rendus tableur : des lignes et des colonnes tirées de la réponse JSON."""

    extension = ""

    def lignes(self, data):
        if isinstance(data, dict) and isinstance(data.get("resultats"), list):
            return data["resultats"]  # liste paginée (si la vue l'a demandé)
        if isinstance(data, list):
            return data
        return [data] if isinstance(data, dict) else []

    def colonnes(self, lignes, view):
        declarees = getattr(view, "colonnes_export", None)
        if declarees:
            return list(declarees)
        return colonnes_deduites(lignes[0]) if lignes else []

    def tableau(self, data, renderer_context):
        view = (renderer_context or {}).get("view")
        lignes = self.lignes(data)
        colonnes = self.colonnes(lignes, view)
        valeurs = [
            [formater(extraire(ligne, c.chemin), c.format, tableur=self.tableur) for c in colonnes]
            for ligne in lignes
        ]
        return colonnes, valeurs

    def nom_fichier(self, renderer_context):
        view = (renderer_context or {}).get("view")
        nom = getattr(view, "nom_export", None) or getattr(view, "basename", None) or "export"
        return f"{nom}-{timezone.localdate():%Y-%m-%d}.{self.extension}"

    def annoncer_piece_jointe(self, renderer_context):
        reponse = (renderer_context or {}).get("response")
        if reponse is not None:
            nom = self.nom_fichier(renderer_context)
            reponse["Content-Disposition"] = f'attachment; filename="{nom}"'


class RenduCSV(RenduTableau):
    """CSV (RFC 4180) en UTF-8, séparateur virgule, une ligne d'en-têtes."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"
    extension = "csv"
    tableur = False

    def render(self, data, accepted_media_type=None, renderer_context=None):
        colonnes, valeurs = self.tableau(data, renderer_context)
        sortie = io.StringIO()
        ecrivain = csv.writer(sortie, lineterminator="\r\n")
        ecrivain.writerow([c.entete for c in colonnes])
        for ligne in valeurs:
            ecrivain.writerow([_neutraliser_formule(v) for v in ligne])
        self.annoncer_piece_jointe(renderer_context)
        return sortie.getvalue().encode("utf-8")


def _neutraliser_formule(valeur):
    """Un texte commençant par = + - @ serait pris pour une formule par un tableur ouvrant le
    CSV : on le préfixe d'une apostrophe (les nombres négatifs restent des nombres)."""
    if isinstance(valeur, str) and valeur[:1] in ("=", "+", "-", "@", "\t", "\r"):
        try:
            Decimal(valeur)
        except InvalidOperation:
            return "'" + valeur
    return valeur


class RenduXLSX(RenduTableau):
    """Classeur Excel (openpyxl) : une feuille, en-têtes en gras et figés, nombres natifs."""

    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"
    charset = None
    render_style = "binary"
    extension = "xlsx"
    tableur = True

    def render(self, data, accepted_media_type=None, renderer_context=None):
        from openpyxl import Workbook
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        colonnes, valeurs = self.tableau(data, renderer_context)
        classeur = Workbook()
        feuille = classeur.active
        view = (renderer_context or {}).get("view")
        feuille.title = str(getattr(view, "nom_export", None) or "export")[:31]
        feuille.append([c.entete for c in colonnes])
        for cellule in feuille[1]:
            cellule.font = Font(bold=True)
        feuille.freeze_panes = "A2"
        for ligne in valeurs:
            feuille.append(
                [ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in ligne]
            )
        # Un texte qui commence par « = » reste un texte, jamais une formule.
        for rangee in feuille.iter_rows(min_row=2):
            for cellule in rangee:
                if cellule.data_type == "f":
                    cellule.data_type = "s"
        for i, colonne in enumerate(colonnes, start=1):
            largeur = max([len(colonne.entete)] + [len(str(v[i - 1])) for v in valeurs[:200]])
            feuille.column_dimensions[get_column_letter(i)].width = min(max(largeur, 8), 60) + 2
        sortie = io.BytesIO()
        classeur.save(sortie)
        self.annoncer_piece_jointe(renderer_context)
        return sortie.getvalue()


RENDUS_TABLEUR = (RenduCSV, RenduXLSX)
FORMATS_TABLEUR = {r.format for r in RENDUS_TABLEUR}
