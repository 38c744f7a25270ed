"""Publie un nouveau jeu de données ouvertes (paquet Frictionless validé, Licence Ouverte 2.0).

Chaque passage crée un jeu daté (les jeux publiés ne sont jamais modifiés) ; `--verifier`
construit et valide le paquet sans rien écrire."""

from django.core.management.base import BaseCommand, CommandError

from donnees_ouvertes.publication import PublicationRefusee, construire, publier, valider


class Command(BaseCommand):
    help = "Publie les données ouvertes validées et réelles en paquet Frictionless."

    def add_arguments(self, parser):
        parser.add_argument(
            "--verifier",
            action="store_true",
            help="construire et valider le paquet sans le publier",
        )

    def handle(self, *args, verifier=False, **options):
        if verifier:
            erreurs = valider(construire())
            if erreurs:
                raise CommandError("Paquet non valide : " + " ; ".join(erreurs))
            self.stdout.write(self.style.SUCCESS("Paquet valide (rien n’a été publié)."))
            return
        try:
            jeu = publier()
        except PublicationRefusee as e:
            raise CommandError(str(e)) from e
        for r in jeu.ressources:
            self.stdout.write(f"  {r['fichier']:<28} {r['lignes']:>6} lignes")
        self.stdout.write(
            self.style.SUCCESS(f"{jeu} : {jeu.nb_lignes} lignes dans {len(jeu.ressources)} "
                               f"ressources ({jeu.dossier}).")
        )  # fmt: skip
