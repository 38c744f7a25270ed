"""Balises des pages « À faire » : pages de listes indépendantes, accords en nombre."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def url_liste(context, parametre, numero, ancre=""):
    """Lien vers la page `numero` d'une des listes de la page (`?<parametre>=numero`), en
    gardant la page où en sont les autres listes ; `ancre` ramène à la liste."""
    params = context["request"].GET.copy()
    params[parametre] = numero
    return "?" + params.urlencode() + (f"#{ancre}" if ancre else "")


@register.filter
def pluriel(nombre, suffixe="s"):
    """« s » (ou `suffixe`) au-delà de un : en français, zéro et un sont au singulier."""
    try:
        return suffixe if int(nombre) > 1 else ""
    except (TypeError, ValueError):
        return ""
