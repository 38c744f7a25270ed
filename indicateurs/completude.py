"""Ancien emplacement de la complétude, remplacé par indicateurs/mesures.py (la seule
définition des valeurs attendues, renseignées, soumises et validées).

Ne restent que deux noms, réexportés pour les modules qui les importent encore d'ici (modèle
de saisie et import des valeurs) : la liste des territoires attendus d'un indicateur."""

from indicateurs.mesures import territoires_attendus as attendus
from indicateurs.mesures import territoires_par_niveau

__all__ = ["attendus", "territoires_par_niveau"]
