"""Schemathesis contre le serveur de test : toutes les opérations de l'API (lectures et
écritures), des requêtes générées à partir du schéma OpenAPI, conformes (mode positif) puis
non conformes (mode négatif), bornées en nombre et en temps. Toutes les vérifications :
aucune erreur 5xx, codes, types de contenu, en-têtes et corps de réponse conformes au
schéma, donnée conforme acceptée, donnée non conforme refusée.

- lectures : chaque opération GET, avec le jeton d'un agent du SPV (qui voit tout) ;
- écritures : chaque opération d'écriture des valeurs (création, PUT, PATCH, circuit, envoi
  groupé), avec le jeton d'un partenaire producteur puis celui du SPV (valider, renvoyer),
  pendant une campagne ouverte ; les modifications visent une valeur existante, tantôt avec
  le bon ETag, tantôt avec un ETag inventé.

Un réglage, documenté : pour les écritures, « donnée conforme acceptée » admet aussi 400
(règles métier que le schéma ne peut pas dire : territoire non attendu pour l'indicateur,
valeur atypique sans commentaire, code inconnu), 412 et 428 (précondition de version), et
« donnée non conforme refusée » admet 412 (la version lue se contrôle avant le corps) —
ces refus portent un `code` stable documenté dans le schéma de chaque opération.

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
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode

from socle.models import JetonAPI
from tests.conftest import creer_utilisateur

# Par opération et par mode (positif, négatif) : cas générés au plus ; budget de chaque test.
EXEMPLES_PAR_OPERATION = 8
BUDGET_SECONDES = 100
EXEMPLES_PAR_ECRITURE = 15
BUDGET_ECRITURES_SECONDES = 70

VERIFICATIONS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.positive_data_acceptance,
    checks.negative_data_rejection,
]

NEGATIF = checks.negative_data_rejection

# Voir la docstring : refus métier et préconditions des écritures.
ACCEPTEES_ECRITURES = ["2xx", "400", "401", "403", "404", "409", "412", "428", "429"]
# La précondition (If-Match périmé) se contrôle avant le corps : 412 est aussi un refus.
REFUSEES_ECRITURES = ["400", "401", "403", "404", "405", "406", "409", "412", "413", "415"]
REFUSEES_ECRITURES += ["422", "428", "429"]


def charger_schema(url, ecritures=False):
    # Sans caractère nul dans les textes générés : PostgreSQL ne sait pas les stocker et l'API
    # les refuse (400, test_filtres_communs) ; le schéma ne sait pas le dire partout.
    reglages = {"generation": {"allow-x00": False}}
    if ecritures:
        reglages["checks"] = {
            "positive_data_acceptance": {"expected-statuses": ACCEPTEES_ECRITURES},
            "negative_data_rejection": {"expected-statuses": REFUSEES_ECRITURES},
        }
    return schemathesis.openapi.from_url(url, config=SchemathesisConfig.from_dict(reglages))


def parcourir(operations, budget, exemples, appel):
    """Joue chaque opération (exemples du schéma, puis cas générés, conformes puis non
    conformes) dans le budget donné ; retourne les opérations jouées."""
    debut = time.monotonic()
    vues, echecs = [], []
    for operation in operations:
        if time.monotonic() - debut > budget:
            break
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=exemples,
                deadline=None,
                database=None,
                derandomize=True,
                # Les exemples du schéma sont des données conformes : en mode positif seulement.
                phases=[Phase.explicit, Phase.generate]
                if mode == GenerationMode.POSITIVE
                else [Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def essayer(case):
                reponse = appel(case)
                verifications = VERIFICATIONS
                donnees = getattr(getattr(case.meta, "phase", None), "data", None)
                if (getattr(donnees, "description", "") or "").lower() == "positive test case":
                    # Schemathesis n'a rien su rendre non conforme (corps aux champs tous
                    # facultatifs) et le dit : ce cas est conforme, pas un refus attendu.
                    verifications = [v for v in VERIFICATIONS if v is not NEGATIF]
                case.validate_response(reponse, checks=verifications)

            try:
                essayer()
            except Exception as exc:  # toutes les opérations, puis tous les échecs d'un coup
                echecs.append(f"{operation.label} ({mode}) : {exc}")
        vues.append(operation.label)
    assert not echecs, "\n\n".join(echecs)
    return vues


def charger_le_referentiel():
    call_command("load_referentiel", stdout=io.StringIO())
    call_command("sync_roles", stdout=io.StringIO())


@pytest.mark.slow
def test_schemathesis_lectures(live_server, settings_django):
    charger_le_referentiel()
    _, cle = JetonAPI.emettre(creer_utilisateur("agent-spv", "spv"), "Schemathesis")
    schema = charger_schema(f"{live_server.url}/api/v1/schema/?format=json")
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
    _, cle_partenaire = JetonAPI.emettre(partenaire, "Schemathesis")
    _, cle_spv = JetonAPI.emettre(creer_utilisateur("agent-spv", "spv"), "Schemathesis")
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
    schema = charger_schema(f"{live_server.url}/api/v1/schema/?format=json", ecritures=True)
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
        # Valider et renvoyer sont des gestes du SPV ; le reste, du partenaire producteur.
        spv = case.path.endswith(("/valider/", "/renvoyer/"))
        entetes = {"Authorization": f"Bearer {cle_spv if spv else cle_partenaire}"}
        if "{id}" in case.path:
            case.path_parameters = {"id": cible.pk}
            # Un cas conforme sur deux avec l'ETag actuel (écriture possible), sinon celui
            # généré (un cas non conforme garde le sien : c'est peut-être lui qui est faux).
            positif = case.meta is None or case.meta.generation.mode.is_positive
            if positif and zlib.crc32(repr(case.body).encode()) % 2:
                version = Valeur.objects.values_list("version", flat=True).get(pk=cible.pk)
                entetes["If-Match"] = f'"{cible.pk}-{version}"'
        reponse = case.call(base_url=live_server.url, timeout=10, headers=entetes)
        statuts.add((case.operation.label, reponse.status_code))
        return reponse

    vues = parcourir(operations, BUDGET_ECRITURES_SECONDES, EXEMPLES_PAR_ECRITURE, appel)
    assert len(vues) == len(operations), f"budget dépassé après {vues}"
    # La campagne a bien écrit (créations et modifications acceptées), pas seulement refusé.
    assert ("POST /api/v1/valeurs/", 201) in statuts
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
