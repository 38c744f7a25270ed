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


def _n(x):
    """Une coordonnée à un chiffre après la virgule au plus (« 33 », pas « 33.0 ») : des
    centaines de nombres par graphique."""
    texte = f"{x:.1f}"
    return texte[:-2] if texte.endswith(".0") else texte


def _t(x):
    """La position d'un texte, au pixel près (un demi-pixel ne se voit pas sur un libellé) :
    un graphique d'arrondissement place des centaines de textes."""
    return str(math.floor(x + 0.5))


def _ouvrir(titre, largeur, hauteur):
    """La balise <svg> et son titre. La police, la taille et la couleur communes à la plupart
    des textes sont posées une fois ici (héritage SVG, que WeasyPrint suit aussi) : chaque
    <text> ne porte plus que ce qui diffère (position, ancrage). Sur un rapport
    d'arrondissement, plus d'un millier de textes répétaient ces attributs."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{largeur}" height="{hauteur}" '
        f'viewBox="0 0 {largeur} {hauteur}" role="img" aria-label="{escape(titre)}" '
        f'{POLICE} font-size="8" fill="{NOIR}">'
        f"<title>{escape(titre)}</title>"
    )


def _groupe(attributs, elements):
    """Un <g> qui porte les attributs communs de ses éléments ; rien s'il n'y en a aucun."""
    return f"<g {attributs}>{''.join(elements)}</g>" if elements else ""


def _legende(series, x, y):
    morceaux, decalage = [], 0
    for nom, couleur, _ in series:
        morceaux.append(
            f'<rect x="{x + decalage}" y="{y - 8}" width="10" height="10" fill="{couleur}"/>'
            f'<text x="{x + decalage + 14}" y="{y + 1}">{escape(nom)}</text>'
        )
        decalage += 24 + 6 * len(str(nom))
    return _groupe('font-size="10" fill="#000"', morceaux)


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
    lignes, echelle, absentes, etiquettes, categories_texte = [], [], [], [], []
    rectangles = [[] for _ in series]
    for graduation in graduations:
        y = haut_marge + zone_h - graduation / maximum * zone_h
        lignes.append(f'<line x1="{gauche}" x2="{largeur - droite}" y1="{_n(y)}" y2="{_n(y)}"/>')
        echelle.append(
            f'<text x="{gauche - 4}" y="{_t(y + 3)}">{escape(_court(graduation, unite))}</text>'
        )
    for i, categorie in enumerate(categories):
        debut = gauche + i * groupe + (groupe - barre * len(series)) / 2
        for k, (_nom, _couleur, valeurs) in enumerate(series):
            valeur = valeurs[i]
            x = debut + k * barre
            if valeur is None:
                absentes.append(
                    f'<text x="{_t(x + barre / 2)}" y="{_t(haut_marge + zone_h - 3)}">—</text>'
                )
                continue
            h = float(valeur) / maximum * zone_h
            y = haut_marge + zone_h - h
            rectangles[k].append(
                f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(barre - 2)}" height="{_n(h)}"/>'
            )
            etiquettes.append(
                f'<text x="{_t(x + barre / 2 - 1)}" y="{_t(y - 3)}">'
                f"{escape(_court(valeur, unite))}</text>"
            )
        for ligne, texte in enumerate(_couper(categorie, largeur=max(int(groupe / 5.6), 8))):
            categories_texte.append(
                f'<text x="{_t(gauche + i * groupe + groupe / 2)}" '
                f'y="{haut_marge + zone_h + 13 + ligne * 11}">{escape(texte)}</text>'
            )
    morceaux = [
        _ouvrir(titre, largeur, hauteur),
        _legende(series, gauche, 16),
        _groupe('stroke="#d5d9e0" stroke-width="0.6"', lignes),
        _groupe('font-size="8.5" text-anchor="end" fill="#444"', echelle),
        *(
            _groupe(f'fill="{couleur}"', rects)
            for (_nom, couleur, _), rects in zip(series, rectangles, strict=True)
        ),
        _groupe('text-anchor="middle"', etiquettes),
        _groupe('text-anchor="middle" fill="#555"', absentes),
        _groupe('font-size="9" text-anchor="middle"', categories_texte),
        f'<line x1="{gauche}" x2="{largeur - droite}" y1="{haut_marge + zone_h}" '
        f'y2="{haut_marge + zone_h}" stroke="#333" stroke-width="0.8"/>',
        "</svg>",
    ]
    return mark_safe("".join(morceaux))


def barres_horizontales(
    titre, libelles, series, unite="", largeur=640, etiquette=210, series_par_ligne=None
):
    """Barres horizontales groupées, une ligne par libellé (indicateurs, engagements…) : la
    hauteur suit le nombre de lignes. `series` : [(nom, couleur, [valeur ou None])].

    `series_par_ligne` : pour chaque libellé, les indices des séries tracées sur sa ligne
    (toutes par défaut) ; une série absente d'une ligne n'y trace rien, pas même « — »
    (la valeur de Paris, la même pour tous les QPV d'un indicateur, a sa propre ligne) ; une
    ligne sans série est un titre de groupe, en gras. Chaque ligne nommant alors sa série, le
    graphique n'a pas de légende.

    Les libellés, les barres et leurs étiquettes sont placés par groupe décalé (`translate`) :
    chaque élément ne porte que sa coordonnée propre ; les barres d'une série sont les
    segments d'un seul tracé, épais comme une barre (un graphique d'arrondissement en a des
    centaines)."""
    epaisseur, ecart, haut_marge = 9, 7, 26
    # Quand chaque ligne ne trace qu'une série choisie, son libellé la nomme (« Paris », le nom
    # d'un QPV) : la légende des couleurs n'apprendrait rien de plus et n'est pas tracée.
    legende = series_par_ligne is None
    if series_par_ligne is None:
        series_par_ligne = [range(len(series))] * len(libelles)
    else:
        haut_marge = 8
    zone_l = largeur - etiquette - 60
    maximum = _maximum(series)
    textes_libelles, absentes, etiquettes = [], [], []
    traces = [[] for _ in series]
    y0 = haut_marge
    for i, (libelle, indices) in enumerate(zip(libelles, series_par_ligne, strict=True)):
        lignes = _couper(libelle, largeur=int(etiquette / 5.4), lignes=2)
        # Une ligne garde la place de son libellé (deux lignes au plus) ; ses barres sont
        # centrées sur le libellé.
        barres_h = epaisseur * len(indices)
        # Un titre de groupe (sans barre) est écarté du groupe précédent.
        ligne_h = max(barres_h + ecart, 11 * len(lignes)) if indices else 17
        haut_barres = y0 + (ligne_h - ecart - barres_h) / 2
        for k, texte in enumerate(lignes):
            decalage = (ligne_h - ecart) / 2 + 3 + (k - (len(lignes) - 1) / 2) * 10
            if not indices:
                decalage = ligne_h - 4
            gras = "" if indices else ' font-weight="bold"'
            textes_libelles.append(f'<text y="{_t(y0 + decalage)}"{gras}>{escape(texte)}</text>')
        for rang, k in enumerate(indices):
            valeur = series[k][2][i]
            y = haut_barres + rang * epaisseur
            if valeur is None:
                absentes.append(f'<text x="3" y="{_t(y + epaisseur - 1)}">—</text>')
                continue
            w = max(float(valeur) / maximum * zone_l, 0.8)
            traces[k].append(f"M0 {_n(y + (epaisseur - 1.5) / 2)}h{_n(w)}")
            etiquettes.append(
                f'<text x="{_t(w + 3)}" y="{_t(y + epaisseur - 2)}">'
                f"{escape(_court(valeur, unite))}</text>"
            )
        y0 += ligne_h
    hauteur = y0 + 8
    morceaux = [
        _ouvrir(titre, largeur, hauteur),
        _legende(series, etiquette, 14) if legende else "",
        _groupe(
            f'font-size="8.5" text-anchor="end" transform="translate({etiquette - 6})"',
            textes_libelles,
        ),
        f'<g transform="translate({etiquette})">',
        _groupe(
            f'stroke-width="{epaisseur - 1.5}"',
            [
                f'<path stroke="{couleur}" d="{"".join(segments)}"/>'
                for (_nom, couleur, _), segments in zip(series, traces, strict=True)
                if segments
            ],
        ),
        *etiquettes,
        _groupe('fill="#555"', absentes),
        "</g>",
        f'<line x1="{etiquette}" x2="{etiquette}" y1="{haut_marge - 4}" y2="{hauteur - 6}" '
        'stroke="#333" stroke-width="0.8"/>',
        "</svg>",
    ]
    return mark_safe("".join(morceaux))
