"""Produit le bilan annuel du comité de pilotage, pour Paris ou un arrondissement.

    python manage.py export_bilan --annee 2025 -o bilan-2025.xlsx [--arrondissement 19]
                                  [--toutes-valeurs] [--avec-demo]

Le format suit l'extension du fichier de sortie : `.xlsx` (classeur de neuf feuilles,
graphiques natifs) ou `.pdf` (rapport imprimable, WeasyPrint). Par défaut, seules les valeurs
validées et réelles figurent dans le bilan ; `--toutes-valeurs` ajoute brouillons, soumises
et renvoyées (avec leur statut), `--avec-demo` les valeurs de démonstration (marquées
« Démo »). Lecture seule : la commande n'écrit rien en base. Elle imprime la durée du calcul
et du rendu, et le nombre de lignes de chaque feuille."""

import getpass
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bilan.classeur import ecrire_classeur
from bilan.donnees import calculer_bilan
from bilan.models import ANNEE_MAX, ANNEE_MIN
from quartiers.models import Arrondissement
from socle.lectures import lectures_lourdes

FORMATS = (".xlsx", ".pdf")


class Command(BaseCommand):
    help = "Produit le bilan annuel (classeur .xlsx ou rapport .pdf), Paris ou un arrondissement."

    def add_arguments(self, parser):
        parser.add_argument("--annee", type=int, required=True, help="année du bilan")
        parser.add_argument(
            "-o", "--sortie", required=True, help="fichier à écrire (.xlsx ou .pdf)"
        )
        parser.add_argument(
            "--arrondissement", type=int, help="numéro d’arrondissement (comité d’arrondissement)"
        )
        parser.add_argument(
            "--toutes-valeurs",
            action="store_true",
            help="inclure les valeurs non validées (par défaut : validées seulement)",
        )
        parser.add_argument(
            "--avec-demo",
            action="store_true",
            help="inclure les valeurs de démonstration, marquées « Démo » (par défaut : exclues)",
        )

    def handle(self, *args, annee, sortie, arrondissement, toutes_valeurs, avec_demo, **options):
        if not ANNEE_MIN <= annee <= ANNEE_MAX:
            raise CommandError(f"L’année doit être comprise entre {ANNEE_MIN} et {ANNEE_MAX}.")
        chemin = Path(sortie)
        if chemin.suffix.lower() not in FORMATS:
            raise CommandError(
                f"Extension « {chemin.suffix or '(aucune)'} » non prise en charge : le fichier de "
                "sortie se termine par .xlsx (classeur) ou .pdf (rapport)."
            )
        if not chemin.parent.is_dir():
            raise CommandError(f"Dossier introuvable : {chemin.parent}")
        arr = None
        if arrondissement is not None:
            arr = Arrondissement.objects.filter(numero=arrondissement).first()
            if arr is None:
                numeros = ", ".join(a.court for a in Arrondissement.objects.all())
                raise CommandError(
                    f"Le {arrondissement}e arrondissement n’a pas de quartier prioritaire. "
                    f"Arrondissements du contrat : {numeros}."
                )
        debut = time.perf_counter()
        # Lecture seule : sur le réplica s'il y en a un (contratville/routeurs.py).
        with lectures_lourdes():
            bilan = calculer_bilan(
                annee,
                arrondissement=arr,
                toutes_valeurs=toutes_valeurs,
                avec_demo=avec_demo,
                auteur=f"ligne de commande ({getpass.getuser()})",
            )
            calcul = time.perf_counter() - debut
            if chemin.suffix.lower() == ".pdf":
                from bilan.rapport import rendre_pdf

                chemin.write_bytes(rendre_pdf(bilan))
            else:
                ecrire_classeur(bilan).enregistrer(chemin)
            nb_valeurs = len(bilan.lignes_valeurs)
            nb_fiches = bilan.fiches.count()  # un queryset : compté, pas chargé
        total = time.perf_counter() - debut
        self.stdout.write(
            f"{bilan.titre} : {len(bilan.quartiers)} QPV, "
            f"{sum(len(s.lignes) for _, g in bilan.thematiques for s in g)} lignes d’indicateurs, "
            f"{nb_valeurs} valeurs, {nb_fiches} fiches-actions, "
            f"{len(bilan.credits)} crédits, {len(bilan.etudes)} études."
        )
        if bilan.demo_presente:
            self.stdout.write(self.style.WARNING("Le bilan contient des valeurs de démonstration."))
        self.stdout.write(
            self.style.SUCCESS(
                f"Écrit dans {chemin} ({chemin.stat().st_size / 1024:.0f} Ko) en {total:.2f} s "
                f"(calcul {calcul:.2f} s, rendu {total - calcul:.2f} s)."
            )
        )
