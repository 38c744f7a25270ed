"""Importe un classeur de valeurs pour une campagne, avec les mêmes contrôles que le portail.

    python manage.py import_valeurs FICHIER.xlsx --annee 2025 [--dry-run] [--utilisateur id]

Tout ou rien : si une ligne est en erreur, les erreurs sont listées (ligne, colonne,
message), rien n'est écrit et la commande sort en erreur (code 1). --dry-run contrôle sans
écrire. Sans --utilisateur, les droits sont ceux du SPV ; avec, ceux de cet utilisateur (un
partenaire n'importe que les indicateurs de son organisation). Un import appliqué est gardé
dans l'historique des imports."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from indicateurs.management.commands.export_modele_valeurs import (
    UtilisateurCommande,
)
from indicateurs.management.commands.export_modele_valeurs import (
    utilisateur as trouver_utilisateur,
)
from indicateurs.models import ANNEE_MAX, ANNEE_MIN, ImportValeurs
from indicateurs.resources import formater_erreur, importer, resumer
from socle import roles


class Command(BaseCommand):
    help = "Importe un classeur de valeurs (.xlsx) pour une campagne (tout ou rien)."

    def add_arguments(self, parser):
        parser.add_argument("fichier", help="classeur .xlsx (le modèle complété)")
        parser.add_argument("--annee", type=int, required=True, help="année de la campagne")
        parser.add_argument("--dry-run", action="store_true", help="contrôler sans écrire")
        parser.add_argument(
            "--utilisateur", dest="identifiant", help="identifiant dont appliquer les droits"
        )

    def handle(self, *args, fichier, annee, dry_run, identifiant, **options):
        if not ANNEE_MIN <= annee <= ANNEE_MAX:
            raise CommandError(f"L’année doit être comprise entre {ANNEE_MIN} et {ANNEE_MAX}.")
        chemin = Path(fichier)
        if not chemin.is_file():
            raise CommandError(f"Fichier introuvable : {chemin}")
        user = trouver_utilisateur(identifiant)
        if user is not None and not roles.peut_importer_valeurs(user):
            raise CommandError(
                "Cet utilisateur ne peut pas importer de valeurs (réservé au SPV et aux "
                "partenaires producteurs)."
            )
        contenu = chemin.read_bytes()
        with transaction.atomic():
            # Valeurs et ligne d'historique ensemble, ou rien.
            self.importer(contenu, annee, user, dry_run, chemin)

    def importer(self, contenu, annee, user, dry_run, chemin):
        try:
            rapport = importer(
                contenu, annee, user or UtilisateurCommande(), dry_run=dry_run,
                nom_fichier=chemin.name,
            )  # fmt: skip
        except ValueError as erreur:
            raise CommandError(str(erreur)) from None
        self.stdout.write(resumer(rapport))
        if not rapport.valide:
            for erreur in rapport.erreurs:
                self.stderr.write(formater_erreur(erreur))
            raise CommandError("Import refusé : aucune valeur n’a été écrite.")
        if dry_run:
            self.stdout.write(
                self.style.SUCCESS("Contrôle réussi (--dry-run) : rien n’a été écrit.")
            )
            return
        ImportValeurs.objects.create(
            annee=annee,
            utilisateur=user,
            organisation_id=roles.organisation_de(user) if user else None,
            origine=ImportValeurs.Origine.COMMANDE,
            nom_fichier=chemin.name[:255],
            contenu=contenu,
            statut=ImportValeurs.Statut.APPLIQUE,
            applique_le=timezone.now(),
            nb_lignes=rapport.lignes,
            nb_nouvelles=rapport.nouvelles,
            nb_modifiees=rapport.modifiees,
            nb_inchangees=rapport.inchangees,
            apercu=rapport.apercu,
        )
        self.stdout.write(self.style.SUCCESS("Import appliqué."))
