"""Le profil d'un utilisateur : son rôle et ce à quoi il est rattaché."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from simple_history.models import HistoricalRecords

from contratville.roles import ROLES, Role


class Profil(models.Model):
    """Le rôle d'un utilisateur et son rattachement : organisation signataire (partenaire),
    structure (association, centre social) ou QPV suivis (délégué du Préfet)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profil",
        verbose_name="utilisateur",
    )
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    signataire = models.ForeignKey(
        "engagements.Signataire",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="profils",
        verbose_name="organisation signataire",
        help_text="Pour un partenaire : l’organisation qui produit ses données.",
    )
    structure = models.ForeignKey(
        "structures.Structure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="membres",
        verbose_name="structure",
    )
    quartiers = models.ManyToManyField(
        "quartiers.Quartier",
        blank=True,
        related_name="delegues",
        verbose_name="quartiers suivis",
        help_text="Pour un délégué du Préfet : les QPV qui lui sont confiés.",
    )
    history = HistoricalRecords(m2m_fields=[quartiers])

    class Meta:
        verbose_name = "profil"
        verbose_name_plural = "profils"

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self.synchroniser_groupe()

    def synchroniser_groupe(self):
        """Range l'utilisateur dans le seul groupe de son rôle (les permissions d'admin en
        découlent) ; le statut « équipe » suit l'accès à l'admin défini pour le rôle."""
        definitions = {d.groupe for d in ROLES.values()}
        user = self.user
        user.groups.remove(*Group.objects.filter(name__in=definitions))
        definition = ROLES.get(Role(self.role)) if self.role else None
        if definition:
            groupe, _ = Group.objects.get_or_create(name=definition.groupe)
            user.groups.add(groupe)
            if user.is_staff != (definition.acces_admin or user.is_superuser):
                user.is_staff = definition.acces_admin or user.is_superuser
                user.save(update_fields=["is_staff"])
