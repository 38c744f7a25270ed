"""Jetons des liens d'invitation : l'identifiant de l'invitation signé avec SECRET_KEY et
horodaté. Un jeton modifié, expiré (INVITATION_DUREE_JOURS) ou déjà utilisé est refusé."""

from datetime import timedelta

from django.conf import settings
from django.core import signing

from structures.models import Invitation

SEL = "structures.invitation"


class InvitationInvalide(Exception):
    """Le lien d'invitation ne peut pas servir ; le message est affichable tel quel."""


def jeton(invitation):
    return signing.dumps({"i": invitation.pk, "e": invitation.email}, salt=SEL)


def invitation_du_jeton(valeur):
    """L'invitation encore utilisable que désigne le jeton, ou `InvitationInvalide`."""
    duree = timedelta(days=settings.INVITATION_DUREE_JOURS)
    try:
        donnees = signing.loads(valeur, salt=SEL, max_age=duree)
    except signing.SignatureExpired:
        raise InvitationInvalide(
            "Ce lien d’invitation a expiré. Demandez au Service Politique de la Ville de vous "
            "en envoyer un nouveau."
        ) from None
    except signing.BadSignature:
        raise InvitationInvalide(
            "Ce lien d’invitation n’est pas valide. Vérifiez qu’il a été copié en entier."
        ) from None
    invitation = (
        Invitation.objects.select_related("structure")
        .filter(pk=donnees.get("i"), email=donnees.get("e"))
        .first()
    )
    if invitation is None:
        raise InvitationInvalide("Cette invitation n’existe plus.")
    if invitation.acceptee_le:
        raise InvitationInvalide(
            "Cette invitation a déjà servi à créer un compte. Connectez-vous avec l’identifiant "
            "choisi à ce moment-là."
        )
    return invitation
