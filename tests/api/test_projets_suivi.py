"""Le suivi daté des projets structurants dans `/api/v1/projets/` : dernière étape et
historique pour le SPV et les délégués du Préfet (règle `peut_voir_suivi_projets`), null
pour les autres ; échéance publique."""

import datetime

import pytest
from django.utils import timezone

from quartiers.models import ProjetStructurant
from tests.api.conftest import client_api

pytestmark = pytest.mark.django_db


@pytest.fixture
def projet_suivi(utilisateurs):
    projet = ProjetStructurant.objects.order_by("pk").first()
    projet.annee_echeance = timezone.localdate().year - 1
    projet.save()
    jour = timezone.localdate()
    projet.ajouter_suivi(
        utilisateurs["spv"], "a_venir", "Étude lancée.", jour - datetime.timedelta(days=30)
    )
    projet.ajouter_suivi(utilisateurs["spv"], "en_cours", "Travaux commencés.", jour)
    return projet


@pytest.mark.parametrize("role", ["spv", "delegue"])
def test_suivi_pour_le_spv_et_les_delegues(utilisateurs, projet_suivi, role):
    client = client_api(utilisateurs[role], "jeton")
    corps = client.get(f"/api/v1/projets/{projet_suivi.pk}/").json()
    assert corps["statut"] == "en_cours"
    assert corps["dernier_suivi"]["commentaire"] == "Travaux commencés."
    assert corps["dernier_suivi"]["auteur"] == "agent-spv"
    assert [s["statut"] for s in corps["suivi"]] == ["en_cours", "a_venir"]
    assert corps["echeance_depassee"] is True
    liste = client.get(f"/api/v1/projets/?quartier={projet_suivi.quartier.slug}").json()
    ligne = next(p for p in liste["results"] if p["id"] == projet_suivi.pk)
    assert ligne["dernier_suivi"] == corps["dernier_suivi"]
    autre = next(p for p in liste["results"] if p["id"] != projet_suivi.pk)
    assert autre["dernier_suivi"] is None and autre["suivi"] == []


@pytest.mark.parametrize("role", ["anonyme", "partenaire", "structure"])
def test_pas_de_suivi_pour_les_autres(utilisateurs, projet_suivi, role):
    corps = (
        client_api(utilisateurs[role], "jeton").get(f"/api/v1/projets/{projet_suivi.pk}/").json()
    )
    assert corps["statut"] == "en_cours"  # le statut reste public
    assert corps["annee_echeance"] == projet_suivi.annee_echeance
    assert corps["dernier_suivi"] is None and corps["suivi"] is None
