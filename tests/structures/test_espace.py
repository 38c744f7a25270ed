"""L'espace d'une structure : un compte de structure lit et modifie sa structure et ses
fiches, et aucune autre ; profil (SIRET/RNA contrôlés, financements) ; invitations."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail, signing
from django.core.exceptions import ValidationError

from socle.invitations import SEL, jeton
from socle.models import Invitation
from structures.models import FicheAction, Structure
from structures.validators import luhn_valide, valider_rna, valider_siret

from .conftest import fiche_complete

pytestmark = pytest.mark.django_db


# --- identifiants ----------------------------------------------------------------------------


def siret_valide(debut="7328293200007"):
    """Complète 13 chiffres par la clé de Luhn."""
    for cle in "0123456789":
        if luhn_valide(debut + cle):
            return debut + cle
    raise AssertionError


@pytest.mark.parametrize(
    "valeur", [siret_valide(), "356 000 000 00001", siret_valide("4420000000001")]
)
def test_siret_valides(valeur):
    valider_siret(valeur.replace(" ", ""))


@pytest.mark.parametrize(
    ("valeur", "message"),
    [
        ("1234", "exactement 14 chiffres"),
        ("1234567890123A", "exactement 14 chiffres"),
        ("73282932000075", "clé de contrôle"),
        ("35600000000049", "clé de contrôle"),
    ],
)
def test_siret_invalides(valeur, message):
    with pytest.raises(ValidationError, match=message):
        valider_siret(valeur)


def test_rna():
    valider_rna("W751234567")
    valider_rna("w 751 234 567")
    for faux in ("751234567", "W75123456", "W7512345678", "X751234567"):
        with pytest.raises(ValidationError, match="W suivie de 9 chiffres"):
            valider_rna(faux)


# --- visibilité et modification --------------------------------------------------------------


def test_une_structure_ne_lit_et_ne_modifie_que_la_sienne(client, comptes, j2p, qpv_delegue):
    autre = Structure.objects.get(slug="centre-social-danube")
    fiche_autre = fiche_complete(autre, qpv_delegue, statut="validee")
    ma_fiche = fiche_complete(j2p, qpv_delegue)
    client.force_login(comptes["structure"])

    assert client.get("/structures/j2p/").status_code == 200
    assert client.get("/structures/j2p/modifier/").status_code == 200
    assert client.get(f"/structures/{autre.slug}/").status_code == 404
    assert client.get(f"/structures/{autre.slug}/modifier/").status_code == 404
    assert client.post(f"/structures/{autre.slug}/modifier/", {"adresse": "x"}).status_code == 404

    assert client.get(ma_fiche.get_absolute_url()).status_code == 200
    assert client.get(f"/structures/fiches/{ma_fiche.pk}/modifier/").status_code == 200
    # Même validée, la fiche d'une autre structure reste invisible pour un compte de structure.
    assert client.get(fiche_autre.get_absolute_url()).status_code == 404
    assert client.get(f"/structures/fiches/{fiche_autre.pk}/modifier/").status_code == 404
    assert client.post(f"/structures/fiches/{fiche_autre.pk}/modifier/", {}).status_code == 404
    # Les listes transversales et la couverture ne sont pas pour les structures.
    assert client.get("/structures/fiches/").status_code == 403
    assert client.get("/structures/fiches/export.xlsx").status_code == 403
    assert client.get("/structures/fiches/couverture/").status_code == 403
    assert client.get("/structures/invitations/").status_code == 403


def test_mon_espace_mene_a_sa_structure(client, comptes):
    client.force_login(comptes["structure"])
    assert client.get("/structures/mon-espace/")["Location"] == "/structures/j2p/"
    client.force_login(comptes["spv"])
    assert client.get("/structures/mon-espace/")["Location"] == "/structures/"


def test_espace_groupe_les_fiches_par_annee_et_statut(client, comptes, j2p, qpv_delegue):
    fiche_complete(j2p, qpv_delegue, titre="A 2025 brouillon", annee=2025)
    fiche_complete(j2p, qpv_delegue, titre="B 2025 renvoyée", annee=2025, statut="renvoyee")
    fiche_complete(j2p, qpv_delegue, titre="C 2024 validée", annee=2024, statut="validee")
    client.force_login(comptes["structure"])
    reponse = client.get("/structures/j2p/")
    groupes = reponse.context["groupes"]
    assert [annee for annee, _ in groupes][:2] == [2025, 2024]
    statuts_2025 = [(s, [f.titre for f in fiches]) for s, fiches in groupes[0][1]]
    # Ce qui attend la structure d'abord : renvoyée, puis brouillon.
    assert statuts_2025 == [("renvoyee", ["B 2025 renvoyée"]), ("brouillon", ["A 2025 brouillon"])]
    html = reponse.content.decode()
    assert "Nouvelle fiche-action" in html and "Modifier le profil" in html


def test_delegue_et_partenaire_ne_modifient_pas(client, comptes):
    for role in ("delegue", "partenaire"):
        client.force_login(comptes[role])
        assert client.get("/structures/j2p/").status_code == 200
        assert client.get("/structures/j2p/modifier/").status_code == 403
        assert client.get("/structures/fiches/nouvelle/").status_code == 403
    client.force_login(comptes["spv"])
    assert client.get("/structures/j2p/modifier/").status_code == 200
    # Le SPV relit et valide mais ne rédige pas à la place des structures.
    assert client.get("/structures/fiches/nouvelle/").status_code == 403


def _donnees_profil(**autres):
    donnees = {
        "adresse": "14 rue Petit",
        "code_postal": "75019",
        "commune": "Paris",
        "siret": "",
        "rna": "",
        "salaries": "8",
        "benevoles": "55",
        "adherents": "510",
        "budget": "450000",
        "description": "Centre social et culturel.",
        "financements-TOTAL_FORMS": "0",
        "financements-INITIAL_FORMS": "0",
        "financements-MIN_NUM_FORMS": "0",
        "financements-MAX_NUM_FORMS": "1000",
    }
    donnees.update(autres)
    return donnees


def test_profil_modifie_par_un_membre(client, comptes, j2p, qpv_delegue):
    client.force_login(comptes["structure"])
    siret = siret_valide()
    reponse = client.post(
        "/structures/j2p/modifier/",
        _donnees_profil(
            siret=f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}",
            rna="w751234567",
            quartiers=[qpv_delegue.pk],
            **{
                "financements-TOTAL_FORMS": "1",
                "financements-0-financeur": "Ville de Paris",
                "financements-0-part": "60",
            },
        ),
    )
    assert reponse.status_code == 302, reponse.context["form"].errors
    j2p.refresh_from_db()
    assert (j2p.siret, j2p.rna, j2p.salaries, j2p.benevoles) == (siret, "W751234567", 8, 55)
    assert list(j2p.quartiers.all()) == [qpv_delegue]
    assert j2p.financements.filter(financeur="Ville de Paris", part=60).exists()
    assert j2p.history.first().history_user == comptes["structure"]


def test_profil_refuse_un_siret_faux_et_des_parts_au_dela_de_100(client, comptes, j2p):
    client.force_login(comptes["structure"])
    reponse = client.post(
        "/structures/j2p/modifier/",
        _donnees_profil(
            siret="73282932000075",
            rna="12345",
            **{
                "financements-TOTAL_FORMS": "2",
                "financements-0-financeur": "Ville de Paris",
                "financements-0-part": "70",
                "financements-1-financeur": "Caf",
                "financements-1-part": "40",
            },
        ),
    )
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert "clé de contrôle" in html
    assert "W suivie de 9 chiffres" in html
    assert "ne peut pas dépasser 100\u00a0%" in html
    j2p.refresh_from_db()
    assert j2p.siret == ""


# --- invitations -----------------------------------------------------------------------------


def test_invitation_bout_en_bout(client, comptes, j2p):
    client.force_login(comptes["spv"])
    assert client.get(f"/structures/invitations/?structure={j2p.pk}").status_code == 200
    reponse = client.post(
        "/structures/invitations/", {"email": "nouvelle@exemple.invalid", "structure": j2p.pk}
    )
    assert reponse.status_code == 302
    invitation = Invitation.objects.get(email="nouvelle@exemple.invalid")
    assert invitation.invitee_par == comptes["spv"]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nouvelle@exemple.invalid"]
    # Le lien est construit sur PORTAIL_URL (https://portail.exemple dans ces tests).
    lien = next(m for m in mail.outbox[0].body.split() if "/invitations/" in m)
    chemin = lien.split("portail.exemple", 1)[1]

    client.logout()
    assert client.get(chemin).status_code == 200
    reponse = client.post(
        chemin,
        {
            "username": "nouvelle-j2p",
            "first_name": "Awa",
            "last_name": "Diallo",
            "password1": "Un-mot-de-passe-solide-2025",
            "password2": "Un-mot-de-passe-solide-2025",
        },
    )
    assert reponse.status_code == 302 and reponse["Location"] == "/structures/j2p/"
    user = User.objects.get(username="nouvelle-j2p")
    assert user.email == "nouvelle@exemple.invalid"
    assert (user.profil.role, user.profil.structure) == ("structure", j2p)
    assert user.groups.filter(name="Structures").exists()
    invitation.refresh_from_db()
    assert invitation.acceptee_le and invitation.utilisateur == user
    # Connecté d'office, dans son espace.
    assert client.get("/structures/mon-espace/")["Location"] == "/structures/j2p/"
    # Le lien ne sert qu'une fois.
    client.logout()
    reponse = client.get(chemin)
    assert reponse.status_code == 400 and "déjà servi" in reponse.content.decode()


def test_invitation_jeton_falsifie_ou_expire(client, comptes, j2p, settings):
    invitation = Invitation.objects.create(email="x@exemple.invalid", structure=j2p)
    valeur = jeton(invitation)
    reponse = client.get(f"/structures/invitations/{valeur[:-2]}xx/")
    assert reponse.status_code == 400 and "pas valide" in reponse.content.decode()
    # Un jeton signé pour une autre invitation (autre pk) n'ouvre rien.
    faux = signing.dumps({"i": invitation.pk + 999, "e": invitation.email}, salt=SEL)
    assert client.get(f"/structures/invitations/{faux}/").status_code == 400
    settings.INVITATION_DUREE_JOURS = 0
    import time

    time.sleep(1.1)
    reponse = client.get(f"/structures/invitations/{valeur}/")
    assert reponse.status_code == 400 and "expiré" in reponse.content.decode()
    assert timedelta(days=settings.INVITATION_DUREE_JOURS) == timedelta(0)


def test_seul_le_spv_invite(client, comptes, j2p):
    for role in ("delegue", "partenaire", "structure"):
        client.force_login(comptes[role])
        assert client.get("/structures/invitations/").status_code == 403
        assert (
            client.post(
                "/structures/invitations/", {"email": "a@exemple.invalid", "structure": j2p.pk}
            ).status_code
            == 403
        )
    assert not Invitation.objects.exists()


# --- données des sources ---------------------------------------------------------------------


def test_fiches_des_sources_validees_et_hors_paris_signale(client, comptes):
    assert not FicheAction.objects.exclude(cle="").exclude(statut="validee").exists()
    hors_paris = FicheAction.objects.filter(structure__hors_paris=True).first()
    client.force_login(comptes["spv"])
    html = client.get(f"/structures/fiches/?structure={hors_paris.structure.slug}").content.decode()
    assert "hors Paris" in html
    html = client.get(hors_paris.get_absolute_url()).content.decode()
    assert "hors Paris" in html and "publiée d’emblée" in html
    html = client.get("/structures/fiches/?structure=j2p")
    assert "hors Paris</span>" not in html.content.decode().split("<tbody>")[1]


def test_textes_en_anglais_balises_lang_en(client, utilisateurs):
    """Le rapport J2P est en anglais : ses textes portent lang="en" (RGAA 8.7)."""
    client.force_login(utilisateurs["spv"])
    j2p = Structure.objects.get(slug="j2p")
    assert j2p.langue == "en"
    html = client.get(j2p.get_absolute_url()).content.decode()
    assert '<div lang="en">' in html
    fiche = FicheAction.objects.get(cle="000-01")
    html = client.get(fiche.get_absolute_url()).content.decode()
    assert '<h1 class="h3" lang="en">' in html
    autre = FicheAction.objects.get(cle="004-02")
    assert 'lang="en"' not in client.get(autre.get_absolute_url()).content.decode()
