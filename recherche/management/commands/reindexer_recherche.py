"""Reconstruit l'index de la recherche depuis les modèles du portail.

Atomique et idempotent : un second passage affiche 0 créée, 0 modifiée. À lancer après un
chargement en masse qui ne passe pas par les signaux (`QuerySet.update()`, `bulk_*`, SQL
direct) ; `load_referentiel` l'appelle lui-même à la fin."""

from django.core.management.base import BaseCommand

from recherche.indexation import reindexer


class Command(BaseCommand):
    help = "Reconstruit l’index de la recherche (entrées et lexique des corrections)."

    def handle(self, *args, **options):
        compteurs = reindexer()
        self.stdout.write(self.style.SUCCESS(f"Index de recherche : {compteurs.resume()}."))
