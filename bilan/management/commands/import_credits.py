"""Importe un classeur de crédits, avec les mêmes contrôles que le portail.

    python manage.py import_credits FICHIER.xlsx [--dry-run]

Tout ou rien : si une ligne est en erreur, les erreurs sont listées (ligne, colonne,
message), rien n'est écrit et la commande sort en erreur (code 1). --dry-run contrôle sans
écrire. Réimporter le même fichier ne crée pas de doublon (lignes identiques « inchangées »).
Un import appliqué est gardé dans l'historique des imports de crédits (socle/imports.py :
CommandeImport)."""

from bilan.models import ImportCredits
from socle.imports import CommandeImport


class Command(CommandeImport):
    help = "Importe un classeur de crédits (.xlsx) : tout ou rien."
    historique = ImportCredits
    aide_fichier = "classeur .xlsx (le modèle de crédits complété)"
