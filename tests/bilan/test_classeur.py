"""Le classeur Excel du bilan : feuilles (un tableau par feuille, synthèses sur leurs propres
feuilles, « Définitions »), en-têtes, chiffres égaux aux agrégats recalculés ici depuis la
base, graphiques natifs, formats français, cellules vides pour les valeurs absentes, valeurs de
démonstration, portée des valeurs et périmètre d'arrondissement."""

from decimal import Decimal

import pytest
from django.db.models import Count, Sum

from bilan.classeur import NOMS_FEUILLES, contenu_classeur
from bilan.donnees import calculer_bilan
from bilan.models import Credit, EtudeQualitative
from indicateurs.models import Indicateur, Territoire, Valeur
from quartiers.models import ProjetStructurant, Quartier
from structures.models import FicheAction
from tests.conftest import client_pour
from tests.travaux.outils import telecharger

from .conftest import ANNEE, classeur, territoire

pytestmark = pytest.mark.django_db

ENTETES = {
    "Engagements": [
        "Thématique", "N°", "Engagement", "Code", "Indicateur", "Unité", "Territoire",
        f"Valeur {ANNEE}", f"Valeur {ANNEE - 1}", "Évolution", "Évolution (%)",
        f"Paris {ANNEE}", f"Paris {ANNEE - 1}", "Écart à Paris (pts)", "Statut", "Démo",
    ],
    "Indicateurs": [
        "Code", "Indicateur", "Engagement", "Nature", "Unité", "Territoire",
        "Type de territoire", "Année", "Valeur", "Nombre", "Base",
        "Valeur de l’année précédente", "Évolution", "Évolution (%)", "Statut", "Démo",
        "Source", "Réserve de périmètre", "Déduit par le chargement", "Motif de la déduction",
        "Producteur", "Validée le",
    ],
    "Quartiers": [
        "Quartier", "Arrondissements", "Population (décret)", "Code", "Chiffre clé", "Année",
        "Valeur", "Valeur de l’année précédente", "Évolution", "Paris (même année)",
        "Écart à Paris (pts)", "Source", "Réserve de périmètre", "Déduit par le chargement",
        "Motif de la déduction", "Démo",
    ],
    "Projets structurants": [
        "Quartier", "Arrondissements", "Secteur", "Projet", "Statut",
        "Statut imprimé (contrat)", "Année d’échéance", "Porteur", "Engagements servis",
        "Dernier suivi : date", "Dernier suivi : statut", "Dernier suivi : commentaire",
        "Dernier suivi : auteur", "Adresse",
    ],
    "Fiches-actions": [
        "Titre", "Structure", "Année", "Statut de la fiche", "Statut de l’action",
        "Engagements", "QPV", "Dimension", "Bénéficiaires", "dont habitants d’un QPV",
        "Modifiée le",
    ],
    "Crédits": [
        "Identifiant", "Année", "Signataire", "Type de crédit", "Montant (€)", "Engagement",
        "QPV", "Arrondissement", "Dispositif", "Commentaire",
    ],
    "Études": [
        "Titre", "Année", "Réalisée par", "Engagements", "QPV", "Arrondissement",
        "Résumé des résultats", "Rapport joint", "Fiche dans le portail",
    ],
    "Métadonnées": ["Rubrique", "Valeur"],
}  # fmt: skip


def produire(**options):
    return classeur(contenu_classeur(calculer_bilan(ANNEE, auteur="Agent SPV", **options)))


def entetes(ws, nombre):
    return [c.value for c in ws[1][:nombre]]


def lignes(ws, colonnes=None):
    """Les lignes du tableau principal (à partir de la ligne 2), en dictionnaires."""
    noms = [c.value for c in ws[1]]
    resultat = []
    for row in ws.iter_rows(min_row=2, values_only=True):
        if all(v is None for v in row[: len(ENTETES.get(ws.title, noms))]):
            continue
        resultat.append(dict(zip(noms, row, strict=False)))
    return resultat


def synthese(ws, libelle):
    """(N, N-1, évolution) d'une ligne de la synthèse, trouvée par son libellé."""
    for row in ws.iter_rows(min_row=1, max_col=4, values_only=True):
        if row[0] == libelle:
            return row[1], row[2], row[3]
    raise AssertionError(f"Ligne « {libelle} » absente de la synthèse")


def test_feuilles_et_entetes(donnees):
    wb = produire()
    assert wb.sheetnames == NOMS_FEUILLES
    for nom, attendus in ENTETES.items():
        assert entetes(wb[nom], len(attendus)) == attendus, nom
        assert wb[nom].freeze_panes == "A2", nom
        assert wb[nom].auto_filter.ref.startswith("A1:"), nom
    ws = wb["Synthèse"]
    assert (
        ws["A1"].value == f"Bilan annuel {ANNEE} du contrat de ville — Comité de pilotage parisien"
    )
    assert [ws.cell(row=5, column=c).value for c in range(1, 6)] == [
        "Chiffre clé",
        str(ANNEE),
        str(ANNEE - 1),
        "Évolution",
        "Évolution (%)",
    ]


def test_un_tableau_par_feuille_et_definitions(donnees):
    """Les synthèses sont sur leurs propres feuilles (plus rien à droite du tableau principal),
    aucune cellule « — », et la feuille « Définitions » décrit chaque colonne."""
    wb = produire()
    for nom in ENTETES:
        ws = wb[nom]
        assert ws.max_column == len(ENTETES[nom]), nom
    assert [c.value for c in wb["Crédits par type"][1]] == [
        "Type de crédit",
        str(ANNEE),
        str(ANNEE - 1),
        "Évolution",
        "Évolution (%)",
    ]
    assert wb["Crédits par type"]["A2"].value == "Crédits dans les QPV"
    assert wb["Fiches par QPV"]["A1"].value == "Quartier"
    for ws in wb.worksheets:
        for ligne in ws.iter_rows(values_only=True):
            assert "—" not in ligne, ws.title
    definitions = [
        dict(zip([c.value for c in wb["Définitions"][1]], ligne, strict=True))
        for ligne in wb["Définitions"].iter_rows(min_row=2, values_only=True)
    ]
    montant = next(
        d for d in definitions if d["Feuille"] == "Crédits" and d["Colonne"] == "Montant (€)"
    )
    assert montant["Unité ou format"] == "Euros (€)" and montant["Définition"]
    assert {(d["Feuille"], d["Colonne"]) for d in definitions} >= {
        (nom, entete) for nom, entetes in ENTETES.items() for entete in entetes
    }


def test_graphiques_natifs(donnees):
    wb = produire()
    assert len(wb["Synthèse"]._charts) == 3
    # Le graphique par engagement est à côté de ses données, sur la feuille de synthèse.
    assert len(wb["Complétude par engagement"]._charts) == 1
    assert not wb["Engagements"]._charts
    titres = [
        "".join(r.t for p in g.title.tx.rich.p for r in (p.r or [])) for g in wb["Synthèse"]._charts
    ]
    assert any("Fiches-actions par statut" in t for t in titres)
    assert any("Crédits" in t for t in titres)


def test_chiffres_egaux_aux_agregats_de_la_base(donnees):
    wb = produire()
    ws = wb["Synthèse"]
    # Crédits par type, recalculés ici.
    sommes = {
        (ligne["annee"], ligne["type"]): ligne["total"]
        for ligne in Credit.objects.values("annee", "type").annotate(total=Sum("montant"))
    }
    dc_n = sommes[(ANNEE, "droit_commun")]
    spe_n = sommes[(ANNEE, "specifique")]
    assert synthese(ws, "dont droit commun")[:2] == (
        float(dc_n),
        float(sommes[(ANNEE - 1, "droit_commun")]),
    )
    assert dc_n == Decimal("120000.00")
    n, n1, _ = synthese(ws, "dont spécifique politique de la ville")
    assert n == float(spe_n) == 80000.50
    assert n1 == 0  # des crédits 2024 existent, aucun spécifique : 0 €, pas « — »
    assert synthese(ws, "Crédits dans les QPV")[:2] == (float(dc_n + spe_n), 80000.0)
    # Fiches-actions par statut.
    par_statut = dict(
        FicheAction.objects.filter(annee=ANNEE)
        .values_list("statut")
        .annotate(n=Count("pk"))
        .values_list("statut", "n")
    )
    assert synthese(ws, "dont validées")[0] == par_statut["validee"] == 2
    assert synthese(ws, "dont soumises")[0] == par_statut["soumise"] == 1
    assert synthese(ws, "dont brouillons")[0] == par_statut["brouillon"] == 1
    assert synthese(ws, "dont renvoyées")[0] == 0
    assert synthese(ws, "Fiches-actions")[:2] == (sum(par_statut.values()), 1)
    # Indicateurs du contrat avec au moins une valeur (démo exclues par défaut).
    reelles = Valeur.objects.reelles().filter(indicateur__engagement__isnull=False)
    avec_valeur = reelles.filter(annee=ANNEE).values("indicateur").distinct().count()
    assert avec_valeur == 3  # E01-1, E28-2, E05-1 (E02-1 n'a qu'une valeur démo)
    assert synthese(ws, "Indicateurs du contrat renseignés")[:2] == (
        avec_valeur,
        reelles.filter(annee=ANNEE - 1).values("indicateur").distinct().count(),
    )
    validees = reelles.filter(annee=ANNEE, statut="valide").values("indicateur").distinct()
    assert synthese(ws, "dont avec au moins une valeur validée")[0] == validees.count() == 2
    # Part validée : validées ÷ renseignées, sur les territoires attendus.
    attendues = [
        v
        for v in reelles.filter(annee=ANNEE).select_related("indicateur", "territoire")
        if v.territoire.type in v.indicateur.niveaux_attendus
    ]
    nb_validees = sum(v.statut == "valide" for v in attendues)
    assert synthese(ws, "Valeurs renseignées")[0] == len(attendues) == 7
    assert synthese(ws, "Valeurs validées")[0] == nb_validees == 5
    part = round(100 * nb_validees / len(attendues), 1)
    assert synthese(ws, "Part validée (validées ÷ renseignées)")[:2] == (part, 100.0)
    assert synthese(ws, "Études qualitatives")[:2] == (
        EtudeQualitative.objects.filter(annee=ANNEE).count(),
        EtudeQualitative.objects.filter(annee=ANNEE - 1).count(),
    )
    assert synthese(ws, "Étapes de suivi des projets structurants")[:2] == (1, 0)


def test_engagements_annee_precedente_et_paris(donnees):
    ws = produire()["Engagements"]
    par_code = {ligne["Code"]: ligne for ligne in lignes(ws)}
    e01 = par_code["E01-1"]
    assert e01["Territoire"] == "Ensemble des QPV parisiens"
    assert (e01[f"Valeur {ANNEE}"], e01[f"Valeur {ANNEE - 1}"]) == (21.0, 20.0)
    assert e01["Évolution"] == 1.0
    assert e01["Évolution (%)"] is None  # une part évolue en points : cellule vide
    assert (e01[f"Paris {ANNEE}"], e01["Écart à Paris (pts)"]) == (17.0, 4.0)
    assert e01["Démo"] == "Non"
    # E28-2 : la valeur de l'ensemble est un brouillon, exclue par défaut ; Paris n'a pas de
    # valeur 2024 : cellule vide (jamais « — » dans une colonne de nombres), rien d'inventé.
    e28 = par_code["E28-2"]
    assert e28[f"Valeur {ANNEE}"] is None
    assert e28[f"Paris {ANNEE}"] == 1000
    assert e28[f"Paris {ANNEE - 1}"] is None
    assert e28["Évolution"] is None
    # Chaque indicateur du contrat a sa ligne, même sans valeur.
    assert len(par_code) == Indicateur.objects.du_contrat().count()
    cellule = next(c for c in ws["J"] if c.value == 1.0)
    assert "pts" in cellule.number_format


def test_toutes_les_valeurs_sur_demande(donnees):
    wb = produire(toutes_valeurs=True)
    par_code = {ligne["Code"]: ligne for ligne in lignes(wb["Engagements"])}
    assert par_code["E28-2"][f"Valeur {ANNEE}"] == 120
    assert par_code["E28-2"]["Statut"] == "Brouillon"
    assert par_code["E05-1"][f"Valeur {ANNEE}"] == 25.0  # part calculée 10 / 40
    meta = {ligne["Rubrique"]: ligne["Valeur"] for ligne in lignes(wb["Métadonnées"])}
    assert meta["Portée des valeurs"].startswith("Toutes les valeurs saisies")
    assert produire()["Métadonnées"]["B9"].value == "Valeurs validées seulement"


def test_valeurs_de_demonstration_exclues_sauf_demande(donnees):
    wb = produire()
    codes = {ligne["Code"] for ligne in lignes(wb["Indicateurs"])}
    assert "E02-1" not in codes
    assert {ligne["Démo"] for ligne in lignes(wb["Indicateurs"])} == {"Non"}
    assert "exclues" in wb["Synthèse"]["A3"].value

    wb = produire(avec_demo=True)
    demo = [ligne for ligne in lignes(wb["Indicateurs"]) if ligne["Code"] == "E02-1"]
    assert len(demo) == 1 and demo[0]["Démo"] == "Oui"
    e02 = next(ligne for ligne in lignes(wb["Engagements"]) if ligne["Code"] == "E02-1")
    assert e02["Démo"] == "Oui"
    assert "DÉMONSTRATION" in wb["Synthèse"]["A3"].value
    meta = {ligne["Rubrique"]: ligne["Valeur"] for ligne in lignes(wb["Métadonnées"])}
    assert meta["Valeurs de démonstration"].startswith("Incluses et marquées « Démo »")


def test_formats_francais(donnees):
    wb = produire()
    ws = wb["Crédits"]
    montant = next(c for c in ws["E"][1:] if c.value == 50000.5)
    assert montant.number_format == '#,##0.00\\ "€"'
    ws = wb["Projets structurants"]
    date_suivi = next(c for c in ws["J"][1:] if c.value not in (None, "—"))
    assert date_suivi.number_format == "DD/MM/YYYY"
    meta = wb["Métadonnées"]
    genere = next(r for r in meta.iter_rows(min_row=2) if r[0].value == "Généré le")[1]
    assert genere.number_format == "DD/MM/YYYY HH:MM"
    # Largeurs ajustées au contenu (bornées).
    assert 8 <= wb["Crédits"].column_dimensions["C"].width <= 62


def test_metadonnees(donnees):
    meta = {ligne["Rubrique"]: ligne["Valeur"] for ligne in lignes(produire()["Métadonnées"])}
    assert meta["Généré par"] == "Agent SPV"
    assert meta["Périmètre"] == "Paris"
    assert meta["Année du bilan"] == ANNEE
    assert meta["Lignes : Crédits"] == 4


def test_perimetre_arrondissement(donnees):
    wb = produire(arrondissement=donnees["arr19"])
    du_19e = set(Quartier.objects.filter(arrondissements__numero=19).values_list("nom", flat=True))
    assert donnees["stalingrad"].nom in du_19e and donnees["goutte"].nom not in du_19e
    assert {ligne["Quartier"] for ligne in lignes(wb["Quartiers"])} == du_19e
    projets = {ligne["Quartier"] for ligne in lignes(wb["Projets structurants"])}
    assert projets <= du_19e
    assert (
        len(lignes(wb["Projets structurants"]))
        == ProjetStructurant.objects.filter(quartier__arrondissements__numero=19).count()
    )
    territoires = {ligne["Territoire"] for ligne in lignes(wb["Engagements"])}
    assert territoires == set(
        Territoire.objects.filter(type="qpv", quartier__arrondissements__numero=19).values_list(
            "nom", flat=True
        )
    )
    montants = sorted(ligne["Montant (€)"] for ligne in lignes(wb["Crédits"]))
    assert montants == [50000.5, 100000.0]  # le QPV Stalingrad et le 19e ; ni Paris ni 18e
    titres = {ligne["Titre"] for ligne in lignes(wb["Fiches-actions"])}
    assert titres == {"Atelier parents Riquet", "Soutien scolaire Riquet", "Projet en préparation"}
    assert {ligne["Titre"] for ligne in lignes(wb["Études"])} == {
        "Parole des parents de Stalingrad Riquet"
    }
    assert wb["Synthèse"]["A1"].value.endswith("Comité de pilotage du 19e arrondissement")
    indicateurs = {ligne["Territoire"] for ligne in lignes(wb["Indicateurs"])}
    assert "Ensemble des QPV parisiens" not in indicateurs
    assert territoire("qpv-goutte-dor").nom not in indicateurs
    assert territoire("qpv-stalingrad-riquet").nom in indicateurs


def test_telechargement_par_le_spv(client, utilisateurs, donnees):
    # Un travail de fond : lancé par le bouton de la page du classeur, téléchargé depuis la
    # page du travail.
    reponse = telecharger(
        client_pour(client, utilisateurs["spv"]),
        "/bilan/classeur.xlsx",
        {"annee": ANNEE, "arrondissement": 19},
    )
    assert 'filename="bilan-2025-arrondissement-19.xlsx"' in reponse["Content-Disposition"]
    wb = classeur(reponse.contenu)
    assert wb.sheetnames == NOMS_FEUILLES
    meta = {ligne["Rubrique"]: ligne["Valeur"] for ligne in lignes(wb["Métadonnées"])}
    assert meta["Généré par"] == "agent-spv"
    assert meta["Périmètre"] == "19e arrondissement"
