"""L'accueil des comptes : le SPV invite un délégué du Préfet (avec ses QPV), un partenaire
(avec son organisation et, au besoin, les indicateurs qu'elle produit) ou le membre d'une
structure, par un seul mécanisme (socle.models.Invitation, socle/invitations.py) : lien signé,
à usage unique, qui expire ; accepter crée le compte avec le bon profil et connecte. Seul le
SPV invite ; un rôle inconnu ou un rattachement incomplet est refusé sans rien créer. Le SPV
confie leurs QPV aux délégués depuis le portail."""

import time

import pytest
from django.contrib.auth.models import User
from django.core import mail, signing
from django.db import IntegrityError

from engagements.models import Signataire
from indicateurs.models import Indicateur
from quartiers.models import Quartier
from socle.invitations import SEL, jeton
from socle.models import Invitation, Profil
from structures.models import Structure

pytestmark = pytest.mark.django_db

PORTAIL = "https://portail.exemple"
MOT_DE_PASSE = "Un-mot-de-passe-solide-2025"


@pytest.fixture(autouse=True)
def _portail(settings):
    settings.PORTAIL_URL = PORTAIL


@pytest.fixture
def caf():
    return Signataire.objects.get(nom__icontains="allocations familiales")


@pytest.fixture
def qpv():
    return list(Quartier.objects.order_by("ordre")[:2])


def inviter(client, spv, role, **donnees):
    client.force_login(spv)
    return client.post("/comptes/invitations/", {"role": role, **donnees})


def lien_recu():
    """Le chemin du lien d'invitation du dernier courriel (construit sur PORTAIL_URL)."""
    lien = next(m for m in mail.outbox[-1].body.split() if "/invitations/" in m)
    assert lien.startswith(f"{PORTAIL}/comptes/invitations/")
    return lien.removeprefix(PORTAIL)


def accepter(client, chemin, identifiant):
    client.logout()
    assert client.get(chemin).status_code == 200
    return client.post(
        chemin,
        {
            "username": identifiant,
            "first_name": "Awa",
            "last_name": "Diallo",
            "password1": MOT_DE_PASSE,
            "password2": MOT_DE_PASSE,
        },
    )


# --- délégué du Préfet ----------------------------------------------------------------------


def test_inviter_un_delegue_avec_ses_qpv(client, utilisateurs, qpv):
    reponse = inviter(
        client,
        utilisateurs["spv"],
        "delegue",
        email="delegue.19@exemple.invalid",
        quartiers=[q.pk for q in qpv],
    )
    assert reponse.status_code == 302, reponse.content.decode()[:2000]
    invitation = Invitation.objects.get(email="delegue.19@exemple.invalid")
    assert invitation.role == "delegue" and invitation.invitee_par == utilisateurs["spv"]
    assert set(invitation.quartiers.all()) == set(qpv)
    (courriel,) = mail.outbox
    assert courriel.to == ["delegue.19@exemple.invalid"]
    assert (
        courriel.subject
        == "[Contrat de ville] Invitation à créer votre compte de délégué du Préfet"
    )
    assert qpv[0].nom in courriel.body and "Mon territoire" in courriel.body

    reponse = accepter(client, lien_recu(), "delegue-19")
    assert reponse.status_code == 302 and reponse["Location"] == "/mon-territoire/"
    user = User.objects.get(username="delegue-19")
    assert user.email == "delegue.19@exemple.invalid"
    assert user.profil.role == "delegue"
    assert set(user.profil.quartiers.all()) == set(qpv)
    assert (user.profil.signataire, user.profil.structure) == (None, None)
    assert user.groups.filter(name="Délégués du Préfet").exists()
    # Connecté d'office : Mon territoire s'ouvre.
    assert client.get("/mon-territoire/").status_code == 200


def test_un_delegue_sans_qpv_est_refuse(client, utilisateurs):
    reponse = inviter(client, utilisateurs["spv"], "delegue", email="d@exemple.invalid")
    assert reponse.status_code == 200
    assert "Choisissez au moins un QPV" in reponse.content.decode()
    assert not Invitation.objects.exists() and not mail.outbox


# --- partenaire -------------------------------------------------------------------------------


def test_inviter_un_partenaire_et_ses_indicateurs(client, utilisateurs, caf):
    libre = Indicateur.objects.filter(producteur__isnull=True).order_by("code").first()
    reponse = inviter(
        client,
        utilisateurs["spv"],
        "partenaire",
        email="donnees@caf.invalid",
        signataire=caf.pk,
        indicateurs=[libre.pk],
    )
    assert reponse.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.role, invitation.signataire) == ("partenaire", caf)
    # L'organisation est désignée productrice dès l'envoi, historisé au nom du SPV.
    libre.refresh_from_db()
    assert libre.producteur == caf
    derniere = libre.history.first()
    assert derniere.history_user == utilisateurs["spv"]
    assert "invitation de donnees@caf.invalid" in derniere.history_change_reason
    assert "pour Caisse d’Allocations Familiales" in mail.outbox[0].subject

    reponse = accepter(client, lien_recu(), "caf-donnees")
    assert reponse["Location"] == "/indicateurs/mes-indicateurs/"
    profil = Profil.objects.get(user__username="caf-donnees")
    assert (profil.role, profil.signataire) == ("partenaire", caf)
    html = client.get("/indicateurs/mes-indicateurs/").content.decode()
    assert libre.code in html


def test_un_partenaire_sans_organisation_ou_avec_l_indicateur_d_un_autre(client, utilisateurs, caf):
    reponse = inviter(client, utilisateurs["spv"], "partenaire", email="p@exemple.invalid")
    assert "Choisissez l’organisation du partenaire." in reponse.content.decode()
    academie = Signataire.objects.get(nom="Académie de Paris")
    pris = Indicateur.objects.get(code="E01-1")
    pris.producteur = academie
    pris.save()
    reponse = inviter(
        client,
        utilisateurs["spv"],
        "partenaire",
        email="p@exemple.invalid",
        signataire=caf.pk,
        indicateurs=[pris.pk],
    )
    assert reponse.status_code == 200
    assert "E01-1 (Académie de Paris)" in reponse.content.decode()
    pris.refresh_from_db()
    assert pris.producteur == academie
    assert not Invitation.objects.exists() and not mail.outbox


# --- structure (les anciennes adresses marchent toujours) ----------------------------------------


def test_inviter_le_membre_d_une_structure(client, utilisateurs):
    j2p = Structure.objects.get(slug="j2p")
    client.force_login(utilisateurs["spv"])
    # L'ancienne adresse de la page d'invitation, depuis la fiche de la structure.
    html = client.get(f"/structures/invitations/?structure={j2p.pk}").content.decode()
    assert "Inviter une personne à créer son compte" in html
    reponse = client.post(
        "/structures/invitations/", {"email": "membre@j2p.invalid", "structure": j2p.pk}
    )
    assert reponse.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.role, invitation.structure) == ("structure", j2p)
    # L'ancien lien (/structures/invitations/<jeton>/) mène à la même page.
    chemin = lien_recu().replace("/comptes/", "/structures/")
    reponse = accepter(client, chemin, "membre-j2p-3")
    assert reponse["Location"] == "/structures/j2p/"
    assert Profil.objects.get(user__username="membre-j2p-3").structure == j2p


def test_une_structure_hors_paris_n_est_pas_proposee(client, utilisateurs):
    hors_paris = Structure.objects.filter(hors_paris=True).first()
    reponse = inviter(
        client, utilisateurs["spv"], "structure", email="x@exemple.invalid", structure=hors_paris.pk
    )
    assert reponse.status_code == 200 and not Invitation.objects.exists()


# --- rôles refusés, adresse déjà utilisée, rattachement incohérent -------------------------------


@pytest.mark.parametrize("role", ["spv", "admin", "inconnu"])
def test_un_role_qu_on_n_invite_pas_est_refuse(client, utilisateurs, qpv, role):
    reponse = inviter(
        client,
        utilisateurs["spv"],
        role,
        email="agent@exemple.invalid",
        quartiers=[q.pk for q in qpv],
    )
    assert reponse.status_code == 400
    assert "Rôle inconnu" in reponse.content.decode()
    assert not Invitation.objects.exists() and not mail.outbox


def test_une_adresse_deja_utilisee_est_refusee(client, utilisateurs, caf):
    utilisateurs["partenaire"].email = "deja@exemple.invalid"
    utilisateurs["partenaire"].save()
    reponse = inviter(
        client, utilisateurs["spv"], "partenaire", email="DEJA@exemple.invalid", signataire=caf.pk
    )
    assert "Un compte actif utilise déjà cette adresse" in reponse.content.decode()
    assert not Invitation.objects.exists()


def test_les_champs_d_un_autre_role_sont_ignores(client, utilisateurs, caf, qpv):
    """Une invitation de partenaire ne garde que son organisation : les QPV ou la structure
    envoyés avec elle ne sont pas enregistrés."""
    j2p = Structure.objects.get(slug="j2p")
    inviter(
        client,
        utilisateurs["spv"],
        "partenaire",
        email="p@exemple.invalid",
        signataire=caf.pk,
        structure=j2p.pk,
        quartiers=[q.pk for q in qpv],
    )
    invitation = Invitation.objects.get()
    assert invitation.structure is None and not invitation.quartiers.exists()


def test_la_base_refuse_un_rattachement_incoherent(caf):
    j2p = Structure.objects.get(slug="j2p")
    with pytest.raises(IntegrityError):
        Invitation.objects.create(email="x@exemple.invalid", role="partenaire", structure=j2p)


# --- qui invite ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("compte", "autorise"),
    [
        ("anonyme", False),
        ("delegue", False),
        ("partenaire", False),
        ("structure", False),
        ("spv", True),
        ("admin", True),
    ],
)
@pytest.mark.parametrize("role", ["structure", "delegue", "partenaire"])
def test_seul_le_spv_invite(client, utilisateurs, caf, qpv, compte, autorise, role):
    user = utilisateurs[compte]
    if user:
        client.force_login(user)
    reponse = client.get(f"/comptes/invitations/?role={role}")
    donnees = {
        "role": role,
        "email": "nouveau@exemple.invalid",
        "structure": Structure.objects.get(slug="j2p").pk,
        "signataire": caf.pk,
        "quartiers": [q.pk for q in qpv],
    }
    envoi = client.post("/comptes/invitations/", donnees)
    if autorise:
        assert reponse.status_code == 200 and envoi.status_code == 302
        assert Invitation.objects.get().role == role
    elif user is None:
        assert reponse.status_code == 302 and reponse["Location"].startswith("/connexion/")
        assert not Invitation.objects.exists()
    else:
        assert reponse.status_code == 403 and envoi.status_code == 403
        assert "Seuls les agents DDCT/SPV invitent" in reponse.content.decode()
        assert not Invitation.objects.exists()


# --- le lien ---------------------------------------------------------------------------------


@pytest.fixture
def invitation_delegue(utilisateurs, qpv):
    invitation = Invitation.objects.create(
        email="d@exemple.invalid", role="delegue", invitee_par=utilisateurs["spv"]
    )
    invitation.quartiers.set(qpv)
    return invitation


def test_le_lien_ne_sert_qu_une_fois(client, invitation_delegue):
    chemin = f"/comptes/invitations/{jeton(invitation_delegue)}/"
    assert accepter(client, chemin, "delegue-a").status_code == 302
    client.logout()
    reponse = client.get(chemin)
    assert reponse.status_code == 400 and "déjà servi" in reponse.content.decode()
    reponse = client.post(
        chemin,
        {"username": "delegue-b", "password1": MOT_DE_PASSE, "password2": MOT_DE_PASSE},
    )
    assert reponse.status_code == 400
    assert not User.objects.filter(username="delegue-b").exists()


def test_lien_falsifie_ou_expire(client, invitation_delegue, settings):
    valeur = jeton(invitation_delegue)
    reponse = client.get(f"/comptes/invitations/{valeur[:-2]}xx/")
    assert reponse.status_code == 400 and "pas valide" in reponse.content.decode()
    faux = signing.dumps({"i": invitation_delegue.pk + 999, "e": "d@exemple.invalid"}, salt=SEL)
    assert client.get(f"/comptes/invitations/{faux}/").status_code == 400
    # Signé pour une autre adresse : refusé.
    autre = signing.dumps({"i": invitation_delegue.pk, "e": "autre@exemple.invalid"}, salt=SEL)
    assert client.get(f"/comptes/invitations/{autre}/").status_code == 400
    settings.INVITATION_DUREE_JOURS = 0
    time.sleep(1.1)
    reponse = client.get(f"/comptes/invitations/{valeur}/")
    assert reponse.status_code == 400 and "expiré" in reponse.content.decode()
    assert not User.objects.filter(email="d@exemple.invalid").exists()


def test_deja_connecte_on_ne_cree_pas_de_compte(client, utilisateurs, invitation_delegue):
    client.force_login(utilisateurs["partenaire"])
    chemin = f"/comptes/invitations/{jeton(invitation_delegue)}/"
    reponse = client.post(
        chemin, {"username": "x", "password1": MOT_DE_PASSE, "password2": MOT_DE_PASSE}
    )
    assert reponse.status_code == 200 and "déconnectez-vous" in reponse.content.decode()
    assert not User.objects.filter(username="x").exists()


def test_la_liste_des_invitations(client, utilisateurs, invitation_delegue, caf):
    Invitation.objects.create(email="p@exemple.invalid", role="partenaire", signataire=caf)
    client.force_login(utilisateurs["spv"])
    html = client.get("/comptes/invitations/").content.decode()
    assert "d@exemple.invalid" in html and "Délégué du Préfet" in html
    assert "Caisse d’Allocations Familiales" in html and "En attente" in html
