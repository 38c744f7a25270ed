"""Le suivi des visites de la page « À faire »."""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

# Revoir la page à moins d'une heure d'intervalle prolonge la même visite : un rechargement ne
# fait pas disparaître ce qui avait changé depuis la visite précédente.
DUREE_VISITE = timedelta(hours=1)


class Visite(models.Model):
    """La dernière visite d'un utilisateur sur sa page « À faire » : quand il l'a vue pour la
    dernière fois (`vue_le`) et depuis quand elle lui montre ce qui a changé (`depuis` : la
    fin de sa visite précédente ; vide à la première visite).

    Mise à jour à chaque affichage de la page (`noter`) ; une visite dure tant que la page est
    revue à moins de `DUREE_VISITE` d'intervalle."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="visite_a_faire",
        verbose_name="utilisateur",
    )
    vue_le = models.DateTimeField("page vue le")
    depuis = models.DateTimeField(
        "nouveautés comptées depuis",
        null=True,
        blank=True,
        help_text="La fin de la visite précédente : ce qui a changé après est « nouveau ».",
    )

    class Meta:
        verbose_name = "visite de la page « À faire »"
        verbose_name_plural = "visites de la page « À faire »"

    def __str__(self):
        return f"{self.user} : vue le {timezone.localtime(self.vue_le):%d/%m/%Y à %H:%M}"

    @classmethod
    def noter(cls, user, maintenant=None):
        """Note que `user` voit sa page maintenant et renvoie le moment depuis lequel compter
        les nouveautés (la fin de sa visite précédente), ou None à sa première visite. Deux
        requêtes : la lecture, puis l'écriture."""
        maintenant = maintenant or timezone.now()
        visite = cls.objects.filter(user=user).first()
        if visite is None:
            try:
                with transaction.atomic():
                    cls.objects.create(user=user, vue_le=maintenant)
            except IntegrityError:
                pass  # la même première visite, notée au même instant par un autre onglet
            return None
        depuis = visite.depuis
        if maintenant - visite.vue_le > DUREE_VISITE:
            depuis = visite.vue_le  # une nouvelle visite : la précédente s'est finie là
        cls.objects.filter(pk=visite.pk).update(vue_le=maintenant, depuis=depuis)
        return depuis
