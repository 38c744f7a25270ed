"""Créer les notifications d'un lot de transitions et envoyer les courriels immédiats.

`notifier(regle, objets, par, motif, statut)` : une notification par personne concernée (voir
notifications/regles.py), qui cite tous les objets du lot qui la concernent ; l'auteur du
changement n'est jamais notifié. En requêtes : les objets rechargés (1 à 3), les personnes
concernées (1), les préférences (1), deux insertions groupées et la date d'envoi des courriels
(1), quel que soit le nombre d'objets et de destinataires."""

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from notifications import courriels
from notifications.models import Notification, ObjetNotifie, PreferenceNotification


def _compte(par):
    """L'auteur s'il est un compte (une commande agit sans compte)."""
    return par if isinstance(par, get_user_model()) and par.pk else None


def notifier(regle, objets, par, motif="", statut=""):
    """Crée les notifications du lot `objets` (transition de `regle`, faite par `par`) et
    envoie tout de suite le courriel de ceux qui le veulent. Renvoie les notifications."""
    if not objets:
        return []
    objets = regle.charger([o.pk for o in objets])
    auteur = _compte(par)
    concernes = {
        compte: les_siens
        for compte, les_siens in regle.concernes(objets).items()
        if auteur is None or compte.pk != auteur.pk
    }
    if not concernes:
        return []
    maintenant = timezone.now()
    textes, notifications, designes = {}, [], []
    for compte, les_siens in concernes.items():
        cle = tuple(o.pk for o in les_siens)
        if cle not in textes:  # un seul rendu par groupe d'objets
            textes[cle] = (
                regle.titre(les_siens),
                regle.message(les_siens, par, motif),
                regle.lien(les_siens, statut),
            )
        titre, message, lien = textes[cle]
        notifications.append(
            Notification(
                destinataire=compte,
                type=regle.type,
                titre=titre,
                message=message,
                lien=lien,
                auteur=auteur,
                creee_le=maintenant,
            )
        )
        designes.append(les_siens)
    type_objet = ContentType.objects.get_for_model(objets[0])
    with transaction.atomic():
        Notification.objects.bulk_create(notifications)
        ObjetNotifie.objects.bulk_create(
            ObjetNotifie(notification=notif, type_objet=type_objet, id_objet=objet.pk)
            for notif, les_siens in zip(notifications, designes, strict=True)
            for objet in les_siens
        )
    envoyer_immediatement(notifications)
    return notifications


def envoyer_immediatement(notifications):
    """Le courriel de chaque notification dont le destinataire veut un courriel à chaque
    notification (la préférence par défaut) et a une adresse ; les autres attendent le résumé
    quotidien. Renvoie le nombre de courriels partis."""
    frequences = PreferenceNotification.frequences({n.destinataire_id for n in notifications})
    a_envoyer = [
        n
        for n in notifications
        if n.destinataire.email
        and frequences[n.destinataire_id] == PreferenceNotification.Frequence.IMMEDIATE
    ]
    envoyes = [
        a_envoyer[i]
        for i in courriels.envoyer([courriels.courriel_notification(n) for n in a_envoyer])
    ]
    if envoyes:
        maintenant = timezone.now()
        Notification.objects.filter(pk__in=[n.pk for n in envoyes]).update(envoyee_le=maintenant)
        for n in envoyes:
            n.envoyee_le = maintenant
    return len(envoyes)
