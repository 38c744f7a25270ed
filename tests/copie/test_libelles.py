"""La copie française du portail (issue 14, point 3) : chaque défaut relevé a son test, qui
échouerait s'il revenait.

- accords : aucun « (s) » dans les gabarits ni dans les chaînes du code ; 0 et 1 au singulier ;
- nombres à la française dans les messages (« 110 % » et non « 110.00 % ») ;
- exemples d'aide (SIRET, RNA) acceptés par leur propre contrôle ;
- apostrophes et noms propres comme le contrat les imprime ;
- titres de l'admin avec élision et article ;
- aucun nom de bibliothèque (« Tablib ») ni nom de feuille par défaut dans les exports."""

import ast
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from openpyxl import load_workbook

from socle.chiffres import accord, compte_fr

RACINE = Path(settings.BASE_DIR)
# Le code qui produit ce que l'utilisateur lit (messages, libellés, exports, commandes).
DOSSIERS_CODE = [
    "bilan",
    "contratville",
    "engagements",
    "indicateurs",
    "quartiers",
    "recherche",
    "scripts",
    "socle",
    "structures",
    "territoire",
]
# « Autre(s) : », « Fichier(s) associé(s) », « partenaire(s) » : des lignes du texte source que
# l'extracteur et les listes contrôlées reconnaissent telles quelles (jamais affichées).
CITATIONS_DU_SOURCE = {"Un ou plusieurs partenaire(s)"}


def _chaines_du_code():
    """(fichier, ligne, chaîne) de chaque littéral de texte du code applicatif, docstrings
    exclues (elles ne sont montrées à personne)."""
    for dossier in DOSSIERS_CODE:
        for chemin in (RACINE / dossier).rglob("*.py"):
            if "migrations" in chemin.parts:
                continue
            arbre = ast.parse(chemin.read_text(encoding="utf-8"))
            docstrings = {
                id(n.body[0].value)
                for n in ast.walk(arbre)
                if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef)
                and n.body
                and isinstance(n.body[0], ast.Expr)
                and isinstance(n.body[0].value, ast.Constant)
            }
            for noeud in ast.walk(arbre):
                if (
                    isinstance(noeud, ast.Constant)
                    and isinstance(noeud.value, str)
                    and id(noeud) not in docstrings
                ):
                    yield chemin.relative_to(RACINE), noeud.lineno, noeud.value


def _gabarits():
    """Les gabarits du portail (dossier commun et dossiers des apps)."""
    for dossier in [RACINE / "templates", *(RACINE / d / "templates" for d in DOSSIERS_CODE)]:
        for chemin in dossier.rglob("*"):
            if chemin.suffix in (".html", ".txt"):
                yield chemin.relative_to(RACINE), chemin.read_text(encoding="utf-8")


def _texte_visible(gabarit):
    """Le texte d'un gabarit hors commentaires, balises de gabarit et balises HTML."""
    for motif in (r"{#.*?#}", r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", r"{%.*?%}", r"{{.*?}}"):
        gabarit = re.sub(motif, " ", gabarit, flags=re.S)
    return re.sub(r"<[^>]*>", " ", gabarit)


def test_accord_a_la_francaise():
    assert compte_fr(0, "campagne") == "0 campagne"
    assert compte_fr(1, "valeur") == "1 valeur"
    assert compte_fr(5, "valeur") == "5 valeurs"
    assert compte_fr(2, "ligne lue", "lignes lues") == "2 lignes lues"
    assert compte_fr(12100, "valeur").replace("\u202f", " ").replace("\u00a0", " ") == (
        "12 100 valeurs"
    )
    assert accord(1.5, "valeur") == "valeur"


def test_aucun_s_entre_parentheses_dans_le_code():
    fautes = [
        f"{f}:{n} {s!r}"
        for f, n, s in _chaines_du_code()
        if re.search(r"\w\(s\)", s) and s not in CITATIONS_DU_SOURCE
    ]
    assert not fautes, "\n".join(fautes)


def test_apostrophes_typographiques_dans_le_code():
    """Les phrases du code (messages, aides, documentation de l'API) : « n’est », jamais
    « n'est »."""
    fautes = [
        f"{f}:{n} {s[:80]!r}"
        for f, n, s in _chaines_du_code()
        if " " in s and re.search(r"[a-zA-Zé]'[a-zA-Zéèàêâ]", s)
    ]
    assert not fautes, "\n".join(fautes)


def test_aucun_s_entre_parentheses_dans_les_gabarits():
    fautes = [str(f) for f, texte in _gabarits() if re.search(r"\w\(s\)", texte)]
    assert not fautes


def test_apostrophes_typographiques_dans_les_gabarits():
    """« l’indicateur », jamais « l'indicateur » dans ce que l'utilisateur lit."""
    fautes = [
        f"{f} : {m.group(0)!r}"
        for f, texte in _gabarits()
        for m in re.finditer(r"\w'\w", _texte_visible(texte))
    ]
    assert not fautes, "\n".join(fautes)


def test_pluralize_a_la_francaise_dans_les_gabarits():
    """Le filtre `pluralize` des gabarits suit la règle française : « 0 campagne »."""
    from django.template import engines

    gabarit = engines["django"].from_string(
        "{{ n }} campagne{{ n|pluralize }}, {{ l|length }} fiche{{ l|pluralize }}"
    )
    assert gabarit.render({"n": 0, "l": [1]}) == "0 campagne, 1 fiche"
    assert gabarit.render({"n": 2, "l": [1, 2]}) == "2 campagnes, 2 fiches"


def test_page_des_campagnes_sans_campagne(client, utilisateurs):
    from indicateurs.models import Campagne
    from tests.conftest import client_pour

    Campagne.objects.all().delete()
    html = client_pour(client, utilisateurs["spv"]).get("/indicateurs/campagnes/").content
    assert "0 campagne<" in html.decode() and "0 campagnes" not in html.decode()


def test_compte_rendu_d_import_accorde_et_au_passe():
    from socle.imports import Nom, Rapport

    rapport = Rapport(objet=Nom("valeur", "valeurs", feminin=True))
    rapport.lignes, rapport.nouvelles, rapport.modifiees, rapport.inchangees = 6, 5, 1, 0
    assert rapport.resume == (
        "6 lignes lues : 5 valeurs à créer, 1 à modifier, 0 inchangée ou vide, 0 ligne en erreur."
    )
    assert rapport.resume_applique == "5 valeurs créées, 1 modifiée, 0 inchangée ou vide."


def test_somme_des_parts_du_budget_a_la_francaise(db):
    from structures.forms import FinancementsStructureFormSet
    from structures.models import Structure

    j2p = Structure.objects.get(slug="j2p")
    prefixe = FinancementsStructureFormSet(instance=j2p).prefix
    j2p.financements.all().delete()
    donnees = {
        f"{prefixe}-TOTAL_FORMS": "2",
        f"{prefixe}-INITIAL_FORMS": "0",
        f"{prefixe}-MIN_NUM_FORMS": "0",
        f"{prefixe}-MAX_NUM_FORMS": "1000",
    }
    for i, part in enumerate(("60", "50")):
        donnees[f"{prefixe}-{i}-financeur"] = f"Financeur {i}"
        donnees[f"{prefixe}-{i}-part"] = part
        donnees[f"{prefixe}-{i}-texte"] = ""
    formset = FinancementsStructureFormSet(donnees, instance=j2p)
    assert not formset.is_valid()
    erreurs = " ".join(formset.non_form_errors())
    assert "110\u00a0%" in erreurs and "110.00" not in erreurs and "100\u00a0%" in erreurs


def test_exemples_d_aide_acceptes_par_leur_controle():
    from structures.forms import StructureForm
    from structures.validators import EXEMPLE_RNA, EXEMPLE_SIRET, valider_rna, valider_siret

    valider_siret(EXEMPLE_SIRET)
    valider_rna(EXEMPLE_RNA)
    # Et ce sont bien ceux que montre le formulaire.
    form = StructureForm()
    assert EXEMPLE_SIRET in form.fields["siret"].help_text
    assert EXEMPLE_RNA in form.fields["rna"].help_text
    for aide in (form.fields["siret"].help_text, form.fields["rna"].help_text):
        for exemple in re.findall(r"par exemple ([^)]+)\)", aide):
            assert exemple in (EXEMPLE_SIRET, EXEMPLE_RNA)


def test_noms_et_apostrophes_comme_le_contrat_les_imprime(db):
    from engagements.models import Thematique
    from quartiers.models import Quartier, Secteur

    assert Thematique.objects.get(numero=7).titre.startswith("S’épanouir")
    assert Quartier.objects.get(slug="goutte-dor").nom == "Goutte d’Or"
    assert Secteur.objects.filter(nom__startswith="Tour du Pin").exists()
    assert not Secteur.objects.filter(nom__contains="Tour Du Pin").exists()
    # Aucun guillemet ouvrant simple en guise d'apostrophe, dans tout le référentiel.
    for fichier in (RACINE / "fixtures" / "referentiel").glob("*.json"):
        texte = fichier.read_text(encoding="utf-8")
        assert not re.search(r"\w‘\w", texte), fichier.name
        assert "D'Or" not in texte and "Du Pin" not in texte, fichier.name


@pytest.mark.parametrize(
    ("nom", "ajout", "modification", "liste"),
    [
        (
            "indicateur",
            "Ajout d’un indicateur",
            "Modification de l’indicateur",
            "Sélectionnez l’indicateur à modifier",
        ),
        (
            "campagne",
            "Ajout d’une campagne",
            "Modification de la campagne",
            "Sélectionnez la campagne à modifier",
        ),
        (
            "contrat",
            "Ajout d’un contrat",
            "Modification du contrat",
            "Sélectionnez le contrat à modifier",
        ),
        (
            "étude qualitative",
            "Ajout d’une étude qualitative",
            "Modification de l’étude qualitative",
            "Sélectionnez l’étude qualitative à modifier",
        ),
    ],
)
def test_titres_de_l_admin_avec_elision(nom, ajout, modification, liste):
    from socle.admin_titres import titre_formulaire, titre_liste

    assert titre_formulaire(nom, True, True) == ajout
    assert titre_formulaire(nom, False, True) == modification
    assert titre_liste(nom, True) == liste


def test_pages_de_l_admin_titrees_en_francais(client, utilisateurs):
    from indicateurs.models import Campagne, Indicateur
    from tests.conftest import client_pour

    client = client_pour(client, utilisateurs["admin"])
    indicateur = Indicateur.objects.order_by("code").first()
    html = client.get(f"/admin/indicateurs/indicateur/{indicateur.pk}/change/").content.decode()
    assert "<h1>Modification de l’indicateur</h1>" in html
    assert "Modification de indicateur" not in html
    html = client.get("/admin/indicateurs/indicateur/").content.decode()
    assert "Sélectionnez l’indicateur à modifier" in html
    html = client.get("/admin/indicateurs/campagne/add/").content.decode()
    assert "Ajout d’une campagne" in html
    assert Campagne  # importée pour la lisibilité du test


def test_action_refusee_pour_son_seul_statut_non_montree(client, utilisateurs):
    """La fiche d'une valeur soumise ne montre pas « Soumettre : une valeur « soumise » ne
    peut pas être soumise » comme une action."""
    from indicateurs.models import Indicateur, Territoire, Valeur
    from tests.conftest import client_pour

    valeur = Valeur.objects.create(
        indicateur=Indicateur.objects.order_by("code").first(),
        territoire=Territoire.objects.get(code="paris"),
        annee=2023,
        valeur=Decimal("12"),
        statut=Valeur.Statut.SOUMIS,
    )
    html = client_pour(client, utilisateurs["spv"]).get(f"/indicateurs/valeurs/{valeur.pk}/")
    texte = html.content.decode()
    assert "ne peut pas être soumise" not in texte
    # Les autres actions restent montrées, permises ou expliquées.
    assert "valider" in texte.lower() and "renvoyer" in texte.lower()


def test_exports_sans_nom_de_bibliotheque(client, utilisateurs):
    """Les feuilles des exports xlsx portent un nom français (pas « Tablib Dataset »)."""
    from tests.conftest import client_pour

    client = client_pour(client, utilisateurs["spv"])
    for adresse, feuille in [
        ("/indicateurs/valeurs/export.xlsx", "Valeurs"),
        ("/structures/fiches/export.xlsx", "Fiches-actions"),
        ("/quartiers/projets/export.xlsx", "Projets structurants"),
        ("/quartiers/comparaison/export.xlsx", "Comparaison des QPV"),
    ]:
        reponse = client.get(adresse)
        contenu = b"".join(reponse.streaming_content) if reponse.streaming else reponse.content
        noms = load_workbook(io.BytesIO(contenu), read_only=True).sheetnames
        assert noms[0] == feuille, (adresse, noms)
        assert not any("Tablib" in n or n.startswith("Sheet") for n in noms)


def test_pieces_jointes_a_rejoindre_apres_une_erreur(client, utilisateurs, settings, tmp_path):
    """Une fiche revenue avec des erreurs dit quels fichiers choisis n'ont pas été enregistrés
    (un navigateur ne remplit jamais un champ fichier) au lieu de les perdre en silence."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import client_pour

    settings.MEDIA_ROOT = tmp_path
    pdf = SimpleUploadedFile(
        "programme.pdf",
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
        content_type="application/pdf",
    )
    reponse = client_pour(client, utilisateurs["structure"]).post(
        "/structures/fiches/nouvelle/",
        {
            "titre": "",
            "annee": "2025",
            "action": "brouillon",
            "fichiers": pdf,
            "financements-TOTAL_FORMS": "0",
            "financements-INITIAL_FORMS": "0",
            "financements-MIN_NUM_FORMS": "0",
            "financements-MAX_NUM_FORMS": "1000",
        },
    )
    html = reponse.content.decode()
    assert reponse.status_code == 200 and 'id="resume-erreurs"' in html
    assert "1 fichier choisi (programme.pdf) n’a pas été enregistré : joignez-le de nouveau" in html
    assert 'id="fichiers-a-rejoindre"' in html


@pytest.mark.parametrize(
    ("attente", "message"),
    [
        (42, "Requête ralentie. Réessayez dans 42 secondes."),
        (1, "Requête ralentie. Réessayez dans 1 seconde."),
    ],
)
def test_message_429_entierement_en_francais(attente, message):
    from rest_framework.exceptions import Throttled

    from socle.api.erreurs import gestionnaire_exceptions

    reponse = gestionnaire_exceptions(Throttled(wait=attente), {})
    assert reponse.status_code == 429
    assert reponse.data["detail"] == message
    assert "Expected" not in reponse.data["detail"]


@pytest.mark.parametrize(
    "adresse",
    [
        "/quartiers/",
        "/quartiers/projets/",
        "/bilan/credits/",
    ],
)
def test_filtres_sans_arrondissement_vide(client, utilisateurs, adresse):
    """Le 3e arrondissement (une structure y est installée, mais il n'a aucun QPV) n'est pas
    proposé par les filtres des QPV, des projets et des crédits."""
    from quartiers.models import Arrondissement
    from tests.conftest import client_pour

    assert Arrondissement.objects.filter(numero=3).exists()
    html = client_pour(client, utilisateurs["spv"]).get(adresse).content.decode()
    options = re.findall(r'<option value="(\d+)"[^>]*>(\d+)e arrondissement', html)
    assert options, "le filtre par arrondissement n'est pas sur la page"
    assert ("3", "3") not in options
    assert ("19", "19") in options
