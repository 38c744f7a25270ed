"""Ce que load_referentiel charge pour la campagne : territoires, indicateurs de contexte et
chiffres clés des fiches quartiers en valeurs validées — idempotent, sans rien inventer, sans
écraser une saisie."""

import io
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from indicateurs.models import Indicateur, Territoire, Valeur
from quartiers.models import ChiffreCle, Quartier, Secteur

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def charger(dossier=None):
    sortie = io.StringIO()
    options = {"dossier": str(dossier)} if dossier else {}
    call_command("load_referentiel", stdout=sortie, **options)
    return sortie.getvalue()


def test_territoires_seedes_avec_codes_stables():
    T = Territoire.Type
    assert Territoire.objects.filter(type=T.QPV).count() == Quartier.objects.count() == 21
    assert Territoire.objects.filter(type=T.SECTEUR).count() == Secteur.objects.count() == 8
    assert Territoire.objects.get(code="paris").type == T.PARIS
    assert Territoire.objects.get(code="ensemble-qpv").nom == "Ensemble des QPV parisiens"
    assert Territoire.objects.get(code="qpv-goutte-dor").quartier.slug == "goutte-dor"
    bollaert = Territoire.objects.get(code="secteur-emile-bollaert")
    assert bollaert.secteur.slug == "emile-bollaert"
    assert bollaert.quartier.slug == "porte-de-la-chapelle-charles-hermite"
    assert Territoire.objects.get(code="arrondissement-19").arrondissement.numero == 19
    assert set(
        Territoire.objects.filter(type=T.ARRONDISSEMENT).values_list(
            "arrondissement__numero", flat=True
        )
    ) == {10, 11, 13, 14, 15, 17, 18, 19, 20}
    assert {"rep", "rep-plus"} <= set(Territoire.objects.values_list("code", flat=True))
    # Chaque secteur suit son QPV dans l'ordre de la grille.
    ordre = list(Territoire.objects.order_by("ordre").values_list("code", flat=True))
    assert ordre[:2] == ["paris", "ensemble-qpv"]
    assert (
        ordre.index("secteur-emile-bollaert")
        == ordre.index("qpv-porte-de-la-chapelle-charles-hermite") + 1
    )


def test_indicateurs_de_contexte_crees():
    codes = set(Indicateur.objects.hors_contrat().values_list("code", flat=True))
    assert codes == {
        "CTX-POPULATION",
        "CTX-PAUVRETE",
        "CTX-CHOMAGE",
        "CTX-MOINS-25-ANS",
        "CTX-NEET",
        "CTX-MONOPARENTALES",
        "CTX-65-ANS-ET-PLUS",
    }
    chomage = Indicateur.objects.get(code="CTX-CHOMAGE")
    assert chomage.nature == "contexte" and chomage.unite == "taux"
    assert Indicateur.objects.du_contrat().count() == 100


def test_chiffres_cles_charges_en_valeurs_validees():
    goutte = Valeur.objects.get(
        indicateur__code="CTX-CHOMAGE", territoire__code="qpv-goutte-dor", annee=2020
    )
    assert goutte.valeur == Decimal("16.00")
    assert goutte.statut == Valeur.Statut.VALIDE and goutte.origine == "referentiel"
    assert goutte.source.startswith("Insee, recensement de la population 2020")
    assert not goutte.demo
    paris = Valeur.objects.get(indicateur__code="CTX-CHOMAGE", territoire__code="paris", annee=2020)
    assert paris.valeur == Decimal("11.00") and paris.statut == "valide"
    assert "fiches quartier" in paris.commentaire
    # Le chiffre d'un secteur va au territoire du secteur.
    bollaert = Valeur.objects.get(
        indicateur__code="CTX-MOINS-25-ANS", territoire__code="secteur-emile-bollaert"
    )
    assert bollaert.valeur == 41 and bollaert.annee == 2020
    population = Valeur.objects.get(
        indicateur__code="CTX-POPULATION", territoire__code="qpv-goutte-dor"
    )
    assert (population.valeur, population.annee) == (8200, 2019)


def test_chaque_chiffre_cle_chiffre_a_sa_valeur_et_rien_de_plus():
    """Autant de valeurs de QPV et de secteurs que de chiffres clés ayant une valeur unique,
    plus une par partie nommée d'un chiffre double ; aucune valeur pour un territoire que les
    fiches ne chiffrent pas."""
    attendus = ChiffreCle.objects.filter(valeur__isnull=False).count()
    attendus += sum(len(c.parties) for c in ChiffreCle.objects.exclude(parties=[]))
    charges = Valeur.objects.filter(origine="referentiel").exclude(territoire__code="paris")
    assert charges.count() == attendus
    assert not Valeur.objects.filter(
        territoire__code__in=["ensemble-qpv", "rep", "rep-plus"]
    ).exists()
    assert not Valeur.objects.filter(territoire__type="arrondissement").exists()


def test_reserve_de_perimetre_portee_par_la_valeur():
    """Issue 12 : la précision « Grand Belleville 10e 11e 20e » devient la réserve de périmètre
    de la valeur (elle était dans le commentaire), et l'attribution de la source est marquée
    déduite."""
    v = Valeur.objects.get(
        indicateur__code="CTX-PAUVRETE", territoire__code="qpv-petit-belleville", annee=2019
    )
    assert v.valeur == 30
    assert v.reserve_perimetre == "chiffre du Grand Belleville (10e, 11e, 20e)"
    assert v.deduite and "FiLoSoFi" in v.motif_deduction


def test_valeur_double_chargee_sur_les_parties_nommees():
    """Issue 12 : « 32 % à Bédier Boutroux et 36 % à Villa d’Este » donne deux valeurs, une par
    partie (territoire rattaché au QPV), et aucune pour le QPV entier."""
    assert not Valeur.objects.filter(
        indicateur__code="CTX-PAUVRETE", territoire__code="qpv-bedier-boutroux-villa-deste"
    ).exists()
    parties = {
        v.territoire.code: v
        for v in Valeur.objects.filter(
            indicateur__code="CTX-PAUVRETE", territoire__type="partie"
        ).select_related("territoire__quartier")
    }
    assert {code: v.valeur for code, v in parties.items()} == {
        "partie-bedier-boutroux": 32,
        "partie-villa-deste": 36,
    }
    for v in parties.values():
        assert v.territoire.quartier.slug == "bedier-boutroux-villa-deste"
        assert v.annee == 2019 and v.statut == "valide"
    sortie = charger()
    assert "Bédier Boutroux" not in sortie


def test_second_chargement_idempotent():
    sortie = charger()
    assert "0 créés, 0 modifiés" in sortie


def test_le_chargement_n_ecrase_pas_une_valeur_modifiee_dans_le_portail(utilisateurs):
    v = Valeur.objects.get(
        indicateur__code="CTX-CHOMAGE", territoire__code="qpv-goutte-dor", annee=2020
    )
    v.valeur, v.origine, v.version = Decimal("17"), Valeur.Origine.SAISIE, v.version + 1
    v.save()
    sortie = charger()
    v.refresh_from_db()
    assert v.valeur == 17 and v.origine == "saisie"
    assert "préservée" in sortie
    assert "0 créés, 0 modifiés" in sortie


def test_valeurs_paris_divergentes_signalees_et_non_chargees(tmp_path):
    """Deux fiches qui donnent deux valeurs « à Paris » différentes : conflit signalé,
    aucune valeur de Paris chargée pour cet indicateur et cette année."""
    dossier = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, dossier)
    chemin = dossier / "referentiel" / "quartiers.json"
    quartiers = json.loads(chemin.read_text(encoding="utf-8"))
    for c in quartiers[0]["chiffres_cles"]:
        if c["libelle"] == "Part de NEET":
            c["valeur_paris"] = 9.0
    chemin.write_text(json.dumps(quartiers, ensure_ascii=False), encoding="utf-8")
    Valeur.objects.filter(indicateur__code="CTX-NEET", territoire__code="paris").delete()
    sortie = charger(dossier)
    assert "Valeurs « à Paris » divergentes pour CTX-NEET en 2020" in sortie
    assert "9 (Petit Belleville)" in sortie and "8 (" in sortie
    assert not Valeur.objects.filter(indicateur__code="CTX-NEET", territoire__code="paris").exists()
    # Les autres indicateurs gardent leur valeur de Paris.
    assert Valeur.objects.filter(indicateur__code="CTX-CHOMAGE", territoire__code="paris").exists()


def test_les_metadonnees_saisies_ne_sont_pas_retablies():
    ind = Indicateur.objects.get(code="E01-1")
    ind.unite, ind.definition = Indicateur.Unite.TAUX, "Définition saisie par le SPV"
    ind.save()
    ctx = Indicateur.objects.get(code="CTX-NEET")
    ctx.niveaux = ["paris", "qpv"]
    ctx.save()
    charger()
    ind.refresh_from_db()
    ctx.refresh_from_db()
    assert ind.unite == "taux" and ind.definition == "Définition saisie par le SPV"
    assert ctx.niveaux == ["paris", "qpv"]
