"""Schemathesis contre le serveur de test : des requêtes générées à partir du schéma OpenAPI,
bornées en nombre et en temps. Aucune erreur 5xx, aucun code ni contenu de réponse hors du
schéma.

- lectures : chaque opération GET de l'API, avec le jeton d'un agent du SPV (qui voit tout :
  valeurs, brouillons, structures, fiches) ; le référentiel public est aussi lu sans jeton
  par les tests d'accès ;
- écritures : chaque opération d'écriture des valeurs (création, PUT, PATCH, circuit, envoi
  groupé), avec le jeton d'un partenaire producteur, pendant une campagne ouverte : exemples
  du schéma puis corps générés ; les modifications visent une valeur existante, avec tantôt
  le bon ETag, tantôt un ETag inventé.

`live_server` rend les tests transactionnels (la base est vidée à la fin) : le référentiel
est chargé dans chaque test."""

import datetime
import io
import time
import zlib

import pytest
import schemathesis
from django.core.management import call_command
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks

from socle.models import JetonAPI
from tests.conftest import creer_utilisateur

# Par opération : exemples générés au plus, et budget total de chaque test.
EXEMPLES_PAR_OPERATION = 20
BUDGET_SECONDES = 75
EXEMPLES_PAR_ECRITURE = 30
BUDGET_ECRITURES_SECONDES = 60

VERIFICATIONS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


def parcourir(operations, budget, exemples, appel):
    """Joue chaque opération (exemples du schéma, puis cas générés) dans le budget donné ;
    retourne les opérations jouées."""
    debut = time.monotonic()
    vues = []
    for operation in operations:
        if time.monotonic() - debut > budget:
            break

        @given(case=operation.as_strategy())
        @settings(
            max_examples=exemples,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def essayer(case):
            reponse = appel(case)
            case.validate_response(reponse, checks=VERIFICATIONS)

        essayer()
        vues.append(operation.label)
    return vues


def charger_le_referentiel():
    call_command("load_referentiel", stdout=io.StringIO())
    call_command("sync_roles", stdout=io.StringIO())


@pytest.mark.slow
def test_schemathesis_lectures(live_server, settings_django):
    charger_le_referentiel()
    _, cle = JetonAPI.emettre(creer_utilisateur("agent-spv", "spv"), "Schemathesis")
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/schema/?format=json")
    operations = [r.ok() for r in schema.include(method="GET").get_all_operations()]
    assert len(operations) >= 24

    def appel(case):
        return case.call(
            base_url=live_server.url, timeout=10, headers={"Authorization": f"Bearer {cle}"}
        )

    vues = parcourir(operations, BUDGET_SECONDES, EXEMPLES_PAR_OPERATION, appel)
    assert len(vues) == len(operations), f"budget dépassé après {vues}"


@pytest.mark.slow
def test_schemathesis_ecritures(live_server, settings_django):
    from engagements.models import Signataire
    from indicateurs.models import Campagne, Indicateur, Territoire, Valeur

    charger_le_referentiel()
    caf = Signataire.objects.get(nom__icontains="allocations familiales")
    partenaire = creer_utilisateur("partenaire-caf", "partenaire", signataire=caf)
    _, cle = JetonAPI.emettre(partenaire, "Schemathesis")
    Indicateur.objects.filter(code__in=["E28-2", "E05-1"]).update(producteur=caf)
    jour = timezone.localdate()
    Campagne.objects.create(
        annee=2025,
        date_ouverture=jour - datetime.timedelta(days=1),
        date_cloture=jour + datetime.timedelta(days=30),
    )
    cible = Valeur.objects.create(
        indicateur=Indicateur.objects.get(code="E28-2"),
        territoire=Territoire.objects.get(code="paris"),
        annee=2025,
        valeur=10,
        producteur=caf,
    )
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/schema/?format=json")
    operations = [
        r.ok() for r in schema.include(method=["POST", "PUT", "PATCH"]).get_all_operations()
    ]
    assert {op.label for op in operations} == {
        "POST /api/v1/valeurs/",
        "PUT /api/v1/valeurs/{id}/",
        "PATCH /api/v1/valeurs/{id}/",
        "POST /api/v1/valeurs/{id}/soumettre/",
        "POST /api/v1/valeurs/{id}/valider/",
        "POST /api/v1/valeurs/{id}/renvoyer/",
        "POST /api/v1/valeurs/bulk/",
    }
    statuts = set()

    def appel(case):
        entetes = {"Authorization": f"Bearer {cle}"}
        if "{id}" in case.path:
            case.path_parameters = {"id": cible.pk}
            # Un cas sur deux avec l'ETag actuel (écriture possible), sinon celui généré.
            if zlib.crc32(repr(case.body).encode()) % 2:
                version = Valeur.objects.values_list("version", flat=True).get(pk=cible.pk)
                entetes["If-Match"] = f'"{cible.pk}-{version}"'
        reponse = case.call(base_url=live_server.url, timeout=10, headers=entetes)
        statuts.add((case.operation.label, reponse.status_code))
        return reponse

    vues = parcourir(operations, BUDGET_ECRITURES_SECONDES, EXEMPLES_PAR_ECRITURE, appel)
    assert len(vues) == len(operations), f"budget dépassé après {vues}"
    # La campagne a bien écrit (créations et modifications acceptées), pas seulement refusé.
    assert ("POST /api/v1/valeurs/", 201) in statuts
    assert ("PATCH /api/v1/valeurs/{id}/", 200) in statuts
    assert {s for label, s in statuts if label == "POST /api/v1/valeurs/bulk/"} >= {400}
    assert Valeur.objects.filter(annee=2025).count() > 1


@pytest.fixture
def settings_django(settings):
    """Pas de ralentissement pendant la campagne (les débits ont leurs propres tests)."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anonyme": "100000/min", "utilisateur": "100000/min"},
    }
    return settings
