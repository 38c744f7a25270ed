"""Chaque règle de validation d'une valeur, d'un indicateur et d'une ligne de la grille."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from indicateurs.forms import IndicateurMetadonneesForm, LigneSaisieForm
from indicateurs.models import Indicateur, Valeur
from indicateurs.saisie import Plage, anomalie

from .conftest import ANNEE, creer_valeur, territoire

pytestmark = pytest.mark.django_db


def valeur(code_indicateur, **champs):
    v = Valeur(
        indicateur=Indicateur.objects.get(code=code_indicateur),
        territoire=territoire("qpv-goutte-dor"),
        annee=champs.pop("annee", ANNEE),
        **champs,
    )
    return v


def erreurs(v):
    with pytest.raises(ValidationError) as exc:
        v.full_clean()
    return exc.value.message_dict


# --- unités -------------------------------------------------------------------------------------


@pytest.mark.parametrize("saisie", [Decimal("-1"), Decimal("12.5")])
def test_un_nombre_est_un_entier_positif_ou_nul(saisie):
    assert "entier positif ou nul" in erreurs(valeur("E28-2", valeur=saisie))["valeur"][0]


@pytest.mark.parametrize("saisie", [Decimal("0"), Decimal("12")])
def test_un_nombre_entier_passe(saisie):
    valeur("E28-2", valeur=saisie).full_clean()


@pytest.mark.parametrize("code", ["E01-1", "CTX-CHOMAGE"])  # une part, un taux
@pytest.mark.parametrize("saisie", [Decimal("-0.5"), Decimal("100.01"), Decimal("250")])
def test_une_part_ou_un_taux_est_entre_0_et_100(code, saisie):
    assert "entre 0 et 100" in erreurs(valeur(code, valeur=saisie))["valeur"][0]


@pytest.mark.parametrize("saisie", [Decimal("0"), Decimal("33.33"), Decimal("100")])
def test_une_part_dans_les_bornes_passe(saisie):
    valeur("E01-1", valeur=saisie).full_clean()


def test_la_valeur_est_obligatoire():
    assert erreurs(valeur("E01-1"))["valeur"] == ["Renseignez la valeur."]


def test_nombre_et_base_reserves_aux_nombre_et_part():
    message = erreurs(valeur("E01-1", valeur=Decimal(10), nombre=3))["nombre"][0]
    assert "« nombre et part »" in message


def test_nombre_et_part_demande_nombre_et_base():
    e = erreurs(valeur("E05-1"))
    assert e["nombre"] == ["Renseignez le nombre (la part est calculée)."]
    assert "Renseignez la base" in e["base"][0]


def test_nombre_et_part_base_positive():
    assert "strictement positive" in erreurs(valeur("E05-1", nombre=0, base=0))["base"][0]


def test_nombre_et_part_nombre_inferieur_a_la_base():
    message = erreurs(valeur("E05-1", nombre=50, base=40))["nombre"][0]
    assert message == "Le nombre (50) ne peut pas dépasser la base (40)."


def test_la_part_est_calculee_jamais_tapee():
    v = valeur("E05-1", nombre=10, base=40, valeur=Decimal("99"))
    v.full_clean()
    assert v.valeur == Decimal("25.00")
    v.valeur = Decimal("80")  # même forcée, la part suit nombre et base à l'enregistrement
    v.save()
    v.refresh_from_db()
    assert v.valeur == Decimal("25.00")
    assert v.affichage == "10 / 40 (25 %)"


@pytest.mark.parametrize("annee", [2014, 2031])
def test_annee_entre_2015_et_2030(annee):
    assert (
        "entre 2015 et 2030" in erreurs(valeur("E01-1", valeur=Decimal(5), annee=annee))["annee"][0]
    )


def test_la_base_refuse_une_annee_hors_bornes():
    v = valeur("E01-1", valeur=Decimal(5), annee=2031)
    with pytest.raises(IntegrityError), transaction.atomic():
        v.save()


def test_une_seule_valeur_par_indicateur_territoire_annee():
    ind = Indicateur.objects.get(code="E01-1")
    creer_valeur(ind)
    doublon = valeur("E01-1", valeur=Decimal(7))
    message = erreurs(doublon)["__all__"][0]
    assert message == "Une valeur existe déjà pour cet indicateur, ce territoire et cette année."
    with pytest.raises(IntegrityError), transaction.atomic():
        doublon.save()


def test_un_renvoi_porte_son_motif_en_base():
    v = creer_valeur(Indicateur.objects.get(code="E01-1"))
    v.statut = Valeur.Statut.RENVOYE
    with pytest.raises(IntegrityError), transaction.atomic():
        v.save()


def test_demo_et_origine_coherentes():
    v = creer_valeur(Indicateur.objects.get(code="E01-1"))
    v.demo = True  # une valeur saisie ne peut pas devenir « démo »
    with pytest.raises(IntegrityError), transaction.atomic():
        v.save()


# --- métadonnées d'un indicateur ----------------------------------------------------------------


def test_cible_avec_valeur_et_annee():
    ind = Indicateur.objects.get(code="E01-1")
    ind.cible_valeur = Decimal(20)
    with pytest.raises(ValidationError) as exc:
        ind.full_clean()
    assert "cible_annee" in exc.value.message_dict


def test_formulaire_metadonnees():
    ind = Indicateur.objects.get(code="E01-1")
    donnees = {
        "nature": "suivi",
        "unite": "part",
        "producteur": "",
        "niveaux": ["qpv", "paris"],
        "definition": "Part des élèves",
        "methode": "",
        "cible_valeur": "120",
        "cible_annee": "2030",
    }
    form = IndicateurMetadonneesForm(donnees, instance=ind)
    assert not form.is_valid()
    assert form.errors["cible_valeur"] == ["Une cible en pourcentage est comprise entre 0 et 100."]
    donnees["cible_valeur"] = "25,5"
    form = IndicateurMetadonneesForm(donnees, instance=ind)
    assert form.is_valid(), form.errors
    ind = form.save()
    assert ind.niveaux == ["paris", "qpv"] and ind.cible_valeur == Decimal("25.5")


def test_on_ne_change_pas_l_unite_d_un_indicateur_qui_a_des_valeurs():
    ind = Indicateur.objects.get(code="E01-1")
    creer_valeur(ind)
    form = IndicateurMetadonneesForm(
        {"nature": "", "unite": "nombre", "niveaux": [], "definition": "", "methode": ""},
        instance=ind,
    )
    assert not form.is_valid()
    assert "changer d’unité" in form.errors["unite"][0]


# --- valeurs atypiques : un commentaire est exigé -----------------------------------------------


def ligne(code, data, precedente=None, plage=None):
    ind = Indicateur.objects.get(code=code)
    return LigneSaisieForm(
        data,
        prefix="t",
        indicateur=ind,
        annee=ANNEE,
        precedente=precedente,
        plage=plage,
    )


def test_ecart_de_plus_de_50_pourcent_sans_commentaire_refuse():
    form = ligne("E28-2", {"t-valeur": "20", "t-version": "0"}, precedente=Decimal(10))
    assert not form.is_valid()
    assert form.errors["commentaire"] == [
        "Écart de +10 (+100 %) par rapport à 2024 (10), au-delà de ±50 % : expliquez-le dans "
        "le commentaire avant d’enregistrer."
    ]
    form = ligne(
        "E28-2",
        {"t-valeur": "20", "t-version": "0", "t-commentaire": "Nouveau dispositif"},
        precedente=Decimal(10),
    )
    assert form.is_valid(), form.errors


def test_ecart_de_moins_de_50_pourcent_accepte():
    form = ligne("E28-2", {"t-valeur": "14", "t-version": "0"}, precedente=Decimal(10))
    assert form.is_valid(), form.errors
    baisse = ligne("E28-2", {"t-valeur": "4", "t-version": "0"}, precedente=Decimal(10))
    assert not baisse.is_valid() and "-60 %" in baisse.errors["commentaire"][0]


def test_passage_de_zero_a_une_valeur():
    form = ligne("E28-2", {"t-valeur": "5", "t-version": "0"}, precedente=Decimal(0))
    assert not form.is_valid()
    assert "passe de 0 en 2024 à 5" in form.errors["commentaire"][0]


def test_valeur_hors_plage_observee():
    plage = Plage(Decimal(8), Decimal(24), observations=30)
    for hors in ("37", "3"):  # au-delà de 24 × 1,5 ; en deçà de 8 × 0,5
        form = ligne("CTX-CHOMAGE", {"t-valeur": hors, "t-version": "0"}, plage=plage)
        assert not form.is_valid()
        assert "sort de la plage des valeurs validées" in form.errors["commentaire"][0]
        assert "(8 à 24 %, à ±50 % près)" in form.errors["commentaire"][0]
    for dedans in ("4", "20", "36"):
        assert ligne("CTX-CHOMAGE", {"t-valeur": dedans, "t-version": "0"}, plage=plage).is_valid()


def test_plage_trop_maigre_pour_juger():
    plage = Plage(Decimal(8), Decimal(8), observations=2)
    assert ligne("CTX-CHOMAGE", {"t-valeur": "40", "t-version": "0"}, plage=plage).is_valid()


def test_plage_des_chiffres_cles_charges():
    from indicateurs.saisie import plage_observee

    plage = plage_observee(Indicateur.objects.get(code="CTX-CHOMAGE"), ANNEE)
    assert (plage.minimum, plage.maximum) == (Decimal(11), Decimal(24))
    assert plage.observations == 24  # 23 chiffres de QPV ou de secteur, et Paris


def test_ecart_pour_un_nombre_et_part_sur_la_part_calculee():
    ind = Indicateur.objects.get(code="E05-1")
    assert anomalie(ind, Decimal("25"), Decimal("24"), ANNEE) is None
    form = ligne(
        "E05-1", {"t-nombre": "30", "t-base": "40", "t-version": "0"}, precedente=Decimal(25)
    )
    assert not form.is_valid() and "au-delà de ±50 %" in form.errors["commentaire"][0]


def test_saisie_a_la_francaise():
    form = ligne("CTX-CHOMAGE", {"t-valeur": "16,5", "t-version": "0"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["valeur"] == Decimal("16.5")


def test_la_grille_exige_une_valeur():
    form = ligne("E05-1", {"t-nombre": "", "t-base": "", "t-version": "0"})
    assert not form.is_valid()
    assert form.errors["nombre"] == ["Renseignez le nombre."]
    assert form.errors["base"] == ["Renseignez la base."]
