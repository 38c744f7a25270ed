"""Rendu des sigles du glossaire en `<abbr title="…">` dans les textes du contrat.

Le motif est construit une fois à partir de la table `Sigle` puis gardé en mémoire ; il est
invalidé à chaque modification du glossaire (signal) et au plus tard après `DUREE_CACHE`
secondes, pour qu'un autre processus gunicorn voie aussi les modifications."""

import re
import time

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from engagements.models import Sigle

DUREE_CACHE = 300
# Les définitions sont gardées par sigle échappé (la forme que le motif trouve dans le texte
# échappé) : les recalculer à chaque texte coûtait 0,4 ms, 100 fois par rapport du bilan.
_cache = {"motif": None, "definitions": {}, "expire": 0.0}


def invalider(**kwargs):
    """Oublie le motif compilé (appelé quand le glossaire change)."""
    _cache["motif"] = None
    _cache["expire"] = 0.0


receiver(post_save, sender=Sigle)(invalider)
receiver(post_delete, sender=Sigle)(invalider)


def _motif():
    if _cache["motif"] is None or time.monotonic() > _cache["expire"]:
        definitions = dict(Sigle.objects.values_list("sigle", "definition"))
        _cache["definitions"] = {escape(k): v for k, v in definitions.items()}
        if definitions:
            # Les plus longs d'abord, pour que « REP+ » gagne sur « REP ».
            alternatives = "|".join(
                re.escape(escape(s)) for s in sorted(definitions, key=len, reverse=True)
            )
            _cache["motif"] = re.compile(rf"(?<![\w&])({alternatives})(?![\w+])")
        else:
            _cache["motif"] = re.compile(r"(?!x)x")
        _cache["expire"] = time.monotonic() + DUREE_CACHE
    return _cache["motif"], _cache["definitions"]


def avec_sigles(texte):
    """Échappe `texte` puis entoure chaque sigle connu d'un `<abbr>` portant sa définition."""
    if not texte:
        return ""
    motif, definitions = _motif()
    echappe = escape(texte)

    def remplacer(m):
        sigle = m.group(1)
        return format_html('<abbr title="{}">{}</abbr>', definitions[sigle], mark_safe(sigle))

    return mark_safe(motif.sub(remplacer, echappe))
