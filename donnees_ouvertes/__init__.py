"""Publication des données ouvertes du contrat de ville (issue 12, point 4).

App du dernier étage : elle lit le domaine (référentiel, indicateurs, territoires, valeurs
validées, projets, fiches-actions consenties) et n'est importée par aucune app du domaine."""
