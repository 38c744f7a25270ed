"""Le cycle d'une valeur : chaque transition et qui peut la faire (matrice), le verrou des
campagnes et ses messages, le refus d'une modification concurrente, et l'historique (y
compris des écritures groupées)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from indicateurs.models import (
    Campagne,
    ConflitDeVersion,
    Valeur,
    transition_en_masse,
)
from indicateurs.saisie import enregistrer_valeur
from socle.circuits import ActionRefusee

from .conftest import ANNEE, creer_valeur, territoire

pytestmark = pytest.mark.django_db

S = Valeur.Statut
# action → (statuts de départ, statut d'arrivée, rôles autorisés sur un indicateur produit
# par la Caf). « partenaire » est de la Caf ; « partenaire_autre » est le même compte sur un
# indicateur produit par l'Académie.
TRANSITIONS = {
    "submit": ({S.BROUILLON, S.RENVOYE}, S.SOUMIS, {"spv", "admin", "partenaire"}),
    "valider": ({S.BROUILLON, S.SOUMIS}, S.VALIDE, {"spv", "admin"}),
    "renvoyer": ({S.SOUMIS, S.VALIDE}, S.RENVOYE, {"spv", "admin"}),
}
ACTEURS = ["spv", "admin", "partenaire", "partenaire_autre", "delegue", "structure"]


def faire(valeur, action, user):
    if action == "renvoyer":
        valeur.renvoyer(user, "Chiffre à vérifier avec la source")
    else:
        getattr(valeur, action)(user)


@pytest.mark.parametrize("action", TRANSITIONS)
@pytest.mark.parametrize("statut", list(S))
@pytest.mark.parametrize("acteur", ACTEURS)
def test_matrice_des_transitions(
    utilisateurs, campagne, ind_caf, ind_autre, action, statut, acteur
):
    depuis, vers, autorises = TRANSITIONS[action]
    indicateur = ind_autre if acteur == "partenaire_autre" else ind_caf
    user = utilisateurs["partenaire" if acteur == "partenaire_autre" else acteur]
    v = creer_valeur(
        indicateur, statut=statut, motif_renvoi="à revoir" if statut == S.RENVOYE else ""
    )
    if acteur in autorises and statut in depuis:
        faire(v, action, user)
        v.refresh_from_db()
        assert v.statut == vers
        assert v.version == 2
        if action == "submit":
            assert v.soumis_par == user and v.soumis_le is not None
        elif action == "valider":
            assert v.valide_par == user and v.valide_le is not None
        else:
            assert v.renvoye_par == user and v.motif_renvoi == "Chiffre à vérifier avec la source"
        derniere = v.history.first()
        assert derniere.history_user == user and derniere.statut == vers
    else:
        with pytest.raises(ActionRefusee) as exc:
            faire(v, action, user)
        message = str(exc.value)
        if acteur == "partenaire_autre" and action == "submit":
            assert "n’est pas produit par votre organisation" in message
            assert "Académie de Paris" in message
        elif acteur in ("delegue", "structure") and action == "submit":
            assert message.startswith("Votre rôle ne permet pas")
        elif acteur not in autorises:
            assert message.startswith("Seuls les agents DDCT/SPV")
        elif statut == S.VALIDE:
            assert message.startswith("Cette valeur est déjà validée")
        else:
            assert "ne peut pas être" in message
        v.refresh_from_db()
        assert v.statut == statut and v.version == 1


def test_un_renvoi_exige_un_motif(utilisateurs, campagne, ind_caf):
    v = creer_valeur(ind_caf, statut=S.SOUMIS)
    with pytest.raises(ValidationError) as exc:
        v.renvoyer(utilisateurs["spv"], "   ")
    assert "Indiquez le motif du renvoi" in exc.value.message_dict["motif_renvoi"][0]


def test_parcours_complet_avec_renvoi(utilisateurs, campagne, ind_caf):
    partenaire, spv = utilisateurs["partenaire"], utilisateurs["spv"]
    v, _ = enregistrer_valeur(
        partenaire,
        ind_caf,
        territoire("qpv-goutte-dor"),
        ANNEE,
        {"valeur": Decimal(12)},
        0,
        campagne,
    )
    v.submit(partenaire)
    v.renvoyer(spv, "Source manquante")
    assert v.statut == S.RENVOYE
    v, modifiee = enregistrer_valeur(
        partenaire,
        ind_caf,
        v.territoire,
        ANNEE,
        {"valeur": Decimal(12), "source": "Caf, fichier allocataires"},
        v.version,
        campagne,
    )
    assert modifiee and v.statut == S.BROUILLON
    v.submit(partenaire)
    v.valider(spv)
    v.refresh_from_db()
    assert v.statut == S.VALIDE and v.valide_par == spv
    raisons = [h.history_change_reason for h in v.history.order_by("history_date", "history_id")]
    assert raisons == [
        "Saisie dans la grille",
        "Valeur soumise",
        "Valeur renvoyée : Source manquante",
        "Saisie dans la grille",
        "Valeur soumise",
        "Valeur validée",
    ]


# --- campagnes : verrou et messages -------------------------------------------------------------


def test_campagne_close_verrouille_tout_le_monde(utilisateurs, campagne, ind_caf):
    v = creer_valeur(ind_caf, statut=S.BROUILLON)
    campagne.cloturer(utilisateurs["spv"])
    attendu = (
        f"La campagne 2025 est clôturée depuis le {timezone.localdate().strftime('%d/%m/%Y')} : "
        "ses valeurs sont verrouillées jusqu’à ce que le SPV la rouvre."
    )
    for role in ("spv", "partenaire"):
        with pytest.raises(ActionRefusee) as exc:
            v.submit(utilisateurs[role])
        assert str(exc.value) == attendu
        with pytest.raises(ActionRefusee) as exc:
            enregistrer_valeur(
                utilisateurs[role],
                ind_caf,
                v.territoire,
                ANNEE,
                {"valeur": Decimal(3)},
                1,
                campagne,
            )
        assert str(exc.value) == attendu
    campagne.rouvrir(utilisateurs["spv"], timezone.localdate() + datetime.timedelta(days=7))
    v.submit(utilisateurs["partenaire"])
    assert v.statut == S.SOUMIS
    campagne.refresh_from_db()
    assert campagne.rouverte_par == utilisateurs["spv"] and campagne.est_ouverte


def test_campagne_echue_verrouillee(utilisateurs, campagne, ind_caf):
    campagne.date_ouverture = timezone.localdate() - datetime.timedelta(days=60)
    campagne.date_cloture = timezone.localdate() - datetime.timedelta(days=2)
    campagne.save()
    v = creer_valeur(ind_caf)
    with pytest.raises(ActionRefusee) as exc:
        v.submit(utilisateurs["partenaire"])
    assert "est clôturée depuis le" in str(exc.value)


def test_campagne_a_venir(utilisateurs, campagne, ind_caf):
    campagne.date_ouverture = timezone.localdate() + datetime.timedelta(days=3)
    campagne.save()
    v = creer_valeur(ind_caf)
    with pytest.raises(ActionRefusee) as exc:
        v.submit(utilisateurs["partenaire"])
    assert str(exc.value).startswith("La campagne 2025 n’est pas encore ouverte : elle ouvre le")


def test_sans_campagne_pas_de_saisie(utilisateurs, ind_caf):
    with pytest.raises(ActionRefusee) as exc:
        enregistrer_valeur(
            utilisateurs["spv"], ind_caf, territoire("paris"), 2026, {"valeur": Decimal(3)}, 0, None
        )
    assert str(exc.value).startswith("Aucune campagne n’existe pour l’année 2026")


def test_seul_le_spv_cloture_et_rouvre(utilisateurs, campagne):
    for role in ("partenaire", "delegue", "structure"):
        with pytest.raises(ActionRefusee) as exc:
            campagne.cloturer(utilisateurs[role])
        assert str(exc.value) == "Seuls les agents DDCT/SPV peuvent clôturer une campagne."
    campagne.cloturer(utilisateurs["spv"])
    with pytest.raises(ActionRefusee):
        campagne.rouvrir(utilisateurs["partenaire"], timezone.localdate())
    with pytest.raises(ValidationError):
        campagne.rouvrir(utilisateurs["spv"], timezone.localdate() - datetime.timedelta(days=1))
    assert campagne.history.first().history_change_reason == "Campagne clôturée"


def test_cloture_et_reouverture_par_les_pages(client, utilisateurs, campagne):
    client.force_login(utilisateurs["spv"])
    reponse = client.post("/indicateurs/campagnes/2025/cloturer/", follow=True)
    assert "Campagne 2025 clôturée" in reponse.content.decode()
    campagne.refresh_from_db()
    assert (
        campagne.statut == Campagne.Statut.CLOTUREE and campagne.cloturee_par == utilisateurs["spv"]
    )
    hier = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    reponse = client.post(
        "/indicateurs/campagnes/2025/rouvrir/", {"date_cloture": hier}, follow=True
    )
    assert "ne peut pas être déjà passée" in reponse.content.decode()
    demain = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    client.post("/indicateurs/campagnes/2025/rouvrir/", {"date_cloture": demain})
    campagne.refresh_from_db()
    assert campagne.est_ouverte


def test_creation_de_campagne(client, utilisateurs):
    client.force_login(utilisateurs["spv"])
    reponse = client.post(
        "/indicateurs/campagnes/",
        {"annee": "2026", "date_ouverture": "2027-01-15", "date_cloture": "2027-01-01"},
    )
    assert "La date de clôture" in reponse.content.decode()
    reponse = client.post(
        "/indicateurs/campagnes/",
        {"annee": "2026", "date_ouverture": "2027-01-15", "date_cloture": "2027-03-31"},
    )
    assert reponse.status_code == 302
    assert Campagne.objects.get(annee=2026).etat(datetime.date(2027, 2, 1)) == "ouverte"
    reponse = client.post(
        "/indicateurs/campagnes/",
        {"annee": "2026", "date_ouverture": "2027-01-15", "date_cloture": "2027-03-31"},
    )
    assert "Une campagne existe déjà pour cette année." in reponse.content.decode()


# --- modifications concurrentes -----------------------------------------------------------------


def test_la_seconde_modification_est_refusee(utilisateurs, campagne, ind_caf):
    v = creer_valeur(ind_caf, valeur=Decimal(10))
    t = v.territoire
    # Deux personnes ouvrent la grille : toutes deux voient la version 1.
    enregistrer_valeur(utilisateurs["spv"], ind_caf, t, ANNEE, {"valeur": Decimal(11)}, 1, campagne)
    with pytest.raises(ConflitDeVersion) as exc:
        enregistrer_valeur(
            utilisateurs["partenaire"], ind_caf, t, ANNEE, {"valeur": Decimal(14)}, 1, campagne
        )
    assert "modifiée entre-temps par agent-spv" in exc.value.message
    assert "la valeur actuelle est 11 (brouillon)" in exc.value.message
    v.refresh_from_db()
    assert v.valeur == 11 and v.version == 2


def test_deux_creations_simultanees(utilisateurs, campagne, ind_caf):
    t = territoire("qpv-algerie")
    enregistrer_valeur(utilisateurs["spv"], ind_caf, t, ANNEE, {"valeur": Decimal(5)}, 0, campagne)
    with pytest.raises(ConflitDeVersion) as exc:
        enregistrer_valeur(
            utilisateurs["partenaire"], ind_caf, t, ANNEE, {"valeur": Decimal(6)}, 0, campagne
        )
    assert "la valeur actuelle est 5" in exc.value.message


def test_transition_sur_une_version_perimee(client, utilisateurs, campagne, ind_caf):
    v = creer_valeur(ind_caf, statut=S.SOUMIS)
    enregistrer_valeur(
        utilisateurs["partenaire"],
        ind_caf,
        v.territoire,
        ANNEE,
        {"valeur": Decimal(40), "commentaire": "x"},
        1,
        campagne,
    )
    client.force_login(utilisateurs["spv"])
    reponse = client.post(f"/indicateurs/valeurs/{v.pk}/valider/", {"version": "1"}, follow=True)
    assert "modifiée entre-temps" in reponse.content.decode()
    v.refresh_from_db()
    assert v.statut == S.BROUILLON


# --- écritures groupées et historique -----------------------------------------------------------


def test_soumission_et_validation_en_masse_historisees(utilisateurs, campagne, ind_caf, ind_autre):
    valeurs = [creer_valeur(ind_caf, code) for code in ("qpv-goutte-dor", "qpv-algerie", "paris")]
    autre = creer_valeur(ind_autre)
    faites, refusees = transition_en_masse([*valeurs, autre], "submit", utilisateurs["partenaire"])
    assert len(faites) == 3
    assert [(v.pk, raison[:30]) for v, raison in refusees] == [
        (autre.pk, "L’indicateur E01-1 n’est pas p")
    ]
    for v in valeurs:
        v.refresh_from_db()
        assert v.statut == S.SOUMIS and v.version == 2
        h = v.history.first()
        assert h.history_user == utilisateurs["partenaire"]
        assert h.history_change_reason == "Soumise en masse" and h.statut == S.SOUMIS
    faites, _ = transition_en_masse(valeurs, "valider", utilisateurs["spv"])
    assert len(faites) == 3
    assert Valeur.history.filter(id__in=[v.pk for v in valeurs], statut=S.VALIDE).count() == 3


def test_validation_en_masse_depuis_la_liste(client, utilisateurs, campagne, ind_caf):
    valeurs = [creer_valeur(ind_caf, code, statut=S.SOUMIS) for code in ("qpv-goutte-dor", "paris")]
    client.force_login(utilisateurs["spv"])
    reponse = client.post(
        "/indicateurs/valeurs/valider/",
        {"valeur": [v.pk for v in valeurs], "retour": "https://ailleurs.example/"},
    )
    assert reponse["Location"] == "/indicateurs/valeurs/"
    assert Valeur.objects.filter(pk__in=[v.pk for v in valeurs], statut=S.VALIDE).count() == 2
    client.force_login(utilisateurs["partenaire"])
    assert (
        client.post("/indicateurs/valeurs/valider/", {"valeur": [valeurs[0].pk]}).status_code == 403
    )


def test_grille_en_masse(client, utilisateurs, campagne, ind_caf):
    creer_valeur(ind_caf, "qpv-goutte-dor")
    creer_valeur(ind_caf, "paris")
    client.force_login(utilisateurs["partenaire"])
    reponse = client.post("/indicateurs/E28-2/saisie/2025/tout/submit/", follow=True)
    assert "2 valeurs soumises." in reponse.content.decode()
    client.force_login(utilisateurs["spv"])
    reponse = client.post("/indicateurs/E28-2/saisie/2025/tout/valider/", follow=True)
    assert "2 valeurs validées." in reponse.content.decode()
    assert not Valeur.objects.filter(indicateur=ind_caf).exclude(statut=S.VALIDE).exists()


def test_historique_affiche_sur_les_pages(client, utilisateurs, campagne, ind_caf):
    v, _ = enregistrer_valeur(
        utilisateurs["partenaire"],
        ind_caf,
        territoire("qpv-goutte-dor"),
        ANNEE,
        {"valeur": Decimal(12)},
        0,
        campagne,
    )
    enregistrer_valeur(
        utilisateurs["partenaire"],
        ind_caf,
        v.territoire,
        ANNEE,
        {"valeur": Decimal(13)},
        1,
        campagne,
    )
    client.force_login(utilisateurs["spv"])
    html = client.get(f"/indicateurs/valeurs/{v.pk}/").content.decode()
    assert "Historique complet" in html and "12 → 13" in html and "partenaire-caf" in html
    html = client.get("/indicateurs/E28-2/").content.decode()
    assert "Historique des valeurs" in html and "12 → 13" in html


def test_actions_refusees_expliquees_sur_la_fiche(client, utilisateurs, campagne, ind_caf):
    v = creer_valeur(ind_caf, statut=S.VALIDE)
    client.force_login(utilisateurs["partenaire"])
    html = client.get(f"/indicateurs/valeurs/{v.pk}/").content.decode()
    assert "Cette valeur est déjà validée" in html
    reponse = client.post(f"/indicateurs/valeurs/{v.pk}/submit/", {"version": "1"}, follow=True)
    assert "Cette valeur est déjà validée" in reponse.content.decode()
    client.force_login(utilisateurs["spv"])
    reponse = client.post(
        f"/indicateurs/valeurs/{v.pk}/renvoyer/", {"version": "1", "motif": ""}, follow=True
    )
    assert "Indiquez le motif du renvoi" in reponse.content.decode()
    reponse = client.post(
        f"/indicateurs/valeurs/{v.pk}/renvoyer/",
        {"version": "1", "motif": "Erreur de base"},
        follow=True,
    )
    assert "Valeur renvoyée." in reponse.content.decode()
    v.refresh_from_db()
    assert v.statut == S.RENVOYE and v.motif_renvoi == "Erreur de base"


def test_identifiants_non_localises_dans_les_formulaires(client, utilisateurs, campagne, ind_caf):
    """« 12 345 » (séparateur de milliers) ne serait pas relu : les identifiants et versions
    des formulaires s'écrivent sans mise en forme."""
    v = creer_valeur(ind_caf, statut=S.SOUMIS, pk=12345, version=1234)
    client.force_login(utilisateurs["spv"])
    assert 'value="12345"' in client.get("/indicateurs/valeurs/?statut=soumis").content.decode()
    assert (
        'name="version" value="1234"'
        in client.get(f"/indicateurs/valeurs/{v.pk}/").content.decode()
    )
    reponse = client.post("/indicateurs/valeurs/valider/", {"valeur": ["12345"]})
    assert reponse.status_code == 302
    v.refresh_from_db()
    assert v.statut == S.VALIDE
