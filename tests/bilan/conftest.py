"""Fixtures du bilan annuel : un jeu de données connu pour 2025 et 2024 (valeurs de tous
statuts, une valeur de démonstration, crédits, fiches-actions, études, suivi de projet), réparti
entre le 19e arrondissement et d'autres, pour vérifier les chiffres et le périmètre."""

import datetime
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from bilan.models import Credit, EtudeQualitative
from engagements.models import Engagement, Signataire
from indicateurs.models import Campagne, Indicateur, Territoire, Valeur
from quartiers.models import Arrondissement, ProjetStructurant, Quartier, SuiviProjet
from structures.models import FicheAction, Structure

ANNEE = 2025
PDF_MINIMAL = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture(autouse=True)
def _medias_temporaires(settings, tmp_path):
    """Les rapports joints aux études vont dans un dossier jetable."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PORTAIL_URL = "https://portail.exemple"


def territoire(code):
    return Territoire.objects.get(code=code)


def valeur(code, territoire_code, annee, statut=Valeur.Statut.VALIDE, demo=False, **champs):
    indicateur = Indicateur.objects.get(code=code)
    if demo:
        champs["origine"] = Valeur.Origine.DEMO
    return Valeur.objects.create(
        indicateur=indicateur,
        territoire=territoire(code=territoire_code),
        annee=annee,
        statut=statut,
        demo=demo,
        **champs,
    )


def signataire(fragment):
    return Signataire.objects.get(nom__icontains=fragment)


def classeur(contenu):
    return load_workbook(io.BytesIO(contenu))


@pytest.fixture
def donnees(db):
    """Le jeu de données du bilan 2025 (comparé à 2024)."""
    jour = timezone.localdate()
    for an in (ANNEE - 1, ANNEE):
        Campagne.objects.create(
            annee=an,
            date_ouverture=jour - datetime.timedelta(days=10),
            date_cloture=jour + datetime.timedelta(days=30),
        )
    arr19 = Arrondissement.objects.get(numero=19)
    stalingrad = Quartier.objects.get(slug="stalingrad-riquet")  # 19e
    goutte = Quartier.objects.get(slug="goutte-dor")  # 18e
    e1, e2, e28 = (Engagement.objects.get(numero=n) for n in (1, 2, 28))

    valeurs = {
        # E01-1 : une part ; ensemble des QPV, Paris et deux QPV, validées.
        "e01_ensemble": valeur("E01-1", "ensemble-qpv", ANNEE, valeur=Decimal("21.0")),
        "e01_ensemble_n1": valeur("E01-1", "ensemble-qpv", ANNEE - 1, valeur=Decimal("20.0")),
        "e01_paris": valeur("E01-1", "paris", ANNEE, valeur=Decimal("17.0")),
        "e01_paris_n1": valeur("E01-1", "paris", ANNEE - 1, valeur=Decimal("16.5")),
        "e01_stalingrad": valeur("E01-1", "qpv-stalingrad-riquet", ANNEE, valeur=Decimal("30")),
        "e01_goutte": valeur("E01-1", "qpv-goutte-dor", ANNEE, valeur=Decimal("25")),
        # E28-2 : un nombre ; l'ensemble en brouillon (sans 2024), Paris validé.
        "e28_ensemble": valeur(
            "E28-2", "ensemble-qpv", ANNEE, statut=Valeur.Statut.BROUILLON, valeur=Decimal(120)
        ),
        "e28_paris": valeur("E28-2", "paris", ANNEE, valeur=Decimal(1000)),
        # E05-1 : nombre et part, soumise.
        "e05_ensemble": valeur(
            "E05-1", "ensemble-qpv", ANNEE, statut=Valeur.Statut.SOUMIS, nombre=10, base=40
        ),
        # E02-1 : une valeur de démonstration validée.
        "e02_demo": valeur("E02-1", "ensemble-qpv", ANNEE, demo=True, valeur=Decimal(555)),
    }
    ville = signataire("Ville de Paris")
    caf = signataire("Allocations Familiales")
    prefecture = signataire("Préfecture de Paris")
    credits = [
        Credit.objects.create(
            annee=ANNEE,
            signataire=ville,
            type=Credit.Type.DROIT_COMMUN,
            montant=Decimal("100000.00"),
            quartier=stalingrad,
            engagement=e1,
            dispositif="Droit commun éducation",
        ),
        Credit.objects.create(
            annee=ANNEE,
            signataire=caf,
            type=Credit.Type.SPECIFIQUE,
            montant=Decimal("50000.50"),
            arrondissement=arr19,
            dispositif="Fonds de participation des habitants",
        ),
        Credit.objects.create(
            annee=ANNEE,
            signataire=prefecture,
            type=Credit.Type.SPECIFIQUE,
            montant=Decimal("30000.00"),
            engagement=e28,
            dispositif="BOP 147",
        ),
        Credit.objects.create(
            annee=ANNEE,
            signataire=caf,
            type=Credit.Type.DROIT_COMMUN,
            montant=Decimal("20000.00"),
            quartier=goutte,
        ),
        Credit.objects.create(
            annee=ANNEE - 1,
            signataire=ville,
            type=Credit.Type.DROIT_COMMUN,
            montant=Decimal("80000.00"),
            quartier=stalingrad,
        ),
    ]
    structure = Structure.objects.get(slug="j2p")

    def fiche(titre, annee, statut, quartier, engagements=(e1,)):
        f = FicheAction.objects.create(
            structure=structure, titre=titre, annee=annee, statut=statut, resume="Résumé."
        )
        f.quartiers.add(quartier)
        f.engagements.add(*engagements)
        return f

    fiches = [
        fiche("Atelier parents Riquet", ANNEE, "validee", stalingrad),
        fiche("Soutien scolaire Riquet", ANNEE, "validee", stalingrad, (e1, e2)),
        fiche("Fête de quartier Goutte d’Or", ANNEE, "soumise", goutte, (e28,)),
        fiche("Projet en préparation", ANNEE, "brouillon", stalingrad),
        fiche("Atelier parents 2024", ANNEE - 1, "validee", stalingrad),
    ]
    etude_riquet = EtudeQualitative.objects.create(
        titre="Parole des parents de Stalingrad Riquet",
        annee=ANNEE,
        realisee_par="Apur",
        resume="Les parents décrivent un accès difficile aux modes de garde.",
    )
    etude_riquet.engagements.add(e1, e2)
    etude_riquet.quartiers.add(stalingrad)
    etude_paris = EtudeQualitative.objects.create(
        titre="Évaluation parisienne du FPH",
        annee=ANNEE,
        realisee_par="Cabinet Évalua",
        resume="Le fonds de participation des habitants soutient 300 projets.",
    )
    EtudeQualitative.objects.create(
        titre="Diagnostic 2024", annee=ANNEE - 1, realisee_par="SPV", resume="Diagnostic."
    )
    projet = ProjetStructurant.objects.filter(quartier=stalingrad).order_by("ordre").first()
    SuiviProjet.objects.create(
        projet=projet,
        date=datetime.date(ANNEE, 3, 1),
        statut=ProjetStructurant.Statut.EN_COURS,
        commentaire="Travaux commencés.",
    )
    return {
        "valeurs": valeurs,
        "credits": credits,
        "fiches": fiches,
        "etudes": [etude_riquet, etude_paris],
        "projet": projet,
        "arr19": arr19,
        "stalingrad": stalingrad,
        "goutte": goutte,
    }
