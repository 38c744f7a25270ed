"""Les courriels des notifications : un par notification (préférence « immédiate ») ou un
résumé quotidien (préférence « quotidienne »). Chaque courriel a une partie texte et une
partie HTML ; ses liens sont absolus, construits sur le réglage PORTAIL_URL (les courriels
partent hors de toute requête : après la validation d'une transition, ou d'une commande).

Un échec d'envoi est journalisé sans être propagé : la transition est déjà enregistrée et la
notification reste dans la boîte de réception du portail."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse

from socle.liens import lien_absolu

journal = logging.getLogger(__name__)

PREFIXE_OBJET = "[Contrat de ville] "


def _courriel(objet, gabarit, contexte, destinataire):
    contexte = {
        "prenom": destinataire.first_name,
        "boite": lien_absolu(reverse("notifications:liste")),
        "preferences": lien_absolu(reverse("notifications:preferences")),
        **contexte,
    }
    texte = render_to_string(f"notifications/courriels/{gabarit}.txt", contexte)
    html = render_to_string(f"notifications/courriels/{gabarit}.html", contexte)
    courriel = EmailMultiAlternatives(
        " ".join((PREFIXE_OBJET + objet).split()),
        texte,
        settings.DEFAULT_FROM_EMAIL,
        [destinataire.email],
    )
    courriel.attach_alternative(html, "text/html")
    return courriel


def courriel_notification(notification):
    """Le courriel d'une notification (son destinataire doit avoir une adresse)."""
    return _courriel(
        notification.titre,
        "notification",
        {"notification": notification, "lien": lien_absolu(notification.lien)},
        notification.destinataire,
    )


def courriel_resume(destinataire, notifications):
    """Le résumé quotidien : les notifications non lues, une par rubrique."""
    n = len(notifications)
    return _courriel(
        f"Résumé du jour : {n} notification{'s' if n > 1 else ''} non lue{'s' if n > 1 else ''}",
        "resume",
        {
            "nombre": n,
            "notifications": [(notif, lien_absolu(notif.lien)) for notif in notifications],
        },
        destinataire,
    )


def envoyer(courriels):
    """Envoie les courriels sur une seule connexion ; renvoie les indices de ceux qui sont
    partis. Un échec (serveur injoignable, adresse refusée) est journalisé, jamais levé."""
    if not courriels:
        return []
    envoyes = []
    try:
        connexion = get_connection()
        connexion.open()
    except Exception:
        journal.exception(
            "Serveur de courriel injoignable : %d courriel(s) non envoyé(s).", len(courriels)
        )
        return envoyes
    try:
        for i, courriel in enumerate(courriels):
            courriel.connection = connexion
            try:
                courriel.send()
            except Exception:
                journal.exception("Échec de l'envoi du courriel « %s ».", courriel.subject)
            else:
                envoyes.append(i)
    finally:
        connexion.close()
    return envoyes
