"""Le filtre `valeur_bilan` : une valeur d'indicateur telle que le rapport l'écrit."""

from types import SimpleNamespace

from django.template import Context, Template

from bilan.templatetags.rapport_bilan import valeur_bilan


def valeur(**champs):
    defaut = {
        "affichage": "12 / 40 (30 %)",
        "demo": False,
        "statut": "valide",
        "get_statut_display": lambda: "Soumise",
        "reserve_perimetre": "",
        "deduite": False,
        "motif_deduction": "",
    }
    return SimpleNamespace(**{**defaut, **champs})


def test_sans_valeur_un_tiret():
    assert valeur_bilan(None) == "—"


def test_valeur_validee_reelle_son_affichage_seul():
    assert valeur_bilan(valeur()) == "12 / 40 (30 %)"


def test_demo_statut_et_provenance_dans_l_ordre():
    """Démonstration, statut non validé puis provenance : celle de `includes/provenance.html`,
    la même que partout ailleurs dans le portail."""
    v = valeur(
        affichage="<b>16 %</b>",
        demo=True,
        statut="soumis",
        reserve_perimetre="Périmètre « 18e » & environs",
        deduite=True,
        motif_deduction="somme des secteurs",
    )
    provenance = Template('{% include "includes/provenance.html" with p=v %}').render(
        Context({"v": v})
    )
    assert "somme des secteurs" in provenance and "&amp; environs" in provenance
    assert valeur_bilan(v) == (
        '&lt;b&gt;16 %&lt;/b&gt; <small>démo</small> <span class="statut">(soumise)</span>'
        + provenance
    )


def test_dans_un_gabarit_non_echappee_deux_fois():
    rendu = Template("{% load rapport_bilan %}{{ v|valeur_bilan }}").render(
        Context({"v": valeur(statut="brouillon", get_statut_display=lambda: "Brouillon")})
    )
    assert rendu == '12 / 40 (30 %) <span class="statut">(brouillon)</span>'
