"""Crée ou met à jour un groupe Django par rôle avec les permissions définies dans
socle/roles.py. Idempotent : à relancer après chaque migration."""

from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from socle.roles import ROLES


class Command(BaseCommand):
    help = "Synchronise les groupes et permissions des rôles du portail."

    @transaction.atomic
    def handle(self, *args, **options):
        for role, definition in ROLES.items():
            groupe, cree = Group.objects.get_or_create(name=definition.groupe)
            voulues = []
            for code in definition.permissions:
                app_label, codename = code.split(".")
                try:
                    voulues.append(
                        Permission.objects.get(content_type__app_label=app_label, codename=codename)
                    )
                except Permission.DoesNotExist as exc:
                    raise CommandError(
                        f"Permission inconnue pour le rôle {role.label} : {code}"
                    ) from exc
            actuelles = set(groupe.permissions.all())
            if actuelles != set(voulues):
                groupe.permissions.set(voulues)
                etat = "créé" if cree else "mis à jour"
            else:
                etat = "créé" if cree else "inchangé"
            self.stdout.write(f"  {definition.groupe:<25} {len(voulues):>3} permissions — {etat}")
        self.stdout.write(self.style.SUCCESS("Rôles synchronisés."))
