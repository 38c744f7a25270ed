"""Le classeur Excel du bilan annuel (openpyxl) : neuf feuilles, graphiques natifs, formats
français.

Chaque tableau est déclaré comme des données (une `Col` : en-tête, lecture, format Excel), à la
manière de socle/tableur.py dont il reprend la mise en forme des valeurs (texte
protégé, dates sans fuseau, Oui/Non). Le tableau principal de chaque feuille commence en A1 :
en-tête figé et filtre automatique ; les tableaux de synthèse d'une feuille sont à sa droite.

Formats de nombre : les codes Excel s'écrivent avec « , » pour les milliers et « . » pour les
décimales ; Excel les affiche selon la langue du poste (« 12 500,00 € » en français). Une
valeur absente s'écrit « — » (jamais 0, rien n'est inventé)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

from django.conf import settings
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from bilan.donnees import TIRET, Unite
from quartiers.models import ProjetStructurant
from socle.tableur import Format, formater
from structures.models import FicheAction

# --- formats Excel ------------------------------------------------------------------------------

ENTIER = "#,##0"
DECIMAL = "#,##0.00"
EUROS = '#,##0.00\\ "€"'
EUROS_SIGNE = '+#,##0.00\\ "€";-#,##0.00\\ "€";0.00\\ "€"'
POURCENT_POINTS = '0.0\\ "%"'  # une part exprimée en points (35,5 → « 35,5 % »)
POINTS = '+0.0\\ "pts";-0.0\\ "pts";0.0\\ "pt"'
SIGNE = "+#,##0;-#,##0;0"
SIGNE_DECIMAL = "+#,##0.00;-#,##0.00;0"
VARIATION = "+0.0%;-0.0%;0.0%"  # une fraction (0,125 → « +12,5 % »)
DATE = "DD/MM/YYYY"
DATE_HEURE = "DD/MM/YYYY HH:MM"

NOMS_FEUILLES = [
    "Synthèse",
    "Engagements",
    "Indicateurs",
    "Quartiers",
    "Projets structurants",
    "Fiches-actions",
    "Crédits",
    "Études",
    "Métadonnées",
]

BLEU = "1D3B6F"
ENTETE_FOND = PatternFill("solid", fgColor="DCE3F0")
TITRE_FOND = PatternFill("solid", fgColor=BLEU)
DEMO_FOND = PatternFill("solid", fgColor="FFF3CD")
BORD = Border(bottom=Side(style="thin", color="8A94A6"))
LARGEUR_MIN, LARGEUR_MAX = 8, 60


def format_grandeur(unite, evolution=False):
    """Le format Excel d'une grandeur (ou de son évolution) selon son unité."""
    if unite == Unite.EUROS:
        return EUROS_SIGNE if evolution else EUROS
    if unite == Unite.POURCENTAGE:
        return POINTS if evolution else POURCENT_POINTS
    return SIGNE if evolution else ENTIER


def format_indicateur(indicateur, evolution=False):
    """Une part ou un taux en « % » (évolution en points), un nombre entier ou décimal."""
    if indicateur.est_pourcentage:
        return POINTS if evolution else POURCENT_POINTS
    return SIGNE_DECIMAL if evolution else "#,##0.##;-#,##0.##;0"


def oui_non(valeur):
    return "Oui" if valeur else "Non"


# --- tableaux déclarés comme des données --------------------------------------------------------


@dataclass(frozen=True)
class Col:
    """Une colonne : en-tête, lecture (fonction de la ligne), format Excel (texte, ou fonction
    de la ligne quand il dépend de l'unité), et « — » pour une valeur absente."""

    entete: str
    lire: Callable[[object], object]
    format: str | Callable[[object], str] | None = None
    tiret: bool = False
    largeur: int | None = None


def _valeur_cellule(valeur, col):
    if valeur is None or valeur == "":
        return TIRET if col.tiret else None
    if isinstance(valeur, bool):
        return oui_non(valeur)
    if isinstance(valeur, datetime):
        return formater(valeur, Format.DATE_HEURE)
    if isinstance(valeur, date):
        return valeur
    if isinstance(valeur, Decimal):
        return float(valeur)
    if isinstance(valeur, int | float):
        return valeur
    if isinstance(valeur, list | tuple):
        return formater(valeur, Format.LISTE)
    return formater(valeur, Format.TEXTE)


def _longueur(valeur, format_):
    if valeur is None:
        return 0
    if isinstance(valeur, datetime):
        return 16
    if isinstance(valeur, date):
        return 10
    if isinstance(valeur, int | float):
        texte = f"{valeur:,.2f}" if format_ and "0.0" in format_ else f"{valeur:,.0f}"
        return len(texte) + (2 if format_ and "€" in format_ else 0) + 1
    return max((len(ligne) for ligne in str(valeur).split("\n")), default=0)


class Feuille:
    """Une feuille en cours d'écriture : tableaux, titres, largeurs ajustées au contenu."""

    def __init__(self, ws):
        self.ws = ws
        self.largeurs = {}

    def noter_largeur(self, colonne, longueur):
        self.largeurs[colonne] = max(self.largeurs.get(colonne, 0), longueur)

    def texte(self, ligne, colonne, valeur, gras=False, taille=None, fond=None, couleur=None):
        cellule = self.ws.cell(row=ligne, column=colonne, value=formater(valeur, Format.TEXTE))
        cellule.data_type = "s"
        if gras or taille or couleur:
            cellule.font = Font(bold=gras, size=taille or 11, color=couleur)
        if fond:
            cellule.fill = fond
        return cellule

    def tableau(self, colonnes, lignes, ligne=1, colonne=1, principal=False, titre=None):
        """Écrit un tableau (en-tête puis une ligne par objet) ; renvoie (première ligne de
        données, dernière ligne). Le tableau principal a l'en-tête figé et le filtre."""
        ws = self.ws
        if titre:
            self.texte(ligne, colonne, titre, gras=True, couleur=BLEU)
            ligne += 1
        for j, col in enumerate(colonnes):
            cellule = ws.cell(row=ligne, column=colonne + j, value=col.entete)
            cellule.font = Font(bold=True)
            cellule.fill = ENTETE_FOND
            cellule.border = BORD
            cellule.alignment = Alignment(wrap_text=True, vertical="top")
            self.noter_largeur(colonne + j, min(len(col.entete), 24))
        entete = ligne
        for objet in lignes:
            ligne += 1
            for j, col in enumerate(colonnes):
                brute = col.lire(objet)
                valeur = _valeur_cellule(brute, col)
                cellule = ws.cell(row=ligne, column=colonne + j, value=valeur)
                format_ = col.format(objet) if callable(col.format) else col.format
                if isinstance(valeur, str):
                    cellule.data_type = "s"  # jamais une formule
                    if valeur == TIRET:
                        cellule.alignment = Alignment(horizontal="right")
                elif format_ and isinstance(valeur, int | float | date):
                    cellule.number_format = format_
                elif isinstance(valeur, datetime):
                    cellule.number_format = DATE_HEURE
                elif isinstance(valeur, date):
                    cellule.number_format = DATE
                longueur = _longueur(valeur, format_)
                if col.largeur:
                    longueur = min(longueur, col.largeur)
                self.noter_largeur(colonne + j, longueur)
        if principal:
            derniere_colonne = get_column_letter(colonne + len(colonnes) - 1)
            ws.freeze_panes = ws.cell(row=entete + 1, column=colonne)
            ws.auto_filter.ref = (
                f"{get_column_letter(colonne)}{entete}:{derniere_colonne}{max(ligne, entete)}"
            )
        return entete + 1, ligne

    def ajuster(self):
        for colonne, longueur in self.largeurs.items():
            largeur = max(LARGEUR_MIN, min(LARGEUR_MAX, longueur + 2))
            self.ws.column_dimensions[get_column_letter(colonne)].width = largeur
        for ligne in self.ws.iter_rows():
            for cellule in ligne:
                if isinstance(cellule.value, str) and len(cellule.value) > LARGEUR_MAX:
                    cellule.alignment = Alignment(wrap_text=True, vertical="top")


def graphique_barres(titre, donnees, categories, titre_y="", largeur=16, hauteur=8):
    """Un histogramme groupé natif (une série par colonne de `donnees`)."""
    graphique = BarChart()
    graphique.type = "col"
    graphique.grouping = "clustered"
    graphique.title = titre
    graphique.y_axis.title = titre_y
    graphique.y_axis.majorGridlines = None
    graphique.add_data(donnees, titles_from_data=True)
    graphique.set_categories(categories)
    graphique.width, graphique.height = largeur, hauteur
    graphique.dataLabels = DataLabelList()
    graphique.dataLabels.showVal = True
    # Axes visibles (les versions récentes d'openpyxl les masquent par défaut).
    graphique.x_axis.delete = False
    graphique.y_axis.delete = False
    return graphique


# --- colonnes réutilisées ---------------------------------------------------------------------


def colonnes_comparaison(annee, entete="Indicateur", acces=None):
    """Libellé, N, N-1, évolution (en valeur ou en points) et évolution en %. `acces` : où
    lire la `Comparaison` dans une ligne (la ligne elle-même par défaut) ; sans `entete`, pas
    de colonne de libellé."""
    acces = acces or (lambda r: r)
    colonnes = [Col(entete, lambda r: acces(r).libelle)] if entete else []
    return colonnes + [
        Col(str(annee), lambda r: acces(r).n, lambda r: format_grandeur(acces(r).unite), True),
        Col(str(annee - 1), lambda r: acces(r).n1, lambda r: format_grandeur(acces(r).unite), True),
        Col(
            "Évolution",
            lambda r: acces(r).evolution,
            lambda r: format_grandeur(acces(r).unite, evolution=True),
            tiret=True,
        ),
        Col("Évolution (%)", lambda r: acces(r).evolution_relative, VARIATION, tiret=True),
    ]


def _statut_valeur(v):
    return v.get_statut_display() if v is not None else None


def _nom_auteur(user):
    if user is None:
        return None
    return user.get_full_name() or user.username


# --- les feuilles -------------------------------------------------------------------------------


def feuille_synthese(wb, bilan):
    ws = wb.active
    ws.title = "Synthèse"
    f = Feuille(ws)
    n, n1 = bilan.annee, bilan.annee_precedente
    f.texte(1, 1, bilan.titre, gras=True, taille=14, couleur=BLEU)
    f.texte(
        2,
        1,
        f"Périmètre : {bilan.perimetre} · {len(bilan.quartiers)} QPV · {bilan.campagne_libelle}"
        f" · Valeurs : {bilan.portee_valeurs.lower()}.",
    )
    note_demo = (
        "Attention : ce bilan contient des valeurs de DÉMONSTRATION (synthétiques), marquées "
        "« Démo : Oui » dans chaque feuille. Ce ne sont pas des données réelles."
        if bilan.demo_presente
        else "Valeurs de démonstration : "
        + ("incluses sur demande, aucune n'apparaît." if bilan.avec_demo else "exclues.")
    )
    f.texte(3, 1, note_demo, gras=bilan.demo_presente, fond=DEMO_FOND if bilan.avec_demo else None)
    ws.row_dimensions[1].height = 22

    debut, fin = f.tableau(colonnes_comparaison(n, "Chiffre clé"), bilan.synthese, ligne=5)
    for i, c in enumerate(bilan.synthese):
        if c.niveau:
            ws.cell(row=debut + i, column=1).alignment = Alignment(indent=2)
        else:
            ws.cell(row=debut + i, column=1).font = Font(bold=True)
    ws.freeze_panes = ws.cell(row=debut, column=1)
    ws.auto_filter.ref = f"A{debut - 1}:E{fin}"

    # Périmètre (sans comparaison : le référentiel ne change pas d'une année sur l'autre).
    ligne = fin + 2
    perimetre = [
        ("Quartiers prioritaires", len(bilan.quartiers)),
        ("Population des QPV (décret)", bilan.population),
        ("Secteurs et micro-quartiers", bilan.nb_secteurs),
        ("Projets structurants", len(bilan.projets)),
        ("Indicateurs du contrat", bilan.completude["indicateurs"]),
    ]
    f.tableau(
        [Col("Périmètre", lambda r: r[0]), Col("Nombre", lambda r: r[1], ENTIER, tiret=True)],
        perimetre,
        ligne=ligne,
    )

    # Données des graphiques, à droite.
    col = 8
    statuts_fiches = bilan.fiches_par_statut[1:]
    d1, f1 = f.tableau(
        [
            Col("Statut de la fiche", lambda c: c.libelle.removeprefix("dont ").capitalize()),
            Col(f"Fiches {n}", lambda c: c.n, ENTIER),
            Col(f"Fiches {n1}", lambda c: c.n1, ENTIER),
        ],
        statuts_fiches,
        ligne=5,
        colonne=col,
        titre="Fiches-actions par statut",
    )
    ws.add_chart(
        graphique_barres(
            f"Fiches-actions par statut, {n} et {n1}",
            Reference(ws, min_col=col + 1, max_col=col + 2, min_row=d1 - 1, max_row=f1),
            Reference(ws, min_col=col, min_row=d1, max_row=f1),
            "Fiches",
        ),
        f"{get_column_letter(col + 4)}5",
    )
    types = bilan.credits_par_type[1:]
    d2, f2 = f.tableau(
        [
            Col("Type de crédit", lambda c: c.libelle.removeprefix("dont ").capitalize()),
            Col(f"Crédits {n} (€)", lambda c: c.n, EUROS, tiret=True),
            Col(f"Crédits {n1} (€)", lambda c: c.n1, EUROS, tiret=True),
        ],
        types,
        ligne=f1 + 3,
        colonne=col,
        titre="Crédits par type",
    )
    ws.add_chart(
        graphique_barres(
            f"Crédits dépensés dans les QPV par type, {n} et {n1}",
            Reference(ws, min_col=col + 1, max_col=col + 2, min_row=d2 - 1, max_row=f2),
            Reference(ws, min_col=col, min_row=d2, max_row=f2),
            "Euros",
        ),
        f"{get_column_letter(col + 4)}22",
    )
    cp = bilan.completude
    d3, f3 = f.tableau(
        [
            Col("Valeurs", lambda c: c.libelle.removeprefix("Valeurs ").capitalize()),
            Col(f"Campagne {n}", lambda c: c.n, ENTIER),
            Col(f"Campagne {n1}", lambda c: c.n1, ENTIER),
        ],
        [cp["attendues"], cp["renseignees"], cp["validees"]],
        ligne=f2 + 3,
        colonne=col,
        titre="Complétude de la campagne",
    )
    ws.add_chart(
        graphique_barres(
            f"Complétude de la campagne {n} (comparée à {n1})",
            Reference(ws, min_col=col + 1, max_col=col + 2, min_row=d3 - 1, max_row=f3),
            Reference(ws, min_col=col, min_row=d3, max_row=f3),
            "Valeurs",
        ),
        f"{get_column_letter(col + 4)}39",
    )
    f.ajuster()
    ws.column_dimensions["A"].width = 52


def feuille_engagements(wb, bilan):
    ws = wb.create_sheet("Engagements")
    f = Feuille(ws)
    n, n1 = bilan.annee, bilan.annee_precedente
    colonnes = [
        Col("Thématique", lambda r: r[0].libelle, largeur=30),
        Col("N°", lambda r: r[1].engagement.numero, ENTIER),
        Col("Engagement", lambda r: r[1].engagement.titre, largeur=45),
        Col("Code", lambda r: r[2].indicateur.code),
        Col("Indicateur", lambda r: r[2].indicateur.libelle, largeur=60),
        Col("Unité", lambda r: r[2].indicateur.get_unite_display()),
        Col("Territoire", lambda r: r[2].territoire.nom if r[2].territoire else None, tiret=True),
        Col(
            f"Valeur {n}",
            lambda r: r[2].comparaison.n,
            lambda r: format_indicateur(r[2].indicateur),
            tiret=True,
        ),
        Col(
            f"Valeur {n1}",
            lambda r: r[2].comparaison.n1,
            lambda r: format_indicateur(r[2].indicateur),
            tiret=True,
        ),
        Col(
            "Évolution",
            lambda r: r[2].comparaison.evolution,
            lambda r: format_indicateur(r[2].indicateur, evolution=True),
            tiret=True,
        ),
        Col("Évolution (%)", lambda r: r[2].comparaison.evolution_relative, VARIATION, tiret=True),
        Col(
            f"Paris {n}",
            lambda r: r[2].comparaison_paris.n,
            lambda r: format_indicateur(r[2].indicateur),
            tiret=True,
        ),
        Col(
            f"Paris {n1}",
            lambda r: r[2].comparaison_paris.n1,
            lambda r: format_indicateur(r[2].indicateur),
            tiret=True,
        ),
        Col("Écart à Paris (pts)", lambda r: r[2].ecart_paris, POINTS, tiret=True),
        Col(
            "Statut",
            lambda r: ", ".join(r[2].statuts_non_valides) or ("Validée" if r[2].valeurs else None),
            tiret=True,
        ),
        Col("Démo", lambda r: oui_non(r[2].demo)),
    ]
    lignes = [
        (thematique, section, ligne)
        for thematique, sections in bilan.thematiques
        for section in sections
        for ligne in section.lignes
    ]
    f.tableau(colonnes, lignes, principal=True)

    # Complétude par engagement et son graphique, à droite.
    col = len(colonnes) + 2
    sections = [s for _, groupe in bilan.thematiques for s in groupe]
    d, fin = f.tableau(
        [
            Col("Engagement", lambda s: f"Engagement {s.engagement.numero}"),
            Col("Indicateurs", lambda s: s.completude.nb_indicateurs, ENTIER),
            Col(f"Renseignés {n}", lambda s: s.completude.avec_valeur.n, ENTIER),
            Col(f"Renseignés {n1}", lambda s: s.completude.avec_valeur.n1, ENTIER),
            Col(f"Valeurs attendues {n}", lambda s: s.completude.attendues.n, ENTIER),
            Col(f"Valeurs renseignées {n}", lambda s: s.completude.renseignees.n, ENTIER),
            Col(f"Valeurs validées {n}", lambda s: s.completude.validees.n, ENTIER),
            Col(f"Valeurs renseignées {n1}", lambda s: s.completude.renseignees.n1, ENTIER),
            Col(f"Valeurs validées {n1}", lambda s: s.completude.validees.n1, ENTIER),
        ],
        sections,
        colonne=col,
    )
    graphique = graphique_barres(
        f"Indicateurs renseignés par engagement, {n} et {n1}",
        Reference(ws, min_col=col + 2, max_col=col + 3, min_row=d - 1, max_row=fin),
        Reference(ws, min_col=col, min_row=d, max_row=fin),
        "Indicateurs",
        largeur=30,
        hauteur=10,
    )
    graphique.dataLabels = None
    ws.add_chart(graphique, f"{get_column_letter(col)}{fin + 3}")
    f.ajuster()


def feuille_indicateurs(wb, bilan):
    ws = wb.create_sheet("Indicateurs")
    f = Feuille(ws)

    def fmt(r):
        return format_indicateur(r.indicateur)

    colonnes = [
        Col("Code", lambda r: r.indicateur.code),
        Col("Indicateur", lambda r: r.indicateur.libelle, largeur=60),
        Col(
            "Engagement",
            lambda r: r.indicateur.engagement.numero if r.indicateur.engagement_id else None,
            ENTIER,
            tiret=True,
        ),
        Col("Nature", lambda r: r.indicateur.get_nature_display()),
        Col("Unité", lambda r: r.indicateur.get_unite_display()),
        Col("Territoire", lambda r: r.valeur.territoire.nom),
        Col("Type de territoire", lambda r: r.valeur.territoire.get_type_display()),
        Col("Année", lambda r: r.valeur.annee, "0"),
        Col("Valeur", lambda r: r.valeur.valeur, fmt, tiret=True),
        Col("Nombre", lambda r: r.valeur.nombre, ENTIER),
        Col("Base", lambda r: r.valeur.base, ENTIER),
        Col("Valeur de l’année précédente", lambda r: r.comparaison.n1, fmt, tiret=True),
        Col(
            "Évolution",
            lambda r: r.comparaison.evolution,
            lambda r: format_indicateur(r.indicateur, evolution=True),
            tiret=True,
        ),
        Col("Évolution (%)", lambda r: r.comparaison.evolution_relative, VARIATION, tiret=True),
        Col("Statut", lambda r: r.valeur.get_statut_display()),
        Col("Démo", lambda r: oui_non(r.valeur.demo)),
        Col("Source", lambda r: r.valeur.source, largeur=40),
        Col("Producteur", lambda r: r.valeur.producteur.nom if r.valeur.producteur_id else None),
        Col("Validée le", lambda r: r.valeur.valide_le),
    ]
    f.tableau(colonnes, bilan.lignes_valeurs, principal=True)
    f.ajuster()


def feuille_quartiers(wb, bilan):
    ws = wb.create_sheet("Quartiers")
    f = Feuille(ws)

    def fmt(r):
        return format_indicateur(r.indicateur)

    colonnes = [
        Col("Quartier", lambda r: r.quartier.nom),
        Col("Arrondissement(s)", lambda r: r.quartier.arrondissements_libelle),
        Col("Population (décret)", lambda r: r.quartier.population, ENTIER, tiret=True),
        Col("Code", lambda r: r.indicateur.code),
        Col("Chiffre clé", lambda r: r.indicateur.libelle, largeur=50),
        Col("Année", lambda r: r.valeur.annee if r.valeur else None, "0", tiret=True),
        Col("Valeur", lambda r: r.comparaison.n, fmt, tiret=True),
        Col("Valeur de l’année précédente", lambda r: r.comparaison.n1, fmt, tiret=True),
        Col(
            "Évolution",
            lambda r: r.comparaison.evolution,
            lambda r: format_indicateur(r.indicateur, evolution=True),
            tiret=True,
        ),
        Col(
            "Paris (même année)",
            lambda r: r.paris.valeur if r.paris else None,
            fmt,
            tiret=True,
        ),
        Col("Écart à Paris (pts)", lambda r: r.ecart_paris, POINTS, tiret=True),
        Col("Source", lambda r: r.valeur.source if r.valeur else None, largeur=40),
        Col("Démo", lambda r: oui_non(r.demo)),
    ]
    f.tableau(colonnes, bilan.chiffres_quartiers, principal=True)
    f.ajuster()


def feuille_projets(wb, bilan):
    ws = wb.create_sheet("Projets structurants")
    f = Feuille(ws)

    def suivi(p):
        return p.dernier_suivi

    colonnes = [
        Col("Quartier", lambda p: p.quartier.nom),
        Col("Arrondissement(s)", lambda p: p.quartier.arrondissements_libelle),
        Col("Secteur", lambda p: p.secteur.nom if p.secteur_id else None),
        Col("Projet", lambda p: p.nom, largeur=45),
        Col("Statut", lambda p: p.get_statut_display()),
        Col("Statut imprimé (contrat)", lambda p: p.statut_brut),
        Col("Année d’échéance", lambda p: p.annee_echeance, "0", tiret=True),
        Col("Porteur", lambda p: str(p.porteur) if p.porteur else None),
        Col("Engagements servis", lambda p: [e.numero for e in p.engagements_servis]),
        Col("Dernier suivi : date", lambda p: suivi(p).date if suivi(p) else None, DATE, True),
        Col(
            "Dernier suivi : statut",
            lambda p: suivi(p).get_statut_display() if suivi(p) else None,
        ),
        Col(
            "Dernier suivi : commentaire",
            lambda p: suivi(p).commentaire if suivi(p) else None,
            largeur=50,
        ),
        Col(
            "Dernier suivi : auteur",
            lambda p: _nom_auteur(suivi(p).auteur) if suivi(p) else None,
        ),
        Col("Adresse", lambda p: p.adresse, largeur=40),
    ]
    f.tableau(colonnes, bilan.projets, principal=True)
    col = len(colonnes) + 2
    statuts = ProjetStructurant.Statut.choices
    lignes = [*bilan.statuts_projets, None]
    f.tableau(
        [Col("Quartier", lambda s: s.quartier.nom if s else "Total")]
        + [
            Col(
                libelle,
                lambda s, code=code: (s.comptes if s else bilan.statuts_projets_totaux).get(
                    code, 0
                ),
                ENTIER,
            )
            for code, libelle in statuts
        ]
        + [Col("Total", lambda s: s.total if s else len(bilan.projets), ENTIER)],
        lignes,
        colonne=col,
        titre="Statuts des projets par QPV (à la date d’édition)",
    )
    f.ajuster()


def feuille_fiches(wb, bilan):
    ws = wb.create_sheet("Fiches-actions")
    f = Feuille(ws)
    n, n1 = bilan.annee, bilan.annee_precedente
    colonnes = [
        Col("Titre", lambda x: x.titre, largeur=50),
        Col("Structure", lambda x: x.structure.nom),
        Col("Année", lambda x: x.annee, "0"),
        Col("Statut de la fiche", lambda x: x.get_statut_display()),
        Col("Statut de l’action", lambda x: x.get_etat_display()),
        Col("Engagements", lambda x: [e.numero for e in x.engagements.all()]),
        Col("QPV", lambda x: [q.nom for q in x.quartiers.all()], largeur=50),
        Col("Dimension", lambda x: x.get_dimension_display()),
        Col("Bénéficiaires", lambda x: x.nb_beneficiaires, ENTIER, tiret=True),
        Col("dont habitants d’un QPV", lambda x: x.nb_beneficiaires_qpv, ENTIER, tiret=True),
        Col("Modifiée le", lambda x: x.modifie_le),
    ]
    f.tableau(colonnes, bilan.fiches, principal=True)
    col = len(colonnes) + 2
    statuts = FicheAction.Statut.choices

    def colonnes_regroupement(entete, nom):
        return (
            [Col(entete, nom)]
            + [
                Col(f"{libelle} {n}", lambda r, code=code: r[1].get(code, 0), ENTIER)
                for code, libelle in statuts
            ]
            + [
                Col(f"Total {n}", lambda r: r[2].n, ENTIER),
                Col(f"Total {n1}", lambda r: r[2].n1, ENTIER),
                Col("Évolution", lambda r: r[2].evolution, SIGNE, tiret=True),
            ]
        )

    _, fin = f.tableau(
        colonnes_regroupement("Engagement", lambda r: f"Engagement {r[0].numero} : {r[0].titre}"),
        bilan.fiches_par_engagement,
        colonne=col,
        titre="Fiches-actions par engagement",
    )
    f.tableau(
        colonnes_regroupement("Quartier", lambda r: r[0].nom),
        bilan.fiches_par_quartier,
        ligne=fin + 3,
        colonne=col,
        titre="Fiches-actions par QPV",
    )
    f.ajuster()
    ws.column_dimensions[get_column_letter(col)].width = 50


def feuille_credits(wb, bilan):
    ws = wb.create_sheet("Crédits")
    f = Feuille(ws)
    n = bilan.annee
    colonnes = [
        Col("Identifiant", lambda c: c.pk, "0"),
        Col("Année", lambda c: c.annee, "0"),
        Col("Signataire", lambda c: c.signataire.nom, largeur=40),
        Col("Type de crédit", lambda c: c.get_type_display()),
        Col("Montant (€)", lambda c: c.montant, EUROS),
        Col(
            "Engagement",
            lambda c: f"{c.engagement.numero}. {c.engagement.titre}" if c.engagement_id else None,
            largeur=45,
        ),
        Col("QPV", lambda c: c.quartier.nom if c.quartier_id else None),
        Col("Arrondissement", lambda c: c.arrondissement.numero if c.arrondissement_id else None),
        Col("Dispositif", lambda c: c.dispositif),
        Col("Commentaire", lambda c: c.commentaire, largeur=50),
    ]
    f.tableau(colonnes, bilan.credits, principal=True)
    col = len(colonnes) + 2
    _, fin = f.tableau(
        colonnes_comparaison(n, "Type de crédit"),
        bilan.credits_par_type,
        colonne=col,
        titre="Par type",
    )
    _, fin = f.tableau(
        [
            Col("Signataire", lambda r: r[0].nom),
            Col("Type de crédit", lambda r: r[1]),
            *colonnes_comparaison(n, "", acces=lambda r: r[2]),
        ],
        bilan.credits_par_signataire,
        ligne=fin + 3,
        colonne=col,
        titre="Par signataire et type",
    )
    _, fin = f.tableau(
        colonnes_comparaison(n, "QPV ou arrondissement"),
        bilan.credits_par_lieu,
        ligne=fin + 3,
        colonne=col,
        titre="Par QPV",
    )
    f.tableau(
        colonnes_comparaison(n, "Engagement"),
        bilan.credits_par_engagement,
        ligne=fin + 3,
        colonne=col,
        titre="Par engagement",
    )
    f.ajuster()


def feuille_etudes(wb, bilan):
    ws = wb.create_sheet("Études")
    f = Feuille(ws)
    base = getattr(settings, "PORTAIL_URL", "").rstrip("/")
    colonnes = [
        Col("Titre", lambda e: e.titre, largeur=50),
        Col("Année", lambda e: e.annee, "0"),
        Col("Réalisée par", lambda e: e.realisee_par),
        Col("Engagements", lambda e: [x.numero for x in e.engagements.all()]),
        Col("QPV", lambda e: [q.nom for q in e.quartiers.all()] or "Ensemble des QPV"),
        Col("Arrondissement", lambda e: e.arrondissement.numero if e.arrondissement_id else None),
        Col("Résumé des résultats", lambda e: e.resume, largeur=60),
        Col("Rapport joint", lambda e: e.nom_fichier or None, tiret=True),
        Col("Fiche dans le portail", lambda e: f"{base}{e.get_absolute_url()}", largeur=40),
    ]
    f.tableau(colonnes, bilan.etudes, principal=True)
    f.ajuster()


def feuille_metadonnees(wb, bilan, lignes_par_feuille):
    ws = wb.create_sheet("Métadonnées")
    f = Feuille(ws)
    lignes = [
        ("Titre", bilan.titre),
        ("Année du bilan", bilan.annee),
        ("Année de comparaison", bilan.annee_precedente),
        ("Généré le", bilan.genere_le),
        ("Généré par", bilan.genere_par or "—"),
        ("Périmètre", bilan.perimetre),
        ("Quartiers prioritaires du périmètre", ", ".join(q.nom for q in bilan.quartiers)),
        ("Portée des valeurs", bilan.portee_valeurs),
        ("Valeurs de démonstration", bilan.portee_demo),
        ("Campagne", bilan.campagne_libelle),
        (
            "Complétude",
            "Une valeur est attendue pour chaque territoire du périmètre des niveaux attendus "
            "par l’indicateur (indicateurs du contrat). Renseignées : tous statuts ; part "
            "validée = validées ÷ renseignées.",
        ),
        (
            "Comparaisons",
            "Chaque chiffre est comparé à l’année précédente. Parts et taux : évolution en "
            "points ; nombres et montants : en valeur et en %. « — » : pas de valeur, rien "
            "n’est estimé. L’écart à Paris n’est calculé que pour les parts et les taux, entre "
            "valeurs de la même année.",
        ),
        (
            "Crédits",
            "« — » pour une année sans aucun crédit saisi dans le périmètre. Pour un "
            "arrondissement : crédits de ses QPV et crédits rattachés à l’arrondissement.",
        ),
        (
            "Projets structurants",
            "Statuts à la date d’édition (le statut n’est pas arrêté par année) ; l’activité de "
            "l’année est le nombre d’étapes de suivi datées de l’année.",
        ),
        *((f"Lignes : {nom}", nombre) for nom, nombre in lignes_par_feuille),
    ]
    f.tableau(
        [
            Col("Rubrique", lambda r: r[0]),
            Col(
                "Valeur",
                lambda r: r[1],
                lambda r: DATE_HEURE if isinstance(r[1], datetime) else "0",
                largeur=90,
            ),
        ],
        lignes,
        principal=True,
    )
    f.ajuster()
    ws.column_dimensions["B"].width = 100
    for ligne in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        ligne[0].alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")


def construire_classeur(bilan):
    """Le classeur (openpyxl.Workbook) du bilan."""
    wb = Workbook()
    feuille_synthese(wb, bilan)
    feuille_engagements(wb, bilan)
    feuille_indicateurs(wb, bilan)
    feuille_quartiers(wb, bilan)
    feuille_projets(wb, bilan)
    feuille_fiches(wb, bilan)
    feuille_credits(wb, bilan)
    feuille_etudes(wb, bilan)
    lignes = [
        ("Engagements", sum(len(s.lignes) for _, g in bilan.thematiques for s in g)),
        ("Indicateurs", len(bilan.lignes_valeurs)),
        ("Quartiers", len(bilan.chiffres_quartiers)),
        ("Projets structurants", len(bilan.projets)),
        ("Fiches-actions", len(bilan.fiches)),
        ("Crédits", len(bilan.credits)),
        ("Études", len(bilan.etudes)),
    ]
    feuille_metadonnees(wb, bilan, lignes)
    wb.properties.title = bilan.titre
    wb.properties.creator = "Portail du contrat de ville parisien"
    wb.active = 0
    return wb


def contenu_classeur(bilan):
    """Les octets du fichier .xlsx."""
    tampon = BytesIO()
    construire_classeur(bilan).save(tampon)
    return tampon.getvalue()


def nom_fichier(bilan, extension="xlsx"):
    suffixe = f"-arrondissement-{bilan.arrondissement.numero}" if bilan.arrondissement else ""
    return f"bilan-{bilan.annee}{suffixe}.{extension}"
