"""Lecture des corps JSON de l'API, bornée : un document imbriqué au-delà de
API_JSON_PROFONDEUR_MAX niveaux (objets et listes) est refusé en 400 avec un message français,
au lieu de faire échouer l'analyseur de Python (RecursionError, erreur 500)."""

import codecs
import json

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def profondeur_depasse(document, maximum):
    """Vrai si `document` imbrique plus de `maximum` objets ou listes. Parcours itératif (pas
    de récursion), qui s'arrête dès le premier niveau de trop."""
    pile = [(document, 1)] if isinstance(document, dict | list) else []
    while pile:
        noeud, niveau = pile.pop()
        if niveau > maximum:
            return True
        enfants = noeud.values() if isinstance(noeud, dict) else noeud
        pile.extend((e, niveau + 1) for e in enfants if isinstance(e, dict | list))
    return False


class AnalyseurJSON(JSONParser):
    """JSONParser de DRF, avec une profondeur maximale et des messages en français."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encodage = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        maximum = settings.API_JSON_PROFONDEUR_MAX
        trop_profond = ParseError(
            f"Le document JSON imbrique plus de {maximum} niveaux d’objets ou de listes : "
            "rien n’a été lu. Aplatissez-le."
        )
        try:
            texte = codecs.getreader(encodage)(stream)
            document = json.load(texte, parse_constant=self._refuser_constante)
        except RecursionError:
            raise trop_profond from None
        except ValueError as exc:
            raise ParseError(f"Corps JSON mal formé : {exc}") from None
        if profondeur_depasse(document, maximum):
            raise trop_profond
        return document

    @staticmethod
    def _refuser_constante(nom):
        # NaN et Infinity ne sont pas du JSON (RFC 8259) ; DRF les refuse aussi en mode strict.
        raise ValueError(f"valeur non autorisée « {nom} »")
