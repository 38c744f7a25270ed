"""Crée un compte de démonstration par rôle, pour un lancement local uniquement.

Refuse de s'exécuter quand DEBUG est désactivé (production), sans exception possible : ces
comptes ont un mot de passe publié dans le README, dont un superutilisateur. Idempotent : les
comptes existants sont remis dans leur rôle et leur mot de passe de démonstration."""

import io

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from engagements.models import Signataire
from quartiers.models import Quartier
from socle.models import Profil
from socle.roles import Role
from structures.models import Structure

MOT_DE_PASSE = "demo-contrat-2024"

COMPTES = [
    # identifiant, prénom, nom, rôle
    ("demo-admin", "Administratrice", "Démo", None),
    ("demo-spv", "Agent", "SPV (démo)", Role.SPV),
    ("demo-delegue", "Délégué", "du Préfet (démo)", Role.DELEGUE),
    ("demo-partenaire", "Partenaire", "Caf (démo)", Role.PARTENAIRE),
    ("demo-structure", "Membre", "J2P (démo)", Role.STRUCTURE),
]


class Command(BaseCommand):
    help = "Crée les comptes de démonstration (un par rôle) — lancement local uniquement."

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Comptes de démonstration refusés : DEBUG est désactivé (production). Leurs mots "
                "de passe sont publics ; ils ne servent qu’à un lancement local (make run)."
            )
        if not settings.DEMO_ACCOUNTS:
            raise CommandError("Comptes de démonstration refusés : DEMO_ACCOUNTS est désactivé.")
        call_command(
            "sync_roles", stdout=self.stdout if options["verbosity"] > 1 else io.StringIO()
        )
        for identifiant, prenom, nom, role in COMPTES:
            user, cree = User.objects.get_or_create(username=identifiant)
            user.first_name, user.last_name = prenom, nom
            user.email = f"{identifiant}@exemple.invalid"
            user.is_superuser = role is None
            user.is_staff = role is None or role == Role.SPV
            user.set_password(MOT_DE_PASSE)
            user.save()
            if role:
                profil, _ = Profil.objects.get_or_create(user=user, defaults={"role": role})
                profil.role = role
                if role == Role.PARTENAIRE:
                    profil.signataire = Signataire.objects.filter(
                        nom__icontains="allocations familiales"
                    ).first()
                if role == Role.STRUCTURE:
                    profil.structure = Structure.objects.filter(slug="j2p").first()
                profil.save()
                if role == Role.DELEGUE:
                    profil.quartiers.set(Quartier.objects.filter(arrondissements__numero=19))
        self.stdout.write(f"Comptes de démonstration (mot de passe commun : {MOT_DE_PASSE}) :")
        for identifiant, _prenom, _nom, role in COMPTES:
            self.stdout.write(f"  {identifiant:<17} {role.label if role else 'Superutilisateur'}")
