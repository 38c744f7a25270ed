"""L'aller-retour tableur : modèle pré-rempli, prévisualisation, confirmation, tout ou rien
sur un fichier qui compte une ligne en erreur, historique des imports, mêmes droits que la
grille, et les commandes export_modele_valeurs / import_valeurs."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from engagements.models import Signataire
from indicateurs.models import ImportValeurs, Valeur
from indicateurs.resources import importer, modele_xlsx
from socle.roles import Role
from tests.conftest import creer_utilisateur
from tests.travaux.outils import telecharger

from .conftest import ANNEE, creer_valeur

pytestmark = pytest.mark.django_db


def lire(contenu):
    feuille = load_workbook(io.BytesIO(contenu)).worksheets[0]
    lignes = list(feuille.iter_rows(values_only=True))
    entetes = list(lignes[0])
    return entetes, [dict(zip(entetes, ligne, strict=True)) for ligne in lignes[1:]]


def remplir(contenu, changements, ajouts=()):
    """Modifie des cellules du modèle : {(code indicateur, code territoire): {colonne: valeur}}."""
    classeur = load_workbook(io.BytesIO(contenu))
    feuille = classeur.worksheets[0]
    entetes = [c.value for c in feuille[1]]
    vus = set()
    for ligne in feuille.iter_rows(min_row=2):
        cle = (ligne[0].value, ligne[entetes.index("Code territoire")].value)
        for colonne, valeur in changements.get(cle, {}).items():
            ligne[entetes.index(colonne)].value = valeur
            vus.add(cle)
    assert vus == set(changements), f"lignes introuvables : {set(changements) - vus}"
    for ajout in ajouts:
        feuille.append([ajout.get(e) for e in entetes])
    sortie = io.BytesIO()
    classeur.save(sortie)
    return sortie.getvalue()


@pytest.fixture
def modele_caf(utilisateurs, campagne, ind_caf, ind_part_caf):
    creer_valeur(ind_caf, "paris", annee=ANNEE - 1, valeur=Decimal(1000), statut="valide")
    creer_valeur(ind_caf, "qpv-goutte-dor", annee=ANNEE, valeur=Decimal(50), source="Caf")
    contenu, _ = modele_xlsx(ANNEE, utilisateurs["partenaire"])
    return contenu


# --- modèle -------------------------------------------------------------------------------------


def test_modele_pre_rempli(utilisateurs, modele_caf):
    entetes, lignes = lire(modele_caf)
    assert entetes[:8] == [
        "Code indicateur",
        "Indicateur",
        "Unité",
        "Code territoire",
        "Territoire",
        "Année",
        "Valeur N-1",
        "Valeur",
    ]
    assert {
        "Nombre",
        "Base",
        "Part calculée (%)",
        "Source",
        "Commentaire",
        "Statut",
        "Démo",
        "Version",
    } <= set(entetes)
    # Le partenaire de la Caf ne reçoit que les indicateurs de la Caf, une ligne par territoire.
    assert {ligne["Code indicateur"] for ligne in lignes} == {"E05-1", "E28-2"}
    assert len(lignes) == 2 * 23
    paris = next(
        x for x in lignes if x["Code indicateur"] == "E28-2" and x["Code territoire"] == "paris"
    )
    assert paris["Valeur N-1"] == 1000 and paris["Valeur"] is None and paris["Statut"] == "À saisir"
    goutte = next(
        x
        for x in lignes
        if x["Code indicateur"] == "E28-2" and x["Code territoire"] == "qpv-goutte-dor"
    )
    assert (goutte["Valeur"], goutte["Source"], goutte["Version"], goutte["Démo"]) == (
        50,
        "Caf",
        1,
        "Non",
    )
    classeur = load_workbook(io.BytesIO(modele_caf))
    assert classeur.sheetnames == ["Valeurs 2025", "Mode d’emploi"]


def test_modele_filtre_par_engagement_et_producteur(client, utilisateurs, campagne, ind_caf, caf):
    # Un travail de fond : lancé par le bouton de la campagne, téléchargé depuis sa page.
    client.force_login(utilisateurs["spv"])
    reponse = telecharger(client, "/indicateurs/campagnes/2025/modele.xlsx", {"engagement": 28})
    assert (
        reponse["Content-Disposition"]
        == 'attachment; filename="modele-valeurs-2025-engagement-28.xlsx"'
    )
    _, lignes = lire(reponse.contenu)
    assert {x["Code indicateur"] for x in lignes} == {"E28-1", "E28-2", "E28-3", "E28-4"}
    modele = "/indicateurs/campagnes/2025/modele.xlsx"
    reponse = telecharger(client, modele, {"producteur": caf.pk})
    _, lignes = lire(reponse.contenu)
    assert {x["Code indicateur"] for x in lignes} == {"E28-2"}


def test_les_valeurs_de_demo_sont_marquees_a_l_export(utilisateurs, campagne, ind_caf):
    Valeur.objects.create(
        indicateur=ind_caf,
        territoire_id=creer_valeur(ind_caf, "paris").territoire_id,
        annee=ANNEE - 1,
        valeur=Decimal(3),
        statut="valide",
        demo=True,
        origine="demo",
    )
    contenu, _ = modele_xlsx(ANNEE - 1, utilisateurs["spv"], engagement=28)
    _, lignes = lire(contenu)
    paris = next(
        x for x in lignes if x["Code indicateur"] == "E28-2" and x["Code territoire"] == "paris"
    )
    assert paris["Démo"] == "Oui (valeur de démonstration)"


# --- import : prévisualisation, confirmation, tout ou rien --------------------------------------


def test_previsualiser_puis_confirmer(client, utilisateurs, modele_caf, ind_caf):
    fichier = remplir(
        modele_caf,
        {
            ("E28-2", "paris"): {"Valeur": 1100, "Source": "Caf, fichier des allocataires"},
            ("E28-2", "qpv-goutte-dor"): {"Valeur": 60},
            ("E05-1", "qpv-algerie"): {"Nombre": 12, "Base": "48"},
        },
    )
    client.force_login(utilisateurs["partenaire"])
    reponse = client.post(
        "/indicateurs/campagnes/2025/import/",
        {"fichier": _fichier(fichier)},
    )
    imp = ImportValeurs.objects.get()
    assert reponse["Location"] == f"/indicateurs/imports/{imp.pk}/"
    assert imp.statut == ImportValeurs.Statut.PREVISUALISE
    assert (imp.nb_lignes, imp.nb_nouvelles, imp.nb_modifiees, imp.nb_erreurs) == (46, 2, 1, 0)
    assert imp.nb_inchangees == 43
    # Rien n'est écrit avant la confirmation.
    assert Valeur.objects.filter(annee=ANNEE, origine="import").count() == 0
    html = client.get(reponse["Location"]).content.decode()
    assert "Ce que l’import va écrire" in html and "Confirmer l’import" in html
    assert "50 → " not in html and "<td>50</td><td>60</td>" in html
    assert "12 / 48 (25 %)" in html

    reponse = client.post(f"/indicateurs/imports/{imp.pk}/confirmer/", follow=True)
    assert "Import appliqué : 2 valeurs créées, 1 modifiée," in reponse.content.decode()
    imp.refresh_from_db()
    assert imp.statut == ImportValeurs.Statut.APPLIQUE and imp.applique_le is not None
    paris = Valeur.objects.get(indicateur=ind_caf, territoire__code="paris", annee=ANNEE)
    assert paris.valeur == 1100 and paris.origine == "import" and paris.statut == "brouillon"
    assert paris.saisi_par == utilisateurs["partenaire"]
    goutte = Valeur.objects.get(indicateur=ind_caf, territoire__code="qpv-goutte-dor", annee=ANNEE)
    assert goutte.valeur == 60 and goutte.version == 2
    h = goutte.history.first()
    assert h.history_user == utilisateurs["partenaire"]
    assert h.history_change_reason == "Import de tableur : modele.xlsx"
    assert Valeur.objects.get(indicateur__code="E05-1", territoire__code="qpv-algerie").valeur == 25
    # Une seconde confirmation n'écrit rien.
    reponse = client.post(f"/indicateurs/imports/{imp.pk}/confirmer/", follow=True)
    assert "n’attend plus de confirmation" in reponse.content.decode()


def _fichier(contenu, nom="modele.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(nom, contenu, content_type="application/vnd.ms-excel")


def test_une_ligne_en_erreur_et_rien_n_est_ecrit(client, utilisateurs, modele_caf, ind_caf):
    fichier = remplir(
        modele_caf,
        {
            ("E28-2", "paris"): {"Valeur": 1100},
            ("E28-2", "qpv-algerie"): {"Valeur": "douze"},
            ("E05-1", "qpv-amandiers"): {"Nombre": 50, "Base": 40},
        },
    )
    client.force_login(utilisateurs["partenaire"])
    reponse = client.post(
        "/indicateurs/campagnes/2025/import/", {"fichier": _fichier(fichier)}, follow=True
    )
    imp = ImportValeurs.objects.get()
    assert imp.statut == ImportValeurs.Statut.ERREURS and imp.nb_erreurs == 2
    html = reponse.content.decode()
    assert "Erreurs : rien n’a été écrit" in html and "Confirmer l’import" not in html
    numeros = {e["ligne"] for e in imp.erreurs}
    _, lignes = lire(fichier)
    algerie = 2 + next(
        i
        for i, x in enumerate(lignes)
        if (x["Code indicateur"], x["Code territoire"]) == ("E28-2", "qpv-algerie")
    )
    assert algerie in numeros
    erreur = [e for e in imp.erreurs if e["ligne"] == algerie]
    assert [(e["colonne"], e["message"]) for e in erreur] == [
        ("Valeur", "« douze » n’est pas un nombre.")
    ]
    assert any(
        e["message"] == "Le nombre (50) ne peut pas dépasser la base (40)." for e in imp.erreurs
    )
    assert not Valeur.objects.filter(
        indicateur=ind_caf, territoire__code="paris", annee=ANNEE
    ).exists()
    assert client.post(f"/indicateurs/imports/{imp.pk}/confirmer/").status_code == 302
    assert not Valeur.objects.filter(origine="import").exists()


def test_confirmation_annulee_si_une_valeur_a_change_entre_temps(
    client, utilisateurs, modele_caf, ind_caf
):
    """Prévisualisation correcte, puis la valeur de la Goutte d'Or est modifiée par quelqu'un
    d'autre : à la confirmation, la ligne est en conflit et AUCUNE ligne n'est écrite."""
    fichier = remplir(
        modele_caf,
        {("E28-2", "paris"): {"Valeur": 1100}, ("E28-2", "qpv-goutte-dor"): {"Valeur": 55}},
    )
    client.force_login(utilisateurs["partenaire"])
    client.post("/indicateurs/campagnes/2025/import/", {"fichier": _fichier(fichier)})
    imp = ImportValeurs.objects.get()
    assert imp.statut == ImportValeurs.Statut.PREVISUALISE
    goutte = Valeur.objects.get(indicateur=ind_caf, territoire__code="qpv-goutte-dor", annee=ANNEE)
    goutte.valide_par, goutte.statut, goutte.version = utilisateurs["spv"], "valide", 2
    goutte.save()
    reponse = client.post(f"/indicateurs/imports/{imp.pk}/confirmer/", follow=True)
    assert "rien n’a été écrit" in reponse.content.decode()
    imp.refresh_from_db()
    assert imp.statut == ImportValeurs.Statut.ERREURS
    assert any("déjà validée" in e["message"] for e in imp.erreurs)
    assert not Valeur.objects.filter(
        indicateur=ind_caf, territoire__code="paris", annee=ANNEE
    ).exists()


def test_droits_du_partenaire_ligne_a_ligne(utilisateurs, campagne, ind_caf, ind_autre):
    contenu, _ = modele_xlsx(ANNEE, utilisateurs["spv"], engagement=1)
    fichier = remplir(contenu, {("E01-1", "paris"): {"Valeur": 12}})
    rapport = importer(fichier, ANNEE, utilisateurs["partenaire"], dry_run=True)
    assert not rapport.valide
    assert (
        "L’indicateur E01-1 n’est pas produit par votre organisation"
        in rapport.erreurs[0]["message"]
    )
    assert importer(fichier, ANNEE, utilisateurs["spv"], dry_run=True).valide


def test_campagne_close_refusee_a_l_import(utilisateurs, campagne, modele_caf):
    campagne.cloturer(utilisateurs["spv"])
    fichier = remplir(modele_caf, {("E28-2", "paris"): {"Valeur": 1100}})
    rapport = importer(fichier, ANNEE, utilisateurs["partenaire"], dry_run=True)
    assert [e["message"][:36] for e in rapport.erreurs] == ["La campagne 2025 est clôturée depuis"]


@pytest.mark.parametrize(
    ("changement", "colonne", "message"),
    [
        ({"Valeur": 1100, "Version": 7}, "Version", "modifiée depuis le téléchargement du modèle"),
        ({"Valeur": 1100, "Année": 2024}, "Année", "ce fichier est importé pour la campagne 2025"),
        (
            {"Valeur": 1100, "Code territoire": "nulle-part"},
            "Code territoire",
            "Code territoire inconnu",
        ),
        (
            {"Valeur": 1100, "Code territoire": "arrondissement-18"},
            "Code territoire",
            "Aucune valeur n’est attendue",
        ),
        ({"Valeur": 2600}, "Commentaire", "au-delà de ±50 %"),
        ({"Valeur": -3}, "Valeur", "entier positif ou nul"),
    ],
)
def test_erreurs_de_ligne(utilisateurs, modele_caf, changement, colonne, message):
    cle = ("E28-2", "qpv-goutte-dor") if "Version" in changement else ("E28-2", "paris")
    fichier = remplir(modele_caf, {cle: changement})
    rapport = importer(fichier, ANNEE, utilisateurs["partenaire"], dry_run=True)
    assert not rapport.valide
    assert any(e["colonne"] == colonne and message in e["message"] for e in rapport.erreurs), (
        rapport.erreurs
    )


def test_la_part_n_est_jamais_tapee(utilisateurs, modele_caf):
    fichier = remplir(modele_caf, {("E05-1", "paris"): {"Valeur": 30, "Nombre": 3, "Base": 10}})
    rapport = importer(fichier, ANNEE, utilisateurs["partenaire"], dry_run=True)
    assert rapport.erreurs[0]["colonne"] == "Valeur"
    assert "La part est calculée" in rapport.erreurs[0]["message"]


def test_fichier_sans_les_colonnes_du_modele(utilisateurs, campagne):
    from openpyxl import Workbook

    classeur = Workbook()
    classeur.active.append(["Indicateur", "Montant"])
    classeur.active.append(["E28-2", 3])
    sortie = io.BytesIO()
    classeur.save(sortie)
    rapport = importer(sortie.getvalue(), ANNEE, utilisateurs["spv"], dry_run=True)
    assert rapport.erreurs[0]["ligne"] is None
    assert rapport.erreurs[0]["message"].startswith("Colonnes manquantes : « Code indicateur »")


def test_fichier_illisible(client, utilisateurs, campagne):
    client.force_login(utilisateurs["spv"])
    reponse = client.post(
        "/indicateurs/campagnes/2025/import/", {"fichier": _fichier(b"pas un classeur")}
    )
    assert "n’a pas pu être lu" in reponse.content.decode()
    reponse = client.post(
        "/indicateurs/campagnes/2025/import/", {"fichier": _fichier(b"x", "valeurs.csv")}
    )
    assert "Déposez un classeur Excel (.xlsx)" in reponse.content.decode()
    assert not ImportValeurs.objects.exists()


def test_historique_des_imports(client, utilisateurs, modele_caf, caf):
    fichier = remplir(modele_caf, {("E28-2", "paris"): {"Valeur": 1100}})
    client.force_login(utilisateurs["partenaire"])
    client.post(
        "/indicateurs/campagnes/2025/import/", {"fichier": _fichier(fichier, "caf-2025.xlsx")}
    )
    imp = ImportValeurs.objects.get()
    assert (imp.utilisateur, imp.organisation, imp.nom_fichier) == (
        utilisateurs["partenaire"],
        caf,
        "caf-2025.xlsx",
    )
    assert bytes(imp.contenu) == fichier
    html = client.get("/indicateurs/imports/").content.decode()
    assert "caf-2025.xlsx" in html and "Prévisualisé, en attente de confirmation" in html
    assert client.get(f"/indicateurs/imports/{imp.pk}/fichier/").content == fichier
    # Un partenaire d'une autre organisation ne voit pas cet import ; le SPV, si, et peut
    # abandonner une prévisualisation restée en attente.
    autre = creer_utilisateur(
        "partenaire-academie",
        Role.PARTENAIRE,
        signataire=Signataire.objects.get(nom="Académie de Paris"),
    )
    client.force_login(autre)
    assert "caf-2025.xlsx" not in client.get("/indicateurs/imports/").content.decode()
    assert client.get(f"/indicateurs/imports/{imp.pk}/").status_code == 404
    client.force_login(utilisateurs["spv"])
    assert "caf-2025.xlsx" in client.get("/indicateurs/imports/").content.decode()
    assert client.post(f"/indicateurs/imports/{imp.pk}/confirmer/", follow=True).status_code == 200
    imp.refresh_from_db()
    assert imp.statut == ImportValeurs.Statut.PREVISUALISE  # seul le déposant confirme
    client.post(f"/indicateurs/imports/{imp.pk}/abandonner/")
    imp.refresh_from_db()
    assert imp.statut == ImportValeurs.Statut.ABANDONNE
    assert not Valeur.objects.filter(origine="import").exists()


# --- ligne de commande --------------------------------------------------------------------------


def test_commandes_export_et_import(tmp_path, utilisateurs, campagne, ind_caf):
    modele = tmp_path / "modele.xlsx"
    sortie = io.StringIO()
    call_command(
        "export_modele_valeurs",
        "--annee",
        "2025",
        "-o",
        str(modele),
        "--engagement",
        "28",
        stdout=sortie,
    )
    assert "Modèle 2025 écrit" in sortie.getvalue()
    fichier = tmp_path / "rempli.xlsx"
    fichier.write_bytes(remplir(modele.read_bytes(), {("E28-2", "paris"): {"Valeur": 900}}))

    sortie = io.StringIO()
    call_command("import_valeurs", str(fichier), "--annee", "2025", "--dry-run", stdout=sortie)
    assert "1 valeur à créer" in sortie.getvalue() and "rien n’a été écrit" in sortie.getvalue()
    assert not Valeur.objects.filter(annee=ANNEE).exists()

    call_command(
        "import_valeurs",
        str(fichier),
        "--annee",
        "2025",
        "--utilisateur",
        "partenaire-caf",
        stdout=io.StringIO(),
    )
    v = Valeur.objects.get(indicateur=ind_caf, territoire__code="paris", annee=ANNEE)
    assert v.valeur == 900 and v.saisi_par == utilisateurs["partenaire"]
    imp = ImportValeurs.objects.get()
    assert imp.origine == "commande" and imp.statut == "applique" and imp.nb_nouvelles == 1


def test_commande_import_refuse_un_fichier_en_erreur(tmp_path, utilisateurs, campagne, ind_caf):
    modele = tmp_path / "modele.xlsx"
    call_command(
        "export_modele_valeurs",
        "--annee",
        "2025",
        "-o",
        str(modele),
        "--engagement",
        "28",
        stdout=io.StringIO(),
    )
    fichier = tmp_path / "rempli.xlsx"
    fichier.write_bytes(
        remplir(
            modele.read_bytes(),
            {("E28-2", "paris"): {"Valeur": 900}, ("E28-2", "qpv-algerie"): {"Valeur": "n/a"}},
        )
    )
    erreurs = io.StringIO()
    with pytest.raises(CommandError, match="aucune valeur n’a été écrite"):
        call_command(
            "import_valeurs", str(fichier), "--annee", "2025", stdout=io.StringIO(), stderr=erreurs
        )
    assert "colonne « Valeur » : « n/a » n’est pas un nombre." in erreurs.getvalue()
    assert not Valeur.objects.filter(annee=ANNEE).exists()
    assert not ImportValeurs.objects.exists()


def test_commande_import_sort_en_erreur(tmp_path, campagne):
    """Depuis un shell : code de sortie non nul."""
    import subprocess
    import sys

    from django.conf import settings

    resultat = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "import_valeurs",
            str(tmp_path / "absent.xlsx"),
            "--annee",
            "2025",
        ],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "contratville.settings_test"},
    )
    assert resultat.returncode != 0
    assert "Fichier introuvable" in resultat.stderr


# --- mécanique partagée : contrôle ensembliste, verrous, ordre des erreurs -----------------------


ENTETES = ["Code indicateur", "Code territoire", "Année", "Valeur", "Nombre", "Base", "Source",
           "Commentaire", "Version"]  # fmt: skip


def fichier_valeurs(lignes):
    """Un classeur au format du modèle : une ligne par dict {en-tête: valeur}."""
    from openpyxl import Workbook

    classeur = Workbook()
    classeur.active.append(ENTETES)
    for ligne in lignes:
        classeur.active.append([ligne.get(e) for e in ENTETES])
    sortie = io.BytesIO()
    classeur.save(sortie)
    return sortie.getvalue()


def paires_attendues():
    """(indicateur, territoire) attendus dans la campagne, dans l'ordre du modèle."""
    from indicateurs.mesures import territoires_attendus as attendus
    from indicateurs.mesures import territoires_par_niveau
    from indicateurs.models import Indicateur

    groupes = territoires_par_niveau()
    return [(i, t) for i in Indicateur.objects.with_list_data() for t in attendus(i, groupes)]


def lignes_et_existantes(paires):
    """Une ligne par paire ; une paire sur deux a déjà une valeur (version 1) que la ligne
    modifie, les autres sont créées. Le commentaire écarte la règle des valeurs atypiques."""
    lignes = []
    for n, (ind, terr) in enumerate(paires):
        existante = n % 2 == 0
        if existante:
            creer_valeur(ind, terr.code, nombre=10, base=40) if ind.est_nombre_part else (
                creer_valeur(ind, terr.code, valeur=Decimal(12))
            )
        ligne = {"Code indicateur": ind.code, "Code territoire": terr.code, "Année": ANNEE,
                 "Commentaire": "Essai", "Version": 1 if existante else None}  # fmt: skip
        if ind.est_nombre_part:
            ligne.update({"Nombre": 11, "Base": 40})
        else:
            ligne["Valeur"] = 13
        lignes.append(ligne)
    return lignes


def test_requetes_constantes_10_ou_200_lignes(utilisateurs, campagne):
    """Le nombre de requêtes d'un import (prévisualisation et confirmation) ne dépend pas du
    nombre de lignes : une requête par sorte de contrôle, écriture groupée."""
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from socle.imports import executer

    paires = paires_attendues()
    assert len(paires) > 220

    def mesurer(tranche, confirmer):
        contenu = fichier_valeurs(lignes_et_existantes(tranche))
        spv = User.objects.get(pk=utilisateurs["spv"].pk)  # profil non encore chargé
        imp = ImportValeurs(annee=ANNEE, utilisateur=spv, nom_fichier="n.xlsx", contenu=contenu)
        with CaptureQueriesContext(connection) as requetes:
            rapport = executer(imp, confirmer=confirmer)
        assert rapport.valide, rapport.erreurs[:3]
        assert rapport.nouvelles + rapport.modifiees == len(tranche)
        return len(requetes.captured_queries)

    mesurer(paires[:2], confirmer=True)  # échauffement
    petit = mesurer(paires[2:12], confirmer=False), mesurer(paires[12:22], confirmer=True)
    grand = mesurer(paires[22:222], confirmer=False), mesurer(paires[222:422], confirmer=True)
    assert petit == grand, f"10 lignes : {petit} requêtes ; 200 lignes : {grand}"
    assert grand[1] <= 25
    # Écriture groupée, mais chaque valeur a sa ligne d'historique, avec auteur et raison.
    ecrites = Valeur.objects.filter(origine="import")
    assert ecrites.count() == 212  # échauffement compris
    assert ecrites.filter(version=2).count() == 106  # une ligne sur deux modifiait
    for valeur in list(ecrites.order_by("pk"))[::10]:
        h = valeur.history.first()
        assert h.history_type == ("~" if valeur.version == 2 else "+")
        assert h.history_user == utilisateurs["spv"]
        assert h.history_change_reason == "Import de tableur : n.xlsx"
        assert valeur.saisi_par == utilisateurs["spv"] and valeur.statut == "brouillon"


def test_seules_les_valeurs_du_fichier_sont_verrouillees(utilisateurs, campagne):
    """À la confirmation, le verrou porte sur les valeurs existantes visées par le fichier,
    prises dans l'ordre des clés primaires ; jamais sur toutes les valeurs de l'année."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    paires = paires_attendues()
    lignes = lignes_et_existantes(paires[:6])  # 3 existantes, 3 nouvelles
    autres = [creer_valeur(i, t.code) for i, t in paires[6:9] if not i.est_nombre_part]
    assert autres
    visees = set(
        Valeur.objects.filter(annee=ANNEE)
        .exclude(pk__in=[v.pk for v in autres])
        .values_list("pk", flat=True)
    )
    assert len(visees) == 3
    with CaptureQueriesContext(connection) as requetes:
        rapport = importer(fichier_valeurs(lignes), ANNEE, utilisateurs["spv"], dry_run=False)
    assert rapport.valide, rapport.erreurs
    verrous = [
        q["sql"] for q in requetes.captured_queries
        if "FOR UPDATE" in q["sql"] and '"indicateurs_valeur"' in q["sql"].split("WHERE")[0]
    ]  # fmt: skip
    assert len(verrous) == 1, verrous
    ids = re.search(r'"indicateurs_valeur"\."id" IN \(([^)]*)\)', verrous[0]).group(1)
    assert {int(i) for i in ids.split(",")} == visees
    assert (
        verrous[0]
        .rstrip()
        .endswith('ORDER BY "indicateurs_valeur"."id" ASC FOR UPDATE OF "indicateurs_valeur"')
    )


def test_valeurs_impossibles_avant_les_explications(utilisateurs, campagne, ind_caf,
                                                     ind_part_caf, ind_autre):  # fmt: skip
    """Une valeur impossible (part hors 0-100, nombre négatif, texte) est signalée seule,
    sans demande d'explication d'écart ; toutes les erreurs d'une ligne sont données
    ensemble, les règles métier avant la demande de commentaire."""
    creer_valeur(ind_caf, "paris", annee=ANNEE - 1, valeur=Decimal(1000), statut="valide")
    creer_valeur(ind_autre, "paris", annee=ANNEE - 1, valeur=Decimal(10), statut="valide")
    creer_valeur(ind_caf, "qpv-goutte-dor", valeur=Decimal(50))  # version 1
    creer_valeur(ind_caf, "qpv-goutte-dor", annee=ANNEE - 1, valeur=Decimal(50))
    lignes = [
        {"Code indicateur": "E01-1", "Code territoire": "paris", "Année": ANNEE, "Valeur": 150},
        {"Code indicateur": "E28-2", "Code territoire": "paris", "Année": ANNEE, "Valeur": -3},
        {"Code indicateur": "E28-2", "Code territoire": "qpv-algerie", "Année": ANNEE,
         "Valeur": "beaucoup"},
        {"Code indicateur": "E05-1", "Code territoire": "paris", "Année": ANNEE, "Nombre": "x",
         "Base": 0, "Source": "s" * 501},
        {"Code indicateur": "E28-2", "Code territoire": "qpv-goutte-dor", "Année": ANNEE,
         "Valeur": 500, "Version": 7},
    ]  # fmt: skip
    rapport = importer(fichier_valeurs(lignes), ANNEE, utilisateurs["spv"], dry_run=True)
    erreurs = [(e["ligne"], e["colonne"], e["message"]) for e in rapport.erreurs]
    assert erreurs == [
        (2, "Valeur", "Une part ou un taux s’exprime en pourcentage, entre 0 et 100 (150 ne "
         "l’est pas)."),
        (3, "Valeur", "Un nombre doit être un entier positif ou nul (-3 ne l’est pas)."),
        (4, "Valeur", "« beaucoup » n’est pas un nombre."),
        (5, "Nombre", "« x » n’est pas un nombre."),
        (5, "Source", "Texte trop long : 501 caractères, 500 au plus."),
        (5, "Base", "La base doit être strictement positive."),
        (6, "Version", "Cette valeur a été modifiée depuis le téléchargement du modèle (valeur "
         "actuelle : 50) : téléchargez un modèle à jour."),
        (6, "Commentaire", "Écart de +450 (+900 %) par rapport à 2024 (50), au-delà de ±50 % : "
         "expliquez-le dans le commentaire avant d’enregistrer."),
    ]  # fmt: skip
    assert rapport.nb_lignes_en_erreur == 5


def test_valeur_creee_entre_temps_erreur_francaise(utilisateurs, campagne, ind_caf):
    """Une valeur créée par quelqu'un d'autre après la recherche des existantes : la contrainte
    d'unicité de la base refuse la ligne, qui reçoit le message français de la contrainte."""
    from unittest import mock

    from indicateurs.resources import DeclarationValeurs

    preparer = DeclarationValeurs.preparer

    def preparer_puis_concurrente(self, lignes, verrouiller):
        preparer(self, lignes, verrouiller)
        creer_valeur(ind_caf, "paris", valeur=Decimal(1))

    lignes = [
        {"Code indicateur": "E28-2", "Code territoire": "qpv-algerie", "Année": ANNEE, "Valeur": 4},
        {"Code indicateur": "E28-2", "Code territoire": "paris", "Année": ANNEE, "Valeur": 5},
    ]
    with mock.patch.object(DeclarationValeurs, "preparer", preparer_puis_concurrente):
        rapport = importer(fichier_valeurs(lignes), ANNEE, utilisateurs["spv"], dry_run=False)
    assert rapport.erreurs == [
        {
            "ligne": 3,
            "colonne": "",
            "message": "Une valeur existe déjà pour cet indicateur, ce territoire et cette année.",
        }
    ]
    assert not Valeur.objects.filter(annee=ANNEE).exists()


def test_le_modele_ne_contient_jamais_de_formule(utilisateurs, campagne, ind_caf):
    creer_valeur(ind_caf, "paris", source='=HYPERLINK("http://x";"clic")', commentaire="+1")
    contenu, _ = modele_xlsx(ANNEE, utilisateurs["spv"], engagement=28)
    feuille = load_workbook(io.BytesIO(contenu)).worksheets[0]
    entetes = [c.value for c in feuille[1]]
    ligne = next(r for r in feuille.iter_rows(min_row=2) if r[3].value == "paris"
                 and r[0].value == "E28-2")  # fmt: skip
    source = ligne[entetes.index("Source")]
    assert source.value.startswith("=HYPERLINK") and source.data_type == "s"
    assert ligne[entetes.index("Commentaire")].data_type == "s"


def test_depot_d_une_bombe_ou_d_un_fichier_trop_gros(client, utilisateurs, campagne, settings):
    from tests.socle.test_imports import bombe_xlsx

    client.force_login(utilisateurs["spv"])
    reponse = client.post(
        "/indicateurs/campagnes/2025/import/", {"fichier": _fichier(bombe_xlsx())}
    )
    html = reponse.content.decode()
    assert reponse.status_code == 200
    assert "Une fois décompressé, ce classeur occuperait 200\xa0Mo" in html
    settings.IMPORT_TAILLE_MAX = 100
    reponse = client.post(
        "/indicateurs/campagnes/2025/import/", {"fichier": _fichier(fichier_valeurs([]))}
    )
    assert "100\xa0octets au plus" in reponse.content.decode()
    assert not ImportValeurs.objects.exists()
