"""La file des objets à réindexer, propre au fil d'exécution.

Module à part pour que les imports ne descendent que dans un sens : les signaux
(`recherche/signaux.py`) y ajoutent les objets écrits et la vident à la validation de la
transaction ; `recherche/indexation.reindexer()` la vide après une reconstruction complète.
Ni l'un ni l'autre n'a besoin d'importer l'autre pour cela. Ce module n'importe rien du
portail."""

import threading

_etat = threading.local()


def _cles():
    if not hasattr(_etat, "cles"):
        _etat.cles = set()
    return _etat.cles


def ajouter(cles):
    """Met des clés (`("engagements.engagement", 5)`) dans la file."""
    _cles().update(cles)


def prendre():
    """Rend les clés en attente et vide la file (ensemble vide s'il n'y a rien)."""
    cles = _cles()
    oublier()
    return cles


def oublier():
    """Vide la file (l'index vient d'être reconstruit en entier)."""
    _etat.cles = set()
