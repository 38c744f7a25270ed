"""Écrit le modèle de saisie pré-rempli d'une campagne (.xlsx), comme le bouton du portail.

    python manage.py export_modele_valeurs --annee 2025 -o modele.xlsx [--engagement 5]
        [--producteur "Caisse d'allocations familiales de Paris"] [--utilisateur identifiant]

Sans --utilisateur, le modèle couvre tous les indicateurs (droits du SPV) ; avec, il se
limite à ce que cet utilisateur peut saisir (un partenaire : les indicateurs de son
organisation)."""

from pathlib import Path

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from engagements.models import Signataire
from indicateurs.models import ANNEE_MAX, ANNEE_MIN, Campagne
from indicateurs.resources import modele_xlsx
from socle.chiffres import compte_fr
from socle.imports import OperateurCommande

# Les droits de la ligne de commande : ceux du SPV (l'opérateur a accès au serveur).
UtilisateurCommande = OperateurCommande


def utilisateur(identifiant):
    if not identifiant:
        return None
    try:
        return User.objects.select_related("profil").get(username=identifiant)
    except User.DoesNotExist:
        raise CommandError(f"Utilisateur inconnu : {identifiant}") from None


class Command(BaseCommand):
    help = "Écrit le modèle de saisie pré-rempli d’une campagne (.xlsx)."

    def add_arguments(self, parser):
        parser.add_argument("--annee", type=int, required=True, help="année de la campagne")
        parser.add_argument("-o", "--sortie", required=True, help="fichier .xlsx à écrire")
        parser.add_argument("--engagement", type=int, help="numéro d’engagement")
        parser.add_argument("--producteur", help="nom exact du signataire producteur")
        parser.add_argument(
            "--utilisateur", dest="identifiant", help="identifiant dont appliquer les droits"
        )

    def handle(self, *args, annee, sortie, engagement, producteur, identifiant, **options):
        if not ANNEE_MIN <= annee <= ANNEE_MAX:
            raise CommandError(f"L’année doit être comprise entre {ANNEE_MIN} et {ANNEE_MAX}.")
        if not Campagne.objects.filter(annee=annee).exists():
            raise CommandError(f"Aucune campagne n’existe pour {annee}.")
        signataire = None
        if producteur:
            signataire = Signataire.objects.filter(nom=producteur).first()
            if signataire is None:
                raise CommandError(f"Producteur inconnu : {producteur}")
        user = utilisateur(identifiant) or UtilisateurCommande()
        contenu, lignes = modele_xlsx(annee, user, engagement=engagement, producteur=signataire)
        Path(sortie).write_bytes(contenu)
        self.stdout.write(
            self.style.SUCCESS(
                f"Modèle {annee} écrit dans {sortie} : {compte_fr(lignes, 'ligne')}."
            )
        )
