"""Provenance de chaque chiffre (issue 12, point 2) : la réserve de périmètre et la marque
« déduit » suivent le chiffre partout où il paraît (fiche, comparaison, arrondissement, API,
exports, bilan, PDF) ; les sources se citent par le titre de leur document ; le chiffre double
de Bédier - Boutroux - Villa d'Este est chargé sur ses deux parties."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from indicateurs.models import Valeur
from quartiers.models import ChiffreCle
from socle.provenance import texte_provenance
from structures.models import FicheAction, Structure
from tests.conftest import client_pour
from tests.tableurs import telecharger_travail

pytestmark = pytest.mark.django_db

GRAND_BELLEVILLE = "chiffre du Grand Belleville (10e, 11e, 20e)"
FICHIER_SEMENCE = re.compile(r"\d{3}_[0-9a-f]{16}\.txt")


def contenu(reponse):
    if reponse.streaming:
        return b"".join(reponse.streaming_content)
    return reponse.content


def pauvrete(territoire):
    return Valeur.objects.get(indicateur__code="CTX-PAUVRETE", territoire__code=territoire)


def test_reserve_lue_dans_le_texte_et_deduction_marquee():
    for code in ("qpv-petit-belleville", "qpv-amandiers"):
        v = pauvrete(code)
        assert v.reserve_perimetre == GRAND_BELLEVILLE
        assert v.deduite and "FiLoSoFi" in v.motif_deduction
    texte = texte_provenance(pauvrete("qpv-petit-belleville"))
    assert texte.startswith(GRAND_BELLEVILLE + " ; déduit par le chargement : source et année")
    # Un QPV dont la fiche ne dit rien du périmètre : pas de réserve.
    assert pauvrete("qpv-goutte-dor").reserve_perimetre == ""


def test_porte_de_la_chapelle_hors_emile_bollaert_deduit():
    for c in ChiffreCle.objects.filter(
        quartier__slug="porte-de-la-chapelle-charles-hermite", secteur__isnull=True
    ):
        assert c.reserve_perimetre == "hors micro-quartier Emile Bollaert"
        assert c.deduite and "le texte ne dit pas" in c.motif_deduction
    assert not ChiffreCle.objects.filter(secteur__slug="emile-bollaert").exclude(
        reserve_perimetre=""
    )


def test_bedier_deux_valeurs_sur_ses_parties():
    valeurs = {
        v.territoire.nom: v.valeur
        for v in Valeur.objects.filter(
            indicateur__code="CTX-PAUVRETE", territoire__type="partie"
        ).select_related("territoire")
    }
    assert valeurs == {
        "Bédier Boutroux (Bédier - Boutroux - Villa d'Este)": 32,
        "Villa d’Este (Bédier - Boutroux - Villa d'Este)": 36,
    }


def test_deductions_des_structures_et_des_fiches():
    assert Structure.objects.get(slug="ville-de-saint-denis").motif_deduction.startswith(
        "département déduit de la commune (Saint-Denis)"
    )
    assert not Structure.objects.get(slug="association-mosaique").deduite  # écrit dans 004
    assert "état « en cours » déduit" in FicheAction.objects.get(cle="002-01").motif_deduction
    assert "année déduite" in FicheAction.objects.get(cle="004-02").motif_deduction
    assert not FicheAction.objects.get(cle="004-01").deduite


def test_aucun_nom_de_fichier_de_semence_dans_les_sources():
    for modele in (ChiffreCle, Valeur, Structure, FicheAction):
        for source in modele.objects.values_list("source", flat=True):
            assert not FICHIER_SEMENCE.search(source), source


def test_comparaison_montre_la_reserve_du_grand_belleville(client, utilisateurs):
    html = client_pour(client, utilisateurs["spv"]).get("/quartiers/comparaison/").content
    html = html.decode()
    ligne = re.search(
        r"<tr>\s*<th scope=\"row\"><a href=\"[^\"]*petit-belleville.*?</tr>", html, re.S
    )
    assert ligne and GRAND_BELLEVILLE in ligne.group(0)
    assert '(déduit<span class="visually-hidden"> par le chargement : source et année' in html
    ligne = re.search(r"<tr>\s*<th scope=\"row\"><a href=\"[^\"]*goutte-dor.*?</tr>", html, re.S)
    assert GRAND_BELLEVILLE not in ligne.group(0)


def test_export_de_la_comparaison_porte_la_provenance(client, utilisateurs):
    reponse = client_pour(client, utilisateurs["spv"]).get(
        "/quartiers/comparaison/export.csv?variante=machine"
    )
    lignes = list(csv.DictReader(io.StringIO(contenu(reponse).decode("utf-8-sig"))))
    petit = next(ligne for ligne in lignes if ligne["Territoire"] == "Petit Belleville")
    assert petit["CTX-PAUVRETE – provenance"].startswith(GRAND_BELLEVILLE)


def test_fiche_quartier_et_note_de_population(client, utilisateurs):
    c = client_pour(client, utilisateurs["spv"])
    html = c.get("/quartiers/petit-belleville/").content.decode()
    assert GRAND_BELLEVILLE in html
    assert FICHIER_SEMENCE.search(html) is None
    html = c.get("/quartiers/porte-de-la-chapelle-charles-hermite/").content.decode()
    note = re.search(r'<p class="small mt-2 mb-0 note-population">(.*?)</p>', html, re.S)
    texte = re.sub("[\u202f\u00a0]", " ", note.group(1)) if note else ""
    assert "3 200 habitants (hors micro-quartier Emile Bollaert)" in texte
    assert "(déduit" in note.group(1)
    # Sans compte : les chiffres imprimés, avec leur réserve.
    client.logout()
    html = client.get("/quartiers/amandiers/").content.decode()
    assert GRAND_BELLEVILLE in html


def test_arrondissement_montre_la_reserve(client, utilisateurs):
    html = client_pour(client, utilisateurs["spv"]).get("/quartiers/arrondissement/20/")
    assert GRAND_BELLEVILLE in html.content.decode()


def test_api_des_valeurs_et_des_quartiers(client, utilisateurs):
    c = client_pour(client, utilisateurs["spv"])
    v = pauvrete("qpv-petit-belleville")
    donnees = c.get(f"/api/v1/valeurs/{v.pk}/").json()
    assert donnees["reserve_perimetre"] == GRAND_BELLEVILLE
    assert donnees["deduite"] is True and "FiLoSoFi" in donnees["motif_deduction"]
    q = c.get("/api/v1/quartiers/bedier-boutroux-villa-deste/").json()
    double = next(x for x in q["chiffres_cles"] if x["libelle"] == "Taux de pauvreté")
    assert [(p["nom"], p["valeur"]) for p in double["parties"]] == [
        ("Bédier Boutroux", 32.0),
        ("Villa d’Este", 36.0),
    ]


def test_export_des_valeurs(client, utilisateurs):
    reponse = client_pour(client, utilisateurs["spv"]).get(
        "/indicateurs/valeurs/export.csv?variante=machine&indicateur=CTX-PAUVRETE"
    )
    assert reponse.status_code == 200, reponse.content[:300]
    lignes = list(csv.DictReader(io.StringIO(contenu(reponse).decode("utf-8-sig"))))
    petit = next(ligne for ligne in lignes if ligne["Code territoire"] == "qpv-petit-belleville")
    assert petit["Réserve de périmètre"] == GRAND_BELLEVILLE
    assert petit["Déduit par le chargement"] == "true"


def test_bilan_page_et_classeur(client, utilisateurs):
    c = client_pour(client, utilisateurs["spv"])
    html = c.get("/bilan/rapport/?annee=2019").content.decode()
    assert GRAND_BELLEVILLE in html
    fichier = telecharger_travail(c, "/bilan/classeur.xlsx", {"annee": "2019"}, "xlsx")
    classeur = load_workbook(io.BytesIO(fichier.contenu))
    feuille = classeur["Quartiers"]
    lignes = list(feuille.iter_rows(values_only=True))
    entetes = list(lignes[0])
    i_reserve = entetes.index("Réserve de périmètre")
    petit = [
        ligne
        for ligne in lignes[1:]
        if ligne[0] == "Petit Belleville" and ligne[entetes.index("Code")] == "CTX-PAUVRETE"
    ]
    assert petit and petit[0][i_reserve] == GRAND_BELLEVILLE


def test_fiche_chiffre_double_en_tableau_par_partie(client, utilisateurs):
    """Le taux de pauvreté de Bédier - Boutroux - Villa d'Este : un petit tableau (légende,
    une colonne par partie nommée, dans l'ordre du texte) avec les valeurs validées de ses
    parties, pas seulement la phrase imprimée."""
    c = client_pour(client, utilisateurs["spv"])

    def tableau_par_partie():
        html = c.get("/quartiers/bedier-boutroux-villa-deste/").content.decode()
        tableau = re.search(
            r"<table[^>]*>\s*<caption>Taux de pauvreté, une valeur par partie du quartier(.*?)"
            r"</caption>(.*?)</table>",
            html,
            re.S,
        )
        assert tableau, "tableau par partie absent"
        assert "« 32 % à Bédier Boutroux et 36 % à Villa d’Este »" in tableau.group(1)
        corps = re.sub("[\u202f\u00a0]", " ", tableau.group(2))
        entetes = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', corps)
        assert entetes == ["Bédier Boutroux", "Villa d’Este"]
        return html, re.findall(r"<td[^>]*>(.*?)</td>", corps, re.S)

    html, cellules = tableau_par_partie()
    assert len(cellules) == 2
    assert "32 %" in cellules[0] and "36 %" in cellules[1]
    assert "par partie du quartier, voir ci-dessous" in html
    # Une valeur non validée d'une partie n'y paraît pas ; sans aucune valeur, pas de tableau.
    Valeur.objects.filter(territoire__code="partie-villa-deste").update(statut="soumis")
    _html, cellules = tableau_par_partie()
    assert "32 %" in cellules[0] and "non renseigné" in cellules[1] and "36" not in cellules[1]
    Valeur.objects.filter(territoire__type="partie").update(statut="soumis")
    html = c.get("/quartiers/bedier-boutroux-villa-deste/").content.decode()
    assert "une valeur par partie du quartier" not in html
    # Un quartier sans chiffre double n'en a pas.
    assert "une valeur par partie" not in c.get("/quartiers/goutte-dor/").content.decode()
