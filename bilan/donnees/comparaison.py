"""Une grandeur du bilan l'année N et l'année N-1 : ce que lisent la synthèse, les tableaux
du rapport et le classeur. Le calcul et l'écriture de l'évolution sont ceux de
socle/chiffres.py (le seul endroit qui calcule une évolution ou un écart)."""

from dataclasses import dataclass
from functools import cached_property

from socle.chiffres import CENT, TIRET, Unite, evolution, grandeur_fr

__all__ = ["TIRET", "Comparaison", "Unite"]


@dataclass
class Comparaison:
    """Une grandeur l'année N et l'année N-1, et son évolution. None : pas de valeur, « — »."""

    libelle: str
    n: object = None
    n1: object = None
    unite: str = Unite.NOMBRE
    note: str = ""
    niveau: int = 0  # 1 : sous-ligne (« dont… »)
    code: str = ""

    @cached_property
    def _evolution(self):
        # Lue par l'évolution, l'évolution relative, le texte et le sens : calculée une fois
        # (trois colonnes du classeur pour chacune des 350 000 lignes nationales).
        return evolution(self.n, self.n1, self.unite)

    @property
    def evolution(self):
        """N − (N-1) : en points (arrondis) pour un pourcentage, exacte pour un nombre ou un
        montant ; None sans l'une des deux valeurs."""
        return self._evolution.difference

    @property
    def evolution_relative(self):
        """La variation en fraction (0,125 = +12,5 %, arrondie au dixième de point) pour un
        nombre ou un montant : c'est ce qu'attend le format « % » du classeur. None pour un
        pourcentage, sans l'une des valeurs, ou si N-1 vaut zéro."""
        relative = self._evolution.relative
        return None if relative is None else relative / CENT

    @property
    def n_texte(self):
        return grandeur_fr(self.n, self.unite)

    @property
    def n1_texte(self):
        return grandeur_fr(self.n1, self.unite)

    @property
    def evolution_texte(self):
        """« +1 200,00 € (+12,5 %) », « −3,5 pts », « 0 », « — »."""
        return self._evolution.texte

    @property
    def sens(self):
        return self._evolution.sens
