"""Le territoire des délégués du Préfet (issue 5) : « Mon territoire », la fiche quartier
enrichie (chiffres comparés, indicateurs, projets suivis, structures et fiches-actions), sa
version PDF, le tableau comparatif des 21 QPV, la vue par arrondissement et la liste des
projets structurants avec leur suivi.

Ces pages croisent quartiers, indicateurs et structures : c'est une app du dernier étage, au-dessus
des apps du domaine (quartiers n'importe aucune autre app).

- `donnees.py` : chargeurs (nombre de requêtes fixe) et calculs (dernière valeur, écart à
  Paris, alertes) ;
- `filters.py` : le filtre des projets avec l'engagement servi (via structures.PortageProjet) ;
- `pdf.py` : rendu WeasyPrint, fichiers statiques lus sur disque, sans réseau ;
- `views.py`, `urls.py` : les pages (espace de noms `quartiers`, avec la liste des QPV).
"""
