"""La mécanique d'import partagée (socle/imports.py).

1. Un nouvel import ne demande qu'une déclaration : celle du glossaire (`engagements.Sigle`),
   déclarée ici seulement, passe par la prévisualisation, la confirmation, l'historique, les
   erreurs numérotées et la traduction d'un refus de la base.
2. Chaque borne du fichier (taille, taille décompressée avec une vraie bombe de
   décompression, lignes, colonnes, longueur des textes, fichier illisible) donne une erreur
   française et rien n'est écrit."""

import io
import time
import zipfile
import zlib
from unittest import mock

import pytest
from django.db import connection
from openpyxl import Workbook

from engagements.models import Sigle
from socle.imports import (
    Colonne,
    DeclarationImport,
    FichierRefuse,
    ImportDejaTraite,
    Nom,
    executer,
    formater_erreur,
    lire_feuille,
    texte,
)
from socle.models import ImportTableur

pytestmark = pytest.mark.django_db


# --- la déclaration d'un import, et rien d'autre ---------------------------------------------


class DeclarationSigles(DeclarationImport):
    """L'import du glossaire : une ligne = un sigle et sa définition."""

    modele = Sigle
    objet = Nom("sigle", "sigles")
    cle = ("sigle",)
    champs_saisis = ("sigle", "definition")
    colonnes = (
        Colonne("Sigle", "sigle", texte, obligatoire=True),
        Colonne("Définition", "definition", texte, obligatoire=True, longueur_max=500),
    )


class ImportSiglesEssai(ImportTableur):
    """L'historique des imports du glossaire (table créée pour le test seulement)."""

    DECLARATION = f"{__name__}.DeclarationSigles"

    class Meta(ImportTableur.Meta):
        app_label = "essais_import"  # hors INSTALLED_APPS : aucune migration


@pytest.fixture
def historique(db):
    with connection.schema_editor() as editeur:
        editeur.create_model(ImportSiglesEssai)
    return ImportSiglesEssai


def classeur(*lignes, entetes=("Sigle", "Définition")):
    wb = Workbook()
    ws = wb.active
    ws.append(list(entetes))
    for ligne in lignes:
        ws.append(list(ligne))
    sortie = io.BytesIO()
    wb.save(sortie)
    return sortie.getvalue()


def deposer(historique, contenu, user, nom="sigles.xlsx"):
    return historique(utilisateur=user, nom_fichier=nom, contenu=contenu)


def test_une_declaration_suffit_previsualiser_puis_confirmer(historique, utilisateurs):
    spv = utilisateurs["spv"]
    aap = Sigle.objects.get(sigle="AAP")
    ademe = Sigle.objects.get(sigle="ADEME")
    nombre = Sigle.objects.count()
    contenu = classeur(
        ("ZZESSAI", "Sigle d’essai"),
        ("AAP", "Appel à projets (politique de la ville)"),
        ("ADEME", ademe.definition),  # inchangé
        (None, None),  # ligne vide : sautée
        ("ZZAUTRE", "Autre sigle"),
    )
    imp = deposer(historique, contenu, spv)
    rapport = executer(imp, confirmer=False)
    assert rapport.valide, rapport.erreurs
    imp.refresh_from_db()
    assert imp.statut == ImportSiglesEssai.Statut.PREVISUALISE
    assert (imp.nb_lignes, imp.nb_nouvelles, imp.nb_modifiees, imp.nb_inchangees) == (4, 2, 1, 1)
    assert [(a["ligne"], a["action"]) for a in imp.apercu] == [
        (2, "création"),
        (3, "modification"),
        (6, "création"),
    ]
    assert rapport.resume == (
        "4 lignes lues : 2 sigles à créer, 1 à modifier, 1 inchangé ou vide, 0 ligne en erreur."
    )
    # La prévisualisation n'a rien laissé en base.
    assert Sigle.objects.count() == nombre
    aap.refresh_from_db()
    assert aap.definition == "Appel à projets"

    rapport = executer(imp, confirmer=True)
    imp.refresh_from_db()
    assert imp.statut == ImportSiglesEssai.Statut.APPLIQUE and imp.applique_le is not None
    assert Sigle.objects.count() == nombre + 2
    aap.refresh_from_db()
    assert aap.definition == "Appel à projets (politique de la ville)"
    # Écriture groupée mais historisée : auteur et raison sur chaque ligne d'historique.
    creation = Sigle.objects.get(sigle="ZZESSAI").history.get()
    assert creation.history_type == "+" and creation.history_user == spv
    assert creation.history_change_reason == "Import de tableur : sigles.xlsx"
    modification = aap.history.order_by("-history_id").first()
    assert modification.history_type == "~" and modification.history_user == spv
    with pytest.raises(ImportDejaTraite, match="n’attend plus de confirmation"):
        executer(imp, confirmer=True)


def test_toutes_les_erreurs_d_une_ligne_et_rien_n_est_ecrit(historique, utilisateurs):
    nombre = Sigle.objects.count()
    contenu = classeur(
        ("ZZBON", "Correct"),
        ("Z" * 31, ""),
        ("ZZBON", "Doublon"),
        ("ZZLONG", "x" * 501),
    )
    imp = deposer(historique, contenu, utilisateurs["spv"])
    rapport = executer(imp, confirmer=True)
    assert not rapport.valide and rapport.nb_lignes_en_erreur == 3
    assert [formater_erreur(e) for e in rapport.erreurs] == [
        "Ligne 3, colonne « Sigle » : Assurez-vous que cette valeur comporte au plus 30 "
        "caractères (actuellement 31).",
        "Ligne 3, colonne « Définition » : Ce champ ne peut pas être vide.",
        "Ligne 4 : Cette ligne reprend la clé de la ligne 2 (« Sigle ») : gardez une seule ligne.",
        "Ligne 5, colonne « Définition » : Texte trop long : 501 caractères, 500 au plus.",
    ]
    imp.refresh_from_db()
    assert imp.statut == ImportSiglesEssai.Statut.ERREURS and imp.nb_erreurs == 3
    assert Sigle.objects.count() == nombre  # la ligne 2, correcte, n'est pas écrite non plus


def test_colonnes_manquantes(historique, utilisateurs):
    imp = deposer(historique, classeur(("X",), entetes=("Sigle",)), utilisateurs["spv"])
    rapport = executer(imp, confirmer=False)
    assert rapport.erreurs == [
        {
            "ligne": None,
            "colonne": "",
            "message": "Colonnes manquantes : « Définition ». Partez du modèle téléchargé "
            "dans le portail.",
        }
    ]


def test_un_refus_de_la_base_devient_l_erreur_de_la_ligne(historique, utilisateurs):
    """Un sigle créé par quelqu'un d'autre entre la recherche des existants et l'écriture :
    la contrainte d'unicité de la base refuse la ligne, qui reçoit une erreur française (et
    non le message brut de PostgreSQL) ; rien n'est écrit."""
    preparer = DeclarationSigles.preparer

    def preparer_puis_concurrent(self, lignes, verrouiller):
        preparer(self, lignes, verrouiller)
        Sigle.objects.create(sigle="ZZCONCURRENT", definition="Créé entre-temps")

    contenu = classeur(("ZZPREMIER", "Premier"), ("ZZCONCURRENT", "Le mien"))
    imp = deposer(historique, contenu, utilisateurs["spv"])
    with mock.patch.object(DeclarationSigles, "preparer", preparer_puis_concurrent):
        rapport = executer(imp, confirmer=True)
    assert rapport.erreurs == [
        {
            "ligne": 3,
            "colonne": "Sigle",
            "message": "Un sigle avec cette valeur de « Sigle » existe déjà (enregistré "
            "entre-temps ?) : téléchargez un modèle à jour.",
        }
    ]
    assert rapport.nouvelles == 0 and not rapport.apercu
    assert not Sigle.objects.filter(sigle__in=["ZZPREMIER", "ZZCONCURRENT"]).exists()
    imp.refresh_from_db()
    assert imp.statut == ImportSiglesEssai.Statut.ERREURS


def test_progression_et_confirmation_concurrente(historique, utilisateurs):
    imp = deposer(historique, classeur(("ZZUN", "Un"), ("ZZDEUX", "Deux")), utilisateurs["spv"])
    appels = []
    executer(imp, confirmer=False, progression=lambda fait, total: appels.append((fait, total)))
    assert appels and appels[-1] == (2, 2)
    # Un autre clic a confirmé entre-temps : la seconde confirmation renonce, sans écrire.
    ImportSiglesEssai.objects.filter(pk=imp.pk).update(statut="applique")
    with pytest.raises(ImportDejaTraite):
        executer(imp, confirmer=True)
    assert not Sigle.objects.filter(sigle="ZZUN").exists()


# --- bornes du fichier --------------------------------------------------------------------------


def bombe_xlsx(taille=200 * 1024**2):
    """Un vrai classeur .xlsx, lisible, auquel s'ajoute un membre de `taille` octets de zéros
    compressés (environ 200 Ko sur disque pour 200 Mo décompressés). Pour le construire vite,
    le bloc compressé d'un Mo de zéros est calculé une fois puis répété : c'est exactement ce
    que produirait zlib (chaque bloc est vidé avec Z_FULL_FLUSH)."""
    base = zipfile.ZipFile(io.BytesIO(classeur(("ZZ", "Bombe"))))
    bloc = b"\0" * 2**20
    compresseur = zlib.compressobj(9, zlib.DEFLATED, -15)
    morceau = compresseur.compress(bloc) + compresseur.flush(zlib.Z_FULL_FLUSH)
    fin = compresseur.flush()

    class BlocsDejaCompresses:
        def compress(self, donnees):
            assert donnees == bloc
            return morceau

        def flush(self):
            return fin

    sortie = io.BytesIO()
    with zipfile.ZipFile(sortie, "w", zipfile.ZIP_DEFLATED) as archive:
        for membre in base.infolist():
            archive.writestr(membre.filename, base.read(membre.filename))
        with (
            mock.patch.object(zipfile, "_get_compressor", lambda *a, **k: BlocsDejaCompresses()),
            archive.open("xl/media/image1.bin", "w") as membre,
        ):
            for _ in range(taille // len(bloc)):
                membre.write(bloc)
    contenu = sortie.getvalue()
    # C'est bien une bombe : petite sur disque, énorme décompressée, et valide (CRC compris).
    with zipfile.ZipFile(io.BytesIO(contenu)) as archive:
        assert archive.getinfo("xl/media/image1.bin").file_size == taille
        with archive.open("xl/media/image1.bin") as membre:
            assert membre.read(2**20) == bloc
    assert len(contenu) < 300_000
    return contenu


def test_bombe_de_decompression_refusee_sans_etre_decompressee(historique, utilisateurs):
    contenu = bombe_xlsx()
    debut = time.perf_counter()
    with (
        mock.patch.object(zipfile.ZipExtFile, "read", side_effect=AssertionError("décompressé")),
        pytest.raises(FichierRefuse) as refus,
    ):
        lire_feuille(contenu)
    assert time.perf_counter() - debut < 1
    assert str(refus.value).startswith(
        "Une fois décompressé, ce classeur occuperait 200\xa0Mo (50\xa0Mo au plus) : il est "
        "refusé sans être ouvert."
    )
    imp = deposer(historique, contenu, utilisateurs["spv"])
    with pytest.raises(FichierRefuse):
        executer(imp, confirmer=False)
    assert not ImportSiglesEssai.objects.exists()
    assert not Sigle.objects.filter(sigle="ZZ").exists()


@pytest.mark.parametrize(
    ("reglage", "valeur", "contenu", "message"),
    [
        ("IMPORT_TAILLE_MAX", 1_000, classeur(("ZZ", "x")), "\xa0ko : 1000\xa0octets au plus."),
        (
            "IMPORT_LIGNES_MAX",
            3,
            classeur(*[(f"ZZ{i}", "x") for i in range(4)]),
            "Le fichier compte plus de 3 lignes : découpez-le en plusieurs fichiers.",
        ),
        (
            "IMPORT_LIGNES_MAX",
            3,
            # Trois lignes remplies, puis une ligne isolée très loin : la feuille s'étend trop.
            classeur(("ZZ1", "x"), *[(None, None)] * 10, ("ZZ2", "x")),
            "La feuille s’étend au-delà de la ligne 7 : 3 lignes au plus par fichier.",
        ),
        (
            "IMPORT_COLONNES_MAX",
            2,
            classeur(("ZZ", "x", "y"), entetes=("Sigle", "Définition", "En trop")),
            "La feuille compte plus de 2 colonnes : partez du modèle téléchargé",
        ),
    ],
)
def test_bornes_du_fichier(historique, utilisateurs, settings, reglage, valeur, contenu, message):
    lire_feuille(contenu)  # sous les bornes par défaut, le fichier passe
    setattr(settings, reglage, valeur)
    imp = deposer(historique, contenu, utilisateurs["spv"])
    with pytest.raises(FichierRefuse) as refus:
        executer(imp, confirmer=True)
    assert message in str(refus.value)
    assert not ImportSiglesEssai.objects.exists()
    assert not Sigle.objects.filter(sigle__startswith="ZZ").exists()


def test_borne_de_longueur_des_textes(historique, utilisateurs, settings):
    settings.IMPORT_TEXTE_MAX = 10
    contenu = classeur(("ZZCOURT", "Dix lettre"), ("ZZLONG", "Onze lettre"))
    rapport = executer(deposer(historique, contenu, utilisateurs["spv"]), confirmer=True)
    assert [formater_erreur(e) for e in rapport.erreurs] == [
        "Ligne 3, colonne « Définition » : Texte trop long : 11 caractères, 10 au plus."
    ]
    assert not Sigle.objects.filter(sigle__startswith="ZZ").exists()


@pytest.mark.parametrize(
    "contenu",
    [
        b"pas un classeur",
        b"",
        classeur(("ZZ", "x"))[:1500],  # tronqué : zip abîmé
        b"PK\x05\x06" + b"\0" * 18,  # zip vide
    ],
    ids=["texte", "vide", "tronque", "zip-vide"],
)
def test_fichier_illisible(historique, utilisateurs, contenu):
    with pytest.raises(FichierRefuse, match="n’a pas pu être lu : déposez un classeur Excel"):
        executer(deposer(historique, contenu, utilisateurs["spv"]), confirmer=True)
    assert not ImportSiglesEssai.objects.exists()


def test_zip_qui_n_est_pas_un_classeur(historique, utilisateurs):
    sortie = io.BytesIO()
    with zipfile.ZipFile(sortie, "w") as archive:
        archive.writestr("document.txt", "bonjour")
    with pytest.raises(FichierRefuse, match="n’a pas pu être lu"):
        lire_feuille(sortie.getvalue())
