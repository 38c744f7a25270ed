"""Le calcul du bilan annuel d'une année, pour Paris ou pour un arrondissement : une fonction
par section (perimetre, indicateurs, projets, fiches, credits, etudes), composées par
`calculer_bilan` (calcul.py) dans un `Bilan` que lisent le classeur, le rapport et le PDF.

Règles (reprises dans la feuille « Métadonnées » et en annexe du rapport) :

- **Périmètre.** Paris : tous les QPV, leurs secteurs, l'ensemble des QPV, les arrondissements,
  les réseaux REP/REP+ et Paris. Un arrondissement : ses QPV (un QPV à cheval sur deux
  arrondissements compte dans les deux), leurs secteurs et micro-quartiers, le territoire de
  l'arrondissement, et Paris comme référence de comparaison ; les crédits de ses QPV ou
  rattachés à l'arrondissement ; les fiches-actions menées dans ses QPV ; les projets
  structurants de ses QPV ; les études qui portent sur ses QPV ou sur l'arrondissement.
- **Valeurs montrées.** Seules les valeurs validées, sauf si l'on demande toutes les valeurs
  (brouillons, soumises et renvoyées comprises, chacune avec son statut).
- **Valeurs de démonstration** (`Valeur.demo`) : exclues par défaut, car un bilan est un
  document officiel ; incluses sur demande, elles sont alors marquées « Démo » sur chaque ligne
  et signalées en tête de la synthèse et du rapport.
- **Complétude de la campagne** : celle d'indicateurs/mesures.py, la même que sur la page de
  la campagne, dans « Mes indicateurs » et « Mon territoire » : indicateurs attendus (ceux du
  contrat, jamais de contexte) × territoires de leurs niveaux attendus dans le périmètre des
  mesures (pour un arrondissement : ses QPV, leurs secteurs et son territoire, sans Paris, qui
  n'est qu'une référence) ; renseignées = tous statuts, dont soumises et validées ; « part
  validée » = validées ÷ renseignées.
- **Comparaison avec l'année précédente** partout où un chiffre est montré. Pour une part ou
  un taux, l'évolution est en points ; pour un nombre ou un montant, en valeur et en %. Sans
  valeur l'une des deux années, l'évolution est « — » : rien n'est estimé ni reporté.
- **Écart à Paris** : pour une part ou un taux seulement, entre valeurs de la même année.
- Évolutions, écarts, taux, arrondis (une décimale, au demi supérieur) et textes sont ceux de
  socle/chiffres.py.

Le calcul fait un nombre fixe de requêtes, quel que soit le volume (tests/bilan) ; les comptes
et les sommes sont faits en SQL (GROUP BY), jamais sur des lignes chargées pour l'occasion."""

from bilan.donnees.calcul import Bilan, calculer_bilan, synthese
from bilan.donnees.comparaison import TIRET, Comparaison, Unite
from socle.chiffres import euros_fr

__all__ = ["TIRET", "Bilan", "Comparaison", "Unite", "calculer_bilan", "euros_fr", "synthese"]
