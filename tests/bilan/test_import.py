"""Import des crédits depuis un tableur : prévisualisation sans écriture, confirmation, tout ou
rien, erreurs numérotées par ligne et en français, modification par identifiant, réimport sans
doublon, historique des imports, ligne de commande."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from bilan.imports import COLONNES, importer, modele_xlsx
from bilan.models import Credit, ImportCredits
from engagements.models import Signataire
from tests.conftest import client_pour

pytestmark = pytest.mark.django_db


def tableur(*lignes, entetes=COLONNES):
    wb = Workbook()
    ws = wb.active
    ws.append(list(entetes))
    for ligne in lignes:
        ws.append(list(ligne))
    tampon = io.BytesIO()
    wb.save(tampon)
    return tampon.getvalue()


LIGNE_OK = (None, 2025, "Ville de Paris", "Droit commun", "12 500,50 €", 5, "Goutte d'Or", None,
            "BOP 147", "")  # fmt: skip
LIGNE_ARR = (None, 2025, "caisse d'allocations familiales", "Spécifique politique de la ville",
             3000, None, None, "19e", "FPH", "Fonds de participation")  # fmt: skip


def test_previsualisation_puis_confirmation(client, utilisateurs):
    client = client_pour(client, utilisateurs["spv"])
    fichier = SimpleUploadedFile("credits.xlsx", tableur(LIGNE_OK, LIGNE_ARR))
    reponse = client.post("/bilan/credits/import/", {"fichier": fichier})
    assert reponse.status_code == 302
    imp = ImportCredits.objects.get()
    assert imp.statut == ImportCredits.Statut.PREVISUALISE
    assert (imp.nb_lignes, imp.nb_nouvelles, imp.nb_erreurs) == (2, 2, 0)
    assert Credit.objects.count() == 0  # rien n'est écrit avant la confirmation
    detail = client.get(imp.get_absolute_url()).content.decode()
    assert "Ce que l’import va écrire" in detail and "Confirmer l’import" in detail
    reponse = client.post(f"/bilan/credits/imports/{imp.pk}/confirmer/")
    assert reponse.status_code == 302
    imp.refresh_from_db()
    assert imp.statut == ImportCredits.Statut.APPLIQUE
    credits = {c.signataire.nom: c for c in Credit.objects.select_related("signataire")}
    ville = credits["Ville de Paris"]
    assert ville.montant == Decimal("12500.50")
    assert ville.quartier.slug == "goutte-dor" and ville.engagement.numero == 5
    assert ville.cree_par == utilisateurs["spv"]
    assert ville.history.get().history_change_reason == "Import de tableur : credits.xlsx"
    caf = credits["Caisse d’Allocations Familiales"]
    assert caf.type == Credit.Type.SPECIFIQUE and caf.arrondissement.numero == 19
    historique = client.get("/bilan/credits/imports/").content.decode()
    assert "credits.xlsx" in historique


def test_tout_ou_rien_et_erreurs_numerotees(utilisateurs):
    contenu = tableur(
        LIGNE_OK,
        (None, 2025, "Inconnu SA", "Droit commun", 10, None, None, None, "", ""),
        (None, 2025, "Ville de Paris", "Truc", -5, 99, "Nulle part", 7, "", ""),
        (None, 1990, "Ville de Paris", "Droit commun", 10, None, "Goutte d'Or", 18, "", ""),
        (None, 2025, "Ville de Paris", "Droit commun", "", None, None, None, "", ""),
    )
    rapport = importer(contenu, utilisateurs["spv"], dry_run=False, nom_fichier="x.xlsx")
    assert not rapport.valide
    assert Credit.objects.count() == 0  # la ligne 2, correcte, n'est pas écrite non plus
    erreurs = {(e["ligne"], e["colonne"]): e["message"] for e in rapport.erreurs}
    assert erreurs[(3, "Signataire")].startswith("Signataire inconnu : « Inconnu SA »")
    assert erreurs[(4, "Type de crédit")].startswith("Type de crédit inconnu : « Truc »")
    assert erreurs[(4, "Montant (€)")] == "Le montant doit être positif ou nul (« -5 »)."
    assert erreurs[(4, "Engagement")].startswith("Engagement inconnu : « 99 »")
    assert erreurs[(4, "QPV")].startswith("QPV inconnu : « Nulle part »")
    assert erreurs[(4, "Arrondissement")].startswith("Arrondissement inconnu : « 7 »")
    assert "10e, 11e" in erreurs[(4, "Arrondissement")]
    assert erreurs[(5, "Année")] == "L’année doit être comprise entre 2015 et 2030."
    assert "pas les deux" in erreurs[(5, "Arrondissement")]
    assert erreurs[(6, "Montant (€)")] == "Montant manquant."
    assert rapport.nb_lignes_en_erreur == 4


def test_colonnes_manquantes_et_fichier_illisible(utilisateurs):
    rapport = importer(tableur(entetes=["Année", "Montant"]), utilisateurs["spv"])
    assert rapport.erreurs[0]["ligne"] is None
    assert (
        "Colonnes manquantes : « Signataire », « Type de crédit », « Montant (€) »"
        in (rapport.erreurs[0]["message"])
    )
    with pytest.raises(ValueError, match="n’a pas pu être lu"):
        importer(b"pas un classeur", utilisateurs["spv"])


def test_modification_par_identifiant_et_reimport_sans_doublon(utilisateurs):
    ville = Signataire.objects.get(nom="Ville de Paris")
    credit = Credit.objects.create(
        annee=2025, signataire=ville, type="droit_commun", montant=Decimal("100")
    )
    contenu, nombre = modele_xlsx(2025)
    assert nombre == 1
    wb = load_workbook(io.BytesIO(contenu))
    ws = wb.active
    assert [c.value for c in ws[1]] == COLONNES
    assert ws["A2"].value == credit.pk and ws["E2"].value == 100
    # Le modèle réimporté tel quel : rien ne change.
    rapport = importer(contenu, utilisateurs["spv"], dry_run=False)
    assert (rapport.nouvelles, rapport.modifiees, rapport.inchangees) == (0, 0, 1)
    ws["E2"] = 150
    ws.append(LIGNE_OK)
    tampon = io.BytesIO()
    wb.save(tampon)
    rapport = importer(tampon.getvalue(), utilisateurs["spv"], dry_run=False, nom_fichier="m.xlsx")
    assert rapport.valide, rapport.erreurs
    assert (rapport.nouvelles, rapport.modifiees) == (1, 1)
    credit.refresh_from_db()
    assert credit.montant == Decimal("150.00")
    assert rapport.apercu[0]["action"] == "modification"
    # Le même fichier une seconde fois : aucun doublon.
    rapport = importer(tampon.getvalue(), utilisateurs["spv"], dry_run=False)
    assert (rapport.nouvelles, rapport.modifiees, rapport.inchangees) == (0, 0, 2)
    assert Credit.objects.count() == 2


def test_identifiant_inconnu_et_doublon_dans_le_fichier(utilisateurs):
    rapport = importer(
        tableur(
            (9999, *LIGNE_OK[1:]),
            LIGNE_OK,
            LIGNE_OK,
        ),
        utilisateurs["spv"],
    )
    erreurs = {(e["ligne"], e["colonne"]): e["message"] for e in rapport.erreurs}
    assert erreurs[(2, "Identifiant")].startswith("Aucun crédit n’a l’identifiant « 9999 »")
    assert erreurs[(4, "Identifiant")].startswith("Cette ligne est identique à la ligne 3")


def test_depot_refuse_si_pas_xlsx(client, utilisateurs):
    client = client_pour(client, utilisateurs["spv"])
    fichier = SimpleUploadedFile("credits.csv", b"a;b")
    reponse = client.post("/bilan/credits/import/", {"fichier": fichier})
    assert reponse.status_code == 200
    assert "Déposez un classeur Excel (.xlsx)" in reponse.content.decode()
    assert not ImportCredits.objects.exists()


def test_import_en_erreur_non_confirmable(client, utilisateurs):
    client = client_pour(client, utilisateurs["spv"])
    contenu = tableur((None, 2025, "Inconnu", "Droit commun", 1, None, None, None, "", ""))
    client.post("/bilan/credits/import/", {"fichier": SimpleUploadedFile("e.xlsx", contenu)})
    imp = ImportCredits.objects.get()
    assert imp.statut == ImportCredits.Statut.ERREURS
    html = client.get(imp.get_absolute_url()).content.decode()
    assert "Erreurs : rien n’a été écrit" in html and "Signataire inconnu" in html
    client.post(f"/bilan/credits/imports/{imp.pk}/confirmer/")
    assert not Credit.objects.exists()


def test_commande_import_credits(tmp_path, capsys):
    chemin = tmp_path / "credits.xlsx"
    chemin.write_bytes(tableur(LIGNE_OK))
    call_command("import_credits", str(chemin), "--dry-run")
    assert Credit.objects.count() == 0
    call_command("import_credits", str(chemin))
    assert Credit.objects.count() == 1
    assert ImportCredits.objects.get().origine == ImportCredits.Origine.COMMANDE
    mauvais = tmp_path / "mauvais.xlsx"
    mauvais.write_bytes(tableur((None, 2025, "X", "Droit commun", 1, None, None, None, "", "")))
    with pytest.raises(CommandError, match="aucun crédit n’a été écrit"):
        call_command("import_credits", str(mauvais))
    assert "Ligne 2, colonne « Signataire »" in capsys.readouterr().err


def test_requetes_constantes_et_verrou_sur_les_seuls_credits_du_fichier(utilisateurs):
    """10 ou 200 lignes : même nombre de requêtes (contrôle ensembliste, écriture groupée).
    Seuls les crédits modifiés par le fichier sont verrouillés, jamais tous les crédits."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ville = Signataire.objects.get(nom="Ville de Paris")
    hors_fichier = Credit.objects.create(annee=2025, signataire=ville, type="droit_commun",
                                         montant=1)  # fmt: skip

    def mesurer(n):
        existants = [
            Credit.objects.create(annee=2024, signataire=ville, type="droit_commun", montant=i)
            for i in range(n // 2)
        ]
        lignes = [(c.pk, 2024, "Ville de Paris", "Droit commun", c.montant + 1, None, None,
                   None, "", "") for c in existants]  # fmt: skip
        lignes += [(None, 2025, "Ville de Paris", "Spécifique", 1000 + i, None, None, None,
                    f"D{n}-{i}", "") for i in range(n - n // 2)]  # fmt: skip
        with CaptureQueriesContext(connection) as requetes:
            rapport = importer(tableur(*lignes), utilisateurs["spv"], dry_run=False)
        assert rapport.valide, rapport.erreurs[:3]
        assert (rapport.nouvelles, rapport.modifiees) == (n - n // 2, n // 2)
        verrous = [q["sql"] for q in requetes.captured_queries if "FOR UPDATE" in q["sql"]]
        assert len(verrous) == 1
        ids = re.search(r'"bilan_credit"\."id" IN \(([^)]*)\)', verrous[0]).group(1)
        assert {int(i) for i in ids.split(",")} == {c.pk for c in existants}
        return len(requetes.captured_queries)

    mesurer(2)  # échauffement
    assert mesurer(10) == mesurer(200)
    hors_fichier.refresh_from_db()
    assert hors_fichier.montant == 1


def test_le_modele_ne_contient_jamais_de_formule(utilisateurs):
    ville = Signataire.objects.get(nom="Ville de Paris")
    Credit.objects.create(annee=2025, signataire=ville, type="droit_commun", montant=5,
                          dispositif="=1+1", commentaire="@SOMME(A1:A9)")  # fmt: skip
    contenu, _ = modele_xlsx(2025)
    classeur = load_workbook(io.BytesIO(contenu))
    assert classeur.sheetnames == ["Crédits 2025", "Listes", "Mode d’emploi"]
    ws = classeur.active
    assert (ws["I2"].value, ws["I2"].data_type) == ("=1+1", "s")
    assert (ws["J2"].value, ws["J2"].data_type) == ("@SOMME(A1:A9)", "s")
    # Réimporté tel quel, le modèle ne change rien (le texte reste du texte).
    rapport = importer(contenu, utilisateurs["spv"], dry_run=False)
    assert (rapport.nouvelles, rapport.modifiees, rapport.inchangees) == (0, 0, 1)
