"""Ce que les tests des exports partagent : la liste de TOUS les exports tableur du portail
(pages, API, bilan) et leur relecture (openpyxl, python-calamine, module csv, pandas).

Un nouvel export s'ajoute ici : les tests d'injection de formules, de typage des cellules et
de lecture par pandas le couvrent alors d'office."""

import csv
import io
from dataclasses import dataclass

from django.urls import resolve
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from socle.api.rendus import FORMATS as FORMATS_API
from socle.tableur import Format

# Les listes de l'API exportables (toutes déclarent leurs colonnes).
RESSOURCES_API = (
    "thematiques",
    "engagements",
    "signataires",
    "sigles",
    "quartiers",
    "projets",
    "indicateurs",
    "territoires",
    "campagnes",
    "valeurs",
    "structures",
    "fiches-actions",
)

# Les exports des pages (adresse sans extension → colonnes déclarées, ou None si elles
# dépendent de la demande).
EXPORTS_WEB = (
    "/structures/fiches/export",
    "/quartiers/projets/export",
    "/quartiers/comparaison/export",
    "/indicateurs/valeurs/export",
)
# Le classeur du bilan est un travail de fond : lancé (POST de ses paramètres), puis
# téléchargé depuis « Mes exports ».
BILAN = ("/bilan/classeur.xlsx", {"annee": "2025", "toutes_valeurs": "on", "avec_demo": "on"})


@dataclass
class Export:
    """Un fichier exporté : son adresse, son type (xlsx, csv, csv-excel), ses octets, la
    réponse HTTP et, quand on les connaît, les formats déclarés de ses colonnes."""

    adresse: str
    type: str
    contenu: bytes
    reponse: object
    formats: dict


def contenu(reponse):
    """Les octets d'une réponse, en flux ou non."""
    if reponse.streaming:
        return b"".join(reponse.streaming_content)
    return reponse.content


def formats_api(adresse):
    """En-tête → format de l'écrivain, lus sur la vue de l'API (colonnes déclarées)."""
    vue = resolve(adresse.split("?")[0]).func.cls
    return {c.entete: FORMATS_API[c.format] for c in vue.colonnes_export or []}


def formats_web(adresse):
    from indicateurs.exports import COLONNES_VALEURS
    from structures.exports import COLONNES_FICHES
    from territoire.views import _colonnes_projets

    colonnes = {
        "/structures/fiches/export": COLONNES_FICHES,
        "/indicateurs/valeurs/export": COLONNES_VALEURS,
        "/quartiers/projets/export": _colonnes_projets(True),
    }.get(adresse.split("?")[0].rsplit(".", 1)[0], [])
    return {c.entete: c.format for c in colonnes}


def telecharger(client, adresse, type_, formats):
    reponse = client.get(adresse)
    assert reponse.status_code == 200, (adresse, contenu(reponse)[:300])
    return Export(adresse, type_, contenu(reponse), reponse, formats)


def telecharger_travail(client, adresse, donnees, type_):
    """Le fichier d'un travail de fond : lancé par le bouton de sa page, puis téléchargé."""
    from tests.travaux.outils import telecharger as lancer_puis_telecharger

    reponse = lancer_puis_telecharger(client, adresse, donnees)
    return Export(adresse, type_, reponse.contenu, reponse, {})


def tous_les_exports(client_web, client_api):
    """Chaque export du portail, dans chacun de ses formats : pages (xlsx, CSV Excel, CSV
    machine), API (csv, csv-excel, xlsx), classeur du bilan."""
    exports = []
    for base in EXPORTS_WEB:
        formats = formats_web(base)
        exports += [
            telecharger(client_web, f"{base}.xlsx", "xlsx", formats),
            telecharger(client_web, f"{base}.csv", "csv-excel", formats),
            telecharger(client_web, f"{base}.csv?variante=machine", "csv", formats),
        ]
    for ressource in RESSOURCES_API:
        adresse = f"/api/v1/{ressource}/"
        formats = formats_api(adresse)
        for type_ in ("csv", "csv-excel", "xlsx"):
            exports.append(telecharger(client_api, f"{adresse}?format={type_}", type_, formats))
    exports.append(telecharger_travail(client_web, *BILAN, "xlsx"))
    return exports


# --- relecture ----------------------------------------------------------------------------------


def cellules_openpyxl(octets):
    """Toutes les cellules de toutes les feuilles : (feuille, cellule)."""
    classeur = load_workbook(io.BytesIO(octets))
    for ws in classeur.worksheets:
        for ligne in ws.iter_rows():
            for cellule in ligne:
                yield ws.title, cellule


def feuilles_calamine(octets):
    """{feuille: lignes} lues par python-calamine (un second moteur que openpyxl)."""
    classeur = CalamineWorkbook.from_filelike(io.BytesIO(octets))
    return {nom: classeur.get_sheet_by_name(nom).to_python() for nom in classeur.sheet_names}


def lignes_csv(export):
    texte = export.contenu.decode("utf-8")
    separateur = ";" if export.type == "csv-excel" else ","
    return list(csv.reader(io.StringIO(texte.removeprefix("\ufeff")), delimiter=separateur))


def colonnes_du_format(export, *formats):
    """Les en-têtes des colonnes déclarées dans l'un des `formats`."""
    return {entete for entete, format_ in export.formats.items() if format_ in formats}


NUMERIQUES = (Format.ENTIER, Format.DECIMAL, Format.NOMBRE, Format.EUROS, Format.POURCENTAGE)
