"""Graphiques du rapport imprimable, rendus côté serveur en SVG.

Le même SVG sert la page HTML et le PDF (WeasyPrint n'exécute pas de JavaScript) ; chaque
graphique est accompagné, dans le gabarit, du tableau de ses données (RGAA). Les textes sont
échappés ; une valeur absente (None) ne trace rien et s'écrit « — » : rien n'est inventé.
Palette contrastée, lisible en niveaux de gris : l'année N en bleu foncé, N-1 en gris."""

import math
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import mark_safe

from indicateurs.models import nombre_fr

BLEU = "#1d3b6f"
GRIS = "#8a94a6"
ORANGE = "#b35900"
NOIR = "#222222"
POLICE = 'font-family="DejaVu Sans, Arial, sans-serif"'


def _court(valeur, unite=""):
    """Étiquette de valeur compacte : « 12 500 », « 1,2 M€ », « 35,5 % »."""
    if valeur is None:
        return "—"
    valeur = Decimal(valeur)
    if unite == "euros":
        if abs(valeur) >= 1_000_000:
            return f"{nombre_fr(valeur / 1_000_000, 1)} M€"
        if abs(valeur) >= 10_000:
            return f"{nombre_fr(valeur / 1_000, 0)} k€"
        return f"{nombre_fr(valeur, 0)} €"
    if unite == "pourcentage":
        return f"{nombre_fr(valeur, 1)} %"
    return nombre_fr(valeur, 1)


def _couper(texte, largeur=18, lignes=2):
    """Coupe un libellé en `lignes` lignes d'au plus `largeur` caractères (… si trop long)."""
    mots, resultat, courante = str(texte).split(), [], ""
    for mot in mots:
        essai = f"{courante} {mot}".strip()
        if len(essai) <= largeur:
            courante = essai
            continue
        if courante:
            resultat.append(courante)
        courante = mot[:largeur]
        if len(resultat) == lignes:
            break
    if courante and len(resultat) < lignes:
        resultat.append(courante)
    if len(resultat) == lignes and " ".join(resultat) != " ".join(mots):
        resultat[-1] = resultat[-1][: largeur - 1].rstrip() + "…"
    return resultat


def _maximum(series):
    valeurs = [float(v) for _, _, vs in series for v in vs if v is not None]
    haut = max(valeurs, default=0.0)
    return haut if haut > 0 else 1.0


def _graduations(haut, unite="", nombre=4):
    """Des graduations « rondes » (1, 2, 2,5 ou 5 × 10ⁿ ; entières pour un décompte) qui
    couvrent `haut` ; la dernière sert d'échelle au graphique."""
    brut = haut / nombre
    puissance = 10 ** math.floor(math.log10(brut))
    multiples = (1, 2, 5, 10) if unite == "" else (1, 2, 2.5, 5, 10)
    pas = next(m * puissance for m in multiples if m * puissance >= brut)
    if unite == "":
        pas = max(1, round(pas))
    return [pas * i for i in range(math.ceil(haut / pas - 1e-9) + 1)]


def _legende(series, x, y):
    morceaux, decalage = [], 0
    for nom, couleur, _ in series:
        morceaux.append(
            f'<rect x="{x + decalage}" y="{y - 8}" width="10" height="10" fill="{couleur}"/>'
            f'<text x="{x + decalage + 14}" y="{y + 1}" font-size="10" {POLICE}>'
            f"{escape(nom)}</text>"
        )
        decalage += 24 + 6 * len(str(nom))
    return "".join(morceaux)


def barres(titre, categories, series, unite="", largeur=640, hauteur=250):
    """Barres verticales groupées : une catégorie par groupe, une barre par série.

    `series` : [(nom, couleur, [valeur ou None par catégorie])]."""
    gauche, droite, haut_marge, bas_marge = 56, 12, 34, 44
    zone_l = largeur - gauche - droite
    zone_h = hauteur - haut_marge - bas_marge
    graduations = _graduations(_maximum(series), unite)
    maximum = graduations[-1]
    groupe = zone_l / max(len(categories), 1)
    barre = min(34.0, (groupe * 0.78) / max(len(series), 1))
    morceaux = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{largeur}" height="{hauteur}" '
        f'viewBox="0 0 {largeur} {hauteur}" role="img" aria-label="{escape(titre)}">',
        f"<title>{escape(titre)}</title>",
        _legende(series, gauche, 16),
    ]
    for graduation in graduations:
        y = haut_marge + zone_h - graduation / maximum * zone_h
        morceaux.append(
            f'<line x1="{gauche}" x2="{largeur - droite}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#d5d9e0" stroke-width="0.6"/>'
            f'<text x="{gauche - 4}" y="{y + 3:.1f}" font-size="8.5" text-anchor="end" '
            f'fill="#444" {POLICE}>{escape(_court(graduation, unite))}</text>'
        )
    for i, categorie in enumerate(categories):
        debut = gauche + i * groupe + (groupe - barre * len(series)) / 2
        for k, (_nom, couleur, valeurs) in enumerate(series):
            valeur = valeurs[i]
            x = debut + k * barre
            if valeur is None:
                morceaux.append(
                    f'<text x="{x + barre / 2:.1f}" y="{haut_marge + zone_h - 3:.1f}" '
                    f'font-size="8" text-anchor="middle" fill="#555" {POLICE}>—</text>'
                )
                continue
            h = float(valeur) / maximum * zone_h
            y = haut_marge + zone_h - h
            morceaux.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{barre - 2:.1f}" height="{h:.1f}" '
                f'fill="{couleur}"/>'
                f'<text x="{x + barre / 2 - 1:.1f}" y="{y - 3:.1f}" font-size="8" '
                f'text-anchor="middle" fill="{NOIR}" {POLICE}>'
                f"{escape(_court(valeur, unite))}</text>"
            )
        for ligne, texte in enumerate(_couper(categorie, largeur=max(int(groupe / 5.6), 8))):
            morceaux.append(
                f'<text x="{gauche + i * groupe + groupe / 2:.1f}" '
                f'y="{haut_marge + zone_h + 13 + ligne * 11}" font-size="9" '
                f'text-anchor="middle" fill="{NOIR}" {POLICE}>{escape(texte)}</text>'
            )
    morceaux.append(
        f'<line x1="{gauche}" x2="{largeur - droite}" y1="{haut_marge + zone_h}" '
        f'y2="{haut_marge + zone_h}" stroke="#333" stroke-width="0.8"/>'
    )
    morceaux.append("</svg>")
    return mark_safe("".join(morceaux))


def barres_horizontales(titre, libelles, series, unite="", largeur=640, etiquette=210):
    """Barres horizontales groupées, une ligne par libellé (indicateurs, engagements…) : la
    hauteur suit le nombre de lignes. `series` : [(nom, couleur, [valeur ou None])]."""
    epaisseur, ecart, haut_marge = 9, 7, 26
    ligne_h = epaisseur * len(series) + ecart
    hauteur = haut_marge + ligne_h * len(libelles) + 8
    zone_l = largeur - etiquette - 60
    maximum = _maximum(series)
    morceaux = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{largeur}" height="{hauteur}" '
        f'viewBox="0 0 {largeur} {hauteur}" role="img" aria-label="{escape(titre)}">',
        f"<title>{escape(titre)}</title>",
        _legende(series, etiquette, 14),
    ]
    for i, libelle in enumerate(libelles):
        y0 = haut_marge + i * ligne_h
        lignes = _couper(libelle, largeur=int(etiquette / 5.4), lignes=2)
        for k, texte in enumerate(lignes):
            decalage = (ligne_h - ecart) / 2 + 3 + (k - (len(lignes) - 1) / 2) * 10
            morceaux.append(
                f'<text x="{etiquette - 6}" y="{y0 + decalage:.1f}" font-size="8.5" '
                f'text-anchor="end" fill="{NOIR}" {POLICE}>{escape(texte)}</text>'
            )
        for k, (_nom, couleur, valeurs) in enumerate(series):
            valeur = valeurs[i]
            y = y0 + k * epaisseur
            if valeur is None:
                morceaux.append(
                    f'<text x="{etiquette + 3}" y="{y + epaisseur - 1:.1f}" font-size="8" '
                    f'fill="#555" {POLICE}>—</text>'
                )
                continue
            w = max(float(valeur) / maximum * zone_l, 0.8)
            morceaux.append(
                f'<rect x="{etiquette}" y="{y:.1f}" width="{w:.1f}" height="{epaisseur - 1.5}" '
                f'fill="{couleur}"/>'
                f'<text x="{etiquette + w + 3:.1f}" y="{y + epaisseur - 2:.1f}" font-size="8" '
                f'fill="{NOIR}" {POLICE}>{escape(_court(valeur, unite))}</text>'
            )
    morceaux.append(
        f'<line x1="{etiquette}" x2="{etiquette}" y1="{haut_marge - 4}" y2="{hauteur - 6}" '
        'stroke="#333" stroke-width="0.8"/>'
    )
    morceaux.append("</svg>")
    return mark_safe("".join(morceaux))
