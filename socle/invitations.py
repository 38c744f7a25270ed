"""Les invitations à créer un compte, pour tous les rôles invités (délégué du Préfet,
partenaire, structure) : un seul mécanisme.

- `jeton(invitation)` : l'identifiant et l'adresse de l'invitation, signés avec SECRET_KEY et
  horodatés ; `invitation_du_jeton(valeur)` retrouve l'invitation encore utilisable, ou lève
  `InvitationInvalide` (lien modifié, expiré après INVITATION_DUREE_JOURS, déjà utilisé) ;
- `creer_compte(invitation, user)` : le compte de la personne invitée, avec le profil de
  l'invitation (rôle, structure, organisation signataire, QPV), une seule fois ;
- `envoyer_courriel(invitation, lien)` : le courriel d'invitation (texte, gabarits
  templates/emails/invitation*.txt).

Le sel des jetons est celui des premières invitations (comptes de structure) : les liens déjà
envoyés restent valides."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from socle.models import Invitation, Profil
from socle.roles import Role

SEL = "structures.invitation"

journal = logging.getLogger(__name__)


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
        Invitation.objects.select_related("structure", "signataire")
        .prefetch_related("quartiers")
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


def creer_compte(invitation, user):
    """Enregistre `user` (non encore enregistré : identifiant, nom, mot de passe choisis par
    la personne) avec l'adresse de l'invitation et le profil qu'elle prévoit, et marque
    l'invitation acceptée. Deux envois simultanés du même lien : le second lève
    `InvitationInvalide` et rien n'est créé."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.acceptee_le:
            raise InvitationInvalide("Cette invitation a déjà servi à créer un compte.")
        user.email = invitation.email
        user.save()
        profil = Profil(user=user, role=invitation.role)
        if invitation.role == Role.STRUCTURE:
            profil.structure_id = invitation.structure_id
        elif invitation.role == Role.PARTENAIRE:
            profil.signataire_id = invitation.signataire_id
        profil._change_reason = f"Compte créé par l’invitation du {invitation.creee_le:%d/%m/%Y}"
        profil.save()
        if invitation.role == Role.DELEGUE:
            profil.quartiers.set(invitation.quartiers.all())
        invitation.acceptee_le = timezone.now()
        invitation.utilisateur = user
        invitation.save(update_fields=["acceptee_le", "utilisateur"])
    return user


def envoyer_courriel(invitation, lien):
    """À la personne invitée : le lien pour créer son compte. Renvoie vrai si le courriel est
    parti (un échec est journalisé : la page propose alors de transmettre le lien)."""
    contexte = {
        "invitation": invitation,
        "quartiers": [q.nom for q in invitation.quartiers.all()],
        "lien": lien,
        "duree": settings.INVITATION_DUREE_JOURS,
    }
    objet = " ".join(render_to_string("emails/invitation_objet.txt", contexte).split())
    corps = render_to_string("emails/invitation.txt", contexte)
    try:
        send_mail(objet, corps, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    except Exception:
        journal.exception("Échec de l’envoi de l’invitation n° %s.", invitation.pk)
        return False
    return True
