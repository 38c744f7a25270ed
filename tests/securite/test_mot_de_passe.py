"""Mot de passe oublié : même réponse pour une adresse connue ou inconnue, courriel (texte et
HTML, en français) envoyé seulement au compte, lien utilisable une seule fois ; mots de passe
de 12 caractères au moins, messages en français."""

import re
import time

import pytest
from django.contrib.auth.models import User
from django.core import mail

from tests.securite.conftest import MOT_DE_PASSE, connecte

pytestmark = pytest.mark.django_db

URL = "/connexion/mot-de-passe-oublie/"


def demander(client, email):
    debut = time.monotonic()
    reponse = client.post(URL, {"email": email}, follow=True)
    return reponse, time.monotonic() - debut


def sans_jeton_csrf(contenu):
    """La page sans son jeton CSRF (masqué différemment à chaque réponse)."""
    return re.sub(rb'"X-CSRFToken": "[^"]+"', b"", contenu)


def lien_du_courriel(message):
    """Le chemin du lien du courriel, construit sur PORTAIL_URL (jamais sur l'hôte appelé)."""
    from django.conf import settings

    (lien,) = re.findall(
        re.escape(settings.PORTAIL_URL) + r"(/connexion/nouveau-mot-de-passe/\S+/)", message.body
    )
    return lien


def test_meme_reponse_pour_une_adresse_connue_ou_inconnue(client, agent, settings):
    settings.MOT_DE_PASSE_OUBLIE_DUREE_MIN = 0.3
    connue, duree_connue = demander(client, agent.email)
    inconnue, duree_inconnue = demander(client, "personne@exemple.invalid")

    assert connue.redirect_chain == inconnue.redirect_chain == [(f"{URL}envoye/", 302)]
    assert sans_jeton_csrf(connue.content) == sans_jeton_csrf(inconnue.content)
    assert "Si l’adresse indiquée correspond à un compte actif" in connue.content.decode()
    # Même durée minimale : le temps de réponse ne dit pas non plus si le compte existe.
    assert duree_connue >= 0.3 and duree_inconnue >= 0.3
    # Un seul courriel : pour le compte existant.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [agent.email]


def test_pas_de_courriel_pour_un_compte_inactif(client, agent):
    agent.is_active = False
    agent.save()
    reponse, _ = demander(client, agent.email)
    assert reponse.redirect_chain == [(f"{URL}envoye/", 302)]
    assert mail.outbox == []


def test_courriel_francais_texte_et_html_avec_lien_a_usage_unique(client, agent):
    demander(client, agent.email)
    (message,) = mail.outbox
    assert message.subject == (
        "Portail du contrat de ville parisien : réinitialisation de votre mot de passe"
    )
    assert "valable 60 minutes, utilisable une seule fois" in message.body
    assert "agent-connexion" in message.body
    ((html, type_mime),) = message.alternatives
    assert type_mime == "text/html"
    assert 'lang="fr"' in html and "Choisir un nouveau mot de passe" in html
    lien = lien_du_courriel(message)
    assert lien in html

    # Le lien ouvre le formulaire (Django remplace le jeton de l'adresse par la session).
    formulaire = client.get(lien, follow=True)
    assert formulaire.context["validlink"]
    adresse = formulaire.redirect_chain[-1][0]
    nouveau = "Une-autre-phrase-secrete-2025"
    reponse = client.post(adresse, {"new_password1": nouveau, "new_password2": nouveau})
    assert reponse.status_code == 302
    assert reponse["Location"] == "/connexion/nouveau-mot-de-passe/enregistre/"
    agent.refresh_from_db()
    assert agent.check_password(nouveau)

    # Le même lien ne sert plus.
    client.cookies.clear()
    page = client.get(lien, follow=True)
    assert not page.context["validlink"]
    assert "a déjà servi ou il a expiré" in page.content.decode()
    # Le nouveau mot de passe permet de se connecter ; l'ancien non.
    client.post("/connexion/", {"username": agent.username, "password": MOT_DE_PASSE})
    assert not connecte(client)
    client.post("/connexion/", {"username": agent.username, "password": nouveau})
    assert connecte(client)


def test_mot_de_passe_trop_court_refuse_en_francais(client, agent):
    demander(client, agent.email)
    formulaire = client.get(lien_du_courriel(mail.outbox[0]), follow=True)
    adresse = formulaire.redirect_chain[-1][0]
    reponse = client.post(adresse, {"new_password1": "Court-2025", "new_password2": "Court-2025"})
    assert reponse.status_code == 200
    assert "Il doit contenir au minimum 12 caractères" in reponse.content.decode()
    assert User.objects.get(pk=agent.pk).check_password(MOT_DE_PASSE)
