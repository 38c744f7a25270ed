"""Le circuit d'une fiche : brouillon → soumise → validée, ou renvoyée (avec commentaire) →
soumise à nouveau. Chaque transition vérifie qui peut la faire (matrice), consigne qui et
quand, et prévient par courriel."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from socle.circuits import ActionRefusee
from structures.models import FicheAction, TransitionFiche

from .conftest import fiche_complete

pytestmark = pytest.mark.django_db

COMPTES = [
    "anonyme",
    "spv",
    "spv2",
    "admin",
    "delegue",
    "partenaire",
    "structure",
    "structure2",
    "autre_structure",
]
MEMBRES_J2P = {"structure", "structure2"}
AGENTS_SPV = {"spv", "spv2", "admin"}

# transition → (statut de départ, rôles autorisés, statut d'arrivée)
MATRICE = {
    "submit": ("brouillon", MEMBRES_J2P, "soumise"),
    "resubmit": ("renvoyee", MEMBRES_J2P, "soumise"),
    "valider": ("soumise", AGENTS_SPV, "validee"),
    "renvoyer": ("soumise", AGENTS_SPV, "renvoyee"),
}


def faire(fiche, transition, user):
    if transition in ("submit", "resubmit"):
        fiche.submit(by=user)
    elif transition == "valider":
        fiche.valider(by=user)
    else:
        fiche.renvoyer(by=user, motif="Précisez le nombre de participants.")


@pytest.mark.parametrize("compte", COMPTES)
@pytest.mark.parametrize("transition", MATRICE)
def test_matrice_des_transitions(comptes, brouillon, transition, compte):
    depart, autorises, arrivee = MATRICE[transition]
    FicheAction.objects.filter(pk=brouillon.pk).update(statut=depart)
    brouillon.refresh_from_db()
    user = comptes[compte] or AnonymousUser()
    if compte in autorises:
        faire(brouillon, transition, user)
        brouillon.refresh_from_db()
        assert brouillon.statut == arrivee
        etape = brouillon.transitions.get()
        assert (etape.de, etape.vers, etape.par) == (depart, arrivee, user)
        assert etape.le is not None
    else:
        with pytest.raises(PermissionDenied):
            faire(brouillon, transition, user)
        brouillon.refresh_from_db()
        assert brouillon.statut == depart
        assert not brouillon.transitions.exists()


@pytest.mark.parametrize(
    ("statut", "transition"),
    [
        ("soumise", "submit"),
        ("validee", "submit"),
        ("brouillon", "valider"),
        ("renvoyee", "valider"),
        ("validee", "valider"),
        ("brouillon", "renvoyer"),
        ("validee", "renvoyer"),
    ],
)
def test_transitions_impossibles_depuis_ce_statut(comptes, brouillon, statut, transition):
    FicheAction.objects.filter(pk=brouillon.pk).update(statut=statut)
    brouillon.refresh_from_db()
    user = comptes["structure"] if transition == "submit" else comptes["spv"]
    with pytest.raises(ActionRefusee, match="ne peut pas être"):
        faire(brouillon, transition, user)


def test_le_renvoi_exige_un_commentaire(comptes, brouillon):
    brouillon.submit(by=comptes["structure"])
    with pytest.raises(ValidationError, match="commentaire est obligatoire"):
        brouillon.renvoyer(by=comptes["spv"], motif="   ")
    assert brouillon.statut == "soumise"


def test_une_fiche_incomplete_ne_se_soumet_pas(comptes, j2p):
    fiche = FicheAction.objects.create(
        structure=j2p, titre="Brouillon", annee=2025, etat="terminee", initiative=["autre"]
    )
    with pytest.raises(ValidationError) as erreur:
        fiche.submit(by=comptes["structure"])
    message = erreur.value.messages[0]
    for manque in (
        "dimension",
        "résumé",
        "territoire concerné",
        "public",
        "raisons pour lesquelles l’action est terminée",
        "précision de l’initiative",
        "au moins un engagement",
        "au moins un quartier prioritaire",
    ):
        assert manque in message, manque
    assert FicheAction.objects.get(pk=fiche.pk).statut == "brouillon"


def test_cycle_complet_journal_historique_et_courriels(
    comptes, brouillon, django_capture_on_commit_callbacks
):
    structure, spv = comptes["structure"], comptes["spv"]
    with django_capture_on_commit_callbacks(execute=True):
        brouillon.submit(by=structure)
    # Au SPV (un message par agent), pas à la structure.
    assert sorted(m.to[0] for m in mail.outbox) == [
        "agent-spv-2@exemple.invalid",
        "agent-spv@exemple.invalid",
    ]
    assert "Fiche-action soumise : Ateliers sociolinguistiques" in mail.outbox[0].subject
    assert f"https://portail.exemple/structures/fiches/{brouillon.pk}/" in mail.outbox[0].body
    assert "Centre social et culturel J2P" in mail.outbox[0].body or "J2P" in mail.outbox[0].body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        brouillon.renvoyer(by=spv, motif="Ajoutez le nombre de bénéficiaires.")
    assert sorted(m.to[0] for m in mail.outbox) == [
        "membre-j2p-2@exemple.invalid",
        "membre-j2p@exemple.invalid",
    ]
    assert "Ajoutez le nombre de bénéficiaires." in mail.outbox[0].body
    assert "à compléter" in mail.outbox[0].subject

    mail.outbox.clear()
    brouillon.nb_beneficiaires = 40
    brouillon.save()
    with django_capture_on_commit_callbacks(execute=True):
        brouillon.submit(by=comptes["structure2"])
    assert len(mail.outbox) == 2

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        brouillon.valider(by=comptes["spv2"])
    assert sorted(m.to[0] for m in mail.outbox) == [
        "membre-j2p-2@exemple.invalid",
        "membre-j2p@exemple.invalid",
    ]
    assert "validée" in mail.outbox[0].subject
    # Aucun courriel aux membres d'une autre structure.
    assert all("danube" not in m.to[0] for m in mail.outbox)

    etapes = list(brouillon.transitions.order_by("le", "pk"))
    assert [(t.de, t.vers) for t in etapes] == [
        ("brouillon", "soumise"),
        ("soumise", "renvoyee"),
        ("renvoyee", "soumise"),
        ("soumise", "validee"),
    ]
    assert [t.par for t in etapes] == [structure, spv, comptes["structure2"], comptes["spv2"]]
    assert etapes[1].motif == "Ajoutez le nombre de bénéficiaires."
    assert brouillon.dernier_renvoi == etapes[1]
    # L'historique (simple_history) garde chaque changement de statut et son auteur.
    statuts = brouillon.history.filter(history_change_reason__startswith="Fiche").order_by(
        "history_date"
    )
    assert [h.statut for h in statuts] == ["soumise", "renvoyee", "soumise", "validee"]
    assert statuts.last().history_user == comptes["spv2"]


def test_pas_de_courriel_sans_destinataire(comptes, brouillon, django_capture_on_commit_callbacks):
    from django.contrib.auth.models import User

    User.objects.filter(profil__role="spv").update(email="")
    with django_capture_on_commit_callbacks(execute=True):
        brouillon.submit(by=comptes["structure"])
    assert mail.outbox == []
    assert brouillon.statut == "soumise"


def test_transition_concurrente_refusee(comptes, brouillon):
    copie = FicheAction.objects.get(pk=brouillon.pk)
    brouillon.submit(by=comptes["structure"])
    # La copie en mémoire croit encore la fiche en brouillon : la base a changé entre-temps.
    with pytest.raises(ValidationError, match="changé de statut"):
        copie.submit(by=comptes["structure2"])
    assert TransitionFiche.objects.filter(fiche=brouillon).count() == 1


# --- par les pages -------------------------------------------------------------------------


def test_soumettre_valider_renvoyer_par_les_pages(client, comptes, brouillon):
    client.force_login(comptes["structure"])
    reponse = client.post(f"/structures/fiches/{brouillon.pk}/soumettre/")
    assert reponse.status_code == 302
    brouillon.refresh_from_db()
    assert brouillon.statut == "soumise"
    # La structure ne valide pas sa propre fiche.
    assert client.post(f"/structures/fiches/{brouillon.pk}/valider/").status_code == 403
    # Une fiche soumise ne se modifie plus : retour à la fiche, avec un message.
    reponse = client.get(f"/structures/fiches/{brouillon.pk}/modifier/", follow=True)
    assert "ne peut plus être modifiée" in reponse.content.decode()

    client.force_login(comptes["spv"])
    reponse = client.post(
        f"/structures/fiches/{brouillon.pk}/renvoyer/", {"commentaire": ""}, follow=True
    )
    assert "commentaire est obligatoire" in reponse.content.decode()
    client.post(
        f"/structures/fiches/{brouillon.pk}/renvoyer/", {"commentaire": "Précisez les QPV."}
    )
    brouillon.refresh_from_db()
    assert brouillon.statut == "renvoyee"

    client.force_login(comptes["structure"])
    page = client.get(f"/structures/fiches/{brouillon.pk}/").content.decode()
    assert "Précisez les QPV." in page
    assert client.get(f"/structures/fiches/{brouillon.pk}/modifier/").status_code == 200
    client.post(f"/structures/fiches/{brouillon.pk}/soumettre/")
    client.force_login(comptes["spv"])
    client.post(f"/structures/fiches/{brouillon.pk}/valider/")
    brouillon.refresh_from_db()
    assert brouillon.statut == "validee"
    page = client.get(f"/structures/fiches/{brouillon.pk}/").content.decode()
    assert "Suivi de la validation" in page and "Historique des modifications" in page


def test_les_transitions_ne_se_font_qu_en_post(client, comptes, brouillon):
    client.force_login(comptes["structure"])
    assert client.get(f"/structures/fiches/{brouillon.pk}/soumettre/").status_code == 405


def test_transition_sur_fiche_invisible_404(client, comptes, brouillon):
    client.force_login(comptes["autre_structure"])
    assert client.post(f"/structures/fiches/{brouillon.pk}/soumettre/").status_code == 404
    client.force_login(comptes["delegue"])
    # Un brouillon est invisible pour un délégué, même dans son QPV.
    assert client.post(f"/structures/fiches/{brouillon.pk}/valider/").status_code == 404


def test_boutons_selon_les_regles(client, comptes, j2p, qpv_delegue):
    fiche = fiche_complete(j2p, qpv_delegue, statut="soumise")
    client.force_login(comptes["spv"])
    html = client.get(fiche.get_absolute_url()).content.decode()
    assert "Valider la fiche" in html and "Renvoyer à la structure" in html
    client.force_login(comptes["structure"])
    html = client.get(fiche.get_absolute_url()).content.decode()
    assert "Valider la fiche" not in html and "Modifier la fiche" not in html
    client.force_login(comptes["delegue"])
    html = client.get(fiche.get_absolute_url()).content.decode()
    assert "Valider la fiche" not in html and "Soumettre" not in html
