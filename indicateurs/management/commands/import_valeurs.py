"""Importe un classeur de valeurs pour une campagne, avec les mêmes contrôles que le portail.

    python manage.py import_valeurs FICHIER.xlsx --annee 2025 [--dry-run] [--utilisateur id]
        [--soumettre]

Tout ou rien : si une ligne est en erreur, les erreurs sont listées (ligne, colonne,
message), rien n'est écrit et la commande sort en erreur (code 1). --dry-run contrôle sans
écrire. Sans --utilisateur, les droits sont ceux du SPV ; avec, ceux de cet utilisateur (un
partenaire n'importe que les indicateurs de son organisation) ; --soumettre (avec --utilisateur)
soumet au SPV les valeurs écrites, en son nom. Un import appliqué est gardé
dans l'historique des imports (socle/imports.py : CommandeImport)."""

from django.core.management.base import CommandError

from indicateurs.management.commands.export_modele_valeurs import utilisateur
from indicateurs.models import ANNEE_MAX, ANNEE_MIN, ImportValeurs
from socle import roles
from socle.imports import CommandeImport


class Command(CommandeImport):
    help = "Importe un classeur de valeurs (.xlsx) pour une campagne (tout ou rien)."
    historique = ImportValeurs

    def ajouter_arguments(self, parser):
        parser.add_argument("--annee", type=int, required=True, help="année de la campagne")
        parser.add_argument(
            "--utilisateur", dest="identifiant", help="identifiant dont appliquer les droits"
        )
        parser.add_argument(
            "--soumettre",
            action="store_true",
            help="soumettre au SPV les valeurs écrites (au nom de --utilisateur)",
        )

    def preparer(self, options):
        annee = options["annee"]
        if not ANNEE_MIN <= annee <= ANNEE_MAX:
            raise CommandError(f"L’année doit être comprise entre {ANNEE_MIN} et {ANNEE_MAX}.")
        user = utilisateur(options["identifiant"])
        if user is not None and not roles.peut_importer_valeurs(user):
            raise CommandError(
                "Cet utilisateur ne peut pas importer de valeurs (réservé au SPV et aux "
                "partenaires producteurs)."
            )
        if options["soumettre"] and user is None:
            raise CommandError("--soumettre demande --utilisateur : au nom de qui soumettre.")
        organisation = roles.organisation_de(user) if user else None
        return user, {
            "annee": annee,
            "organisation_id": organisation,
            "soumettre": options["soumettre"],
        }
