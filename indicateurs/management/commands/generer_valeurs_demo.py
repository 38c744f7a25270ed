"""Génère des valeurs de DÉMONSTRATION pour des campagnes passées, afin de voir les
graphiques d'évolution. Jamais lancée par `make run` ni par les tests.

    python manage.py generer_valeurs_demo --annees 2020-2023 [--indicateurs E01-1,E05-1]
    python manage.py generer_valeurs_demo --supprimer

Les valeurs sont synthétiques, marquées `demo=True` (« démo » sur chaque page et dans chaque
export), validées pour être visibles de tous les comptes, et créées seulement là où aucune
valeur n'existe : une valeur réelle (ou déjà générée) n'est jamais remplacée. Déterministe
(graine fixe) et idempotente : relancée, elle ne crée rien de plus. Écriture groupée
historisée (bulk_create_with_history)."""

import random
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from indicateurs.mesures import territoires_attendus, territoires_par_niveau
from indicateurs.models import ANNEE_MAX, ANNEE_MIN, Indicateur, Valeur
from socle.chiffres import accord, compte_fr, nombre_fr

RAISON = "Valeur de démonstration (generer_valeurs_demo)"
SOURCE = "Valeur synthétique de démonstration — pas une donnée réelle"


def lire_annees(texte):
    try:
        if "-" in texte:
            debut, fin = (int(x) for x in texte.split("-", 1))
        else:
            debut = fin = int(texte)
    except ValueError:
        raise CommandError(f"Années illisibles : « {texte} » (exemple : 2020-2023).") from None
    if not (ANNEE_MIN <= debut <= fin <= ANNEE_MAX):
        raise CommandError(f"Les années doivent être comprises entre {ANNEE_MIN} et {ANNEE_MAX}.")
    return list(range(debut, fin + 1))


def tirer(indicateur, territoire, annee, aleas):
    """Une valeur plausible, stable d'une année sur l'autre (marche aléatoire par
    territoire) ; Paris un peu en dessous des QPV pour les parts et taux."""
    U = Indicateur.Unite
    cle = (indicateur.pk, territoire.pk)
    if indicateur.unite == U.NOMBRE_PART:
        base = aleas.setdefault(("base",) + cle, random.randint(200, 5000))
        part = aleas.setdefault(cle, random.uniform(5, 60))
        part = max(1.0, min(95.0, part * random.uniform(0.9, 1.12)))
        aleas[cle] = part
        return {"nombre": round(base * part / 100), "base": base}
    if indicateur.unite in (U.PART, U.TAUX):
        depart = random.uniform(8, 40) * (0.7 if territoire.est_paris else 1)
        niveau = aleas.setdefault(cle, depart)
        niveau = max(0.5, min(99.0, niveau * random.uniform(0.92, 1.08)))
        aleas[cle] = niveau
        return {"valeur": Decimal(str(round(niveau, 1)))}
    depart = random.randint(20, 800) * (15 if territoire.est_paris else 1)
    niveau = aleas.setdefault(cle, depart)
    niveau = max(0, round(niveau * random.uniform(0.85, 1.2)))
    aleas[cle] = niveau
    return {"valeur": Decimal(niveau)}


class Command(BaseCommand):
    help = "Génère des valeurs de démonstration (marquées « démo ») pour des campagnes passées."

    def add_arguments(self, parser):
        parser.add_argument("--annees", default="2020-2023", help="ex. 2020-2023 (défaut)")
        parser.add_argument(
            "--indicateurs",
            default="",
            help="codes séparés par des virgules (défaut : indicateurs du contrat)",
        )
        parser.add_argument("--supprimer", action="store_true", help="supprimer les valeurs démo")
        parser.add_argument("--force", action="store_true", help="autoriser hors DEBUG")

    @transaction.atomic
    def handle(self, *args, annees, indicateurs, supprimer, force, **options):
        if not (settings.DEBUG or settings.DEMO_ACCOUNTS or force):
            raise CommandError(
                "Valeurs de démonstration refusées hors lancement local (DEBUG) : ajoutez "
                "--force si vous savez ce que vous faites."
            )
        if supprimer:
            # Suppression objet par objet (signaux) : chaque suppression est historisée.
            nombre, _ = Valeur.objects.de_demo().delete()
            self.stdout.write(
                self.style.SUCCESS(
                    f"{compte_fr(nombre, 'valeur')} de démonstration {accord(nombre, 'supprimée')}."
                )
            )
            return
        liste_annees = lire_annees(annees)
        choisis = Indicateur.objects.exclude(unite=Indicateur.Unite.AUTRE).order_by("code")
        codes = [c.strip() for c in indicateurs.split(",") if c.strip()]
        # Par défaut, les seuls indicateurs du contrat : ceux de contexte portent déjà les
        # chiffres clés réels, qu'une courbe synthétique brouillerait.
        choisis = choisis.filter(code__in=codes) if codes else choisis.du_contrat()
        choisis = list(choisis)
        groupes = territoires_par_niveau()
        existantes = set(
            Valeur.objects.filter(indicateur__in=choisis, annee__in=liste_annees).values_list(
                "indicateur_id", "territoire_id", "annee"
            )
        )
        random.seed(2024)  # mêmes valeurs à chaque lancement
        aleas, nouvelles, ignorees = {}, [], 0
        maintenant = timezone.now()
        for ind in choisis:
            for territoire in territoires_attendus(ind, groupes):
                for annee in liste_annees:
                    tirage = tirer(ind, territoire, annee, aleas)
                    if (ind.pk, territoire.pk, annee) in existantes:
                        ignorees += 1
                        continue
                    v = Valeur(
                        indicateur=ind,
                        territoire=territoire,
                        annee=annee,
                        statut=Valeur.Statut.VALIDE,
                        origine=Valeur.Origine.DEMO,
                        demo=True,
                        source=SOURCE,
                        commentaire="Valeur de démonstration générée pour illustrer les graphiques.",
                        valide_le=maintenant,
                        **tirage,
                    )
                    if ind.est_nombre_part:
                        v.valeur = v.calculer_part()
                    nouvelles.append(v)
        bulk_create_with_history(nouvelles, Valeur, batch_size=500, default_change_reason=RAISON)
        self.stdout.write(
            self.style.SUCCESS(
                f"{compte_fr(len(nouvelles), 'valeur')} de démonstration "
                f"{accord(len(nouvelles), 'créée')} pour {', '.join(map(str, liste_annees))} ; "
                f"{nombre_fr(ignorees)} déjà {accord(ignorees, 'présente')}, "
                f"{accord(ignorees, 'laissée telle quelle', 'laissées telles quelles')}."
            )
        )
