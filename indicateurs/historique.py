"""Lecture de l'historique (django-simple-history) : pour chaque version, qui, quand,
pourquoi et ce qui a changé par rapport à la version précédente du même objet.

Les différences sont calculées en mémoire sur des versions déjà chargées (pas de requête
par ligne) et sur les seuls champs utiles, avec leurs libellés français."""

from decimal import Decimal

from indicateurs.models import Indicateur, Territoire, Valeur, nombre_fr

TYPES = {"+": "Création", "~": "Modification", "-": "Suppression"}

CHAMPS_VALEUR = [
    ("valeur", "Valeur"),
    ("nombre", "Nombre"),
    ("base", "Base"),
    ("source", "Source"),
    ("commentaire", "Commentaire"),
    ("statut", "Statut"),
    ("motif_renvoi", "Motif du renvoi"),
]
CHAMPS_INDICATEUR = [
    ("libelle", "Libellé"),
    ("nature", "Nature"),
    ("unite", "Unité"),
    ("producteur_id", "Producteur"),
    ("niveaux", "Niveaux attendus"),
    ("definition", "Définition"),
    ("methode", "Méthode"),
    ("cible_valeur", "Valeur cible"),
    ("cible_annee", "Année de la cible"),
]
LIBELLES_CHOIX = {
    "statut": dict(Valeur.Statut.choices),
    "nature": dict(Indicateur.Nature.choices),
    "unite": dict(Indicateur.Unite.choices),
}


def _texte(champ, valeur, noms=None):
    if valeur in (None, "", []):
        return "—"
    if champ in LIBELLES_CHOIX:
        return LIBELLES_CHOIX[champ].get(valeur, valeur)
    if champ == "niveaux":
        libelles = dict(Territoire.Type.choices)
        return ", ".join(libelles.get(n, n) for n in valeur)
    if champ == "producteur_id":
        return (noms or {}).get(valeur, f"n° {valeur}")
    if isinstance(valeur, Decimal | int) and not isinstance(valeur, bool):
        return nombre_fr(valeur)
    return str(valeur)


def versions(enregistrements, champs, noms=None):
    """[(version, [(libellé, avant, après)])] du plus récent au plus ancien.

    `enregistrements` : versions historiques de un ou plusieurs objets, dans n'importe quel
    ordre ; la différence se calcule avec la version précédente du même objet."""
    ordonnes = sorted(enregistrements, key=lambda h: (h.history_date, h.history_id))
    precedents, resultat = {}, []
    for h in ordonnes:
        avant = precedents.get(h.id)
        changements = []
        for champ, libelle in champs:
            nouvelle = getattr(h, champ)
            ancienne = getattr(avant, champ) if avant is not None else None
            if avant is None and nouvelle in (None, "", []):
                continue
            if avant is None or nouvelle != ancienne:
                changements.append(
                    (
                        libelle,
                        _texte(champ, ancienne, noms) if avant else "",
                        _texte(champ, nouvelle, noms),
                    )
                )
        precedents[h.id] = h
        resultat.append((h, changements))
    resultat.reverse()
    return resultat


def type_libelle(h):
    return TYPES.get(h.history_type, h.history_type)


def auteur(h):
    user = h.history_user
    if user is None:
        return "Système (chargement ou commande)"
    return user.get_full_name() or user.username
