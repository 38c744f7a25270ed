"""Un chiffre, une valeur, partout (issue 10, point 2) : les valeurs attendues, renseignées,
soumises et validées et le taux de renseignement d'une même campagne sont les mêmes sur la page
et la liste des campagnes, dans « Mes indicateurs », « Mon territoire », les données du bilan et
la feuille « Synthèse » de son classeur — pour Paris et pour un arrondissement — et égaux à un
recomptage naïf fait ici, valeur par valeur.

Le jeu de données mêle tous les statuts, des valeurs sur des territoires non attendus, une
valeur de démonstration, des indicateurs de contexte (chiffres clés `CTX-…` et un indicateur du
contrat classé « contexte ») et un QPV à cheval sur deux arrondissements : aucun ne doit
compter à tort."""

import datetime
import io
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db.models import Q
from django.utils import timezone
from openpyxl import load_workbook

from bilan.classeur import contenu_classeur
from bilan.donnees import calculer_bilan
from engagements.models import Signataire
from indicateurs.mesures import Perimetre, mesurer
from indicateurs.models import Campagne, Indicateur, Territoire, Valeur
from quartiers.models import Arrondissement, Quartier
from socle.roles import Role
from tests.conftest import client_pour, creer_utilisateur

pytestmark = pytest.mark.django_db

ANNEE = 2025
T = Territoire.Type
S = Valeur.Statut
CHIFFRES = ("attendues", "renseignees", "soumises", "validees")


# --- données ------------------------------------------------------------------------------------


def valeur(code, territoire, statut=S.VALIDE, annee=ANNEE, demo=False):
    indicateur = Indicateur.objects.get(code=code)
    champs = {"nombre": 10, "base": 40} if indicateur.est_nombre_part else {"valeur": 12}
    if statut == S.RENVOYE:
        champs["motif_renvoi"] = "Source manquante."
    return Valeur.objects.create(
        indicateur=indicateur,
        territoire=Territoire.objects.get(code=territoire),
        annee=annee,
        statut=statut,
        demo=demo,
        origine=Valeur.Origine.DEMO if demo else Valeur.Origine.SAISIE,
        **champs,
    )


@pytest.fixture
def donnees(utilisateurs):
    jour = timezone.localdate()
    for annee in (ANNEE - 1, ANNEE):
        Campagne.objects.create(
            annee=annee,
            date_ouverture=jour - datetime.timedelta(days=10),
            date_cloture=jour + datetime.timedelta(days=30),
        )
    caf = Signataire.objects.get(nom__icontains="allocations familiales")
    Indicateur.objects.filter(code__in=["E28-2", "E05-1"]).update(producteur=caf)
    # E01-1 attendu aussi sur les arrondissements (et plus sur Paris ni l'ensemble des QPV).
    Indicateur.objects.filter(code="E01-1").update(niveaux=["qpv", "arrondissement"])
    # Un indicateur du contrat que le SPV classe « contexte » : plus attendu.
    Indicateur.objects.filter(code="E03-1").update(nature=Indicateur.Nature.CONTEXTE)
    for code, territoire, statut in [
        ("E28-2", "paris", S.VALIDE),
        ("E28-2", "ensemble-qpv", S.BROUILLON),
        ("E28-2", "qpv-stalingrad-riquet", S.SOUMIS),  # 19e
        ("E28-2", "qpv-goutte-dor", S.RENVOYE),  # 18e
        ("E28-2", "qpv-porte-de-la-chapelle-charles-hermite", S.VALIDE),  # 18e et 19e
        ("E28-2", "arrondissement-19", S.VALIDE),  # pas attendu pour E28-2
        ("E28-2", "secteur-emile-bollaert", S.VALIDE),  # pas attendu pour E28-2
        ("E05-1", "qpv-algerie", S.SOUMIS),  # 19e
        ("E05-1", "qpv-petit-belleville", S.VALIDE),  # 10e
        ("E01-1", "arrondissement-19", S.VALIDE),
        ("E01-1", "qpv-stalingrad-riquet", S.BROUILLON),
        ("E01-1", "paris", S.VALIDE),  # plus attendu sur Paris
        ("E03-1", "qpv-stalingrad-riquet", S.VALIDE),  # indicateur de contexte
        ("CTX-CHOMAGE", "qpv-stalingrad-riquet", S.VALIDE),  # chiffre clé
    ]:
        valeur(code, territoire, statut)
    valeur("E02-1", "ensemble-qpv", demo=True)  # démonstration : jamais comptée
    valeur("E28-2", "qpv-stalingrad-riquet", annee=ANNEE - 1)  # autre année
    delegue_19e = creer_utilisateur(
        "delegue-19e",
        Role.DELEGUE,
        quartiers=list(Quartier.objects.filter(arrondissements__numero=19)),
    )
    return {**utilisateurs, "delegue_19e": delegue_19e, "caf": caf}


# --- le recomptage naïf, valeur par valeur ------------------------------------------------------


def arrondi(valeur):
    return valeur.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def recompter(territoires):
    """Les chiffres de la campagne sur ces territoires, sans rien de la définition partagée :
    chaque couple (indicateur du contrat qui n'est pas de contexte, territoire d'un niveau
    attendu), et les valeurs réelles de l'année sur ces couples."""
    indicateurs = [
        i
        for i in Indicateur.objects.filter(engagement__isnull=False)
        if i.nature != Indicateur.Nature.CONTEXTE
    ]
    couples = {(i.pk, t.pk) for i in indicateurs for t in territoires if t.type in i.niveaux}
    couples |= {
        (i.pk, t.pk)
        for i in indicateurs
        if not i.niveaux
        for t in territoires
        if t.type in i.niveaux_attendus
    }
    statuts = [
        v.statut
        for v in Valeur.objects.filter(annee=ANNEE, demo=False)
        if (v.indicateur_id, v.territoire_id) in couples
    ]
    chiffres = {
        "attendues": len(couples),
        "renseignees": len(statuts),
        "soumises": statuts.count(S.SOUMIS),
        "validees": statuts.count(S.VALIDE),
    }
    chiffres["taux"] = arrondi(Decimal(100 * chiffres["renseignees"]) / chiffres["attendues"])
    return chiffres


def territoires_de_l_arrondissement(numero):
    return list(
        Territoire.objects.filter(
            Q(type__in=[T.QPV, T.SECTEUR], quartier__arrondissements__numero=numero)
            | Q(type=T.ARRONDISSEMENT, arrondissement__numero=numero)
        ).distinct()
    )


def lus(objet):
    """Les chiffres d'une mesure (page de campagne, Mes indicateurs, Mon territoire)."""
    return {**{c: getattr(objet, c) for c in CHIFFRES}, "taux": objet.taux}


def du_bilan(bilan):
    cp = bilan.completude
    return {
        **{c: cp[c].n for c in CHIFFRES},
        "taux": cp["taux_renseignement"].n,
    }


LIGNES_SYNTHESE = {
    "attendues": "Valeurs attendues",
    "renseignees": "Valeurs renseignées",
    "soumises": "dont valeurs soumises, à valider",
    "validees": "Valeurs validées",
    "taux": "Taux de renseignement (renseignées ÷ attendues)",
}


def de_la_synthese(bilan):
    """Les chiffres de l'année N lus dans la feuille « Synthèse » du classeur (openpyxl)."""
    ws = load_workbook(io.BytesIO(contenu_classeur(bilan)))["Synthèse"]
    lignes = {row[0]: row[1] for row in ws.iter_rows(max_col=2, values_only=True) if row[0]}
    lu = {cle: lignes[libelle] for cle, libelle in LIGNES_SYNTHESE.items()}
    lu["taux"] = arrondi(Decimal(str(lu["taux"])))
    return lu


# --- les tests ----------------------------------------------------------------------------------


def test_paris_les_memes_chiffres_partout(client, donnees):
    verite = recompter(list(Territoire.objects.all()))
    # Rien de ce qui ne doit pas compter n'a compté : 2 328 valeurs attendues pour les 100
    # indicateurs du contrat, moins E03-1 classé « contexte » (25 : Paris, l'ensemble des QPV,
    # 21 QPV, REP et REP+), E01-1 sur 21 QPV et 9 arrondissements au lieu de 23 territoires.
    assert verite == {
        "attendues": 2328 - 25 - 23 + 30,
        "renseignees": 9,
        "soumises": 2,
        "validees": 4,
        "taux": Decimal("0.4"),
    }

    spv = client_pour(client, donnees["spv"])
    campagne = spv.get(f"/indicateurs/campagnes/{ANNEE}/")
    assert lus(campagne.context["total"]) == verite
    html = campagne.content.decode()
    assert "9 valeurs renseignées sur 2\u202f310 attendues (0,4\u00a0%)" in html
    liste = spv.get("/indicateurs/campagnes/").context["campagnes"]
    assert lus(next(c for c in liste if c.annee == ANNEE).completude) == verite

    bilan = calculer_bilan(ANNEE, auteur="Test")
    assert du_bilan(bilan) == verite
    assert de_la_synthese(bilan) == verite
    rapport = spv.get(f"/bilan/rapport/?annee={ANNEE}")
    assert du_bilan(rapport.context["bilan"]) == verite

    # La même mesure par indicateur : page de la campagne, « Mes indicateurs » (la Caf), et
    # le total des indicateurs de la Caf est la ligne « Caf » de la page de la campagne.
    par_indicateur = {c.objet.code: lus(c) for c in campagne.context["par_indicateur"]}
    assert "E03-1" not in par_indicateur and not any(c.startswith("CTX") for c in par_indicateur)
    mes = client_pour(client, donnees["partenaire"]).get("/indicateurs/mes-indicateurs/")
    for ligne in mes.context["lignes"]:
        # (campagne, mesure, valeurs renvoyées) par campagne.
        mesure = {c: m for c, m, _ in ligne["campagnes"]}[Campagne.objects.get(annee=ANNEE)]
        assert lus(mesure) == par_indicateur[ligne["indicateur"].code]
    caf = next(c for c in campagne.context["par_producteur"] if c.objet == donnees["caf"])
    total_caf = dict(mes.context["totaux"])[Campagne.objects.get(annee=ANNEE)]
    assert lus(total_caf) == lus(caf)
    assert lus(caf) == {
        "attendues": 2 * 23,
        "renseignees": 7,
        "soumises": 2,
        "validees": 3,
        "taux": Decimal("15.2"),
    }


def test_arrondissement_les_memes_chiffres_partout(client, donnees):
    arr19 = Arrondissement.objects.get(numero=19)
    territoires = territoires_de_l_arrondissement(19)
    verite = recompter(territoires)
    assert verite == {
        "attendues": 99 * 6 + 1,  # 6 QPV (dont un partagé avec le 18e) ; E01-1 sur le 19e
        "renseignees": 5,
        "soumises": 2,
        "validees": 2,
        "taux": Decimal("0.8"),
    }

    spv = client_pour(client, donnees["spv"])
    campagne = spv.get(f"/indicateurs/campagnes/{ANNEE}/")
    ligne = next(c for c in campagne.context["par_arrondissement"] if c.objet.numero == 19)
    assert lus(ligne) == verite

    bilan = calculer_bilan(ANNEE, arrondissement=arr19, auteur="Test")
    assert du_bilan(bilan) == verite
    assert de_la_synthese(bilan) == verite

    # « Mon territoire » du délégué des QPV du 19e : chaque QPV comme sur la page de la
    # campagne et comme le recomptage ; ensemble, le 19e moins son propre territoire.
    mon = client_pour(client, donnees["delegue_19e"]).get("/mon-territoire/")
    par_qpv = {c.objet.pk: lus(c) for c in campagne.context["par_qpv"]}
    somme = dict.fromkeys(CHIFFRES, 0)
    for alerte in mon.context["alertes"]:
        q = alerte.quartier
        assert lus(alerte.completude) == par_qpv[q.pk]
        assert lus(alerte.completude) == recompter(
            [t for t in territoires if t.quartier_id == q.pk]
        )
        for c in CHIFFRES:
            somme[c] += getattr(alerte.completude, c)
    arrondissement = recompter([t for t in territoires if t.type == T.ARRONDISSEMENT])
    assert {c: somme[c] + arrondissement[c] for c in CHIFFRES} == {c: verite[c] for c in CHIFFRES}
    # Accord à la française : « 0 valeur validée », « 1 valeur validée ».
    html = mon.content.decode()
    assert "1 valeur validée sur 99 attendues" in html
    assert "0 valeur validée sur 99 attendues" in html


def test_les_indicateurs_de_contexte_ne_manquent_jamais(client, utilisateurs):
    """« Mon territoire » ne réclame aucun chiffre clé CTX-… (107 indicateurs « sans valeur »
    avant : les 100 du contrat et les 7 chiffres clés)."""
    jour = timezone.localdate()
    Campagne.objects.create(
        annee=ANNEE,
        date_ouverture=jour - datetime.timedelta(days=10),
        date_cloture=jour + datetime.timedelta(days=30),
    )
    Indicateur.objects.filter(code="E03-1").update(nature=Indicateur.Nature.CONTEXTE)
    reponse = client_pour(client, utilisateurs["delegue"]).get("/mon-territoire/")
    for alerte in reponse.context["alertes"]:
        codes = [i.code for i in alerte.indicateurs_manquants]
        assert not [c for c in codes if c.startswith("CTX-")]
        assert "E03-1" not in codes
        assert len(codes) == 99 == alerte.completude.attendues
        assert alerte.completude.validees == 0
    assert "99 indicateurs sans valeur validée pour la campagne 2025" in reponse.content.decode()
    # Un chiffre clé validé ne « complète » rien non plus.
    valeur("CTX-CHOMAGE", "qpv-petit-belleville")
    reponse = client_pour(client, utilisateurs["delegue"]).get("/mon-territoire/")
    assert reponse.context["alertes"][0].completude.renseignees == 0
    # Un partenaire qui produit un chiffre clé le retrouve dans « Mes indicateurs », sans
    # valeur attendue, et hors de ses totaux.
    caf = Signataire.objects.get(nom__icontains="allocations familiales")
    Indicateur.objects.filter(code__in=["CTX-CHOMAGE", "E28-2"]).update(producteur=caf)
    mes = client_pour(client, utilisateurs["partenaire"]).get("/indicateurs/mes-indicateurs/")
    mesures = {
        ligne["indicateur"].code: ligne["campagnes"][0][1] for ligne in mes.context["lignes"]
    }
    assert mesures["CTX-CHOMAGE"] is None and mesures["E28-2"].attendues == 23
    assert mes.context["totaux"][0][1].attendues == 23
    assert "Indicateur de contexte : aucune valeur attendue" in mes.content.decode()


def test_mesures_en_une_requete_quel_que_soit_le_volume(compter_requetes, donnees):
    """Une requête pour tous les regroupements (plus une pour les indicateurs s'ils ne sont
    pas fournis), avant et après l'ajout de valeurs, d'une année et d'un QPV."""
    indicateurs = list(Indicateur.objects.select_related("engagement", "producteur"))

    def mesure():
        m = mesurer(
            [ANNEE - 1, ANNEE],
            indicateurs=indicateurs,
            par_quartier=True,
            par_arrondissement=True,
        )
        return m, m.total(ANNEE), m.par_quartier(ANNEE), m.par_arrondissement(ANNEE)

    avant, (_, total, _, _) = compter_requetes(mesure)
    for code in ("qpv-amandiers", "qpv-blemont", "secteur-saint-blaise", "arrondissement-13"):
        valeur("E01-1", code, statut=S.SOUMIS, annee=ANNEE - 1)
        valeur("E28-2", code, statut=S.BROUILLON)
    apres, (_, total_apres, _, _) = compter_requetes(mesure)
    assert avant == apres == 1
    # Attendues en 2025 : E28-2 sur les deux QPV ; ni sur un secteur ni sur un arrondissement.
    assert total_apres.renseignees == total.renseignees + 2
    sans_liste, _ = compter_requetes(lambda: mesurer(ANNEE).total(ANNEE))
    assert sans_liste == 2
    quartiers = list(Quartier.objects.filter(arrondissements__numero=19))
    detail, m = compter_requetes(
        lambda: mesurer(
            ANNEE,
            Perimetre.des_quartiers(quartiers),
            indicateurs=indicateurs,
            par_quartier_indicateur=True,
        )
    )
    assert detail == 1
    assert sum(c.attendues for c in m.par_quartier(ANNEE)) == m.total(ANNEE).attendues


def test_mesures_par_indicateur_calculees_une_fois_par_annee(donnees, monkeypatch):
    """Le total et chaque engagement relisent les mesures par indicateur de l'année : elles
    sont calculées une fois (le bilan les recalculait pour chacun des 30 engagements), et
    chaque lecteur reçoit sa propre liste."""
    from indicateurs.mesures import Mesures

    m = mesurer([ANNEE - 1, ANNEE])
    appels = []
    original = Mesures.indicateur
    monkeypatch.setattr(
        Mesures, "indicateur", lambda self, *a: appels.append(a) or original(self, *a)
    )
    total = m.total(ANNEE)
    engagements = {e: m.engagement(ANNEE, e) for e in {i.engagement_id for i in m.indicateurs}}
    assert len(engagements) > 1
    assert len(appels) == len(m.indicateurs)
    assert sum(c.attendues for c in engagements.values()) == total.attendues
    m.par_indicateur(ANNEE).clear()
    assert len(m.par_indicateur(ANNEE)) == len(m.indicateurs)
    m.total(ANNEE - 1)
    assert len(appels) == 2 * len(m.indicateurs)


def test_la_grille_ecrit_l_evolution_comme_le_bilan(client, donnees):
    """La colonne « Évolution » de la grille de saisie : une part en points (arrondis), un
    nombre en valeur et en %, comme le bilan."""
    for code, n1, n in (("E01-1", "20", "21.05"), ("E28-2", "1000", "1125")):
        indicateur = Indicateur.objects.get(code=code)
        for annee, nombre in ((ANNEE - 1, n1), (ANNEE, n)):
            Valeur.objects.update_or_create(
                indicateur=indicateur,
                territoire=Territoire.objects.get(code="qpv-blemont"),
                annee=annee,
                defaults={"valeur": Decimal(nombre), "statut": S.VALIDE},
            )
    spv = client_pour(client, donnees["spv"])
    for code, attendu in (("E01-1", "+1,1\u00a0pt"), ("E28-2", "+125 (+12,5\u00a0%)")):
        lignes = spv.get(f"/indicateurs/{code}/saisie/{ANNEE}/").context["lignes"]
        ligne = next(x for x in lignes if x.territoire.code == "qpv-blemont")
        assert ligne.evolution == attendu
