"""Les crédits : règles du modèle, formulaire (montants à la française, erreurs en français,
rien d'écrit sur une saisie invalide), suppression confirmée, historique."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from bilan.forms import CreditForm
from bilan.models import Credit
from engagements.models import Signataire
from quartiers.models import Arrondissement, Quartier
from tests.conftest import client_pour

pytestmark = pytest.mark.django_db


@pytest.fixture
def ville():
    return Signataire.objects.get(nom="Ville de Paris")


def donnees_formulaire(ville, **champs):
    return {
        "annee": "2025",
        "signataire": str(ville.pk),
        "type": "droit_commun",
        "montant": "12 500,50 €",
        "engagement": "",
        "quartier": "",
        "arrondissement": "",
        "dispositif": "BOP 147",
        "commentaire": "",
        **champs,
    }


@pytest.mark.parametrize(
    ("saisie", "attendu"),
    [
        ("12500", Decimal("12500.00")),
        ("12 500,50", Decimal("12500.50")),
        ("12\u202f500,5 €", Decimal("12500.50")),
        ("0", Decimal("0.00")),
    ],
)
def test_montants_a_la_francaise(ville, saisie, attendu):
    form = CreditForm(donnees_formulaire(ville, montant=saisie))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["montant"] == attendu


@pytest.mark.parametrize(
    ("saisie", "message"),
    [
        ("-5", "Le montant doit être positif ou nul (« -5 »)."),
        ("douze", "« douze » n’est pas un nombre."),
        ("12,345", "Un montant se donne au centime près (« 12,345 »)."),
        ("", "Renseignez le montant."),
    ],
)
def test_montants_refuses_en_francais(ville, saisie, message):
    form = CreditForm(donnees_formulaire(ville, montant=saisie))
    assert not form.is_valid()
    assert form.errors["montant"] == [message]


def test_qpv_ou_arrondissement_pas_les_deux(ville):
    goutte = Quartier.objects.get(slug="goutte-dor")
    arr = Arrondissement.objects.get(numero=18)
    form = CreditForm(
        donnees_formulaire(ville, quartier=str(goutte.pk), arrondissement=str(arr.pk))
    )
    assert not form.is_valid()
    assert "pas les deux" in form.errors["arrondissement"][0]
    credit = Credit(
        annee=2025, signataire=ville, type="specifique", montant=1, quartier=goutte,
        arrondissement=arr,
    )  # fmt: skip
    with pytest.raises(ValidationError):
        credit.full_clean()


def test_annee_et_type_obligatoires(ville):
    form = CreditForm(donnees_formulaire(ville, annee="", type="", signataire=""))
    assert not form.is_valid()
    assert form.errors["annee"] == ["Choisissez l’année."]
    assert form.errors["type"] == ["Choisissez le type de crédit."]
    assert form.errors["signataire"] == ["Choisissez le signataire."]


def test_saisie_par_le_spv_historisee(client, utilisateurs, ville):
    spv = utilisateurs["spv"]
    client = client_pour(client, spv)
    reponse = client.post("/bilan/credits/nouveau/", donnees_formulaire(ville))
    assert reponse.status_code == 302
    credit = Credit.objects.get()
    assert credit.montant == Decimal("12500.50")
    assert credit.cree_par == spv
    assert credit.history.get().history_user == spv
    reponse = client.post(
        f"/bilan/credits/{credit.pk}/modifier/", donnees_formulaire(ville, montant="13 000")
    )
    assert reponse.status_code == 302
    credit.refresh_from_db()
    assert credit.montant == Decimal("13000.00")
    assert credit.history.count() == 2
    assert credit.history.first().history_user == spv


def test_saisie_invalide_n_ecrit_rien(client, utilisateurs, ville):
    credit = Credit.objects.create(annee=2025, signataire=ville, type="droit_commun", montant=10)
    client = client_pour(client, utilisateurs["spv"])
    reponse = client.post(
        f"/bilan/credits/{credit.pk}/modifier/", donnees_formulaire(ville, montant="-1")
    )
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert "Le formulaire contient des erreurs" in html
    assert "Le montant doit être positif ou nul" in html
    credit.refresh_from_db()
    assert credit.montant == Decimal("10.00")
    assert client.post("/bilan/credits/nouveau/", donnees_formulaire(ville, montant="x"))
    assert Credit.objects.count() == 1


def test_suppression_confirmee(client, utilisateurs, ville):
    credit = Credit.objects.create(annee=2025, signataire=ville, type="droit_commun", montant=10)
    client = client_pour(client, utilisateurs["spv"])
    confirmation = client.get(f"/bilan/credits/{credit.pk}/supprimer/")
    assert confirmation.status_code == 200
    assert "Supprimer ce crédit ?" in confirmation.content.decode()
    assert Credit.objects.filter(pk=credit.pk).exists()
    reponse = client.post(f"/bilan/credits/{credit.pk}/supprimer/")
    assert reponse.status_code == 302
    assert not Credit.objects.filter(pk=credit.pk).exists()
    suppression = Credit.history.filter(id=credit.pk).first()
    assert suppression.history_type == "-"
    assert suppression.history_user == utilisateurs["spv"]


def test_liste_filtree_et_totaux(client, utilisateurs, ville):
    Credit.objects.create(annee=2025, signataire=ville, type="droit_commun", montant=1000)
    Credit.objects.create(annee=2025, signataire=ville, type="specifique", montant=250.5)
    Credit.objects.create(annee=2024, signataire=ville, type="specifique", montant=99)
    client = client_pour(client, utilisateurs["spv"])
    reponse = client.get("/bilan/credits/?annee=2025")
    assert reponse.status_code == 200
    assert reponse.context["page"].paginator.count == 2
    html = reponse.content.decode().replace("\u202f", " ").replace("\xa0", " ")
    assert "1 250,50 €" in html
    reponse = client.get("/bilan/credits/?type=specifique")
    assert reponse.context["page"].paginator.count == 2
