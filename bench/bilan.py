"""Banc d'essai à l'échelle de Paris : une campagne parisienne complète, SYNTHÉTIQUE.

`preparer()` remplit la base du banc d'essai (jamais la base réelle : ce module n'est importé
que par `python -m bench`) avec ce qu'une année pleine produit :

- les campagnes N et N-1 et une valeur pour chaque indicateur du contrat × territoire attendu,
  les deux années (commande `generer_valeurs_demo`, valeurs marquées `demo`) ; 15 % des valeurs
  de N ramenées en brouillon ou soumises, comme une campagne en cours de validation ;
- 1 200 crédits (39 signataires × 2 types × QPV, arrondissements ou Paris, sur deux ans) ;
- 400 fiches-actions sur deux ans, rattachées à 1 à 3 engagements et 1 à 2 QPV ;
- 40 études qualitatives et 150 étapes de suivi de projets structurants.

Tout ce qui est créé porte la marque « [banc d’essai] » (valeurs : `demo=True`). Idempotent :
relancé sur une base déjà préparée, il ne crée rien de plus. Les mesures du bilan (classeur,
PDF, rapport) sont dans `bench/mesures.py`, aux deux échelles."""

import io
import random
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, transaction

ANNEE = 2025
MARQUE = "[banc d’essai]"


def preparer(annee=ANNEE):
    """Crée la campagne synthétique (une fois) ; renvoie le nombre de crédits de N."""
    from bilan.models import Credit

    if not Credit.objects.filter(commentaire__startswith=MARQUE).exists():
        _remplir(annee)
        # Statistiques du planificateur à jour, comme dans une base en service (une base
        # jetable qui vient d'être remplie n'en a pas : les plans de requêtes seraient mauvais).
        with connection.cursor() as curseur:
            curseur.execute("ANALYZE")
    return Credit.objects.filter(annee=annee).count()


@transaction.atomic
def _remplir(annee):
    from bilan.models import Credit, EtudeQualitative
    from engagements.models import Engagement, Signataire
    from indicateurs.models import Campagne, Valeur
    from quartiers.models import Arrondissement, ProjetStructurant, Quartier, SuiviProjet
    from structures.models import FicheAction, Structure

    random.seed(7)
    for an in (annee - 1, annee):
        Campagne.objects.get_or_create(
            annee=an,
            defaults={"date_ouverture": date(an + 1, 1, 15), "date_cloture": date(an + 1, 6, 30)},
        )
    call_command(
        "generer_valeurs_demo", annees=f"{annee - 1}-{annee}", force=True, stdout=io.StringIO()
    )
    en_cours = list(Valeur.objects.de_demo().filter(annee=annee).order_by("pk"))
    en_cours = random.sample(en_cours, len(en_cours) * 15 // 100)
    for i, v in enumerate(en_cours):
        v.statut = Valeur.Statut.BROUILLON if i % 2 else Valeur.Statut.SOUMIS
    Valeur.objects.bulk_update(en_cours, ["statut"], batch_size=500)

    signataires = list(Signataire.objects.all())
    quartiers = list(Quartier.objects.prefetch_related("arrondissements"))
    arrondissements = list(Arrondissement.objects.all())
    engagements = list(Engagement.objects.all())
    dispositifs = ["BOP 147", "Appel à projets politique de la ville", "FPH", "Droit commun"]
    credits = []
    for an in (annee - 1, annee):
        for s in signataires:
            for type_ in Credit.Type.values:
                for _ in range(8):
                    tirage = random.random()
                    credits.append(
                        Credit(
                            annee=an,
                            signataire=s,
                            type=type_,
                            montant=Decimal(random.randint(2_000, 400_000)),
                            engagement=random.choice(engagements) if tirage < 0.7 else None,
                            quartier=random.choice(quartiers) if tirage < 0.6 else None,
                            arrondissement=(
                                random.choice(arrondissements) if 0.6 <= tirage < 0.8 else None
                            ),
                            dispositif=random.choice(dispositifs),
                            commentaire=f"{MARQUE} crédit synthétique",
                        )
                    )
    Credit.objects.bulk_create(credits, batch_size=500)

    structures = list(Structure.objects.filter(hors_paris=False)) or list(Structure.objects.all())
    fiches = [
        FicheAction(
            structure=random.choice(structures),
            titre=f"{MARQUE} action {i}",
            annee=annee - (i % 2),
            statut=random.choice(FicheAction.Statut.values),
            resume="Fiche synthétique du banc d’essai.",
            nb_beneficiaires=random.randint(10, 500),
        )
        for i in range(400)
    ]
    FicheAction.objects.bulk_create(fiches, batch_size=500)
    Engagements = FicheAction.engagements.through
    Quartiers = FicheAction.quartiers.through
    Engagements.objects.bulk_create(
        Engagements(ficheaction_id=f.pk, engagement_id=e.pk)
        for f in fiches
        for e in random.sample(engagements, random.randint(1, 3))
    )
    Quartiers.objects.bulk_create(
        Quartiers(ficheaction_id=f.pk, quartier_id=q.pk)
        for f in fiches
        for q in random.sample(quartiers, random.randint(1, 2))
    )
    for i in range(40):
        etude = EtudeQualitative.objects.create(
            titre=f"{MARQUE} étude {i}",
            annee=annee - (i % 2),
            realisee_par="Équipe du banc d’essai",
            resume="Résumé synthétique. " * 20,
        )
        etude.engagements.set(random.sample(engagements, 2))
        etude.quartiers.set(random.sample(quartiers, 1 + i % 3))
    auteur, _ = User.objects.get_or_create(username="banc-essai")
    projets = list(ProjetStructurant.objects.order_by("pk")[:150])
    SuiviProjet.objects.bulk_create(
        SuiviProjet(
            projet=p,
            date=date(annee - (i % 2), 1 + i % 12, 1 + i % 28),
            statut=random.choice(ProjetStructurant.Statut.values),
            commentaire=f"{MARQUE} étape de suivi",
            auteur=auteur,
        )
        for i, p in enumerate(projets)
    )
