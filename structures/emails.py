"""Courriels du circuit des fiches-actions et des invitations.

Gabarits texte dans templates/emails/ (`<nom>_objet.txt` et `<nom>.txt`) ; l'envoi passe par
le backend configuré (console en local, EMAIL_BACKEND en production). Les notifications de
circuit partent après la validation de la transaction (voir FicheAction.submit) : un échec
d'envoi est journalisé mais n'annule pas une transition déjà enregistrée.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.template.loader import render_to_string

from socle.roles import Role

journal = logging.getLogger(__name__)


def lien_absolu(chemin):
    """URL complète d'une page du portail, pour un courriel (PORTAIL_URL)."""
    return f"{settings.PORTAIL_URL}{chemin}"


def envoyer(gabarit, contexte, destinataires):
    """Envoie le courriel `gabarit` à chaque destinataire ; renvoie le nombre envoyé."""
    destinataires = sorted({d for d in destinataires if d})
    if not destinataires:
        journal.warning("Courriel %s sans destinataire : non envoyé.", gabarit)
        return 0
    objet = " ".join(render_to_string(f"emails/{gabarit}_objet.txt", contexte).split())
    corps = render_to_string(f"emails/{gabarit}.txt", contexte)
    try:
        # Un message par destinataire : personne ne voit les adresses des autres.
        for adresse in destinataires:
            send_mail(objet, corps, settings.DEFAULT_FROM_EMAIL, [adresse])
    except Exception:
        journal.exception("Échec de l’envoi du courriel %s.", gabarit)
        return 0
    return len(destinataires)


def adresses_spv():
    """Les agents DDCT/SPV actifs qui ont une adresse électronique."""
    return (
        get_user_model()
        .objects.filter(is_active=True, profil__role=Role.SPV)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def adresses_membres(structure):
    """Les membres actifs de la structure qui ont une adresse électronique."""
    return (
        get_user_model()
        .objects.filter(is_active=True, profil__role=Role.STRUCTURE, profil__structure=structure)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def _contexte(fiche, transition=None):
    return {
        "fiche": fiche,
        "transition": transition or fiche.transitions.order_by("-le", "-pk").first(),
        "quartiers": [q.nom for q in fiche.quartiers.all()],
        "engagements": [str(e.numero) for e in fiche.engagements.order_by("numero")],
        "lien": lien_absolu(fiche.get_absolute_url()),
    }


def fiche_soumise(fiche):
    """Au SPV : une fiche attend sa relecture."""
    return envoyer("fiche_soumise", _contexte(fiche), adresses_spv())


def fiche_validee(fiche):
    """Aux membres de la structure : leur fiche est validée."""
    return envoyer("fiche_validee", _contexte(fiche), adresses_membres(fiche.structure))


def fiche_renvoyee(fiche, transition):
    """Aux membres de la structure : leur fiche est renvoyée, avec le commentaire du SPV."""
    contexte = _contexte(fiche, transition)
    contexte["lien"] = lien_absolu(fiche.get_absolute_url())
    return envoyer("fiche_renvoyee", contexte, adresses_membres(fiche.structure))


def invitation(invitation, lien):
    """À la personne invitée : le lien pour créer son compte."""
    contexte = {
        "invitation": invitation,
        "lien": lien,
        "duree": settings.INVITATION_DUREE_JOURS,
    }
    return envoyer("invitation", contexte, [invitation.email])
