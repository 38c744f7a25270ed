"""Les notifications des fiches-actions : soumise → agents du SPV ; validée ou renvoyée → les
membres de la structure. Les anciens courriels de structures/emails.py sont remplacés : chaque
personne concernée reçoit un seul courriel par transition."""

import pytest
from django.core import mail

from notifications.models import Notification
from quartiers.models import Quartier
from socle.roles import Role
from structures.models import Structure
from tests.conftest import creer_utilisateur
from tests.structures.conftest import fiche_complete

from .conftest import PORTAIL, adresse, courriels, recues

pytestmark = pytest.mark.django_db

AGENTS = {"agent-spv", "agent-spv-2"}
MEMBRES = {"membre-j2p", "membre-j2p-2"}


@pytest.fixture
def fiche(comptes):
    return fiche_complete(
        Structure.objects.get(slug="j2p"), Quartier.objects.order_by("ordre").first()
    )


def test_circuit_complet_par_les_pages(client, comptes, fiche, django_capture_on_commit_callbacks):
    # Soumise par un membre : les agents du SPV, pas l'autre membre.
    client.force_login(comptes["structure"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/structures/fiches/{fiche.pk}/soumettre/")
    assert recues() == {nom: [(Notification.Type.FICHE_SOUMISE, 1)] for nom in AGENTS}
    assert set(courriels()) == {adresse(nom) for nom in AGENTS}
    assert courriels()[adresse("agent-spv")] == [
        "[Contrat de ville] Fiche-action soumise : Ateliers sociolinguistiques"
    ]
    n = Notification.objects.get(destinataire=comptes["spv"])
    assert n.lien == f"/structures/fiches/{fiche.pk}/"
    assert "Soumise par : membre-j2p" in n.message
    assert "Quartiers prioritaires :" in n.message and "Engagements : 5" in n.message

    # Renvoyée par un agent : les deux membres, avec le commentaire ; pas les agents.
    Notification.objects.all().delete()
    mail.outbox.clear()
    client.force_login(comptes["spv"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/structures/fiches/{fiche.pk}/renvoyer/",
            {"commentaire": "Ajoutez le nombre de bénéficiaires."},
        )
    assert recues() == {nom: [(Notification.Type.FICHE_RENVOYEE, 1)] for nom in MEMBRES}
    assert courriels()[adresse("membre-j2p")] == [
        "[Contrat de ville] Fiche-action à compléter : Ateliers sociolinguistiques"
    ]
    assert "Ajoutez le nombre de bénéficiaires." in mail.outbox[0].body
    assert f"{PORTAIL}/structures/fiches/{fiche.pk}/" in mail.outbox[0].body

    # Soumise de nouveau par l'autre membre, validée par le second agent : les membres
    # apprennent la validation, l'agent qui valide n'est pas notifié.
    Notification.objects.all().delete()
    mail.outbox.clear()
    fiche.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        fiche.submit(by=comptes["structure2"])
    assert set(recues()) == AGENTS
    Notification.objects.all().delete()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        fiche.valider(by=comptes["spv2"])
    assert recues() == {nom: [(Notification.Type.FICHE_VALIDEE, 1)] for nom in MEMBRES}
    assert courriels()[adresse("membre-j2p-2")] == [
        "[Contrat de ville] Votre fiche-action est validée : Ateliers sociolinguistiques"
    ]


def test_les_membres_d_une_autre_structure_ne_sont_pas_prevenus(
    comptes, fiche, django_capture_on_commit_callbacks
):
    danube = creer_utilisateur(
        "membre-danube",
        Role.STRUCTURE,
        structure=Structure.objects.get(slug="centre-social-danube"),
    )
    danube.email = "membre-danube@exemple.invalid"
    danube.save()
    fiche.submit(by=comptes["structure"])
    with django_capture_on_commit_callbacks(execute=True):
        fiche.valider(by=comptes["spv"])
    assert "membre-danube" not in recues()
    assert set(recues()) == MEMBRES
