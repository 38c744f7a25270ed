"""Rendus tableur : `?format=csv`, `?format=csv-excel` et `?format=xlsx` relus et vérifiés
(en-têtes, listes jointes par « ; », true/false en CSV machine et Oui/Non pour les personnes,
nombres natifs en xlsx, nom de fichier, toute la liste, écrite en flux)."""

import csv
import io

import pytest
from openpyxl import load_workbook

from engagements.models import Engagement
from quartiers.models import ProjetStructurant
from socle.api.rendus import Colonne, aplatir, extraire
from socle.tableur import Variante, texte_csv
from tests.api.conftest import verifier_erreur

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def contenu(reponse):
    if reponse.streaming:
        return b"".join(reponse.streaming_content)
    return reponse.content


def lire_csv(reponse, separateur=","):
    assert reponse.status_code == 200, contenu(reponse)[:300]
    assert reponse["Content-Type"] == "text/csv; charset=utf-8"
    texte = contenu(reponse).decode("utf-8")
    # CSV machine : sans BOM ; CSV Excel : avec BOM.
    assert texte.startswith("\ufeff") == (separateur == ";")
    return list(csv.reader(io.StringIO(texte.removeprefix("\ufeff")), delimiter=separateur))


def lire_xlsx(reponse):
    assert reponse.status_code == 200, reponse.content[:300]
    assert reponse["Content-Type"] == XLSX
    feuille = load_workbook(io.BytesIO(reponse.content)).active
    return [list(r) for r in feuille.iter_rows(values_only=True)]


def test_engagements_csv(api):
    reponse = api.get("/api/v1/engagements/?format=csv")
    assert reponse["Content-Disposition"].startswith('attachment; filename="engagements-')
    assert reponse["Content-Disposition"].endswith('.csv"')
    lignes = lire_csv(reponse)
    entetes = lignes[0]
    assert entetes[:3] == ["Numéro", "Thématique", "Titre"]
    assert len(lignes) == 1 + 30
    e1 = dict(zip(entetes, lignes[1], strict=True))
    engagement = Engagement.objects.with_detail_data().get(numero=1)
    assert e1["Numéro"] == "1" and e1["Titre"] == engagement.titre
    assert e1["Indicateurs à suivre"] == " ; ".join(i.code for i in engagement.indicateurs.all())
    assert e1["Pilotes"] == " ; ".join(a.nom for a in engagement.pilotes)
    assert e1["Indicateurs en cours de définition"] in ("true", "false")  # CSV machine
    assert e1["Actions"].count(" ; ") == engagement.actions.count() - 1


def test_csv_filtre_et_non_pagine(api):
    """L'export contient toute la liste filtrée, pas seulement la première page."""
    total = ProjetStructurant.objects.count()
    assert total > 50
    lignes = lire_csv(api.get("/api/v1/projets/?format=csv"))
    assert len(lignes) == 1 + total
    a_venir = lire_csv(api.get("/api/v1/projets/?format=csv&statut=a_venir"))
    assert len(a_venir) == 1 + ProjetStructurant.objects.filter(statut="a_venir").count()
    i = a_venir[0].index("Statut")
    assert {ligne[i] for ligne in a_venir[1:]} == {"À venir"}
    j = a_venir[0].index("Cartographiable")
    assert {ligne[j] for ligne in a_venir[1:]} <= {"true", "false"}


def test_projets_xlsx(api):
    reponse = api.get("/api/v1/projets/?format=xlsx&quartier=grand-belleville")
    assert reponse["Content-Disposition"].endswith('.xlsx"')
    lignes = lire_xlsx(reponse)
    entetes = lignes[0]
    assert entetes[:2] == ["Identifiant", "Quartier"]
    attendus = ProjetStructurant.objects.filter(quartier__slug="grand-belleville")
    assert len(lignes) == 1 + attendus.count()
    premiere = dict(zip(entetes, lignes[1], strict=True))
    assert isinstance(premiere["Identifiant"], int)  # nombre natif, pas du texte
    assert premiere["Arrondissements"] == "11 ; 20"
    assert premiere["Cartographiable"] in ("Oui", "Non")


def test_quartiers_xlsx_chiffres_cles(api):
    lignes = lire_xlsx(api.get("/api/v1/quartiers/?format=xlsx"))
    assert len(lignes) == 1 + 21
    goutte = next(
        dict(zip(lignes[0], ligne, strict=True)) for ligne in lignes[1:] if ligne[0] == "goutte-dor"
    )
    assert isinstance(goutte["Population"], int)
    assert "Taux de chômage : " in goutte["Chiffres clés"]


def test_detail_en_csv(api):
    lignes = lire_csv(api.get("/api/v1/indicateurs/E05-2/?format=csv"))
    assert len(lignes) == 2 and lignes[1][0] == "E05-2"


def test_tous_les_exports_se_relisent(api):
    for ressource in (
        "thematiques",
        "engagements",
        "signataires",
        "sigles",
        "quartiers",
        "projets",
        "indicateurs",
    ):
        assert len(lire_csv(api.get(f"/api/v1/{ressource}/?format=csv"))) > 1, ressource
        assert len(lire_xlsx(api.get(f"/api/v1/{ressource}/?format=xlsx"))) > 1, ressource


def test_erreur_demandee_en_csv_reste_en_json(api):
    verifier_erreur(api.get("/api/v1/projets/?format=csv&statut=x"), 400, "donnees_invalides")
    verifier_erreur(api.get("/api/v1/engagements/99/?format=xlsx"), 404, "introuvable")


def test_accept_text_csv(api):
    reponse = api.get("/api/v1/sigles/", HTTP_ACCEPT="text/csv")
    assert reponse["Content-Type"] == "text/csv; charset=utf-8"


def test_format_inconnu(api):
    # Contrat de l'API (issue 12) : un format inconnu est un paramètre invalide (400).
    verifier_erreur(api.get("/api/v1/sigles/?format=pdf"), 400, "donnees_invalides")
    verifier_erreur(api.get("/api/v1/sigles/?format="), 400, "donnees_invalides")
    verifier_erreur(
        api.get("/api/v1/sigles/", HTTP_ACCEPT="application/pdf"), 406, "format_non_acceptable"
    )


# --- aplatissement (unitaire) --------------------------------------------------------------


def test_chemins_et_formats():
    ligne = {
        "a": {"b": 3},
        "l": [{"x": 1, "nom": "Un"}, {"x": 2, "nom": "Deux"}],
        "v": True,
        "d": "2025-03-01",
        "h": "2025-03-01T09:30:00+01:00",
        "n": "12.50",
        "vide": None,
    }
    assert extraire(ligne, "a.b") == 3
    assert aplatir(extraire(ligne, "l[].x")) == [1, 2]
    assert aplatir(extraire(ligne, "l")) == ["Un", "Deux"]  # objets résumés par leur nom
    assert extraire(ligne, "absent.x") is None
    assert Colonne("X", lambda x: x["a"]["b"] * 2).chemin(ligne) == 6

    def cellule(chemin, format_="texte", variante=Variante.MACHINE):
        return texte_csv(Colonne("X", chemin, format_).pour_tableur().typer(ligne), variante)

    assert cellule("l[].x") == "1 ; 2"
    assert cellule("l") == "Un ; Deux"
    assert cellule("v") == "true" and cellule("v", variante=Variante.EXCEL) == "Oui"
    assert cellule("d", "date") == "2025-03-01"
    assert cellule("d", "date", Variante.EXCEL) == "01/03/2025"
    assert cellule("h", "dateheure") == "2025-03-01T09:30:00+01:00"
    assert cellule("h", "dateheure", Variante.EXCEL) == "01/03/2025 09:30"
    assert cellule("n", "nombre") == "12.50"
    assert cellule("n", "nombre", Variante.EXCEL) == "12,50"
    assert cellule("vide") == ""
    xlsx = Colonne("X", "n", "nombre").pour_tableur().valeur(ligne)
    assert xlsx == pytest.approx(12.5) and not isinstance(xlsx, str)


def test_csv_neutralise_les_formules():
    assert texte_csv("=HYPERLINK(1)", Variante.MACHINE) == "'=HYPERLINK(1)"
    assert texte_csv("-12.5", Variante.EXCEL) == "'-12.5"  # un texte, pas un nombre
    assert texte_csv(-12.5, Variante.MACHINE) == "-12.5"  # un nombre reste un nombre
    assert texte_csv("texte", Variante.MACHINE) == "texte"


def test_csv_excel(api):
    """`?format=csv-excel` : BOM, point-virgule, Oui/Non, jj/mm/aaaa."""
    reponse = api.get("/api/v1/projets/?format=csv-excel")
    assert reponse.streaming and reponse["Content-Disposition"].endswith('.csv"')
    lignes = lire_csv(reponse, separateur=";")
    assert len(lignes) == 1 + ProjetStructurant.objects.count()
    j = lignes[0].index("Cartographiable")
    assert {ligne[j] for ligne in lignes[1:]} <= {"Oui", "Non"}


# --- second volet : valeurs, territoires, campagnes, structures, fiches ---------------------


def test_valeurs_csv_avec_la_colonne_demo(utilisateurs, campagne, ind_caf):
    from decimal import Decimal

    from indicateurs.models import Valeur
    from tests.api.conftest import client_api, creer_valeur

    creer_valeur(ind_caf, "paris", annee=2021, statut="valide", valeur=Decimal(40))
    creer_valeur(ind_caf, "qpv-goutte-dor", annee=2021, statut="valide", demo=True, origine="demo")
    creer_valeur(ind_caf, "ensemble-qpv", annee=2025)  # brouillon : pas pour un délégué
    client = client_api(utilisateurs["delegue"], "jeton")
    reponse = client.get("/api/v1/valeurs/?format=csv&indicateur=E28-2")
    assert reponse["Content-Disposition"].startswith('attachment; filename="valeurs-')
    lignes = lire_csv(reponse)
    entetes = lignes[0]
    assert {"Code indicateur", "Code territoire", "Année", "Valeur", "Statut", "Démo"} <= set(
        entetes
    )
    par_territoire = {ligne[entetes.index("Code territoire")]: ligne for ligne in lignes[1:]}
    assert set(par_territoire) == {"paris", "qpv-goutte-dor"}
    demo = entetes.index("Démo")
    assert par_territoire["qpv-goutte-dor"][demo] == "true"
    assert par_territoire["paris"][demo] == "false"
    assert par_territoire["paris"][entetes.index("Valeur")] == "40.00"
    assert par_territoire["paris"][entetes.index("Statut")] == "Validée"
    # Toute la liste filtrée et visible, sans pagination.
    tout = lire_csv(client.get("/api/v1/valeurs/?format=csv"))
    assert len(tout) == 1 + Valeur.objects.validees().count() > 51


def test_valeurs_xlsx(utilisateurs, campagne, ind_caf):
    from decimal import Decimal

    from tests.api.conftest import client_api, creer_valeur

    creer_valeur(ind_caf, "paris", annee=2021, statut="valide", valeur=Decimal(40))
    creer_valeur(ind_caf, "qpv-goutte-dor", annee=2021, statut="valide", demo=True, origine="demo")
    reponse = client_api(utilisateurs["spv"], "session").get(
        "/api/v1/valeurs/?format=xlsx&indicateur=E28-2&annee_max=2021"
    )
    assert reponse["Content-Disposition"].endswith('.xlsx"')
    lignes = lire_xlsx(reponse)
    entetes = lignes[0]
    lignes = [dict(zip(entetes, ligne, strict=True)) for ligne in lignes[1:]]
    assert {ligne["Démo"] for ligne in lignes} == {"Oui", "Non"}
    paris = next(ligne for ligne in lignes if ligne["Code territoire"] == "paris")
    assert paris["Valeur"] == 40 and isinstance(paris["Année"], int)


@pytest.mark.parametrize(
    "ressource,entete", [("campagnes", "Année"), ("structures", "Identifiant"),
                         ("fiches-actions", "N°"), ("valeurs", "Identifiant")],
)  # fmt: skip
def test_exports_des_ressources_avec_compte(utilisateurs, campagne, ressource, entete):
    from tests.api.conftest import client_api

    client = client_api(utilisateurs["spv"], "jeton")
    assert lire_csv(client.get(f"/api/v1/{ressource}/?format=csv"))[0][0] == entete
    assert lire_xlsx(client.get(f"/api/v1/{ressource}/?format=xlsx"))[0][0] == entete
    verifier_erreur(
        client_api(None).get(f"/api/v1/{ressource}/?format=csv"), 401, "non_authentifie"
    )


def test_territoires_csv_public(api):
    lignes = lire_csv(api.get("/api/v1/territoires/?format=csv&quartier=grand-belleville"))
    assert lignes[0][:3] == ["Code", "Nom", "Niveau"]
    assert {ligne[2] for ligne in lignes[1:]} == {
        "Quartier prioritaire",
        "Secteur ou micro-quartier",
    }
    assert len(lignes) > 2


def test_fiches_xlsx_filtrees(utilisateurs):
    from structures.models import FicheAction
    from tests.api.conftest import client_api

    numero = 12
    for fiche in FicheAction.objects.validees().order_by("pk")[:3]:
        fiche.engagements.add(Engagement.objects.get(numero=numero))
    client = client_api(utilisateurs["partenaire"], "jeton")
    lignes = lire_xlsx(client.get(f"/api/v1/fiches-actions/?format=xlsx&engagement={numero}"))
    attendues = FicheAction.objects.validees().filter(engagements__numero=numero).distinct()
    assert len(lignes) == 1 + attendues.count() > 1
    entetes = lignes[0]
    for ligne in lignes[1:]:
        fiche = dict(zip(entetes, ligne, strict=True))
        assert str(numero) in str(fiche["Engagements"]).split(" ; ")
        assert fiche["Statut de la fiche"] == "Validée"


def test_liste_en_flux_ne_serialise_que_les_champs_des_colonnes(
    utilisateurs, campagne, ind_caf, monkeypatch
):
    """Un export de liste ne calcule ni l'ETag ni l'adresse de chaque ligne (champs JSON que
    les colonnes déclarées ne lisent pas) : sur la liste nationale, c'était l'essentiel du
    temps."""
    from decimal import Decimal

    from indicateurs.api.valeurs import ValeurSerializer
    from tests.api.conftest import client_api, creer_valeur

    creer_valeur(ind_caf, "paris", annee=2021, statut="valide", valeur=Decimal(40))

    def interdit(self, valeur):
        raise AssertionError("ETag calculé pour un export")

    monkeypatch.setattr(ValeurSerializer, "get_etag", interdit)
    client = client_api(utilisateurs["delegue"], "jeton")
    lignes = lire_csv(client.get("/api/v1/valeurs/?format=csv&indicateur=E28-2"))
    entetes = lignes[0]
    assert [ligne[entetes.index("Code territoire")] for ligne in lignes[1:]] == ["paris"]
    assert lignes[1][entetes.index("Valeur")] == "40.00"
    # Le JSON, lui, garde tous ses champs (lus en SQL : voir test_pages_en_sql.py).
    ligne = client.get("/api/v1/valeurs/?indicateur=E28-2").json()["results"][0]
    assert ligne["etag"] == f'"{ligne["id"]}-{ligne["version"]}"'
    assert ligne["url"].endswith(f"/api/v1/valeurs/{ligne['id']}/")


def test_export_des_valeurs_lu_en_sql_identique_au_serialiseur(
    utilisateurs, valeurs_variees, monkeypatch
):
    """Les exports des valeurs sont lus en SQL (`lecture_sql_export`), sans sérialiseur par
    ligne, et donnent exactement les fichiers du sérialiseur : mêmes colonnes, même ordre,
    mêmes cellules (libellés des choix, codes, affichage, provenance, dates), dans les trois
    formats."""
    from indicateurs.api.valeurs import ValeurExportSerializer, ValeurViewSet
    from tests.api.conftest import client_api

    client = client_api(utilisateurs["spv"], "jeton")
    adresses = [
        f"/api/v1/valeurs/?format={f}&annee_min=2021&annee_max=2022"
        for f in ("csv", "csv-excel", "xlsx")
    ]

    def fichier(adresse):
        reponse = client.get(adresse)
        assert reponse.status_code == 200
        if adresse.endswith("xlsx") or "xlsx&" in adresse:
            return lire_xlsx(reponse)
        return contenu(reponse)

    def interdit(self, instance):
        raise AssertionError("export sérialisé ligne à ligne")

    with monkeypatch.context() as m:
        m.setattr(ValeurExportSerializer, "to_representation", interdit)
        en_sql = [fichier(a) for a in adresses]
    monkeypatch.setattr(ValeurViewSet, "lecture_sql_export", None)
    serialises = [fichier(a) for a in adresses]
    assert en_sql == serialises
    lignes = lire_csv(client.get(adresses[0]))
    entetes = lignes[0]
    assert entetes == [c.entete for c in ValeurViewSet.colonnes_export]
    assert len(lignes) == 1 + 5
    paris = next(ligne for ligne in lignes[1:] if ligne[entetes.index("Année")] == "2021"
                 and ligne[entetes.index("Code territoire")] == "paris")  # fmt: skip
    ligne = dict(zip(entetes, paris, strict=True))
    assert ligne["Statut"] == "Validée" and ligne["Unité"] == "Nombre"
    assert ligne["Affichage"] == "40,5" and ligne["Commentaire"] == "'=1+1"
    assert ligne["Validée le"] == "2025-03-01T09:30:00+01:00"
    assert ligne["Déduit par le chargement"] == "true" and ligne["Motif de la déduction"]
