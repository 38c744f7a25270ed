"""Les valeurs de démonstration : désactivées par défaut, marquées « démo » partout, jamais à
la place d'une valeur réelle, et historisées malgré l'écriture groupée."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from indicateurs.models import Valeur

from .conftest import creer_valeur

pytestmark = pytest.mark.django_db


def generer(*arguments):
    sortie = io.StringIO()
    call_command("generer_valeurs_demo", *arguments, stdout=sortie)
    return sortie.getvalue()


def test_refusee_hors_lancement_local():
    with pytest.raises(CommandError, match="hors lancement local"):
        generer("--annees", "2020-2021")
    assert not Valeur.objects.de_demo().exists()


def test_generation_sans_ecraser_le_reel(ind_caf):
    reelle = creer_valeur(ind_caf, "paris", annee=2021, valeur=Decimal(42), statut="valide")
    sortie = generer("--annees", "2020-2023", "--indicateurs", "E28-2,CTX-CHOMAGE", "--force")
    demo = Valeur.objects.de_demo()
    # E28-2 : 23 territoires × 4 ans - la valeur réelle ; CTX-CHOMAGE : 31 territoires × 4 ans
    # moins les 24 chiffres clés de 2020.
    assert demo.filter(indicateur=ind_caf).count() == 23 * 4 - 1
    assert demo.filter(indicateur__code="CTX-CHOMAGE").count() == 31 * 4 - 24
    assert "déjà présentes, laissées telles quelles" in sortie
    reelle.refresh_from_db()
    assert reelle.valeur == 42 and not reelle.demo
    chiffre = Valeur.objects.get(
        indicateur__code="CTX-CHOMAGE", territoire__code="paris", annee=2020
    )
    assert chiffre.valeur == 11 and chiffre.origine == "referentiel"
    v = demo.first()
    assert v.statut == "valide" and v.origine == "demo" and "démonstration" in v.source
    # Écriture groupée historisée : une ligne d'historique par valeur créée.
    assert Valeur.history.filter(demo=True, history_type="+").count() == demo.count()
    # Relancée, elle ne crée rien ; les valeurs sont les mêmes (graine fixe).
    avant = list(demo.order_by("pk").values_list("valeur", flat=True))
    assert "0 valeur de démonstration créée pour" in generer(
        "--annees", "2020-2023", "--indicateurs", "E28-2,CTX-CHOMAGE", "--force"
    )
    assert list(demo.order_by("pk").values_list("valeur", flat=True)) == avant


def test_valeurs_demo_signalees_sur_les_pages(client, utilisateurs, ind_caf):
    generer("--annees", "2022-2023", "--indicateurs", "E28-2", "--force")
    client.force_login(utilisateurs["delegue"])
    html = client.get("/indicateurs/E28-2/").content.decode()
    assert "<strong>Démonstration :</strong>" in html
    assert '<span class="badge text-bg-warning">démo</span>' in html
    html = client.get("/indicateurs/valeurs/?indicateur=E28-2").content.decode()
    assert "démo</span>" in html
    v = Valeur.objects.de_demo().first()
    assert (
        "ce n’est pas une donnée réelle"
        in client.get(f"/indicateurs/valeurs/{v.pk}/").content.decode()
    )


def test_suppression_des_valeurs_demo_historisee(ind_caf):
    generer("--annees", "2022", "--indicateurs", "E28-2", "--force")
    nombre = Valeur.objects.de_demo().count()
    assert f"{nombre} valeurs de démonstration supprimées." in generer("--supprimer", "--force")
    assert not Valeur.objects.de_demo().exists()
    assert Valeur.history.filter(demo=True, history_type="-").count() == nombre


def test_annees_invalides():
    with pytest.raises(CommandError, match="comprises entre 2015 et 2030"):
        generer("--annees", "2010-2012", "--force")


def test_par_defaut_seulement_les_indicateurs_du_contrat():
    generer("--annees", "2022", "--force")
    demo = Valeur.objects.de_demo()
    assert demo.exists()
    assert not demo.filter(indicateur__engagement__isnull=True).exists()
    assert not demo.filter(indicateur__unite="autre").exists()
