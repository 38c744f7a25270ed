"""La mécanique commune des circuits (socle/circuits.py), sur ses deux circuits déclarés : les
valeurs des indicateurs et les fiches-actions.

- une matrice circuit × compte × statut × transition : permise (statut, journal,
  historique), ou refusée par la même exception `ActionRefusee`, avec la raison exacte en
  français et l'étape qui a refusé ;
- le même ordre de contrôles pour les deux circuits : règle → verrou du contexte → statut,
  puis les saisies (motif) ;
- le journal et l'historique, pour une transition seule et en masse ;
- le signal `transition_effectuee` : une fois par objet changé, après la validation de la
  transaction, jamais sur un refus ni sur une transaction annulée."""

import datetime
import inspect
import logging

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from indicateurs.models import TransitionValeur, Valeur, transition_en_masse
from socle.circuits import ETAT, REGLE, VERROU, ActionRefusee, transition_effectuee
from structures.models import FicheAction, TransitionFiche
from tests.indicateurs.conftest import creer_valeur
from tests.structures.conftest import fiche_complete

pytestmark = pytest.mark.django_db

SV = Valeur.Statut
SF = FicheAction.Statut
MOTIF = "Chiffre à vérifier avec la source"

# Les raisons attendues, écrites en toutes lettres (pas recopiées du code).
ROLE_VALEUR = "Votre rôle ne permet pas de saisir ni de soumettre des valeurs d’indicateurs."
AUTRE_ORGANISATION = (
    "L’indicateur E01-1 n’est pas produit par votre organisation (producteur : Académie de "
    "Paris) : seuls son producteur et le SPV en saisissent les valeurs."
)
SPV_VALIDE_VALEUR = "Seuls les agents DDCT/SPV peuvent valider une valeur."
SPV_RENVOIE_VALEUR = "Seuls les agents DDCT/SPV peuvent renvoyer une valeur pour correction."
DEJA_VALIDEE = (
    "Cette valeur est déjà validée : elle ne peut plus être modifiée. Demandez au SPV de la "
    "renvoyer pour correction."
)
HORS_STRUCTURE = (
    "Seuls les membres de la structure qui a mené l’action soumettent sa fiche ; le Service "
    "Politique de la Ville la relit, la valide ou la renvoie."
)
AUTRE_STRUCTURE = (
    "Cette fiche est celle de la structure « J2P (Jaurès Pantin Petit) » : seuls ses membres "
    "peuvent la soumettre."
)
SPV_VALIDE_FICHE = "Seuls les agents DDCT/SPV peuvent valider une fiche-action."
SPV_RENVOIE_FICHE = "Seuls les agents DDCT/SPV peuvent renvoyer une fiche-action à sa structure."
CLOSE = (
    "La campagne 2025 est clôturée depuis le {} : ses valeurs sont verrouillées jusqu’à ce "
    "que le SPV la rouvre."
)

AGENTS = {"spv", "admin"}
# circuit → transition → (départs, arrivée, participe, comptes autorisés, refus de la règle)
ATTENDU = {
    "valeur": {
        "submit": (
            {SV.BROUILLON, SV.RENVOYE},
            SV.SOUMIS,
            "soumise",
            AGENTS | {"partenaire"},
            lambda acteur: AUTRE_ORGANISATION if acteur == "partenaire_autre" else ROLE_VALEUR,
        ),
        "valider": (
            {SV.BROUILLON, SV.SOUMIS},
            SV.VALIDE,
            "validée",
            AGENTS,
            lambda acteur: SPV_VALIDE_VALEUR,
        ),
        "renvoyer": (
            {SV.SOUMIS, SV.VALIDE},
            SV.RENVOYE,
            "renvoyée",
            AGENTS,
            lambda acteur: SPV_RENVOIE_VALEUR,
        ),
    },
    "fiche": {
        "submit": (
            {SF.BROUILLON, SF.RENVOYEE},
            SF.SOUMISE,
            "soumise",
            {"structure"},
            lambda acteur: AUTRE_STRUCTURE if acteur == "autre_structure" else HORS_STRUCTURE,
        ),
        "valider": ({SF.SOUMISE}, SF.VALIDEE, "validée", AGENTS, lambda acteur: SPV_VALIDE_FICHE),
        "renvoyer": (
            {SF.SOUMISE},
            SF.RENVOYEE,
            "renvoyée",
            AGENTS,
            lambda acteur: SPV_RENVOIE_FICHE,
        ),
    },
}
ACTEURS = ["anonyme", "spv", "admin", "delegue", "partenaire", "structure", "autre_structure"]
# « partenaire_autre » : le compte de la Caf sur un indicateur produit par l'Académie.
CAS = [
    (circuit, acteur, statut, transition)
    for circuit, statuts, acteurs in (
        ("valeur", list(SV), [*ACTEURS, "partenaire_autre"]),
        ("fiche", list(SF), ACTEURS),
    )
    for acteur in acteurs
    for statut in statuts
    for transition in ("submit", "valider", "renvoyer")
]


def faire(objet, transition, user, motif=MOTIF):
    """Le même appel pour les deux circuits : submit(by), valider(by), renvoyer(by, motif)."""
    if transition == "renvoyer":
        return objet.renvoyer(user, motif)
    return getattr(objet, transition)(user)


def compte(comptes, acteur):
    if acteur == "anonyme":
        return AnonymousUser()
    return comptes["partenaire" if acteur == "partenaire_autre" else acteur]


@pytest.fixture
def objets(campagne, ind_caf, ind_autre, j2p, qpv_delegue):
    """Fabrique l'objet d'un circuit dans un statut donné (hors circuit)."""

    def fabriquer(circuit, statut, acteur=""):
        if circuit == "valeur":
            indicateur = ind_autre if acteur == "partenaire_autre" else ind_caf
            motif = "à revoir" if statut == SV.RENVOYE else ""
            return creer_valeur(indicateur, statut=statut, motif_renvoi=motif)
        return fiche_complete(j2p, qpv_delegue, statut=statut)

    return fabriquer


@pytest.mark.parametrize(("circuit", "acteur", "statut", "transition"), CAS)
def test_matrice_des_circuits(comptes, objets, circuit, acteur, statut, transition):
    depuis, vers, participe, autorises, refus_regle = ATTENDU[circuit][transition]
    user = compte(comptes, acteur)
    objet = objets(circuit, statut, acteur)
    versions = objet.history.count()
    if acteur in autorises and statut in depuis:
        etape = faire(objet, transition, user)
        objet.refresh_from_db()
        assert objet.statut == vers
        motif = MOTIF if transition == "renvoyer" else ""
        assert objet.transitions.get() == etape
        assert (etape.de, etape.vers, etape.par, etape.motif) == (statut, vers, user, motif)
        derniere = objet.history.first()
        assert (derniere.statut, derniere.history_user) == (vers, user)
        raison = f"{circuit.capitalize()} {participe}" + (f" : {motif}" if motif else "")
        assert derniere.history_change_reason == raison
        return
    if acteur not in autorises:
        attendu, etape = refus_regle(acteur), REGLE
    elif circuit == "valeur" and statut == SV.VALIDE:
        attendu, etape = DEJA_VALIDEE, ETAT
    else:
        libelle = objet.get_statut_display().lower()
        attendu, etape = f"Une {circuit} « {libelle} » ne peut pas être {participe}.", ETAT
    with pytest.raises(ActionRefusee) as refus:
        faire(objet, transition, user)
    assert (refus.value.message, refus.value.etape) == (attendu, etape)
    objet.refresh_from_db()
    assert objet.statut == statut
    assert not objet.transitions.exists()
    assert objet.history.count() == versions


# --- un seul ordre de contrôles ------------------------------------------------------------


def refus_de(appel):
    with pytest.raises(ActionRefusee) as refus:
        appel()
    return refus.value.etape, refus.value.message


def test_ordre_valeur_organisation_puis_campagne_puis_statut(comptes, campagne, ind_autre):
    """Un partenaire, sur une campagne close, pour un indicateur qu'il ne produit pas et une
    valeur déjà validée : c'est l'organisation qui parle d'abord."""
    v = creer_valeur(ind_autre, statut=SV.VALIDE)
    campagne.cloturer(comptes["spv"])
    close = CLOSE.format(timezone.localdate().strftime("%d/%m/%Y"))
    assert refus_de(lambda: v.submit(comptes["partenaire"])) == (REGLE, AUTRE_ORGANISATION)
    # Le SPV a le droit : la campagne close parle avant le statut.
    assert refus_de(lambda: v.submit(comptes["spv"])) == (VERROU, close)
    # Un renvoi sans motif par qui n'en a pas le droit : la règle avant la saisie.
    assert refus_de(lambda: v.renvoyer(comptes["partenaire"], "")) == (REGLE, SPV_RENVOIE_VALEUR)
    campagne.rouvrir(comptes["spv"], timezone.localdate() + datetime.timedelta(days=7))
    assert refus_de(lambda: v.submit(comptes["spv"])) == (ETAT, DEJA_VALIDEE)
    with pytest.raises(ValidationError) as erreur:
        v.renvoyer(comptes["spv"], "  ")
    assert erreur.value.message_dict == {
        "motif_renvoi": ["Indiquez le motif du renvoi : le producteur doit savoir quoi corriger."]
    }


def test_ordre_fiche_appartenance_puis_statut(comptes, j2p, qpv_delegue):
    """Le membre d'une autre structure, sur une fiche validée : c'est l'appartenance qui
    parle d'abord, puis, pour un membre, le statut."""
    fiche = fiche_complete(j2p, qpv_delegue, statut=SF.VALIDEE)
    assert refus_de(lambda: fiche.submit(comptes["autre_structure"])) == (REGLE, AUTRE_STRUCTURE)
    assert refus_de(lambda: fiche.submit(comptes["structure"])) == (
        ETAT,
        "Une fiche « validée » ne peut pas être soumise.",
    )
    assert refus_de(lambda: fiche.renvoyer(comptes["structure"], "")) == (
        REGLE,
        SPV_RENVOIE_FICHE,
    )
    assert refus_de(lambda: fiche.renvoyer(comptes["spv"], "")) == (
        ETAT,
        "Une fiche « validée » ne peut pas être renvoyée.",
    )
    FicheAction.objects.filter(pk=fiche.pk).update(statut=SF.SOUMISE)
    fiche.refresh_from_db()
    with pytest.raises(ValidationError, match="le commentaire est obligatoire"):
        fiche.renvoyer(comptes["spv"], "  ")


@pytest.mark.parametrize("modele", [Valeur, FicheAction])
def test_meme_vocabulaire_pour_les_deux_circuits(modele):
    assert list(modele.circuit.transitions) == ["submit", "valider", "renvoyer"]
    assert list(inspect.signature(modele.submit).parameters)[:2] == ["self", "by"]
    assert list(inspect.signature(modele.valider).parameters)[:2] == ["self", "by"]
    assert list(inspect.signature(modele.renvoyer).parameters)[:3] == ["self", "by", "motif"]
    # Les libellés des états sont ceux que déclare le circuit (accordés au féminin ici).
    assert [modele.circuit.libelle(e) for e in modele.circuit.etats.values] == [
        "Brouillon",
        "Soumise",
        "Validée",
        "Renvoyée",
    ]


# --- journal et historique, seul et en masse -----------------------------------------------


def test_renvoi_en_masse_journal_et_historique(comptes, campagne, ind_caf):
    spv = comptes["spv"]
    valeurs = [
        creer_valeur(ind_caf, code, statut=SV.SOUMIS) for code in ("qpv-goutte-dor", "paris")
    ]
    brouillon = creer_valeur(ind_caf, "qpv-algerie")
    faites, refusees = transition_en_masse([*valeurs, brouillon], "renvoyer", spv, MOTIF)
    assert sorted(v.pk for v in faites) == sorted(v.pk for v in valeurs)
    assert [(v.pk, raison) for v, raison in refusees] == [
        (brouillon.pk, "Une valeur « brouillon » ne peut pas être renvoyée.")
    ]
    for v in valeurs:
        v.refresh_from_db()
        assert (v.statut, v.version, v.motif_renvoi, v.renvoye_par) == (
            SV.RENVOYE,
            2,
            MOTIF,
            spv,
        )
        etape = v.transitions.get()
        assert (etape.de, etape.vers, etape.par, etape.motif) == (SV.SOUMIS, SV.RENVOYE, spv, MOTIF)
        h = v.history.first()
        assert (h.statut, h.history_user) == (SV.RENVOYE, spv)
        assert h.history_change_reason == f"Renvoyée en masse : {MOTIF}"
    assert not brouillon.transitions.exists() and brouillon.history.count() == 1


def test_renvoi_en_masse_sans_motif_n_ecrit_rien(comptes, campagne, ind_caf):
    v = creer_valeur(ind_caf, statut=SV.SOUMIS)
    with pytest.raises(ValidationError, match="Indiquez le motif du renvoi"):
        transition_en_masse([v], "renvoyer", comptes["spv"], "   ")
    v.refresh_from_db()
    assert v.statut == SV.SOUMIS and v.version == 1
    assert not TransitionValeur.objects.exists() and v.history.count() == 1


def test_fiches_en_masse_journal_et_historique(comptes, j2p, qpv_delegue):
    spv = comptes["spv"]
    fiches = [fiche_complete(j2p, qpv_delegue, statut=SF.SOUMISE, titre=t) for t in "AB"]
    brouillon = fiche_complete(j2p, qpv_delegue, titre="C")
    avant = timezone.now()
    faites, refusees = FicheAction.circuit.appliquer_en_masse([*fiches, brouillon], "valider", spv)
    assert len(faites) == 2
    assert [(f.pk, r) for f, r in refusees] == [
        (brouillon.pk, "Une fiche « brouillon » ne peut pas être validée.")
    ]
    for fiche in fiches:
        fiche.refresh_from_db()
        assert fiche.statut == SF.VALIDEE and fiche.modifie_le >= avant
        etape = fiche.transitions.get()
        assert (etape.de, etape.vers, etape.par, etape.motif) == (SF.SOUMISE, SF.VALIDEE, spv, "")
        h = fiche.history.first()
        assert (h.statut, h.history_user, h.history_change_reason) == (
            SF.VALIDEE,
            spv,
            "Validée en masse",
        )
    assert TransitionFiche.objects.filter(fiche=brouillon).count() == 0


def test_soumission_en_masse_d_une_fiche_incomplete_refusee(comptes, j2p, qpv_delegue):
    complete = fiche_complete(j2p, qpv_delegue)
    incomplete = fiche_complete(j2p, qpv_delegue, titre="Sans résumé", resume="")
    faites, refusees = FicheAction.circuit.appliquer_en_masse(
        [complete, incomplete], "submit", comptes["structure"]
    )
    assert [f.pk for f in faites] == [complete.pk]
    assert [(f.pk, r) for f, r in refusees] == [
        (incomplete.pk, "La fiche ne peut pas être soumise : il manque résumé.")
    ]


# --- le signal ------------------------------------------------------------------------------


@pytest.fixture
def recus():
    """Les envois du signal, dans l'ordre."""
    liste = []

    def recepteur(sender, **kwargs):
        liste.append({"sender": sender, **kwargs})

    transition_effectuee.connect(recepteur, weak=False, dispatch_uid="test-circuits")
    yield liste
    transition_effectuee.disconnect(dispatch_uid="test-circuits")


def test_signal_apres_la_validation_de_la_transaction(
    comptes, campagne, ind_caf, recus, django_capture_on_commit_callbacks
):
    partenaire = comptes["partenaire"]
    v = creer_valeur(ind_caf)
    with django_capture_on_commit_callbacks() as rappels:
        v.submit(partenaire)
    assert recus == []  # la transaction de la transition n'est pas encore validée
    for rappel in rappels:
        rappel()
    assert len(recus) == 1
    envoi = recus[0]
    assert envoi["sender"] is Valeur and envoi["objet"].pk == v.pk
    assert (envoi["transition"], envoi["par"], envoi["motif"]) == ("submit", partenaire, "")
    assert (envoi["de"], envoi["vers"]) == (SV.BROUILLON, SV.SOUMIS)
    assert envoi["journal"] == v.transitions.get() and envoi["lot"] == (envoi["objet"],)


def test_signal_d_une_fiche(comptes, brouillon, recus, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        brouillon.submit(comptes["structure"])
    with django_capture_on_commit_callbacks(execute=True):
        brouillon.renvoyer(comptes["spv"], MOTIF)
    assert [(r["sender"], r["transition"], r["motif"]) for r in recus] == [
        (FicheAction, "submit", ""),
        (FicheAction, "renvoyer", MOTIF),
    ]
    assert recus[1]["journal"].motif == MOTIF and recus[1]["objet"] is brouillon


def test_signal_une_fois_par_valeur_changee_en_masse(
    comptes, campagne, ind_caf, recus, django_capture_on_commit_callbacks
):
    valeurs = [creer_valeur(ind_caf, c, statut=SV.SOUMIS) for c in ("qpv-goutte-dor", "paris")]
    deja = creer_valeur(ind_caf, "qpv-algerie", statut=SV.VALIDE)
    with django_capture_on_commit_callbacks(execute=True):
        faites, _ = transition_en_masse([*valeurs, deja], "valider", comptes["spv"])
    assert sorted(r["objet"].pk for r in recus) == sorted(v.pk for v in valeurs)
    assert all(r["lot"] == tuple(faites) and r["transition"] == "valider" for r in recus)
    assert {r["journal"].pk for r in recus} == set(
        TransitionValeur.objects.values_list("pk", flat=True)
    )


def test_pas_de_signal_sur_un_refus_ni_une_annulation(
    comptes, campagne, ind_caf, recus, django_capture_on_commit_callbacks
):
    v = creer_valeur(ind_caf)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ActionRefusee):
            v.valider(comptes["partenaire"])
        faites, refusees = transition_en_masse([v], "renvoyer", comptes["spv"], MOTIF)
        assert faites == [] and len(refusees) == 1
        with pytest.raises(RuntimeError), transaction.atomic():
            v.submit(comptes["partenaire"])
            raise RuntimeError("annulée")
    assert recus == []
    v.refresh_from_db()
    assert v.statut == SV.BROUILLON and not v.transitions.exists()


def test_un_recepteur_en_echec_ne_defait_pas_la_transition(
    comptes, campagne, ind_caf, caplog, django_capture_on_commit_callbacks
):
    def casse(sender, **kwargs):
        raise RuntimeError("notification impossible")

    transition_effectuee.connect(casse, weak=False, dispatch_uid="test-casse")
    v = creer_valeur(ind_caf)
    try:
        with (
            caplog.at_level(logging.ERROR, logger="socle.circuits"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            v.submit(comptes["partenaire"])
    finally:
        transition_effectuee.disconnect(dispatch_uid="test-casse")
    v.refresh_from_db()
    assert v.statut == SV.SOUMIS
    assert "transition_effectuee en échec" in caplog.text
