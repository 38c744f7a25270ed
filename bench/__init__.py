"""Mesures de performance du portail (`make bench`) : durées, requêtes SQL, mémoire de pointe.

Les chiffres dépendent de la machine : ils sont imprimés, jamais comparés à un seuil dans les
tests (les machines sont bruyantes). Les nombres de requêtes, eux, sont testés dans tests/."""
