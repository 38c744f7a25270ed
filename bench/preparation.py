"""Prépare la base d'une échelle pour les mesures, dans un processus à part :

    python -m bench.preparation --echelle paris|nationale --dossier DOSSIER [--qpv 1600 …]

1. migrations, groupes des rôles et référentiel (load_referentiel) ;
2. les données : à l'échelle de Paris, la campagne synthétique de `bench/bilan.py` ; à
   l'échelle nationale, le jeu de `bench/national/` (base `bench_…` seulement) ;
3. les comptes du banc (`banc-spv`, `banc-delegue` : délégué des QPV du 19e) ;
4. la campagne de l'année mesurée ouverte jusqu'à dans six mois (les imports et la saisie
   sont mesurés sur une campagne ouverte, quelle que soit la date du jour) ;
5. une valeur SAISIE (non démo) par le compte SPV, cible de la saisie mesurée : la grille
   refuse aujourd'hui de modifier une valeur de démonstration (contrainte
   `valeur_demo_coherente`, erreur 500), toutes les valeurs générées en sont ;
6. les classeurs d'import (10 lignes, 10 000 lignes ou toute l'année s'il y en a moins) :
   des créations de valeurs de l'année, à la place de valeurs de démonstration que la mesure
   retire dans sa transaction annulée.

Tout est idempotent : relancée sur une base prête, la préparation ne réécrit rien d'autre que
les fichiers du dossier. Le contexte des mesures est écrit dans `DOSSIER/contexte-ECHELLE.json`."""

import argparse
import io
import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contratville.settings_test")

import django  # noqa: E402

ANNEE = 2025
INDICATEUR = "E05-2"
QUARTIER_FICHE = "les-portes-du-vingtieme"
ARRONDISSEMENT = 19
TERRITOIRE_SAISIE = "qpv-algerie"  # un QPV du 19e, hors des classeurs d'import
TAILLES_IMPORT = (10, 10_000)
COMPTES = {"spv": "banc-spv", "delegue": "banc-delegue"}
SOURCE_SAISIE = "Données synthétiques du banc d’essai"
COLONNES_IMPORT = [
    "Code indicateur",
    "Code territoire",
    "Année",
    "Valeur",
    "Nombre",
    "Base",
    "Source",
    "Commentaire",
    "Version",
]


def dire(texte):
    print(texte, flush=True)


def etape(libelle, fonction, *args, **kwargs):
    debut = time.perf_counter()
    resultat = fonction(*args, **kwargs)
    dire(f"  {libelle} : {time.perf_counter() - debut:.1f} s")
    return resultat


def creer_comptes():
    from django.contrib.auth.models import User

    from quartiers.models import Quartier
    from socle.models import Profil
    from socle.roles import Role

    comptes = {}
    for cle, identifiant in COMPTES.items():
        user, _ = User.objects.get_or_create(
            username=identifiant, defaults={"first_name": "Banc", "last_name": "d’essai"}
        )
        role = Role.SPV if cle == "spv" else Role.DELEGUE
        profil, _ = Profil.objects.get_or_create(user=user, defaults={"role": role})
        if cle == "delegue":
            profil.quartiers.set(Quartier.objects.filter(arrondissements__numero=ARRONDISSEMENT))
        comptes[cle] = identifiant
    return comptes


def ouvrir_campagne(annee):
    """La campagne de l'année mesurée, ouverte aujourd'hui (dans la base du banc seulement)."""
    from django.utils import timezone

    from indicateurs.models import Campagne

    aujourd_hui = timezone.localdate()
    campagne = Campagne.objects.filter(annee=annee).first()
    if campagne is None:
        raise SystemExit(f"Aucune campagne {annee} dans la base : préparation impossible.")
    campagne.statut = Campagne.Statut.OUVERTE
    campagne.date_ouverture = min(campagne.date_ouverture, aujourd_hui)
    campagne.date_cloture = max(campagne.date_cloture, aujourd_hui + timedelta(days=180))
    campagne._change_reason = "Banc d’essai : campagne ouverte pour les mesures"
    campagne.save()
    return campagne


def preparer_saisie(annee, campagne):
    """La valeur (non démo) que la saisie mesurée modifie, créée une fois par le chemin de la
    grille (`enregistrer_valeur`) au nom du compte SPV ; retourne ce que la mesure poste."""
    from django.contrib.auth.models import User
    from django.db import transaction

    from indicateurs.models import Indicateur, Territoire, Valeur
    from indicateurs.saisie import enregistrer_valeur

    indicateur = Indicateur.objects.get(code=INDICATEUR)
    territoire = Territoire.objects.get(code=TERRITOIRE_SAISIE)
    cle = {"indicateur": indicateur, "territoire": territoire, "annee": annee}
    with transaction.atomic():
        existante = Valeur.objects.filter(**cle).first()
        if existante is None or existante.demo:
            if existante is not None:
                existante.delete()
            enregistrer_valeur(
                User.objects.get(username=COMPTES["spv"]),
                indicateur,
                territoire,
                annee,
                {"valeur": 24, "source": SOURCE_SAISIE, "commentaire": "Saisie du banc d’essai"},
                0,
                campagne,
            )
    valeur = Valeur.objects.get(**cle)
    prefixe = territoire.code
    return {
        "url": f"/indicateurs/{indicateur.code}/saisie/{annee}/{territoire.code}/",
        "donnees": {
            f"{prefixe}-valeur": str(valeur.valeur + 1).replace(".", ","),
            f"{prefixe}-source": SOURCE_SAISIE,
            f"{prefixe}-commentaire": "Correction mesurée par le banc d’essai",
            f"{prefixe}-version": str(valeur.version),
        },
    }


def ecrire_classeurs(annee, dossier):
    """Les classeurs d'import et les valeurs de démonstration qu'ils remplacent."""
    from openpyxl import Workbook

    from indicateurs.models import Valeur

    plus_grand = max(TAILLES_IMPORT)
    candidates = list(
        Valeur.objects.de_demo()
        .filter(annee=annee)
        .exclude(territoire__code=TERRITOIRE_SAISIE)
        .select_related("indicateur", "territoire")
        .order_by("indicateur__code", "territoire__ordre", "territoire__code")[:plus_grand]
    )
    imports = {}
    for taille in TAILLES_IMPORT:
        lignes = candidates[:taille]
        # Classeur ordinaire (pas write_only) : sa zone utile est déclarée, et la lecture de
        # l'import trouve des lignes de même largeur que l'en-tête.
        classeur = Workbook()
        feuille = classeur.active
        feuille.title = f"Valeurs {annee}"
        feuille.append(COLONNES_IMPORT)
        for v in lignes:
            nombre_part = v.indicateur.est_nombre_part
            feuille.append(
                [
                    v.indicateur.code,
                    v.territoire.code,
                    annee,
                    None if nombre_part else float(v.valeur),
                    v.nombre if nombre_part else None,
                    v.base if nombre_part else None,
                    SOURCE_SAISIE,
                    "Import mesuré par le banc d’essai",
                    None,
                ]
            )
        chemin = Path(dossier) / f"import-{len(lignes)}-lignes.xlsx"
        classeur.save(chemin)
        imports[str(taille)] = {
            "fichier": str(chemin),
            "lignes": len(lignes),
            "remplacees": [v.pk for v in lignes],
        }
    return imports


def main(argv=None):
    from bench.national.__main__ import lire_parametres

    parser = argparse.ArgumentParser(prog="python -m bench.preparation")
    parser.add_argument("--echelle", choices=["paris", "nationale"], required=True)
    parser.add_argument("--dossier", required=True)
    args, reste = parser.parse_known_args(argv)
    parametres = lire_parametres(reste)
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from indicateurs.models import Valeur

    dire(f"Préparation de la base « {connection.settings_dict['NAME']} » ({args.echelle})")
    etape("migrations", call_command, "migrate", verbosity=0)
    etape("groupes des rôles", call_command, "sync_roles", stdout=io.StringIO())
    from bench.national.generateur import lire_marque

    if args.echelle == "nationale" and lire_marque() is not None:
        # Déjà généré, donc référentiel déjà chargé ; à cette échelle load_referentiel lit
        # toutes les valeurs (plusieurs minutes, plusieurs Go) : c'est une mesure, pas une
        # étape de préparation.
        dire("  référentiel : déjà chargé avant la génération du jeu national")
    else:
        etape(
            "référentiel (load_referentiel)",
            call_command,
            "load_referentiel",
            stdout=io.StringIO(),
        )
    if args.echelle == "paris":
        from bench import bilan

        etape("campagne synthétique parisienne (bench/bilan.py)", bilan.preparer, ANNEE)
    else:
        from bench.national.generateur import BaseRefusee, generer

        if parametres.annee_campagne != ANNEE:
            raise SystemExit(f"Le banc mesure la campagne {ANNEE} : gardez --annee-campagne.")
        try:
            generer(parametres, sortie=dire)
        except BaseRefusee as refus:
            dire(f"Refusé : {refus}")
            return 2
    comptes = etape("comptes du banc", creer_comptes)
    campagne = etape("campagne ouverte", ouvrir_campagne, ANNEE)
    saisie = etape("valeur saisie, cible de la saisie mesurée", preparer_saisie, ANNEE, campagne)
    imports = etape("classeurs d’import", ecrire_classeurs, ANNEE, args.dossier)
    with connection.cursor() as curseur:
        curseur.execute("ANALYZE")
    nb_valeurs = Valeur.objects.count()
    contexte = {
        "echelle": args.echelle,
        "base": connection.settings_dict["NAME"],
        "annee": ANNEE,
        "indicateur": INDICATEUR,
        "quartier": QUARTIER_FICHE,
        "arrondissement": ARRONDISSEMENT,
        "comptes": comptes,
        "saisie": saisie,
        "imports": imports,
        "nb_valeurs": nb_valeurs,
        "dossier": args.dossier,
        "volumes": volumes(),
    }
    chemin = Path(args.dossier) / f"contexte-{args.echelle}.json"
    chemin.write_text(json.dumps(contexte, ensure_ascii=False, indent=1))
    dire(f"Contexte des mesures : {chemin}")
    return 0


def volumes():
    """Les volumes de la base, pour l'en-tête des résultats."""
    from indicateurs.models import Indicateur, Territoire, Valeur
    from quartiers.models import ProjetStructurant, Quartier
    from structures.models import FicheAction, Structure

    return {
        "QPV": Quartier.objects.count(),
        "territoires": Territoire.objects.count(),
        "indicateurs": Indicateur.objects.count(),
        "valeurs": Valeur.objects.count(),
        "historique des valeurs": Valeur.history.count(),
        "structures": Structure.objects.count(),
        "fiches-actions": FicheAction.objects.count(),
        "projets structurants": ProjetStructurant.objects.count(),
    }


if __name__ == "__main__":
    sys.exit(main())
