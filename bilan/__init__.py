"""Le bilan annuel du contrat de ville pour le comité de pilotage (parisien ou d'arrondissement).

Le bilan a trois parties (GUIDE §1) : l'avancement des actions, lu dans les indicateurs ; les
crédits de droit commun et spécifiques politique de la ville dépensés dans les QPV ; les
résultats des études qualitatives. Il lit toutes les apps du domaine : c'est une app du dernier étage (ARCHITECTURE.md).

- `models.py` : `Credit`, `EtudeQualitative` et `ImportCredits` (historique des imports) ;
- `donnees.py` : le calcul du bilan d'une année et d'un périmètre (Paris ou un arrondissement),
  en un nombre fixe de requêtes ;
- `classeur.py` : le classeur Excel (feuilles, graphiques natifs, formats français) ;
- `graphiques.py` : les graphiques SVG du rapport imprimable (HTML et PDF) ;
- `imports.py` : l'import des crédits depuis un tableur (prévisualisation, tout ou rien) ;
- `views.py`, `forms.py`, `filters.py`, `urls.py` : les pages réservées au SPV.
"""
