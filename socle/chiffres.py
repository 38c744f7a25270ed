"""Les chiffres du portail : arithmétique et écriture française des taux, écarts et évolutions.

C'est le seul endroit qui calcule un écart ou une évolution ; la fiche quartier, « Mon
territoire », la comparaison des QPV, le bilan (page, PDF, classeur) et les pages de la
campagne l'appellent. Aucun modèle n'est importé ici : on passe des nombres, on reçoit des
nombres (Decimal) ou du texte.

Règles (une seule de chaque) :

- **Arrondi** : une décimale, au demi supérieur (`ROUND_HALF_UP` : 2,25 → 2,3 ; −2,25 →
  −2,3), pour tout ce qui est en points ou en pourcentage : taux, écarts en points, évolutions
  en points et variations en %. Les différences de nombres ou de montants sont exactes (deux
  valeurs à deux décimales au plus) : rien n'est arrondi.
- **Taux** : numérateur ÷ dénominateur × 100, arrondi ; sans dénominateur (zéro ou absent),
  pas de taux (`None`, écrit « — ») plutôt qu'un 0 % trompeur.
- **Écart en points** : entre deux parts ou taux *de la même année* (un territoire et Paris,
  par exemple) : valeur − référence, arrondi. Il ne se calcule que pour un pourcentage ; c'est
  à l'appelant de ne pas comparer un nombre en points.
- **Évolution N / N-1** : pour un pourcentage, en points (arrondie) ; pour un nombre ou un
  montant, la différence exacte et la variation en % de N-1 (arrondie ; aucune si N-1 vaut
  zéro). Sans l'une des deux valeurs : « — », rien n'est estimé ni reporté.
- **Texte** : signe « + » ou « − » (signe moins typographique U+2212), espace insécable
  avant l'unité, « pt » au singulier en dessous de 2 et « pts » à partir de 2, à la
  française : « +1,5 pt », « −3 pts », « 0 pt », « +1 200 (+12,5 %) », « — ».
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats, timezone, translation

TIRET = "—"
INSECABLE = "\u00a0"
MOINS = "\u2212"
DECIMALES = 1
CENT = Decimal(100)


class Unite:
    """Comment une grandeur se lit : nombre, montant en euros, ou pourcentage (une part ou un
    taux, dont les écarts et évolutions sont en points)."""

    NOMBRE = "nombre"
    EUROS = "euros"
    POURCENTAGE = "pourcentage"


# --- arithmétique -------------------------------------------------------------------------------


def _decimal(valeur):
    if valeur is None:
        return None
    return valeur if isinstance(valeur, Decimal) else Decimal(str(valeur))


def arrondi(valeur, decimales=DECIMALES):
    """`valeur` arrondie à `decimales` décimales, au demi supérieur ; None reste None."""
    valeur = _decimal(valeur)
    if valeur is None:
        return None
    return valeur.quantize(Decimal(1).scaleb(-decimales), rounding=ROUND_HALF_UP)


def taux(numerateur, denominateur):
    """Un pourcentage à une décimale (87,5 pour 7 sur 8) ; None sans dénominateur ou sans
    numérateur : on ne divise pas par zéro, et « — » vaut mieux qu'un faux 0 %."""
    if numerateur is None or not denominateur:
        return None
    return arrondi(_decimal(numerateur) * CENT / _decimal(denominateur))


def ecart_points(valeur, reference):
    """L'écart en points entre deux parts ou taux de la même année (valeur − référence),
    arrondi ; None sans l'une des deux."""
    if valeur is None or reference is None:
        return None
    return arrondi(_decimal(valeur) - _decimal(reference))


def ecart_points_valeurs(valeur, reference, *, pourcentage):
    """L'écart en points entre deux valeurs d'indicateur (des objets qui ont `annee` et
    `valeur`, comme une valeur et celle de Paris) : seulement pour une part ou un taux
    (`pourcentage`) et entre deux valeurs de la même année ; None sinon."""
    if not pourcentage or valeur is None or reference is None or valeur.annee != reference.annee:
        return None
    return ecart_points(valeur.valeur, reference.valeur)


def variation_relative(n, n1):
    """La variation de N par rapport à N-1, en % de N-1 (+12,5 pour 1 125 contre 1 000),
    arrondie ; None sans l'une des deux valeurs ou si N-1 vaut zéro."""
    if n is None or n1 is None or _decimal(n1) == 0:
        return None
    n, n1 = _decimal(n), _decimal(n1)
    return arrondi((n - n1) * CENT / abs(n1))


@dataclass(frozen=True)
class Evolution:
    """Une grandeur l'année N comparée à l'année N-1 (voir les règles du module)."""

    n: Decimal | int | None
    n1: Decimal | int | None
    unite: str = Unite.NOMBRE

    @property
    def difference(self):
        """N − (N-1) : en points arrondis pour un pourcentage, exacte sinon ; None sans l'une
        des deux valeurs."""
        if self.n is None or self.n1 is None:
            return None
        if self.unite == Unite.POURCENTAGE:
            return ecart_points(self.n, self.n1)
        return _decimal(self.n) - _decimal(self.n1)

    @property
    def relative(self):
        """La variation en % de N-1 pour un nombre ou un montant ; None pour un pourcentage
        (son évolution se lit en points)."""
        if self.unite == Unite.POURCENTAGE:
            return None
        return variation_relative(self.n, self.n1)

    @property
    def sens(self):
        """« hausse », « baisse », « stable », ou "" sans évolution calculable."""
        difference = self.difference
        if difference is None:
            return ""
        return "hausse" if difference > 0 else "baisse" if difference < 0 else "stable"

    @property
    def texte(self):
        """« +1,5 pt », « −3 pts », « +1 200 (+12,5 %) », « +1 200,00 € (+12,5 %) », « 0 »,
        « — »."""
        difference = self.difference
        if difference is None:
            return TIRET
        if self.unite == Unite.POURCENTAGE:
            return points_fr(difference)
        absolue = (
            euros_fr(abs(difference)) if self.unite == Unite.EUROS else nombre_fr(abs(difference))
        )
        texte = signe_fr(difference, absolue)
        relative = self.relative
        if relative is not None and difference:
            texte += f" ({signe_fr(relative, nombre_fr(abs(relative), DECIMALES))}{INSECABLE}%)"
        return texte


def evolution(n, n1, unite=Unite.NOMBRE):
    """L'évolution de N par rapport à N-1 (voir `Evolution`)."""
    return Evolution(n, n1, unite)


# --- écriture française -------------------------------------------------------------------------


def nombre_fr(valeur, decimales=None):
    """Un nombre à la française (« 12 100 », « 16,5 ») sans zéros inutiles, pour les
    messages et les exports ; `decimales` : arrondi (au demi supérieur) avant écriture.
    `None` → « — »."""
    if valeur is None:
        return TIRET
    valeur = _decimal(valeur)
    if decimales is not None:
        valeur = arrondi(valeur, decimales)
    if valeur == valeur.to_integral_value():
        valeur = valeur.quantize(Decimal(1))
    else:
        valeur = valeur.normalize()
    return _ecrire_groupe(valeur)


_SEPARATEURS = {}  # langue → (séparateur décimal, groupement, séparateur des milliers)


def _ecrire_groupe(valeur):
    """Le Decimal `valeur` écrit comme `formats.number_format(valeur, force_grouping=True)`,
    dont il suit l'algorithme, sans relire à chaque appel la langue et les trois formats :
    c'était la moitié du temps d'écriture d'une valeur (listes, API, exports)."""
    langue = translation.get_language()
    separateurs = _SEPARATEURS.get(langue)
    if separateurs is None:
        separateurs = _SEPARATEURS[langue] = tuple(
            formats.get_format(nom, langue, use_l10n=True)
            for nom in ("DECIMAL_SEPARATOR", "NUMBER_GROUPING", "THOUSAND_SEPARATOR")
        )
    decimal, groupement, milliers = separateurs
    _, chiffres, exposant = valeur.as_tuple()
    if not isinstance(groupement, int) or groupement <= 0 or abs(exposant) + len(chiffres) > 200:
        # Groupement irrégulier, ou notation scientifique : Django fait le cas rare.
        return formats.number_format(valeur, use_l10n=True, force_grouping=True)
    texte = f"{valeur:f}"
    signe = ""
    if texte[0] == "-":
        signe, texte = "-", texte[1:]
    entier, _, decimales = texte.partition(".")
    if len(entier) > groupement:
        debut = len(entier) % groupement or groupement
        entier = milliers.join(
            [entier[:debut]]
            + [entier[i : i + groupement] for i in range(debut, len(entier), groupement)]
        )
    return signe + entier + (decimal + decimales if decimales else "")


def accord(n, singulier, pluriel=None):
    """Le mot accordé au nombre `n`, à la française : singulier pour 0 et 1 (« 0 campagne »,
    « 1 valeur »), pluriel à partir de 2 ; `pluriel` par défaut : `singulier` + « s ».
    Jamais de « (s) » dans ce que l'utilisateur lit."""
    return singulier if abs(n) < 2 else (pluriel or singulier + "s")


def compte_fr(n, singulier, pluriel=None):
    """« 0 campagne », « 1 valeur », « 12 100 valeurs » (milliers à la française)."""
    return f"{nombre_fr(n)} {accord(n, singulier, pluriel)}"


def date_fr(moment):
    """jj/mm/aaaa (et l'heure pour un horodatage), dans le fuseau de Paris ; None → « — »."""
    if moment is None:
        return TIRET
    if hasattr(moment, "hour"):
        return timezone.localtime(moment).strftime("%d/%m/%Y à %H:%M")
    return moment.strftime("%d/%m/%Y")


def euros_fr(montant):
    """« 12 500,00 € » ; None → « — »."""
    if montant is None:
        return TIRET
    montant = arrondi(montant, 2)
    return formats.number_format(montant, 2, use_l10n=True, force_grouping=True) + INSECABLE + "€"


def pourcentage_fr(valeur):
    """« 87,5 % » (une décimale au plus, au demi supérieur) ; None → « — »."""
    if valeur is None:
        return TIRET
    return f"{nombre_fr(valeur, DECIMALES)}{INSECABLE}%"


def signe_fr(nombre, texte):
    """`texte` précédé du signe de `nombre` : « + » ou « − » (rien pour zéro)."""
    if nombre > 0:
        return "+" + texte
    if nombre < 0:
        return MOINS + texte
    return texte


def points_fr(ecart):
    """« +1,5 pt », « −3 pts », « 0 pt » ; « — » sans écart. L'écart est arrondi avant d'être
    écrit (et le pluriel se décide sur la valeur écrite)."""
    if ecart is None:
        return TIRET
    ecart = arrondi(ecart)
    unite = "pts" if abs(ecart) >= 2 else "pt"
    return signe_fr(ecart, f"{nombre_fr(abs(ecart))}{INSECABLE}{unite}")


def grandeur_fr(valeur, unite):
    """Une grandeur selon son unité : « 1 200 », « 12 500,00 € », « 35,5 % » ; « — »."""
    if valeur is None:
        return TIRET
    if unite == Unite.EUROS:
        return euros_fr(valeur)
    if unite == Unite.POURCENTAGE:
        return pourcentage_fr(valeur)
    return nombre_fr(valeur)
