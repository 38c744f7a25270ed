"""L'écrivain de tableurs (socle/tableur.py), sans base de données : cellules typées, cellules
vides, Oui/Non, listes, en-tête figé et filtre, largeurs, feuille « Définitions », un tableau
par feuille, neutralisation des formules, deux variantes de CSV, écriture en flux."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import count, islice
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from socle.tableur import (
    Classeur,
    Colonne,
    Format,
    Variante,
    contenu_xlsx,
    formater,
    lignes_csv,
    reponse_csv,
    texte_csv,
    typer,
)

OBJETS = [
    SimpleNamespace(
        nom="Café des parents",
        annee=2025,
        budget=Decimal("1500.50"),
        part=Decimal("12.5"),
        le=date(2025, 3, 1),
        modifie=datetime(2025, 3, 1, 8, 30, tzinfo=UTC),
        hors_paris=False,
        qpv=["Goutte d’Or", "Chapelle"],
        structure=SimpleNamespace(nom="J2P"),
    ),
    SimpleNamespace(
        nom='=HYPERLINK("http://x")',
        annee=None,
        budget=None,
        part=None,
        le=None,
        modifie=None,
        hors_paris=True,
        qpv=[],
        structure=None,
    ),
]
COLONNES = [
    Colonne("Nom", "nom", definition="Nom de l’action.", source="Saisie"),
    Colonne("Année", "annee", Format.ENTIER),
    Colonne("Budget", "budget", Format.EUROS),
    Colonne("Part", "part", Format.POURCENTAGE),
    Colonne("Le", "le", Format.DATE),
    Colonne("Modifiée", "modifie", Format.DATE_HEURE),
    Colonne("Hors Paris", "hors_paris", Format.BOOLEEN),
    Colonne("QPV", "qpv", Format.LISTE),
    Colonne("Structure", "structure.nom"),
]


def classeur(octets):
    return load_workbook(io.BytesIO(octets))


def test_cellules_typees_et_vides():
    wb = classeur(contenu_xlsx(OBJETS, COLONNES, feuille="Actions"))
    assert wb.sheetnames == ["Actions", "Définitions"]
    ws = wb["Actions"]
    assert [c.value for c in ws[1]] == [c.entete for c in COLONNES]
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:I3"
    premiere = [c.value for c in ws[2]]
    assert premiere[:4] == ["Café des parents", 2025, 1500.5, 12.5]
    assert premiere[4] == datetime(2025, 3, 1)  # une vraie date
    assert ws["E2"].number_format == "DD/MM/YYYY"
    assert premiere[5] == datetime(2025, 3, 1, 9, 30)  # heure de Paris, sans fuseau
    assert premiere[6:] == ["Non", "Goutte d’Or; Chapelle", "J2P"]
    # Valeur absente : cellule vide, jamais « — » ni 0.
    assert [c.value for c in ws[3]][1:6] == [None] * 5
    assert ws["G3"].value == "Oui" and ws["H3"].value is None and ws["I3"].value is None
    assert ws.column_dimensions["A"].width == 24  # ajustée au contenu (liste en mémoire)
    # Lignes en flux (générateur, queryset) : la largeur du format, sans tout relire.
    en_flux = classeur(contenu_xlsx(iter(OBJETS), COLONNES))["Export"]
    assert en_flux.column_dimensions["A"].width == 40


def test_formule_jamais_executee():
    ws = classeur(contenu_xlsx(OBJETS, COLONNES))["Export"]
    cellule = ws["A3"]
    assert cellule.value == '=HYPERLINK("http://x")'
    assert cellule.data_type == "s" and cellule.quotePrefix
    assert not ws["A2"].quotePrefix
    for texte in ("+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"):
        assert texte_csv(texte, Variante.MACHINE) == "'" + texte
        assert texte_csv(texte, Variante.EXCEL) == "'" + texte
    assert texte_csv(-1, Variante.MACHINE) == "-1"  # un nombre n'est pas neutralisé


def test_feuille_definitions():
    wb = classeur(contenu_xlsx(OBJETS, COLONNES))
    lignes = list(wb["Définitions"].iter_rows(values_only=True))
    assert lignes[0] == ("Colonne", "Définition", "Unité ou format", "Source")
    assert lignes[1] == ("Nom", "Nom de l’action.", "Texte", "Saisie")
    assert ("Budget", None, "Euros (€)", None) in lignes
    # Sans aucune définition déclarée : pas de feuille, sauf demande.
    sans = [Colonne("Nom", "nom")]
    assert classeur(contenu_xlsx(OBJETS, sans)).sheetnames == ["Export"]
    assert classeur(contenu_xlsx(OBJETS, sans, definitions=True)).sheetnames == [
        "Export",
        "Définitions",
    ]


def test_plusieurs_feuilles_un_tableau_chacune():
    c = Classeur(titre="Essai")
    f = c.feuille("Synthèse : [totaux]")  # caractères interdits dans un nom de feuille
    f.texte("Titre", gras=True)
    f.ligne_vide()
    tableau = f.tableau(OBJETS, COLONNES[:3])
    assert (tableau.ligne_entete, tableau.premiere_ligne, tableau.derniere_ligne) == (3, 4, 5)
    with pytest.raises(ValueError, match="une par feuille"):
        f.tableau(OBJETS, COLONNES[:3])
    c.tableau("Détail", OBJETS, COLONNES)
    c.feuille_definitions()
    wb = classeur(c.contenu())
    assert wb.sheetnames == ["Synthèse totaux", "Détail", "Définitions"]
    ws = wb["Synthèse totaux"]
    assert ws["A1"].value == "Titre" and ws["A1"].font.b
    assert ws["A3"].value == "Nom" and ws.freeze_panes == "A4"
    # Largeurs ajustées au contenu quand les lignes sont déjà en mémoire.
    assert 8 <= ws.column_dimensions["A"].width <= 62
    definitions = list(wb["Définitions"].iter_rows(values_only=True))
    assert definitions[0][0] == "Feuille" and ("Détail", "QPV") in {d[:2] for d in definitions}


def test_modele_a_remplir():
    """Ce dont un modèle d'import a besoin : une feuille de texte seul (mode d'emploi) et une
    liste de choix sur une colonne."""
    from openpyxl.worksheet.datavalidation import DataValidation

    c = Classeur()
    donnees = c.feuille("Crédits")
    donnees.tableau(OBJETS, COLONNES[:2])
    choix = DataValidation(type="list", formula1='"Oui,Non"', allow_blank=True)
    choix.add("B2:B500")
    donnees.ajouter_validation(choix)
    aide = c.feuille("Mode d’emploi")
    aide.texte("Modèle de saisie", gras=True)
    aide.texte("=Une ligne qui ressemble à une formule")
    wb = classeur(c.contenu())
    assert str(wb["Crédits"].data_validations.dataValidation[0].sqref) == "B2:B500"
    ws = wb["Mode d’emploi"]
    assert ws["A1"].value == "Modèle de saisie" and ws["A2"].quotePrefix
    assert ws.column_dimensions["A"].width == 40


def test_csv_machine():
    texte = b"".join(lignes_csv(OBJETS, COLONNES, Variante.MACHINE)).decode()
    assert not texte.startswith("\ufeff")
    lignes = list(csv.reader(io.StringIO(texte)))
    assert lignes[1] == [
        "Café des parents",
        "2025",
        "1500.50",
        "12.5",
        "2025-03-01",
        "2025-03-01T09:30:00+01:00",
        "false",
        "Goutte d’Or; Chapelle",
        "J2P",
    ]
    assert lignes[2] == ['\'=HYPERLINK("http://x")', "", "", "", "", "", "true", "", ""]
    assert texte.endswith("\r\n")


def test_csv_excel_francais():
    octets = b"".join(lignes_csv(OBJETS, COLONNES, Variante.EXCEL))
    assert octets.startswith(b"\xef\xbb\xbf")  # BOM : Excel lit l'UTF-8
    lignes = list(csv.reader(io.StringIO(octets.decode("utf-8-sig")), delimiter=";"))
    assert lignes[1][1:7] == ["2025", "1500,50", "12,5", "01/03/2025", "01/03/2025 09:30", "Non"]


def test_csv_en_flux():
    """Les lignes sont lues à la demande : une source sans fin donne ses premiers morceaux."""
    colonnes = [Colonne("N", lambda n: n, Format.ENTIER)]
    morceaux = list(islice(lignes_csv(count(), colonnes), 3))
    assert morceaux[0] == b"N\r\n" and morceaux[1].startswith(b"0\r\n1\r\n")
    reponse = reponse_csv(count(), colonnes, "essai")
    assert reponse.streaming and reponse["Content-Type"] == "text/csv; charset=utf-8"
    assert next(iter(reponse.streaming_content)).startswith(b"\xef\xbb\xbfN")


def test_typer():
    assert typer("  ") is None and typer(None) is None and typer([]) is None
    assert typer("12,5", Format.DECIMAL) == Decimal("12.5")
    assert typer("douze", Format.ENTIER) == "douze"  # jamais perdu : reste du texte
    assert typer(Decimal("3.0"), Format.ENTIER) == 3
    assert typer("2025-03-01", Format.DATE) == date(2025, 3, 1)
    assert typer(7) == 7  # TEXTE : un nombre reste un nombre
    assert typer(["a", None, "b"]) == "a; b"
    assert typer("a\x00b") == "ab"  # caractère interdit retiré
    assert len(typer("x" * 40_000)) == 32_767
    assert formater(True, Format.BOOLEEN) == "Oui" and formater(0, Format.BOOLEEN) == "Non"


# --- écriture rapide des lignes (XML direct) ---------------------------------------------------

VARIEES = [
    *OBJETS,
    SimpleNamespace(
        nom="  espaces autour  ",
        annee=12,
        budget=1234.5678,
        part=Decimal("0.1"),
        le=date(1999, 12, 31),
        modifie=datetime(2025, 7, 14, 22, 5, tzinfo=UTC),
        hors_paris=True,
        qpv=("a", "b & <c>"),
        structure=SimpleNamespace(nom="x" * 80),
    ),
    SimpleNamespace(
        nom="-12",
        annee=Decimal("3"),
        budget="12,5",
        part="pas un nombre",
        le="2025-02-03",
        modifie=date(2025, 2, 3),
        hors_paris=False,
        qpv=[],
        structure=SimpleNamespace(nom="Texte\u00a0insécable ’"),
    ),
]


def _cellules(octets):
    """Tout ce qu'un lecteur voit de chaque cellule de chaque feuille."""
    wb = classeur(octets)
    return {
        ws.title: [
            [
                (
                    c.value,
                    c.data_type,
                    c.number_format,
                    bool(c.font and c.font.b),
                    c.alignment.indent,
                    c.alignment.wrap_text,
                    c.quotePrefix,
                )
                for c in rangee
            ]
            for rangee in ws.iter_rows()
        ]
        for ws in wb.worksheets
    }


def _ecrire_le_classeur():
    from socle.tableur import Style

    c = Classeur()
    f = c.feuille("Actions")
    f.texte("Titre", gras=True, taille=14)
    f.ligne_vide()
    f.tableau(
        # Deux fois les mêmes lignes : la seconde passe par le XML gardé du chemin rapide.
        VARIEES * 2,
        COLONNES,
        style_ligne=lambda o: Style(gras=True, retrait=2) if o.hors_paris else None,
    )
    c.feuille_definitions()
    return c.contenu()


def test_lignes_ecrites_en_xml_comme_les_cellules_d_openpyxl(monkeypatch):
    """Le chemin rapide (XML écrit directement) donne exactement les cellules du chemin
    d'openpyxl (valeurs, types, formats, gras, retrait, renvoi à la ligne, apostrophe)."""
    from socle import tableur

    rapide = _ecrire_le_classeur()
    original = tableur._FluxDeLignes.__init__

    def sans_xml_direct(self, ws):
        original(self, ws)
        self.brut = None

    monkeypatch.setattr(tableur._FluxDeLignes, "__init__", sans_xml_direct)
    lent = _ecrire_le_classeur()
    assert _cellules(rapide) == _cellules(lent)
    actions = _cellules(rapide)["Actions"]
    assert len(actions) == 3 + 2 * len(VARIEES)
    assert actions[3][0][0] == "Café des parents"
    assert actions[4][0][:2] == ('=HYPERLINK("http://x")', "s") and actions[4][0][6]
    assert actions[4][0][3:5] == (True, 2)  # ligne mise en avant
    assert actions[5][0][0] == "  espaces autour  "
    assert actions[5][7][0] == "a; b & <c>"
    assert actions[3][5][0] == datetime(2025, 3, 1, 9, 30)  # heure de Paris


def test_lignes_ecrites_en_xml_lisibles_par_un_second_lecteur():
    """Le fichier se lit aussi avec calamine (un autre moteur que celui d'openpyxl)."""
    from python_calamine import CalamineWorkbook

    lignes = (
        CalamineWorkbook.from_filelike(io.BytesIO(_ecrire_le_classeur()))
        .get_sheet_by_name("Actions")
        .to_python()
    )
    assert lignes[3][0] == "Café des parents"
    assert lignes[3][2] == 1500.5
    assert lignes[6][8] == "Texte\u00a0insécable ’"


# Des valeurs brutes qui se ressemblent pour Python mais pas dans une cellule (1, True,
# Decimal("1.0") ; 12.5 et 12.50), répétées (cellules gardées en mémoire), avec et sans fuseau.
BRUTES = [
    None, "", "  ", "texte", " espaces ", "=1+1", "-3", "x" * 400, "a\x01b", 0, 1, -7, True,
    False, 10**20, Decimal("1.0"), Decimal("12.5"), Decimal("12.50"), Decimal("-0.00"),
    Decimal("NaN"), Decimal("Infinity"), 2.5, float("nan"), date(2025, 3, 1),
    datetime(2025, 3, 1, 8, 30, 15, 123456, tzinfo=UTC), datetime(2025, 7, 1, 23, 30),
    datetime(2025, 12, 31, 23, 30, tzinfo=UTC), ["a", "b"], "2025-03-01", "12,5",
]  # fmt: skip


def _colonnes_de_toutes_sortes():
    return [
        Colonne(f"{f.value}{i}", "v", f, excel=excel)
        for f in Format
        for i, excel in enumerate((None, '0.00 "pts"', lambda o: "0.0" if o.v else None))
    ]


def test_cellules_gardees_en_memoire_comme_le_chemin_complet(monkeypatch):
    """Les raccourcis de l'écrivain (cellules gardées par colonne, nombres et horodatages
    écrits directement) donnent octet pour octet ce que donne le chemin complet."""
    from socle import tableur

    objets = [SimpleNamespace(v=v) for v in BRUTES * 3]
    colonnes = _colonnes_de_toutes_sortes()

    def ecrire():
        csvs = [b"".join(lignes_csv(objets, colonnes, variante)) for variante in Variante]
        return csvs, _cellules(contenu_xlsx(objets, colonnes)), _xml_des_feuilles(objets, colonnes)

    rapide = ecrire()
    monkeypatch.setattr(tableur, "TAILLE_MEMO", 0)
    monkeypatch.setattr(tableur, "_DIRECTS_ENTIER", frozenset())
    monkeypatch.setattr(tableur, "_DIRECTS_DECIMAL", frozenset())
    monkeypatch.setattr(tableur, "_DIRECTS_MOMENT", frozenset())
    monkeypatch.setattr(tableur._TexteCSV, "texte", lambda self, o: self.complet(self.lecteur(o)))
    complet = ecrire()
    assert rapide == complet


def _xml_des_feuilles(objets, colonnes):
    import zipfile

    archive = zipfile.ZipFile(io.BytesIO(contenu_xlsx(objets, colonnes)))
    return [archive.read(n) for n in sorted(archive.namelist()) if "worksheets" in n]


def test_format_de_la_ligne_garde_par_format():
    """Une même valeur dans deux lignes dont le format Excel diffère (une part en « % », un
    nombre) garde le format de sa ligne, même quand sa cellule est reprise de la mémoire."""
    objets = [SimpleNamespace(v=Decimal("12.5"), part=i % 2 == 0) for i in range(6)]
    colonnes = [
        Colonne("Valeur", "v", Format.NOMBRE, excel=lambda o: '0.0 "%"' if o.part else "0.00")
    ]
    feuille = _cellules(contenu_xlsx(objets, colonnes))
    formats = [rangee[0][2] for rangee in list(feuille.values())[0][1:]]
    assert formats == ['0.0 "%"', "0.00"] * 3
