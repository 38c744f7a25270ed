"""Les QPV des délégués du Préfet, confiés depuis le portail par le SPV (historisés) : au moins
un, et personne d'autre que le SPV ne les change."""

import pytest

from quartiers.models import Quartier
from socle.roles import Role
from tests.conftest import creer_utilisateur

pytestmark = pytest.mark.django_db


def test_le_spv_confie_des_qpv_a_un_delegue(client, utilisateurs, compter_requetes):
    delegue = utilisateurs["delegue"]
    client.force_login(utilisateurs["spv"])
    html = client.get("/comptes/delegues/").content.decode()
    actuels = list(delegue.profil.quartiers.order_by("ordre"))
    assert actuels[0].nom in html and f"/comptes/delegues/{delegue.pk}/quartiers/" in html
    nouveaux = list(Quartier.objects.order_by("-ordre")[:3])
    reponse = client.post(
        f"/comptes/delegues/{delegue.pk}/quartiers/", {"quartiers": [q.pk for q in nouveaux]}
    )
    assert reponse.status_code == 302 and reponse["Location"] == "/comptes/delegues/"
    assert set(delegue.profil.quartiers.all()) == set(nouveaux)
    # Historisé (m2m du profil), au nom du SPV.
    derniere = delegue.profil.history.first()
    assert {q.quartier_id for q in derniere.quartiers.all()} == {q.pk for q in nouveaux}
    # La liste des délégués coûte autant de requêtes quel que soit leur nombre.
    client.get("/comptes/delegues/")
    avant, _ = compter_requetes(lambda: client.get("/comptes/delegues/"))
    for i in range(4):
        creer_utilisateur(f"delegue-{i}", Role.DELEGUE, quartiers=nouveaux)
    apres, reponse = compter_requetes(lambda: client.get("/comptes/delegues/"))
    assert avant == apres and "5 délégués du Préfet" in reponse.content.decode()


def test_au_moins_un_qpv(client, utilisateurs):
    delegue = utilisateurs["delegue"]
    avant = set(delegue.profil.quartiers.all())
    client.force_login(utilisateurs["spv"])
    reponse = client.post(f"/comptes/delegues/{delegue.pk}/quartiers/", {"quartiers": []})
    assert reponse.status_code == 200
    assert "Choisissez au moins un QPV" in reponse.content.decode()
    assert set(delegue.profil.quartiers.all()) == avant


def test_seul_un_delegue_a_des_qpv(client, utilisateurs):
    client.force_login(utilisateurs["spv"])
    reponse = client.get(f"/comptes/delegues/{utilisateurs['partenaire'].pk}/quartiers/")
    assert reponse.status_code == 404


@pytest.mark.parametrize("compte", ["delegue", "partenaire", "structure"])
def test_seul_le_spv_confie_des_qpv(client, utilisateurs, compte):
    delegue = utilisateurs["delegue"]
    avant = set(delegue.profil.quartiers.all())
    client.force_login(utilisateurs[compte])
    assert client.get("/comptes/delegues/").status_code == 403
    reponse = client.post(
        f"/comptes/delegues/{delegue.pk}/quartiers/",
        {"quartiers": [Quartier.objects.order_by("-ordre").first().pk]},
    )
    assert reponse.status_code == 403
    assert set(delegue.profil.quartiers.all()) == avant
