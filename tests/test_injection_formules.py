"""Aucun export ne contient de formule venue d'un texte saisi (issue 10, point 5).

Une formule (`=HYPERLINK("http://x")`, `+1`, `-1+1`, `@SUM(A1)`, tabulation ou retour chariot
suivis de `=1`) est écrite dans CHAQUE champ de texte libre des objets qui atteignent un
export (valeurs, fiches-actions, structure, projets et leur suivi, crédits, études, quartier,
signataire), puis TOUS les exports sont relus (`tests/tableurs.py` : pages en xlsx et CSV,
API en csv, csv-excel et xlsx, classeur du bilan) :

- xlsx : aucune cellule n'est une formule ; un texte qui commence comme une formule est une
  cellule de texte avec le style « préfixe apostrophe » (quotePrefix) ;
- CSV : aucune cellule ne commence comme une formule, sauf un vrai nombre négatif ; chaque
  texte injecté s'y lit précédé d'une apostrophe ;
- chaque formule, et le texte de chaque champ exporté (source et commentaire d'une valeur,
  titre et résumé d'une fiche, nom de la structure, nom et adresse d'un projet, commentaire
  de suivi, dispositif et commentaire d'un crédit, titre et résumé d'une étude…), est bien
  relu (le test ne passe pas à vide)."""

from itertools import count as compteur
from itertools import cycle

import pytest
from django.db import models

from bilan.models import Credit, EtudeQualitative
from engagements.models import Signataire
from quartiers.models import ProjetStructurant, Quartier, SuiviProjet
from socle.tableur import DEBUTS_DE_FORMULE
from structures.models import FicheAction, Structure
from tests.api.conftest import client_api
from tests.bilan.conftest import donnees  # noqa: F401  (le jeu du bilan)
from tests.conftest import client_pour
from tests.tableurs import cellules_openpyxl, lignes_csv, tous_les_exports

pytestmark = pytest.mark.django_db

FORMULES = ('=HYPERLINK("http://x")', "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1")
# Identifiants et codes : pas du texte libre (ils servent d'adresse ou de clé).
PAS_DU_TEXTE_LIBRE = {"cle", "slug", "code", "code_postal", "siret", "rna", "nom_fichier"}


def champs_de_texte_libre(modele):
    return [
        champ
        for champ in modele._meta.concrete_fields
        if isinstance(champ, models.CharField | models.TextField)
        and not isinstance(champ, models.SlugField | models.EmailField | models.URLField)
        and not champ.choices
        and champ.name not in PAS_DU_TEXTE_LIBRE
    ]


# Les champs qu'on doit relire : dans les classeurs (pages, API, bilan) et dans les CSV.
RELUS_XLSX = {
    "Valeur.source", "Valeur.commentaire", "FicheAction.titre", "FicheAction.resume",
    "Structure.nom", "ProjetStructurant.nom", "ProjetStructurant.adresse",
    "ProjetStructurant.descriptif", "SuiviProjet.commentaire", "Credit.dispositif",
    "Credit.commentaire", "EtudeQualitative.titre", "EtudeQualitative.resume",
    "EtudeQualitative.realisee_par", "Quartier.nom", "Signataire.nom",
}  # fmt: skip
RELUS_CSV = {
    "Valeur.source", "Valeur.commentaire", "FicheAction.titre", "FicheAction.resume",
    "Structure.nom", "ProjetStructurant.nom", "ProjetStructurant.adresse",
    "SuiviProjet.commentaire", "Quartier.nom", "Signataire.nom",
}  # fmt: skip


SANS_TEXTE_INJECTE = tuple(
    f"/api/v1/{r}/"
    for r in ("thematiques", "engagements", "sigles", "campagnes", "indicateurs", "territoires")
)


def injecter(objets):
    """Une formule dans chaque champ de texte libre de chaque objet ; rend {texte écrit :
    « Modèle.champ »}."""
    formules, numeros, ecrites = cycle(FORMULES), compteur(1), {}
    for objet in objets:
        for champ in champs_de_texte_libre(type(objet)):
            # Un numéro rend chaque texte unique (contraintes d'unicité) sans changer son début.
            texte = f"{next(formules)} n{next(numeros)}"[: champ.max_length or None]
            setattr(objet, champ.name, texte)
            ecrites[texte] = f"{type(objet).__name__}.{champ.name}"
        objet.save()
    return ecrites


@pytest.fixture
def injecte(donnees, utilisateurs):  # noqa: F811
    fiches = list(FicheAction.objects.filter(pk__in=[f.pk for f in donnees["fiches"]]))
    for fiche in fiches:
        fiche.statut = "validee"  # visibles partout (API, listes)
    objets = [
        *donnees["valeurs"].values(),
        *fiches,
        Structure.objects.get(slug="j2p"),
        *ProjetStructurant.objects.filter(quartier=donnees["stalingrad"]),
        *SuiviProjet.objects.all(),
        *Credit.objects.all(),
        *EtudeQualitative.objects.all(),
        Quartier.objects.get(slug="stalingrad-riquet"),
        Signataire.objects.get(nom__icontains="Allocations Familiales"),
    ]
    return injecter(objets)


def commence_comme_une_formule(texte):
    return isinstance(texte, str) and texte.startswith(DEBUTS_DE_FORMULE)


def est_un_nombre(texte):
    try:
        float(texte.replace(",", "."))
    except ValueError:
        return False
    return True


def test_aucun_export_ne_contient_de_formule(client, utilisateurs, injecte):
    exports = tous_les_exports(
        client_pour(client, utilisateurs["spv"]), client_api(utilisateurs["spv"], "session")
    )
    # Le retour chariot devient un saut de ligne à la relecture d'un xlsx (XML) : on compare
    # les textes sans lui.
    champs = {t.replace("\r", "\n"): champ for t, champ in injecte.items()}
    trouves_xlsx, trouves_csv = set(), set()
    for export in exports:
        ici = set()
        if export.type == "xlsx":
            for feuille, cellule in cellules_openpyxl(export.contenu):
                lieu = f"{export.adresse} · {feuille}!{cellule.coordinate}"
                assert cellule.data_type != "f", f"formule dans {lieu} : {cellule.value!r}"
                texte = cellule.value
                if commence_comme_une_formule(texte):
                    assert cellule.data_type == "s" and cellule.quotePrefix, lieu
                if isinstance(texte, str) and texte.replace("\r", "\n") in champs:
                    ici.add(texte.replace("\r", "\n"))
            trouves_xlsx |= ici
        else:
            for i, ligne in enumerate(lignes_csv(export)):
                for texte in ligne:
                    lieu = f"{export.adresse} · ligne {i + 1} : {texte!r}"
                    assert not commence_comme_une_formule(texte) or est_un_nombre(texte), lieu
                    if texte.startswith("'") and texte[1:] in injecte:
                        ici.add(texte[1:])
            trouves_csv |= ici
        # Aucun export n'échappe au test : chacun relit au moins une formule injectée (sauf
        # le référentiel sans texte saisi : thématiques, engagements, sigles…).
        assert ici or export.adresse.startswith(SANS_TEXTE_INJECTE), export.adresse
    # Chaque formule, et chaque champ exporté, a bien été relu dans les deux familles.
    for trouves in (trouves_xlsx, trouves_csv):
        debuts = {f.replace("\r", "\n") for f in FORMULES}
        assert {
            d for d in debuts if any(t.replace("\r", "\n").startswith(d) for t in trouves)
        } == debuts
    assert {champs[t] for t in trouves_xlsx} >= RELUS_XLSX
    assert {injecte[t] for t in trouves_csv} >= RELUS_CSV
