"""Les notifications d'un compte et sa préférence d'envoi par courriel.

- `Notification` : ce qu'une transition de circuit (valeur, fiche-action) dit à une personne
  concernée ; une transition en masse donne une seule notification par destinataire, qui
  désigne tous les objets du lot (`ObjetNotifie`).
- `PreferenceNotification` : un courriel à chaque notification (par défaut) ou un résumé
  quotidien (commande `envoyer_resume_quotidien`).
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class NotificationQuerySet(models.QuerySet):
    """Visibilité et vocabulaire des notifications."""

    def for_user(self, user):
        """Chacun ne voit que ses propres notifications (le SPV compris)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(destinataire_id=user.pk)

    def non_lues(self):
        return self.filter(lue_le__isnull=True)

    def lues(self):
        return self.filter(lue_le__isnull=False)

    def a_envoyer(self):
        """Pas encore envoyées par courriel (ni seules, ni dans un résumé)."""
        return self.filter(envoyee_le__isnull=True)

    def marquer_lues(self):
        """Marque lues celles qui ne le sont pas encore ; renvoie leur nombre."""
        return self.non_lues().update(lue_le=timezone.now())

    def with_list_data(self):
        # La boîte de réception n'affiche que les champs de la notification : rien à joindre.
        return self.order_by("-creee_le", "-pk")


class Notification(models.Model):
    """Ce qu'une transition d'un circuit de validation dit à une personne concernée : un titre,
    un message (motif du renvoi compris), un lien vers l'objet (ou vers la liste filtrée quand
    la notification regroupe plusieurs objets d'une transition en masse), qui a agi et quand.

    Lue (`lue_le`) quand le destinataire l'ouvre ou la marque lue ; envoyée (`envoyee_le`) quand
    un courriel l'a portée, seule ou dans le résumé quotidien : un résumé ne la renvoie jamais."""

    class Type(models.TextChoices):
        VALEUR_SOUMISE = "valeur_soumise", "Valeur soumise"
        VALEUR_VALIDEE = "valeur_validee", "Valeur validée"
        VALEUR_RENVOYEE = "valeur_renvoyee", "Valeur renvoyée"
        FICHE_SOUMISE = "fiche_soumise", "Fiche-action soumise"
        FICHE_VALIDEE = "fiche_validee", "Fiche-action validée"
        FICHE_RENVOYEE = "fiche_renvoyee", "Fiche-action renvoyée"

    destinataire = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name="destinataire",
    )
    type = models.CharField("type", max_length=30, choices=Type.choices)
    titre = models.CharField("titre", max_length=255)
    message = models.TextField("message", blank=True)
    lien = models.CharField(
        "lien", max_length=500, help_text="Chemin de la page concernée dans le portail."
    )
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="auteur du changement",
    )
    creee_le = models.DateTimeField("créée le", default=timezone.now)
    lue_le = models.DateTimeField("lue le", null=True, blank=True)
    envoyee_le = models.DateTimeField("envoyée par courriel le", null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "notification"
        verbose_name_plural = "notifications"
        ordering = ["-creee_le", "-pk"]
        indexes = [
            models.Index(fields=["destinataire", "-creee_le"], name="notification_boite"),
            # Le compteur de l'en-tête, lu à chaque page : les seules non lues.
            models.Index(
                fields=["destinataire"],
                condition=Q(lue_le__isnull=True),
                name="notification_non_lue",
            ),
        ]

    def __str__(self):
        return f"{self.titre} → {self.destinataire}"

    def get_absolute_url(self):
        """Ouvrir la notification : elle est marquée lue, puis on suit son lien."""
        return reverse("notifications:ouvrir", args=[self.pk])

    @property
    def est_lue(self):
        return self.lue_le is not None


class ObjetNotifie(models.Model):
    """Un objet (valeur, fiche-action) dont parle une notification : une notification groupée
    (validation en masse) en désigne plusieurs."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="objets", verbose_name="notification"
    )
    type_objet = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+", verbose_name="type d’objet"
    )
    id_objet = models.PositiveBigIntegerField("identifiant de l’objet")
    objet = GenericForeignKey("type_objet", "id_objet")

    class Meta:
        verbose_name = "objet notifié"
        verbose_name_plural = "objets notifiés"
        indexes = [models.Index(fields=["type_objet", "id_objet"], name="objet_notifie")]

    def __str__(self):
        return f"{self.type_objet.model} n° {self.id_objet}"


class PreferenceNotification(models.Model):
    """Comment un compte reçoit ses notifications par courriel : une par une, dès qu'elles
    arrivent (par défaut, quand le compte n'a pas de préférence enregistrée), ou réunies dans
    un résumé quotidien. La boîte de réception du portail les montre toutes dans les deux cas."""

    class Frequence(models.TextChoices):
        IMMEDIATE = "immediate", "Un courriel à chaque notification"
        QUOTIDIENNE = "quotidienne", "Un résumé quotidien des notifications non lues"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="preference_notifications",
        verbose_name="utilisateur",
    )
    frequence = models.CharField(
        "courriels", max_length=15, choices=Frequence.choices, default=Frequence.IMMEDIATE
    )
    dernier_resume_le = models.DateTimeField("dernier résumé envoyé le", null=True, blank=True)

    class Meta:
        verbose_name = "préférence de notification"
        verbose_name_plural = "préférences de notification"

    def __str__(self):
        return f"{self.user} : {self.get_frequence_display()}"

    @classmethod
    def frequences(cls, user_ids):
        """{user_id: fréquence} pour ces comptes, en une requête (immédiate par défaut)."""
        choisies = dict(
            cls.objects.filter(user_id__in=user_ids).values_list("user_id", "frequence")
        )
        return {uid: choisies.get(uid, cls.Frequence.IMMEDIATE) for uid in user_ids}
