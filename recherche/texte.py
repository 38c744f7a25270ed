"""Le texte de la recherche : pliage (minuscules, sans accents ni ponctuation), découpage de la
requête en mots, bornes de la saisie, et surlignage sûr des termes trouvés.

Le pliage est le même à l'écriture (colonnes `plie` de l'index) et à la lecture (mots de la
requête) : « Santé », « SANTE » et « santé » se comparent égaux, « d’Allocations » donne
« d allocations »."""

import re
import unicodedata

from django.utils.html import escape
from django.utils.safestring import mark_safe

LONGUEUR_MIN = 2
LONGUEUR_MAX = 200
# Au-delà, les mots suivants sont ignorés (une phrase collée ne fait pas une requête de cent
# termes) ; la page le signale.
MOTS_MAX = 10

# Bornes du surlignage : des caractères de contrôle que les textes indexés ne contiennent
# jamais (`nettoyer` les retire). ts_headline les place autour des termes ; on échappe le
# texte, puis on les remplace par <mark> : aucun HTML des données ne passe.
DEBUT, FIN = "\x02", "\x03"

# Ligatures et lettres que la décomposition Unicode ne ramène pas à l'ASCII.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
_MOT = re.compile(r"[^\W_]+")
_DIACRITIQUES = re.compile(r"[\u0300-\u036f]")
_CONTROLES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Mots vides du français, pour le repli SQLite (PostgreSQL a les siens, dans la configuration
# `french`) : sans eux, « la santé des jeunes » exigerait « la » et « des ».
MOTS_VIDES = frozenset(
    [
        "au", "aux", "avec", "ce", "ces", "dans", "de", "des", "du", "elle", "en", "et", "eux", "il",
        "je", "la", "le", "les", "leur", "lui", "ma", "mais", "me", "meme", "mes", "moi", "mon", "ne",
        "nos", "notre", "nous", "on", "ou", "par", "pas", "pour", "qu", "que", "qui", "sa", "se",
        "ses", "son", "sur", "ta", "te", "tes", "toi", "ton", "tu", "un", "une", "vos", "votre",
        "vous", "c", "d", "j", "l", "m", "n", "s", "t", "y", "est", "sont", "ete", "etre",
    ]
)  # fmt: skip


class SaisieInvalide(ValueError):
    """Une requête refusée, avec le message à montrer (en français) et un code stable
    (`caractere_nul`, `trop_longue`, `trop_courte`, `type_inconnu`)."""

    def __init__(self, message, code):
        super().__init__(message)
        self.message, self.code = message, code

    def __str__(self):
        return self.message


def nettoyer(texte):
    """Le texte sans caractères de contrôle (hors tabulations et sauts de ligne)."""
    return _CONTROLES.sub(" ", texte or "")


def plier(texte):
    """Minuscules, sans accents, mots séparés par une espace : « L’Académie » → « l academie »."""
    texte = (texte or "").translate(_LIGATURES)
    if not texte.isascii():
        texte = _DIACRITIQUES.sub("", unicodedata.normalize("NFKD", texte))
    return " ".join(_MOT.findall(texte.lower()))


def valider(q):
    """La requête nettoyée de ses espaces, ou SaisieInvalide (caractère nul, trop longue, trop
    courte)."""
    q = q or ""
    if "\x00" in q:
        raise SaisieInvalide(
            "La recherche contient un caractère nul : retirez-le puis recommencez.",
            "caractere_nul",
        )
    q = q.strip()
    if len(q) > LONGUEUR_MAX:
        raise SaisieInvalide(
            f"La recherche est trop longue ({len(q)} caractères) : {LONGUEUR_MAX} caractères au "
            "plus.",
            "trop_longue",
        )
    if len(q) < LONGUEUR_MIN:
        raise SaisieInvalide("Saisissez au moins deux caractères.", "trop_courte")
    return q


def mots(q):
    """Les mots utiles de la requête, pliés, sans doublons ni lettres isolées, dans l'ordre ;
    et s'il a fallu en laisser au-delà de MOTS_MAX."""
    vus = []
    for mot in plier(q).split():
        if len(mot) < 2 or mot in vus:
            continue
        vus.append(mot)
    return vus[:MOTS_MAX], len(vus) > MOTS_MAX


def en_html(texte_borne):
    """Un texte où ts_headline (ou `surligner`) a posé les bornes DEBUT/FIN → HTML sûr avec
    <mark>."""
    if not texte_borne:
        return ""
    echappe = escape(texte_borne)
    return mark_safe(echappe.replace(DEBUT, "<mark>").replace(FIN, "</mark>"))


def _correspond(mot_plie, prefixes, exacts):
    return mot_plie in exacts or any(mot_plie.startswith(p) for p in prefixes)


def surligner(texte, prefixes, exacts=(), extrait=False, mots_autour=12):
    """Repli sans PostgreSQL : borne les mots du texte dont la forme pliée commence par un des
    `prefixes` (ou vaut un des `exacts`). Avec `extrait`, ne garde qu'un passage autour de la
    première occurrence (comme ts_headline). Retourne le texte borné (voir `en_html`)."""
    texte = nettoyer(texte)
    morceaux = re.split(r"([^\W_]+)", texte)
    trouves = []
    for i in range(1, len(morceaux), 2):
        if _correspond(plier(morceaux[i]), prefixes, exacts):
            morceaux[i] = f"{DEBUT}{morceaux[i]}{FIN}"
            trouves.append(i)
    if not extrait:
        return "".join(morceaux)
    if not trouves:
        debut, fin, coupe_debut = 0, 2 * mots_autour * 2, False
    else:
        debut = max(0, trouves[0] - mots_autour * 2)
        fin = trouves[0] + mots_autour * 2
        coupe_debut = debut > 0
    passage = "".join(morceaux[debut:fin]).strip()
    if coupe_debut:
        passage = "… " + passage
    if fin < len(morceaux):
        passage += " …"
    return passage
