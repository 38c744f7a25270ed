"""Le générateur du jeu national du banc d'essai, à toute petite échelle (20 QPV, 2 ans) :
il doit suivre les modèles (une migration qui le casse casse ce test, au lieu de casser le
banc des mois plus tard), ne rien écrire d'invalide, marquer tout ce qu'il écrit comme
synthétique, et refuser toute base qui n'est pas une base vide du banc."""

from collections import Counter

import pytest
from django.contrib.auth.models import User
from django.db import connection

from bench.national.generateur import (
    PREFIXE,
    PREFIXE_INDICATEUR,
    SOURCE,
    BaseRefusee,
    Parametres,
    generer,
    verifier_nom_base,
)
from bilan.models import Credit, EtudeQualitative
from indicateurs.mesures import territoires_attendus, territoires_par_niveau
from indicateurs.models import Indicateur, Territoire, Valeur
from quartiers.models import Arrondissement, ProjetStructurant, Quartier, Secteur
from structures.models import FicheAction, Structure, TransitionFiche

PETIT = Parametres(
    qpv=20,
    departements=2,
    communes=5,
    annee_debut=2024,
    annee_fin=2025,
    annee_campagne=2025,
    indicateurs=110,
    structures=12,
    fiches=60,
    projets_par_qpv=2,
    credits_par_qpv=2,
    etudes=3,
)


def silence(_texte):
    pass


def generer_petit(parametres=PETIT):
    return generer(parametres, autoriser_base_de_test=True, analyser=False, sortie=silence)


@pytest.mark.django_db
def test_volumes_marques_et_validite():
    indicateurs_avant = Indicateur.objects.count()
    generer_petit()

    synthetiques = Quartier.objects.filter(slug__startswith=PREFIXE)
    assert synthetiques.count() == 20
    assert all(q.nom.startswith("QPV synthétique") for q in synthetiques)
    assert Arrondissement.objects.filter(numero__gt=100).count() == 5
    assert Secteur.objects.filter(slug__startswith=PREFIXE).count() == 4  # 10 % × 2 secteurs
    # Chaque QPV, secteur et commune synthétique a son territoire, au code du portail.
    territoires = Territoire.objects.filter(quartier__slug__startswith=PREFIXE)
    assert Counter(territoires.values_list("type", flat=True)) == {"qpv": 20, "secteur": 4}
    assert territoires.filter(code=f"qpv-{PREFIXE}qpv-0001").exists()
    assert Territoire.objects.filter(arrondissement__numero__gt=100).count() == 5
    nouveaux = Indicateur.objects.filter(code__startswith=PREFIXE_INDICATEUR)
    assert nouveaux.count() == max(0, 110 - indicateurs_avant)

    # Une valeur par indicateur × territoire attendu × année, sauf là où une valeur réelle
    # existait déjà ; toutes marquées synthétiques.
    groupes = territoires_par_niveau()
    cles_attendues = {
        (i.pk, t.pk, annee)
        for i in Indicateur.objects.all()
        for t in territoires_attendus(i, groupes)
        for annee in (2024, 2025)
    }
    reelles = set(Valeur.objects.reelles().values_list("indicateur_id", "territoire_id", "annee"))
    demo = Valeur.objects.de_demo()
    assert set(demo.values_list("indicateur_id", "territoire_id", "annee")) == (
        cles_attendues - reelles
    )
    assert not demo.exclude(source=SOURCE, origine=Valeur.Origine.DEMO).exists()
    assert not Valeur.objects.filter(source=SOURCE, demo=False).exists()
    statuts = Counter(demo.filter(annee=2025).values_list("statut", flat=True))
    assert len(statuts) == 4, statuts  # campagne en cours : les quatre statuts
    assert not demo.filter(statut=Valeur.Statut.RENVOYE, motif_renvoi="").exists()
    historique = Valeur.history.filter(source=SOURCE)
    assert 0 < historique.filter(history_type="+").count() < demo.count()
    assert historique.filter(history_type="~", statut=Valeur.Statut.VALIDE).exists()

    structures = Structure.objects.filter(slug__startswith=PREFIXE)
    fiches = FicheAction.objects.filter(source=SOURCE)
    assert structures.count() == 12 and fiches.count() == 60
    assert not fiches.filter(quartiers__isnull=True).exists()
    assert not fiches.filter(engagements__isnull=True).exists()
    assert TransitionFiche.objects.filter(fiche__in=fiches).exists()
    assert FicheAction.history.filter(source=SOURCE).count() == 60
    projets = ProjetStructurant.objects.filter(quartier__in=synthetiques)
    assert projets.count() == 40
    credits = Credit.objects.filter(commentaire__startswith="[banc d’essai]")
    assert credits.count() > 0 and EtudeQualitative.objects.count() == 3

    # Les règles des modèles tiennent (full_clean) sur ce qui a été écrit en SQL.
    # Un échantillon de chaque sorte : full_clean coûte quelques requêtes par objet.
    echantillon = [
        *demo.select_related("indicateur").order_by("pk")[::250],
        *demo.filter(statut=Valeur.Statut.RENVOYE)[:2],
        *structures[:3],
        *fiches[:5],
        *projets[:3],
        *credits[:3],
        *synthetiques[:2],
        *territoires[:2],
    ]
    for objet in echantillon:
        objet.full_clean()


@pytest.mark.django_db
def test_idempotent_et_parametres_differents_refuses():
    generer_petit()
    comptes = (Valeur.objects.count(), FicheAction.objects.count(), Quartier.objects.count())
    assert generer_petit().deja_generee
    assert (Valeur.objects.count(), FicheAction.objects.count(), Quartier.objects.count()) == (
        comptes
    )
    with pytest.raises(BaseRefusee, match="d’autres paramètres"):
        generer_petit(Parametres(qpv=21, departements=2, communes=5, annee_debut=2024))


def test_nom_de_base_refuse():
    for nom in ("contratville", "portail", "test_contratville", ""):
        with pytest.raises(BaseRefusee, match="bench_"):
            verifier_nom_base(nom)
    verifier_nom_base("bench_national")
    verifier_nom_base("test_contratville", autoriser_base_de_test=True)


@pytest.mark.django_db
def test_base_non_vide_refusee_sans_rien_ecrire():
    User.objects.create_user("quelquun")
    with pytest.raises(BaseRefusee, match="1 comptes utilisateurs"):
        generer_petit()
    assert not Quartier.objects.filter(slug__startswith=PREFIXE).exists()
    with connection.cursor() as curseur:
        curseur.execute("SELECT to_regclass('bench_jeu_synthetique')")
        assert curseur.fetchone()[0] is None
