"""Importe un classeur de crédits, avec les mêmes contrôles que le portail.

    python manage.py import_credits FICHIER.xlsx [--dry-run]

Tout ou rien : si une ligne est en erreur, les erreurs sont listées (ligne, colonne,
message), rien n'est écrit et la commande sort en erreur (code 1). --dry-run contrôle sans
écrire. Réimporter le même fichier ne crée pas de doublon (lignes identiques « inchangées »).
Un import appliqué est gardé dans l'historique des imports de crédits."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from bilan.imports import formater_erreur, importer, resumer
from bilan.models import ImportCredits


class Command(BaseCommand):
    help = "Importe un classeur de crédits (.xlsx) : tout ou rien."

    def add_arguments(self, parser):
        parser.add_argument("fichier", help="classeur .xlsx (le modèle de crédits complété)")
        parser.add_argument("--dry-run", action="store_true", help="contrôler sans écrire")

    def handle(self, *args, fichier, dry_run, **options):
        chemin = Path(fichier)
        if not chemin.is_file():
            raise CommandError(f"Fichier introuvable : {chemin}")
        contenu = chemin.read_bytes()
        with transaction.atomic():
            # Crédits et ligne d'historique ensemble, ou rien.
            try:
                rapport = importer(contenu, None, dry_run=dry_run, nom_fichier=chemin.name)
            except ValueError as erreur:
                raise CommandError(str(erreur)) from None
            self.stdout.write(resumer(rapport))
            if not rapport.valide:
                for erreur in rapport.erreurs:
                    self.stderr.write(formater_erreur(erreur))
                raise CommandError("Import refusé : aucun crédit n’a été écrit.")
            if dry_run:
                self.stdout.write(
                    self.style.SUCCESS("Contrôle réussi (--dry-run) : rien n’a été écrit.")
                )
                return
            ImportCredits.objects.create(
                origine=ImportCredits.Origine.COMMANDE,
                nom_fichier=chemin.name[:255],
                contenu=contenu,
                statut=ImportCredits.Statut.APPLIQUE,
                applique_le=timezone.now(),
                nb_lignes=rapport.lignes,
                nb_nouvelles=rapport.nouvelles,
                nb_modifiees=rapport.modifiees,
                nb_inchangees=rapport.inchangees,
                apercu=rapport.apercu,
            )
        self.stdout.write(self.style.SUCCESS("Import appliqué."))
