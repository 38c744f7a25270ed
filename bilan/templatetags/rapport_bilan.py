"""Filtres du rapport du bilan."""

from django import template
from django.template.loader import get_template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from indicateurs.models import Valeur

register = template.Library()


@register.filter
def valeur_bilan(v, notes=None):
    """Une valeur d'indicateur du rapport : son affichage, « démo » et son statut s'il n'est
    pas validé, puis sa provenance (`includes/provenance.html`, la même partout) ; « — » sans
    valeur. `notes` ({motif: numéro}) : le motif d'une déduction est renvoyé à sa note sous le
    tableau au lieu d'être répété (voir `rapport.notes_de_deduction`). Un filtre plutôt qu'un
    gabarit inclus : un rapport d'arrondissement national en écrit 1 600, et chaque inclusion
    coûtait 0,1 ms. La marque « démo » est un <small> sans classe (style : .rapport-bilan
    small)."""
    if not v:
        return "—"
    morceaux = [conditional_escape(v.affichage)]
    if v.demo:
        morceaux.append(" <small>démo</small>")
    if v.statut != Valeur.Statut.VALIDE:
        statut = conditional_escape(v.get_statut_display().lower())
        morceaux.append(f' <span class="statut">({statut})</span>')
    if v.reserve_perimetre or v.deduite:
        note = (notes or {}).get(v.motif_deduction) if v.deduite else None
        morceaux.append(
            get_template("includes/provenance.html").render({"p": v, "note_deduction": note})
        )
    return mark_safe("".join(morceaux))
