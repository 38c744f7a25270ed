"""Retrouver un signataire par son nom ou par son sigle (« Caf » trouve « Caisse d’Allocations
Familiales »), sans tenir compte des accents, des majuscules ni de la forme des apostrophes.

Le sigle d'un signataire vient du glossaire du contrat (`sigle_du_glossaire`, appelé par
load_referentiel) : une entrée dont la définition est le nom du signataire, à une variante
d'écriture près (« Caisse national d’assurance vieillesse » pour « Caisse Nationale
d’Assurance Vieillesse »). Aucun sigle n'est inventé : un nom sans définition assez proche
dans le glossaire reste sans sigle (le SPV peut en saisir un dans l'admin)."""

import difflib
import re
import unicodedata

# Au-delà de ce rapport de ressemblance (difflib), une définition du glossaire désigne le
# signataire. Sur le contrat 2024-2030 : ARS, Caf, CPAM, CNAV, MLP et CCIP s'y rattachent
# (0,97 à 1) ; l'écart suivant est à 0,88 (« Ensemble Paris Emploi Compétences » pour
# « Espace Paris Emploi Compétences » : deux noms différents, on ne tranche pas).
RESSEMBLANCE_MIN = 0.9


def normaliser(texte):
    """Minuscules sans accents, apostrophes droites, espaces simples : la forme comparée."""
    texte = (texte or "").replace("’", "'").replace("‘", "'")
    texte = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"\s+", " ", texte).strip().casefold()


def sigle_du_glossaire(nom, glossaire):
    """Le sigle du glossaire (`[(sigle, définition)]`) dont la définition désigne `nom`, ou
    « » : la définition égale au nom, le nom qui la prolonge (« … de Paris »), ou une variante
    d'écriture très proche ; en cas de plusieurs candidats, le plus ressemblant."""
    cible = normaliser(nom)
    meilleur, score = "", 0.0
    for sigle, definition in glossaire:
        d = normaliser(definition)
        if not d:
            continue
        if cible == d or cible.startswith(d + " "):
            ressemblance = 1.0
        else:
            ressemblance = difflib.SequenceMatcher(None, d, cible).ratio()
        if ressemblance >= RESSEMBLANCE_MIN and ressemblance > score:
            meilleur, score = sigle, ressemblance
    return meilleur


def correspond(signataire, recherche):
    """Vrai si chaque mot de la recherche est dans le nom, ou si la recherche est le début du
    sigle (« caf », « cp » pour CPAM)."""
    mots = normaliser(recherche).split()
    if not mots:
        return True
    sigle = normaliser(signataire.sigle)
    if sigle and sigle.startswith(" ".join(mots)):
        return True
    nom = normaliser(signataire.nom)
    return all(mot in nom for mot in mots)


def rechercher(signataires, recherche):
    """Les signataires (itérable déjà chargé : ils sont une quarantaine) qui correspondent à la
    recherche, dans leur ordre."""
    return [s for s in signataires if correspond(s, recherche)]
