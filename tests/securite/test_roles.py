"""Attribution des rôles : un superutilisateur donne tous les rôles ; un agent SPV donne les
rôles sans accès à l'administration (délégué, partenaire, structure), et ne modifie ni un
superutilisateur ni un autre membre de l'équipe ; les autres rôles n'attribuent rien."""

import pytest
from django.contrib.auth.models import User

from socle.models import Profil
from socle.roles import Role, peut_modifier_compte, roles_attribuables
from tests.conftest import client_pour, creer_utilisateur

pytestmark = pytest.mark.django_db

SANS_ADMIN = {Role.DELEGUE, Role.PARTENAIRE, Role.STRUCTURE}
MATRICE = {
    "admin": set(Role),
    "spv": SANS_ADMIN,
    "delegue": set(),
    "partenaire": set(),
    "structure": set(),
}


def ajouter_profil(client, cible, role):
    return client.post(
        "/admin/socle/profil/add/",
        {"user": cible.pk, "role": role.value, "quartiers": []},
    )


@pytest.mark.parametrize("qui", list(MATRICE))
def test_regle_des_roles_attribuables(utilisateurs, qui):
    assert set(roles_attribuables(utilisateurs[qui])) == MATRICE[qui]


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("qui", list(MATRICE))
def test_matrice_d_attribution_dans_l_admin(client, utilisateurs, qui, role):
    cible = creer_utilisateur(f"nouveau-{qui}-{role.value}")
    reponse = ajouter_profil(client_pour(client, utilisateurs[qui]), cible, role)
    profil = Profil.objects.filter(user=cible).first()
    cible.refresh_from_db()
    if role in MATRICE[qui]:
        assert reponse.status_code == 302, reponse.content.decode()[:2000]
        assert profil.role == role
        assert cible.is_staff == (role == Role.SPV)
    else:
        assert profil is None
        assert not cible.is_staff
        if qui == "spv":  # le formulaire refuse le choix, en français
            assert reponse.status_code == 200
            assert "Sélectionnez un choix valide" in reponse.content.decode()
        else:
            assert reponse.status_code == 302  # hors de l'admin
            assert reponse["Location"].startswith("/admin/login/")


def test_le_champ_role_ne_propose_que_les_roles_attribuables(client, utilisateurs):
    html = client_pour(client, utilisateurs["spv"]).get("/admin/socle/profil/add/").content
    assert b'value="delegue"' in html and b'value="spv"' not in html
    html = client_pour(client, utilisateurs["admin"]).get("/admin/socle/profil/add/").content
    assert b'value="spv"' in html


def test_un_spv_ne_modifie_pas_un_autre_spv_ni_un_superutilisateur(client, utilisateurs):
    spv = utilisateurs["spv"]
    collegue = creer_utilisateur("autre-spv", Role.SPV)
    client_pour(client, spv)
    profil = collegue.profil
    url = f"/admin/socle/profil/{profil.pk}/change/"
    assert client.get(url).status_code == 200  # consultation seule
    reponse = client.post(url, {"user": collegue.pk, "role": "delegue", "quartiers": []})
    assert reponse.status_code == 403
    profil.refresh_from_db()
    assert profil.role == Role.SPV
    # Ni lui-même (il se retirerait ou se donnerait d'autres droits) ni un superutilisateur.
    assert not peut_modifier_compte(spv, spv)
    assert not peut_modifier_compte(spv, utilisateurs["admin"])
    # Ni créer de profil pour un superutilisateur sans profil.
    reponse = ajouter_profil(client, utilisateurs["admin"], Role.DELEGUE)
    assert reponse.status_code == 200
    assert not Profil.objects.filter(user=utilisateurs["admin"]).exists()


def test_un_spv_fait_passer_un_compte_de_delegue_a_partenaire(client, utilisateurs):
    delegue = utilisateurs["delegue"]
    client_pour(client, utilisateurs["spv"])
    reponse = client.post(
        f"/admin/socle/profil/{delegue.profil.pk}/change/",
        {"user": delegue.pk, "role": "partenaire", "quartiers": []},
    )
    assert reponse.status_code == 302
    delegue.profil.refresh_from_db()
    assert delegue.profil.role == Role.PARTENAIRE
    # Mais pas en agent SPV.
    reponse = client.post(
        f"/admin/socle/profil/{delegue.profil.pk}/change/",
        {"user": delegue.pk, "role": "spv", "quartiers": []},
    )
    assert reponse.status_code == 200
    assert not User.objects.get(pk=delegue.pk).is_staff


def test_profil_saisi_avec_l_utilisateur_verifie_aussi(client, utilisateurs):
    """L'inline du profil sur la fiche utilisateur : réservée aux superutilisateurs (le SPV
    n'a pas la permission de modifier les utilisateurs), elle applique la même règle."""
    assert client_pour(client, utilisateurs["spv"]).get("/admin/auth/user/").status_code == 403
    superu = client_pour(client, utilisateurs["admin"])
    cible = creer_utilisateur("promu")
    page = superu.get(f"/admin/auth/user/{cible.pk}/change/")
    assert b'value="spv"' in page.content
