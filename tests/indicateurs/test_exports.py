"""Les lignes des exports de valeurs lues en SQL (`LigneValeur`) : chaque colonne de l'export
et de la provenance lit sur une ligne exactement ce qu'elle lit sur la `Valeur` du modèle
(aucune colonne perdue ni changée en chemin), pour une valeur enregistrée comme pour une
valeur encore à saisir du modèle d'import."""

from decimal import Decimal

import pytest

from indicateurs.exports import COLONNES_VALEURS, LigneValeur, avec_valeur_precedente, lignes_export
from indicateurs.models import Valeur
from socle.provenance import colonnes_provenance
from tests.indicateurs.conftest import creer_valeur, territoire

pytestmark = pytest.mark.django_db

COLONNES = COLONNES_VALEURS + colonnes_provenance()


def cellules(objet):
    return [c.typer(objet) for c in COLONNES]


def test_lignes_lues_en_sql_comme_les_valeurs_du_modele(utilisateurs, ind_caf, ind_part_caf):
    creer_valeur(ind_caf, "paris", annee=2024, valeur=Decimal("7.25"))
    creer_valeur(
        ind_caf, "paris", statut="valide", valeur=Decimal("40.50"), source="Caf",
        commentaire="=1+1", demo=True, origine="demo", reserve_perimetre="Grand Belleville", deduite=True,
        motif_deduction="année déduite",
    )  # fmt: skip
    creer_valeur(ind_part_caf, "qpv-goutte-dor", nombre=12, base=40, valeur=Decimal(30))
    creer_valeur(ind_part_caf, "paris", statut="soumis", nombre=None, base=None)
    spv = utilisateurs["spv"]
    valeurs = Valeur.objects.with_list_data()
    modeles = list(avec_valeur_precedente(valeurs, spv))
    lignes = list(lignes_export(valeurs, spv))
    assert all(isinstance(ligne, LigneValeur) for ligne in lignes)
    assert [cellules(v) for v in modeles] == [cellules(ligne) for ligne in lignes]
    # La valeur N-1, la provenance et les libellés sont bien là.
    paris = next(ligne for ligne in lignes if ligne.annee == 2025 and ligne.territoire.code == "paris"
                 and ligne.indicateur == ind_caf)  # fmt: skip
    assert cellules(paris)[6] == Decimal("7.25")
    assert "Validée" in cellules(paris) and "Grand Belleville" in cellules(paris)


def test_ligne_a_saisir_comme_une_valeur_non_enregistree(ind_caf, ind_part_caf):
    for indicateur in (ind_caf, ind_part_caf):
        valeur = Valeur(annee=2025, indicateur=indicateur, territoire=territoire("paris"))
        valeur.valeur_precedente = Decimal(3)
        ligne = LigneValeur.a_saisir(2025, indicateur, territoire("paris"), Decimal(3))
        assert cellules(ligne) == cellules(valeur)
        statut = [c.entete for c in COLONNES].index("Statut")
        assert cellules(ligne)[statut] == "À saisir"
