"""Schemathesis contre le serveur de test : des requêtes générées à partir du schéma OpenAPI
sur chaque opération GET de l'API, bornées en nombre et en temps. Aucune erreur 5xx, aucun
code ni contenu de réponse hors du schéma.

`live_server` rend le test transactionnel (la base est vidée à la fin) : le référentiel est
chargé dans le test lui-même."""

import io
import time

import pytest
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks

# Par opération : exemples générés au plus, et budget total du test.
EXEMPLES_PAR_OPERATION = 25
BUDGET_SECONDES = 75

VERIFICATIONS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


@pytest.mark.slow
def test_schemathesis_sans_erreur_serveur_ni_ecart_au_schema(live_server, settings_django):
    call_command("load_referentiel", stdout=io.StringIO())
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/schema/?format=json")
    schema = schema.include(method="GET")
    operations = [resultat.ok() for resultat in schema.get_all_operations()]
    assert len(operations) >= 14

    debut = time.monotonic()
    vues = []
    for operation in operations:
        if time.monotonic() - debut > BUDGET_SECONDES:
            break

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXEMPLES_PAR_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def essayer(case):
            reponse = case.call(base_url=live_server.url, timeout=10)
            case.validate_response(reponse, checks=VERIFICATIONS)

        essayer()
        vues.append(operation.label)
    assert len(vues) == len(operations), f"budget dépassé après {vues}"


@pytest.fixture
def settings_django(settings):
    """Pas de ralentissement pendant la campagne (les débits ont leurs propres tests)."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anonyme": "100000/min", "utilisateur": "100000/min"},
    }
    return settings
