"""Le texte de la recherche, sans base : pliage, mots de la requête, bornes, surlignage du
repli (échappé)."""

import pytest

from recherche import texte as t


@pytest.mark.parametrize(
    "brut, plie",
    [
        ("Santé", "sante"),
        ("Caisse d’Allocations Familiales", "caisse d allocations familiales"),
        ("L'œuvre — « ÉCOLE » E05-2", "l oeuvre ecole e05 2"),
        ("  Goutte   d'Or ", "goutte d or"),
        ("", ""),
    ],
)
def test_plier(brut, plie):
    assert t.plier(brut) == plie


def test_mots_sans_doublons_ni_lettres_isolees():
    assert t.mots("La santé, la SANTE et l'école") == (["la", "sante", "et", "ecole"], False)
    mots, ignores = t.mots(" ".join(f"mot{i}" for i in range(15)))
    assert len(mots) == t.MOTS_MAX and ignores


@pytest.mark.parametrize(
    "q, code", [("a\x00b", "caractere_nul"), ("é" * 201, "trop_longue"), (" ", "trop_courte")]
)
def test_valider(q, code):
    with pytest.raises(t.SaisieInvalide) as refus:
        t.valider(q)
    assert refus.value.code == code
    assert str(refus.value)[0].isupper() and str(refus.value).endswith(".")


def test_surligner_en_debut_de_mot_et_echapper():
    borne = t.surligner("<b>Santé</b> insuffisante & Caf, cafés", ["sante"], ["caf"])
    assert t.en_html(borne) == (
        "&lt;b&gt;<mark>Santé</mark>&lt;/b&gt; insuffisante &amp; <mark>Caf</mark>, cafés"
    )


def test_extrait_autour_de_la_premiere_occurrence():
    texte = " ".join(["avant"] * 50 + ["santé"] + ["après"] * 50)
    extrait = t.en_html(t.surligner(texte, ["sante"], extrait=True, mots_autour=5))
    assert extrait.startswith("… ") and extrait.endswith(" …")
    assert "<mark>santé</mark>" in extrait and extrait.count("avant") == 5


def test_nettoyer_retire_les_bornes():
    assert t.DEBUT not in t.nettoyer(f"a{t.DEBUT}b{t.FIN}\x00c\nd")
    assert t.nettoyer("a\tb\nc") == "a\tb\nc"
