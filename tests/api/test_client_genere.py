"""Un partenaire branche son outil sur l'API comme il le ferait : il génère un client Python
depuis le schéma publié (`manage.py spectacular`, puis `openapi-python-client`), l'importe,
et, contre le serveur de test, liste les valeurs réelles (`demo=false`) modifiées depuis une
date (`modifie_depuis`), en lit une et la renvoie telle quelle (PUT) : rien ne change, pas
même la version ; modifiée, sa version augmente de un."""

import datetime
import importlib
import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from socle.models import JetonAPI
from tests.conftest import creer_utilisateur

PAQUET = "cvp_client"


@pytest.fixture
def client_genere(tmp_path):
    """Le paquet du client, généré depuis le schéma et importé."""
    schema = tmp_path / "schema.json"
    call_command("spectacular", "--file", str(schema), "--format", "openapi-json")
    reglages = tmp_path / "reglages.yaml"
    # Pas de post-traitement (formatage) : le client tel que généré.
    reglages.write_text(f"package_name_override: {PAQUET}\npost_hooks: []\n")
    generateur = Path(sys.executable).parent / "openapi-python-client"
    sortie = subprocess.run(
        [
            str(generateur),
            "generate",
            "--path",
            str(schema),
            "--output-path",
            str(tmp_path / PAQUET),
            "--meta",
            "none",
            "--config",
            str(reglages),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert sortie.returncode == 0, sortie.stdout + sortie.stderr
    # Le générateur signale ce qu'il n'a pas su traduire : rien ne doit manquer.
    assert "Warning" not in sortie.stdout + sortie.stderr, sortie.stdout + sortie.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        for nom in [m for m in sys.modules if m.split(".")[0] == PAQUET]:
            del sys.modules[nom]
        yield importlib.import_module(PAQUET)
    finally:
        sys.path.remove(str(tmp_path))


@pytest.mark.slow
def test_client_genere_liste_lit_et_renvoie_une_valeur(live_server, client_genere, settings):
    from engagements.models import Signataire
    from indicateurs.models import Campagne, Indicateur, Territoire, Valeur

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anonyme": "100000/min", "utilisateur": "100000/min"},
    }
    call_command("load_referentiel", stdout=io.StringIO())
    call_command("sync_roles", stdout=io.StringIO())
    caf = Signataire.objects.get(nom__icontains="allocations familiales")
    Indicateur.objects.filter(code="E28-2").update(producteur=caf)
    jour = timezone.localdate()
    Campagne.objects.create(
        annee=2025,
        date_ouverture=jour - datetime.timedelta(days=1),
        date_cloture=jour + datetime.timedelta(days=30),
    )
    indicateur = Indicateur.objects.get(code="E28-2")
    ancienne = Valeur.objects.create(
        indicateur=indicateur,
        territoire=Territoire.objects.get(code="ensemble-qpv"),
        annee=2025,
        valeur=8,
        producteur=caf,
    )
    Valeur.objects.filter(pk=ancienne.pk).update(
        modifie_le=timezone.now() - datetime.timedelta(days=10)
    )
    cible = Valeur.objects.create(
        indicateur=indicateur,
        territoire=Territoire.objects.get(code="paris"),
        annee=2025,
        valeur=12,
        source="Caf de Paris",
        producteur=caf,
    )
    Valeur.objects.create(
        indicateur=indicateur,
        territoire=Territoire.objects.get(code="qpv-goutte-dor"),
        annee=2025,
        valeur=5,
        producteur=caf,
        demo=True,
        origine="demo",
    )
    partenaire = creer_utilisateur("partenaire-caf", "partenaire", signataire=caf)
    _, cle = JetonAPI.emettre(partenaire, "Client généré")

    from cvp_client import AuthenticatedClient
    from cvp_client.api.valeurs import valeurs_list, valeurs_retrieve, valeurs_update
    from cvp_client.models import ValeurModificationRequest

    with AuthenticatedClient(base_url=live_server.url, token=cle, prefix="Bearer") as client:
        depuis = timezone.now() - datetime.timedelta(days=1)
        page = valeurs_list.sync(
            client=client, demo=False, modifie_depuis=depuis, indicateur="E28-2"
        )
        assert page is not None
        assert [v.id for v in page.results] == [cible.pk]  # ni la démo, ni l'ancienne
        assert page.count == 1 and page.next_ is None

        lue = valeurs_retrieve.sync(client=client, id=cible.pk)
        assert (lue.indicateur, lue.territoire, lue.annee, lue.valeur) == (
            "E28-2",
            "paris",
            2025,
            12,
        )
        assert lue.demo is False and lue.version == 1

        # Renvoyée telle quelle : acceptée, rien ne change (même version).
        corps = ValeurModificationRequest.from_dict(lue.to_dict())
        renvoyee = valeurs_update.sync(client=client, id=cible.pk, body=corps)
        assert renvoyee is not None and renvoyee.version == lue.version == 1
        assert renvoyee.to_dict() == lue.to_dict()

        # Modifiée : la version augmente de un.
        corps.source = "Caf de Paris, fichier 2025"
        modifiee = valeurs_update.sync(client=client, id=cible.pk, body=corps)
        assert modifiee.version == 2 and modifiee.source == "Caf de Paris, fichier 2025"
        cible.refresh_from_db()
        assert cible.version == 2 and cible.source == "Caf de Paris, fichier 2025"
