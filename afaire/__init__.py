"""« À faire » : la page d'arrivée de chaque rôle après la connexion, qui rassemble le travail
du jour (valeurs et fiches à relire, campagnes qui ferment, valeurs à saisir ou renvoyées,
fiches renvoyées, nouveautés du territoire depuis la dernière visite).

App du dernier étage, sous le seul projet (`contratville`) : elle lit les apps du domaine
(indicateurs, structures, quartiers), le territoire (`territoire.donnees`) et le bilan (imports
de crédits), et aucune app ne la lit."""
