"""Contrôle des pièces jointes des fiches-actions.

Seuls les PDF, les images et les documents bureautiques sont acceptés. L'extension ne suffit
pas (un exécutable renommé en `.pdf` garde son extension) : on lit aussi les premiers octets
du fichier (« signature ») et, pour les formats bureautiques qui sont des archives ZIP, la
présence des parties attendues. Un fichier refusé l'est avec un message en français qui dit
pourquoi et ce qui est accepté.
"""

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError

PDF = b"%PDF-"
PNG = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff"
GIF = (b"GIF87a", b"GIF89a")
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # anciens formats Office (.doc, .xls, .ppt)
ZIP = b"PK\x03\x04"

# Signatures reconnues d'exécutables et de scripts, pour un message plus explicite.
SIGNATURES_DANGEREUSES = {
    b"MZ": "un programme Windows",
    b"\x7fELF": "un programme Linux",
    b"#!": "un script",
    b"\xca\xfe\xba\xbe": "un programme",
    b"\xcf\xfa\xed\xfe": "un programme macOS",
}


@dataclass(frozen=True)
class Format:
    """Un format accepté : libellé, type MIME servi au téléchargement, et contrôle du contenu."""

    libelle: str
    mime: str
    controle: str  # nom de la fonction de contrôle ci-dessous


FORMATS = {
    ".pdf": Format("PDF", "application/pdf", "pdf"),
    ".png": Format("image PNG", "image/png", "png"),
    ".jpg": Format("image JPEG", "image/jpeg", "jpeg"),
    ".jpeg": Format("image JPEG", "image/jpeg", "jpeg"),
    ".gif": Format("image GIF", "image/gif", "gif"),
    ".webp": Format("image WebP", "image/webp", "webp"),
    ".doc": Format("document Word", "application/msword", "ole"),
    ".xls": Format("classeur Excel", "application/vnd.ms-excel", "ole"),
    ".ppt": Format("présentation PowerPoint", "application/vnd.ms-powerpoint", "ole"),
    ".docx": Format(
        "document Word",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
    ".xlsx": Format(
        "classeur Excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xlsx",
    ),
    ".pptx": Format(
        "présentation PowerPoint",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "pptx",
    ),
    ".odt": Format("document OpenDocument", "application/vnd.oasis.opendocument.text", "odf"),
    ".ods": Format(
        "classeur OpenDocument", "application/vnd.oasis.opendocument.spreadsheet", "odf"
    ),
    ".odp": Format(
        "présentation OpenDocument", "application/vnd.oasis.opendocument.presentation", "odf"
    ),
}

FORMATS_ACCEPTES = "PDF, images (PNG, JPEG, GIF, WebP) et documents bureautiques (Word, Excel, PowerPoint, OpenDocument)"
EXTENSIONS_ACCEPTEES = ",".join(sorted(FORMATS))

# Partie principale attendue dans l'archive d'un document Office Open XML.
PARTIES_OOXML = {
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
    "pptx": "ppt/presentation.xml",
}


def taille_lisible(octets):
    """« 850 Ko », « 10 Mo », « 12,5 Mo » : les unités que les personnes connaissent."""
    if octets < 1024 * 1024:
        return f"{max(1, round(octets / 1024))} Ko"
    mo = octets / (1024 * 1024)
    return f"{mo:.1f}".replace(".", ",").removesuffix(",0") + " Mo"


def taille_max():
    """Taille maximale d'une pièce jointe, en octets (réglage PIECES_JOINTES_TAILLE_MAX)."""
    return settings.PIECES_JOINTES_TAILLE_MAX


def _lire(fichier, n=None):
    fichier.seek(0)
    donnees = fichier.read() if n is None else fichier.read(n)
    fichier.seek(0)
    return donnees


def _archive(fichier):
    """L'archive ZIP du fichier, ou None si ce n'en est pas une lisible."""
    try:
        return zipfile.ZipFile(io.BytesIO(_lire(fichier)))
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def _controle_ooxml(fichier, tete, partie):
    if not tete.startswith(ZIP):
        return False
    archive = _archive(fichier)
    if archive is None:
        return False
    noms = set(archive.namelist())
    if "[Content_Types].xml" not in noms or partie not in noms:
        return False
    if any(nom.lower().endswith("vbaproject.bin") for nom in noms):
        # Un document qui embarque des macros est refusé même sous une extension sans « m ».
        raise ValidationError(
            "Ce document contient des macros : enregistrez-le sans macros puis joignez-le à "
            "nouveau.",
            code="macros",
        )
    return True


def _controle_odf(fichier, tete, extension):
    if not tete.startswith(ZIP):
        return False
    archive = _archive(fichier)
    if archive is None:
        return False
    try:
        mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
    except KeyError:
        return False
    return mimetype == FORMATS[extension].mime


def contenu_conforme(fichier, extension, tete):
    """Vrai si le contenu correspond au format annoncé par l'extension."""
    controle = FORMATS[extension].controle
    if controle == "pdf":
        return tete.startswith(PDF)
    if controle == "png":
        return tete.startswith(PNG)
    if controle == "jpeg":
        return tete.startswith(JPEG)
    if controle == "gif":
        return tete.startswith(GIF)
    if controle == "webp":
        return tete[:4] == b"RIFF" and tete[8:12] == b"WEBP"
    if controle == "ole":
        return tete.startswith(OLE)
    if controle in PARTIES_OOXML:
        return _controle_ooxml(fichier, tete, PARTIES_OOXML[controle])
    if controle == "odf":
        return _controle_odf(fichier, tete, extension)
    return False


def valider_piece_jointe(fichier):
    """Vérifie une pièce jointe téléversée et renvoie son type MIME.

    Contrôles, dans l'ordre : extension autorisée, taille maximale, puis signature du
    contenu. Lève `ValidationError` avec un message en français sinon."""
    nom = PurePath(fichier.name or "").name
    extension = PurePath(nom).suffix.lower()
    if extension not in FORMATS:
        raise ValidationError(
            f"« {nom} » n’est pas accepté : seuls les fichiers {FORMATS_ACCEPTES} peuvent être "
            "joints.",
            code="extension",
        )
    maximum = taille_max()
    if fichier.size is not None and fichier.size > maximum:
        raise ValidationError(
            f"« {nom} » est trop volumineux ({taille_lisible(fichier.size)}) : la taille "
            f"maximale d’une pièce jointe est de {taille_lisible(maximum)}.",
            code="taille",
        )
    if not fichier.size:
        raise ValidationError(f"« {nom} » est vide.", code="vide")
    tete = _lire(fichier, 16)
    if not contenu_conforme(fichier, extension, tete):
        nature = next(
            (lib for sig, lib in SIGNATURES_DANGEREUSES.items() if tete.startswith(sig)), None
        )
        detail = f" : c’est en réalité {nature}" if nature else ""
        raise ValidationError(
            f"« {nom} » n’est pas un fichier {FORMATS[extension].libelle} valide{detail}. "
            f"Seuls les fichiers {FORMATS_ACCEPTES} peuvent être joints.",
            code="contenu",
        )
    return FORMATS[extension].mime
