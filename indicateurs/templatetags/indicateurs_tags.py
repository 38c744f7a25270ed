"""Filtres des gabarits de la campagne des indicateurs."""

from decimal import Decimal

from django import template

from indicateurs import historique
from socle.chiffres import date_fr as _date_fr
from socle.chiffres import nombre_fr as _nombre_fr

register = template.Library()

CLASSES_STATUT = {
    "brouillon": "text-bg-secondary",
    "soumis": "text-bg-primary",
    "valide": "text-bg-success",
    "renvoye": "text-bg-warning",
}


@register.filter
def classe_statut(statut):
    """Classe Bootstrap (contraste AA) du badge d'un statut de valeur."""
    return CLASSES_STATUT.get(statut, "text-bg-light")


@register.filter
def auteur_historique(version):
    return historique.auteur(version)


@register.filter
def type_historique(version):
    return historique.type_libelle(version)


@register.filter
def date_fr(moment):
    return _date_fr(moment)


@register.filter
def nombre_fr(valeur):
    return _nombre_fr(valeur)


@register.filter
def nombre_saisi(valeur):
    """Valeur initiale d'un champ de saisie : « 16,5 » (virgule, sans séparateur de milliers
    ni zéros inutiles) ; un texte déjà tapé est rendu tel quel."""
    if isinstance(valeur, Decimal | int | float) and not isinstance(valeur, bool):
        texte = format(Decimal(str(valeur)).normalize(), "f")
        return texte.replace(".", ",")
    return valeur
