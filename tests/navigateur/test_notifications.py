"""Parcours de bout en bout des notifications, dans Chromium : un agent du SPV renvoie une
valeur pour correction ; le partenaire producteur se connecte, voit « Notifications, 1 non
lue » dans l'en-tête, ouvre sa boîte de réception, suit le lien jusqu'à la valeur et son
motif ; la notification est alors lue. Le courriel est parti (texte et HTML).

Chaque étape est capturée (test-results/captures/) et contrôlée par axe-core."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from engagements.models import Signataire
from indicateurs.models import Campagne, Indicateur, Territoire, Valeur
from notifications.models import Notification

from .conftest import capture, se_connecter, verifier_accessibilite

# Sans remise à zéro des séquences : le parcours ne dépend d'aucun identifiant, et peut ainsi
# tourner seul, sur la base de la session encore chargée.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOTIF = "La source n’est pas indiquée : précisez le fichier utilisé."


def controler(page, nom):
    capture(page, nom)
    verifier_accessibilite(page, nom)


@pytest.fixture
def valeur_soumise(comptes, settings):
    settings.PORTAIL_URL = "https://portail.exemple"
    partenaire = comptes["partenaire"]
    partenaire.email = "partenaire-caf@exemple.invalid"
    partenaire.save()
    jour = timezone.localdate()
    Campagne.objects.create(
        annee=2025,
        date_ouverture=jour - datetime.timedelta(days=5),
        date_cloture=jour + datetime.timedelta(days=60),
    )
    indicateur = Indicateur.objects.get(code="E28-2")
    indicateur.producteur = Signataire.objects.get(sigle="Caf")
    indicateur.save()
    return Valeur.objects.create(
        indicateur=indicateur,
        territoire=Territoire.objects.get(code="qpv-goutte-dor"),
        annee=2025,
        valeur=Decimal(120),
        statut="soumis",
        saisi_par=partenaire,
        soumis_par=partenaire,
    )


def test_le_partenaire_suit_la_notification_d_un_renvoi(page, live_server, comptes, valeur_soumise):
    # 1. L'agent du SPV renvoie la valeur, avec un motif.
    se_connecter(page, live_server, "agent-spv")
    page.goto(f"{live_server.url}/indicateurs/valeurs/{valeur_soumise.pk}/")
    page.get_by_label("Motif du renvoi").fill(MOTIF)
    page.get_by_role("button", name="Renvoyer pour correction").click()
    expect(page.get_by_text("Valeur renvoyée.")).to_be_visible()
    # L'agent n'est pas notifié de son propre renvoi.
    en_tete = page.get_by_role("navigation", name="Navigation principale")
    expect(en_tete.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    page.get_by_role("button", name="Mon compte").click()
    page.get_by_role("button", name="Se déconnecter").click()

    # 2. Le partenaire voit le compteur dans l'en-tête, annoncé « Notifications, 1 non lue ».
    se_connecter(page, live_server, "partenaire-caf")
    en_tete = page.get_by_role("navigation", name="Navigation principale")
    lien = en_tete.get_by_role("link", name="Notifications, 1 non lue")
    expect(lien).to_be_visible()
    controler(page, "notifications-1-compteur")
    lien.click()

    # 3. La boîte de réception : la notification non lue, son motif.
    expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
    titre = f"Valeur renvoyée pour correction : E28-2 · {valeur_soumise.territoire.nom} · 2025"
    notification = page.get_by_role("listitem").filter(has_text=titre)
    expect(notification.get_by_text("Non lue")).to_be_visible()
    expect(notification).to_contain_text(MOTIF)
    controler(page, "notifications-2-boite")

    # 4. Le lien mène à la valeur, avec son statut et son motif ; la notification est lue.
    notification.get_by_role("link", name=titre).click()
    page.wait_for_url(f"**/indicateurs/valeurs/{valeur_soumise.pk}/")
    expect(page.get_by_text(f"Renvoyée — motif : {MOTIF}")).to_be_visible()
    expect(en_tete.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    controler(page, "notifications-3-valeur")
    assert Notification.objects.get(destinataire=comptes["partenaire"]).lue_le is not None

    # Le courriel est parti au partenaire, avec le même lien, en texte et en HTML.
    (courriel,) = [m for m in mail.outbox if m.to == ["partenaire-caf@exemple.invalid"]]
    assert f"https://portail.exemple/indicateurs/valeurs/{valeur_soumise.pk}/" in courriel.body
    assert courriel.alternatives[0][1] == "text/html"
