"""Filtres communs des gabarits du portail (chargés d'office, voir settings.TEMPLATES)."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from engagements.glossaire import avec_sigles
from socle.chiffres import accord
from socle.provenance import texte_provenance

register = template.Library()


@register.filter
def pluralize(valeur, suffixes="s"):
    """Le `pluralize` de Django à la règle française : singulier pour 0 et 1 (« 0 campagne »,
    « 1 fiche »), pluriel à partir de 2. Même nom et mêmes arguments (« s », « x »,
    « al,aux ») : il remplace d'office le filtre anglais dans tous les gabarits (chargé
    comme `builtins`, après ceux de Django)."""
    singulier, _, pluriel = suffixes.rpartition(",") if "," in suffixes else ("", "", suffixes)
    try:
        n = len(valeur) if hasattr(valeur, "__len__") and not isinstance(valeur, str) else valeur
        n = float(n)
    except (TypeError, ValueError):
        return ""
    return accord(n, singulier, pluriel)


@register.filter
def sigles(texte):
    """Texte échappé, sigles du glossaire rendus en <abbr title="définition">."""
    return avec_sigles(texte)


@register.filter
def provenance(obj):
    """La réserve de périmètre et la marque « déduit par le chargement : motif » d'un chiffre,
    en texte (PDF, infobulles) ; le gabarit `includes/provenance.html` en est la forme HTML."""
    return texte_provenance(obj)


@register.filter
def paragraphes(texte):
    """Texte multi-lignes → paragraphes HTML, sigles balisés ; `### Titre` → <h3>."""
    if not texte:
        return ""
    blocs = [b.strip() for b in re.split(r"\n\s*\n", texte) if b.strip()]
    html = []
    for bloc in blocs:
        if bloc.startswith("### "):
            html.append(f'<h3 class="h5 mt-3">{avec_sigles(bloc[4:])}</h3>')
        else:
            lignes = "<br>".join(avec_sigles(ligne) for ligne in bloc.split("\n"))
            html.append(f"<p>{lignes}</p>")
    return mark_safe("\n".join(html))


@register.filter
def lignes(texte):
    """Texte avec retours à la ligne → <br>, échappé."""
    if not texte:
        return ""
    return mark_safe("<br>".join(escape(ligne) for ligne in texte.split("\n")))


@register.simple_tag(takes_context=True)
def url_page(context, numero):
    """Lien vers une autre page d'une liste en gardant les filtres de la requête."""
    params = context["request"].GET.copy()
    params["page"] = numero
    return "?" + params.urlencode()


@register.filter
def bootstrap(champ):
    """Rend un champ de formulaire avec la classe Bootstrap adaptée à son widget."""
    widget = champ.field.widget
    type_widget = getattr(widget, "input_type", "")
    if type_widget == "select" or widget.__class__.__name__.endswith("Select"):
        classe = "form-select form-select-sm"
    elif type_widget in ("checkbox", "radio"):
        classe = "form-check-input"
    else:
        classe = "form-control form-control-sm"
    existante = widget.attrs.get("class", "")
    return champ.as_widget(attrs={"class": f"{existante} {classe}".strip()})
