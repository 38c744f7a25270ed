"""Listes de valeurs contrôlées des fiches-actions (sans Django).

Elles reprennent les cases à cocher du formulaire de l'observatoire national des centres
sociaux (semence `004_…`, GUIDE §2.3) : chaque liste est un tuple de paires
`(code, libellé)`, utilisable telle quelle comme `choices` d'un champ Django. Les codes sont
en ASCII `snake_case` et ne changent jamais ; les libellés sont ceux affichés aux
utilisateurs, en français accentué, avec une majuscule initiale.

`code_for(liste, texte_brut)` traduit une valeur telle qu'imprimée dans une semence
(« Un ou plusieurs partenaire(s) », « Viellissement », « familles »…) en code, et lève
`ValueError` sur une valeur inconnue : aucune valeur ne doit passer inaperçue.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

Liste = tuple[tuple[str, str], ...]

#: « Dimension » de l'action.
DIMENSIONS: Liste = (
    ("citoyennete", "Citoyenneté"),
    ("accompagnement_projets", "Accompagnement de projets"),
    ("solidarite", "Solidarité"),
    ("services", "Services"),
)

#: « Mots clés associés à l'action » (plusieurs valeurs possibles).
MOTS_CLES: Liste = (
    ("intergenerationnel", "Intergénérationnel"),
    ("parentalite", "Parentalité"),
    ("solidarite", "Solidarité"),
    ("vieillissement", "Vieillissement"),
    ("sante", "Santé"),
    ("logement", "Logement"),
    ("precarite", "Précarité"),
    ("integration", "Intégration"),
    ("mobilite_transport", "Mobilité / transport"),
    ("discriminations", "Discriminations"),
    ("mixite_sociale", "Mixité sociale"),
    ("environnement", "Environnement"),
    ("developpement_durable", "Développement durable"),
    ("education_scolarite", "Éducation / scolarité"),
    ("vacances_loisirs", "Vacances / loisirs"),
    ("democratie_citoyennete", "Démocratie & citoyenneté"),
    ("culture", "Culture"),
    ("emploi_economie", "Emploi, économie"),
)

#: « Qui est à l'initiative de l'action ? » (plusieurs valeurs possibles ; « Autre » est
#: complété par un texte libre, `initiative_precision`).
INITIATIVES: Liste = (
    ("centre_social", "Le centre social"),
    ("partenaires", "Un ou plusieurs partenaires"),
    ("habitants", "Un groupe d’habitants"),
    ("autre", "Autre"),
)

#: « Territoire concerné ».
TERRITOIRES: Liste = (
    ("un_quartier", "Un quartier"),
    ("plusieurs_quartiers", "Plusieurs quartiers"),
    ("une_commune", "Une commune"),
    ("plusieurs_communes", "Plusieurs communes"),
)

#: « Public » (plusieurs valeurs possibles).
PUBLICS: Liste = (
    ("tous_publics", "Tous publics"),
    ("familles", "Familles"),
    ("seniors", "Seniors"),
    ("jeunesse", "Jeunesse"),
    ("jeunes_adultes", "Jeunes adultes"),
    ("adultes", "Adultes"),
)

#: « Avec qui cette action a-t-elle été menée ? » — « Partenaires d'action ».
PARTENAIRES_TYPES: Liste = (("bailleur_social", "Bailleur social"),)

#: Financeurs d'une action (« budget par financeur » de la fiche). Ce n'est pas une liste du
#: formulaire de l'observatoire : elle reprend les financeurs des « financements mobilisables »
#: du contrat (État, Ville de Paris, Caf, autres) en détaillant les plus fréquents pour une
#: association parisienne. « Autre » est complété par une précision.
FINANCEURS: Liste = (
    ("etat", "État (dont crédits politique de la ville)"),
    ("ville", "Ville de Paris"),
    ("caf", "Caf"),
    ("bailleur", "Bailleur social"),
    ("region", "Région Île-de-France"),
    ("autre_public", "Autre financement public"),
    ("prive", "Fondation, mécénat ou financement privé"),
    ("fonds_propres", "Fonds propres et participation des usagers"),
    ("autre", "Autre"),
)

#: Les listes par nom (pour les messages d'erreur et `code_for("MOTS_CLES", …)`).
LISTES: dict[str, Liste] = {
    "DIMENSIONS": DIMENSIONS,
    "MOTS_CLES": MOTS_CLES,
    "INITIATIVES": INITIATIVES,
    "TERRITOIRES": TERRITOIRES,
    "PUBLICS": PUBLICS,
    "PARTENAIRES_TYPES": PARTENAIRES_TYPES,
    "FINANCEURS": FINANCEURS,
}

#: Graphies imprimées dans les semences qui ne se ramènent pas à un libellé par simple
#: comparaison sans casse (coquilles et pluriels facultatifs du formulaire). Chaque variante
#: est écrite ici telle qu'imprimée ; elle est comparée après `_cle()`.
VARIANTES: dict[str, dict[str, str]] = {
    "MOTS_CLES": {
        # coquille du formulaire de l'observatoire (semence 004)
        "Viellissement": "vieillissement",
    },
    "INITIATIVES": {
        "Un ou plusieurs partenaire(s)": "partenaires",
    },
}


def _cle(texte: str) -> str:
    """Clé de comparaison : espaces normalisés, apostrophes unifiées, sans casse.

    Les accents sont gardés : « Citoyennete » n'est pas reconnu, pour qu'une graphie
    nouvelle soit ajoutée explicitement à `VARIANTES` plutôt qu'acceptée en silence.
    """
    texte = unicodedata.normalize("NFC", texte)
    texte = texte.replace("\u00a0", " ").replace("\u202f", " ")
    texte = texte.replace("’", "'").replace("‘", "'")
    return re.sub(r"\s+", " ", texte).strip().casefold()


def _resoudre(liste: Liste | str) -> tuple[str, Liste]:
    if isinstance(liste, str):
        try:
            return liste, LISTES[liste]
        except KeyError:
            raise ValueError(f"liste inconnue : {liste!r}") from None
    for nom, valeurs in LISTES.items():
        if liste is valeurs:
            return nom, valeurs
    raise ValueError("liste inconnue : passer une des listes de structures.listes")


def code_for(liste: Liste | str, raw_text: str) -> str:
    """Code de la valeur `raw_text` (libellé imprimé dans une source) dans `liste`.

    `liste` est une des listes du module (ou son nom, « MOTS_CLES »). La comparaison ignore
    la casse, les espaces en trop et le type d'apostrophe ; les coquilles connues passent
    par `VARIANTES`. Lève `ValueError` si la valeur est vide ou inconnue.
    """
    nom, valeurs = _resoudre(liste)
    cle = _cle(raw_text or "")
    if not cle:
        raise ValueError(f"{nom} : valeur vide")
    for code, libelle in valeurs:
        if _cle(libelle) == cle:
            return code
    for variante, code in VARIANTES.get(nom, {}).items():
        if _cle(variante) == cle:
            return code
    raise ValueError(f"{nom} : valeur inconnue {raw_text!r}")


def libelle(liste: Liste | str, code: str) -> str:
    """Libellé d'un code ; lève `ValueError` si le code n'est pas dans la liste."""
    nom, valeurs = _resoudre(liste)
    for c, lib in valeurs:
        if c == code:
            return lib
    raise ValueError(f"{nom} : code inconnu {code!r}")


def libelles(liste: Liste | str, codes: Iterable[str]) -> list[str]:
    """Libellés d'une liste de codes, dans l'ordre donné, pour l'affichage.

    Un code qui ne serait plus dans la liste est rendu tel quel plutôt que de faire échouer
    une page ; la validation se fait à la saisie et au chargement.
    """
    _, valeurs = _resoudre(liste)
    par_code = dict(valeurs)
    return [par_code.get(code, code) for code in codes or ()]
