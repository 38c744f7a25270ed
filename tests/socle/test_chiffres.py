"""socle/chiffres.py, le seul endroit qui calcule un taux, un écart ou une évolution : une
règle d'arrondi (une décimale, au demi supérieur), des textes à la française, et les mêmes
résultats sur la fiche quartier et dans le bilan."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from bilan.donnees.comparaison import Comparaison
from bilan.donnees.indicateurs import LigneChiffreQuartier, LigneIndicateur
from socle import chiffres
from socle.chiffres import Unite
from territoire.donnees import LigneChiffre, TendanceIndicateur

D = Decimal
NB = "\u00a0"  # espace insécable
MOINS = "\u2212"


@pytest.mark.parametrize(
    "valeur, attendu",
    [
        ("2.25", "2.3"),
        ("-2.25", "-2.3"),  # au demi « supérieur » en valeur absolue, comme ROUND_HALF_UP
        ("0.05", "0.1"),
        ("0.04", "0.0"),
        ("12", "12.0"),
        (None, None),
    ],
)
def test_arrondi_au_demi_superieur(valeur, attendu):
    resultat = chiffres.arrondi(None if valeur is None else D(valeur))
    assert resultat == (None if attendu is None else D(attendu))


@pytest.mark.parametrize(
    "numerateur, denominateur, attendu",
    [
        (7, 8, D("87.5")),
        (1, 3, D("33.3")),
        (2, 3, D("66.7")),
        (1, 8, D("12.5")),  # 12,5 exactement : pas d'arrondi « au pair » (12,5 → 12)
        (3, 3, D("100.0")),
        (0, 5, D("0.0")),
        (1, 0, None),  # pas de dénominateur : pas de taux, « — »
        (None, 5, None),
    ],
)
def test_taux(numerateur, denominateur, attendu):
    assert chiffres.taux(numerateur, denominateur) == attendu


def test_ecart_en_points_arrondi_et_ecrit():
    assert chiffres.ecart_points(D("21.05"), D("20")) == D("1.1")
    assert chiffres.ecart_points(D("20"), D("21.05")) == D("-1.1")
    assert chiffres.ecart_points(None, D("20")) is None
    assert chiffres.points_fr(D("1.1")) == f"+1,1{NB}pt"
    assert chiffres.points_fr(D("-3")) == f"{MOINS}3{NB}pts"
    assert chiffres.points_fr(D("0")) == f"0{NB}pt"
    assert chiffres.points_fr(D("1.96")) == f"+2{NB}pts"  # pluriel décidé sur le chiffre écrit
    assert chiffres.points_fr(D("1.94")) == f"+1,9{NB}pt"
    assert chiffres.points_fr(None) == "—"


def test_ecart_entre_deux_valeurs_meme_annee_et_pourcentage_seulement():
    locale = SimpleNamespace(annee=2024, valeur=D("25.55"))
    paris = SimpleNamespace(annee=2024, valeur=D("15"))
    assert chiffres.ecart_points_valeurs(locale, paris, pourcentage=True) == D("10.6")
    assert chiffres.ecart_points_valeurs(locale, paris, pourcentage=False) is None
    autre_annee = SimpleNamespace(annee=2023, valeur=D("15"))
    assert chiffres.ecart_points_valeurs(locale, autre_annee, pourcentage=True) is None
    assert chiffres.ecart_points_valeurs(locale, None, pourcentage=True) is None


@pytest.mark.parametrize(
    "n, n1, unite, difference, relative, texte, sens",
    [
        (1125, 1000, Unite.NOMBRE, D(125), D("12.5"), f"+125 (+12,5{NB}%)", "hausse"),
        (900, 1200, Unite.NOMBRE, D(-300), D("-25.0"), f"{MOINS}300 ({MOINS}25{NB}%)", "baisse"),
        (5, 0, Unite.NOMBRE, D(5), None, "+5", "hausse"),  # pas de % d'une base nulle
        (7, 7, Unite.NOMBRE, D(0), D("0.0"), "0", "stable"),
        (
            D("10800"),
            D("9600"),
            Unite.EUROS,
            D(1200),
            D("12.5"),
            f"+1\u202f200,00{NB}€ (+12,5{NB}%)",
            "hausse",
        ),
        (D("21"), D("20.5"), Unite.POURCENTAGE, D("0.5"), None, f"+0,5{NB}pt", "hausse"),
        (D("20"), D("23.04"), Unite.POURCENTAGE, D("-3.0"), None, f"{MOINS}3{NB}pts", "baisse"),
        (None, 10, Unite.NOMBRE, None, None, "—", ""),
        (10, None, Unite.POURCENTAGE, None, None, "—", ""),
    ],
)
def test_evolution(n, n1, unite, difference, relative, texte, sens):
    evolution = chiffres.evolution(n, n1, unite)
    assert evolution.difference == difference
    assert evolution.relative == relative
    assert evolution.texte == texte
    assert evolution.sens == sens


def test_ecriture_francaise():
    assert chiffres.nombre_fr(12100) == "12\u202f100"
    assert chiffres.nombre_fr(D("16.50")) == "16,5"
    assert chiffres.nombre_fr(D("2.25"), 1) == "2,3"
    assert chiffres.pourcentage_fr(D("87.5")) == f"87,5{NB}%"
    assert chiffres.pourcentage_fr(D("100.0")) == f"100{NB}%"
    assert chiffres.pourcentage_fr(None) == "—"
    assert chiffres.euros_fr(D("12500")) == f"12\u202f500,00{NB}€"
    assert chiffres.grandeur_fr(D("35.55"), Unite.POURCENTAGE) == f"35,6{NB}%"


def test_le_bilan_compare_avec_les_memes_regles():
    """La comparaison N / N-1 du bilan (synthèse, rapport, classeur) est celle du socle ; la
    variation relative du classeur est la même, en fraction."""
    c = Comparaison("Crédits", D("10800"), D("9600"), Unite.EUROS)
    assert c.evolution == D(1200)
    assert c.evolution_relative == D("0.125")
    assert c.evolution_texte == chiffres.evolution(D("10800"), D("9600"), Unite.EUROS).texte
    p = Comparaison("Taux", D("21.05"), D("20"), Unite.POURCENTAGE)
    assert (p.evolution, p.evolution_relative, p.evolution_texte) == (D("1.1"), None, f"+1,1{NB}pt")


def test_fiche_quartier_et_bilan_ecrivent_le_meme_ecart():
    """Le même écart à Paris (25,55 % contre 15 %) se lit pareil sur la fiche quartier, dans
    ses tendances et dans le bilan : +10,6 pts, arrondi au demi supérieur."""
    indicateur = SimpleNamespace(est_pourcentage=True, code="E01-1")
    locale = SimpleNamespace(annee=2024, valeur=D("25.55"), demo=False)
    paris = SimpleNamespace(annee=2024, valeur=D("15"), demo=False)
    fiche = LigneChiffre(libelle="Part", indicateur=indicateur, locale=locale, paris=paris)
    tendance = TendanceIndicateur(indicateur, [locale], [paris])
    bilan = LigneIndicateur(indicateur=indicateur, territoire=None, valeur=locale, paris=paris)
    cle = LigneChiffreQuartier(None, indicateur, locale, None, paris)
    attendu = f"+10,6{NB}pts"
    assert fiche.ecart_texte == tendance.ecart_texte == bilan.ecart_paris_texte == attendu
    assert cle.ecart_paris_texte == attendu
    assert fiche.ecart == tendance.ecart == bilan.ecart_paris == cle.ecart_paris == D("10.6")


def _nombres_varies():
    """Entiers, décimaux, négatifs, zéros signés, très grands et très petits, en Decimal,
    int et float : de quoi couvrir chaque branche de l'écriture groupée."""
    import random

    tirage = random.Random(20261201)
    nombres = [0, -0.0, Decimal("-0"), Decimal("0.000"), 1, -1, 999, 1000, -1000, 12100]
    nombres += [Decimal("1E+3"), Decimal("1.5E+7"), Decimal("1234567890123456789012345")]
    nombres += [Decimal("0.0000001"), Decimal("-0.5"), 16.5, 1e21, 1e-7, Decimal("1E-250")]
    for _ in range(3000):
        chiffres = tirage.randint(1, 14)
        entier = tirage.randint(-(10**chiffres), 10**chiffres)
        nombres.append(Decimal(entier).scaleb(-tirage.randint(0, 6)))
        nombres.append(tirage.uniform(-1e7, 1e7))
    return nombres


def test_ecriture_groupee_identique_a_django():
    """`nombre_fr` suit l'algorithme de `formats.number_format` sans relire les formats à
    chaque appel : même texte pour chaque nombre, y compris les cas rares rendus à Django."""
    from django.utils import formats

    for nombre in _nombres_varies():
        valeur = chiffres._decimal(nombre)
        valeur = (
            valeur.quantize(Decimal(1))
            if valeur == valeur.to_integral_value()
            else valeur.normalize()
        )
        attendu = formats.number_format(valeur, use_l10n=True, force_grouping=True)
        assert chiffres.nombre_fr(nombre) == attendu, nombre
    assert chiffres.nombre_fr(Decimal("1234567.5")) == "1\u202f234\u202f567,5"
