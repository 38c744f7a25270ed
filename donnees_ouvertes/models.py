"""Un jeu de données publié : la date, qui l'a publié, et ses fichiers dans le stockage."""

from django.conf import settings
from django.db import models
from django.urls import reverse


class JeuPublieQuerySet(models.QuerySet):
    def recents(self):
        return self.order_by("-publie_le", "-pk")


class JeuPublie(models.Model):
    """Un paquet de données ouvertes publié (Frictionless Data Package) : `datapackage.json`,
    une ressource CSV par table, sous Licence Ouverte 2.0. Les fichiers sont écrits dans le
    stockage par défaut sous `dossier` ; `ressources` les décrit (nom, fichier, lignes, octets).
    Un jeu publié n'est jamais modifié : une nouvelle publication en crée un autre."""

    publie_le = models.DateTimeField("publié le", auto_now_add=True)
    publie_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="publié par",
    )
    dossier = models.CharField("dossier dans le stockage", max_length=255, unique=True)
    ressources = models.JSONField("ressources", default=list)

    objects = JeuPublieQuerySet.as_manager()

    class Meta:
        verbose_name = "jeu de données publié"
        verbose_name_plural = "jeux de données publiés"
        ordering = ["-publie_le", "-pk"]

    def __str__(self):
        return f"Données ouvertes du {self.publie_le:%d/%m/%Y %H:%M}"

    def get_absolute_url(self):
        return reverse("donnees_ouvertes:liste") + f"#jeu-{self.pk}"

    def url_fichier(self, nom):
        return reverse("donnees_ouvertes:fichier", args=[self.pk, nom])

    @property
    def fichiers(self):
        """Les fichiers téléchargeables : le descripteur puis chaque ressource."""
        return ["datapackage.json", *[r["fichier"] for r in self.ressources]]

    @property
    def nb_lignes(self):
        return sum(r.get("lignes", 0) for r in self.ressources)
