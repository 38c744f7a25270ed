"""Le référentiel d'évaluation : les indicateurs à suivre de chaque engagement.

Les valeurs (un indicateur × un territoire × une année) viendront s'y rattacher ; l'indicateur
porte donc seulement ce qui le définit : code stable, libellé tel qu'écrit, nature et unité."""

from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords


class IndicateurQuerySet(models.QuerySet):
    """Vocabulaire et chargeurs des indicateurs."""

    def with_list_data(self):
        return self.select_related("engagement", "engagement__thematique").order_by(
            "engagement__numero", "ordre", "code"
        )


class Indicateur(models.Model):
    """Un indicateur du référentiel, repris d'une puce « Les indicateurs à suivre ».

    Le code (`E05-2` : engagement 5, 2e puce) est la clé naturelle stable ; le contrat annonce
    94 indicateurs mais ses engagements en listent davantage : chaque puce est gardée."""

    class Nature(models.TextChoices):
        SUIVI = "suivi", "Suivi"
        CONTEXTE = "contexte", "Contexte"

    class Unite(models.TextChoices):
        NOMBRE = "nombre", "Nombre"
        PART = "part", "Part (en %)"
        TAUX = "taux", "Taux"
        NOMBRE_PART = "nombre_part", "Nombre et part"
        AUTRE = "autre", "Autre"

    code = models.CharField("code", max_length=20, unique=True)
    engagement = models.ForeignKey(
        "engagements.Engagement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="indicateurs",
        verbose_name="engagement",
    )
    ordre = models.PositiveSmallIntegerField("ordre", default=0)
    libelle = models.TextField("libellé")
    nature = models.CharField("nature", max_length=10, choices=Nature.choices, blank=True)
    unite = models.CharField("unité", max_length=15, choices=Unite.choices, default=Unite.AUTRE)
    history = HistoricalRecords()

    objects = IndicateurQuerySet.as_manager()

    class Meta:
        verbose_name = "indicateur"
        verbose_name_plural = "indicateurs"
        ordering = ["engagement__numero", "ordre", "code"]

    def __str__(self):
        return f"{self.code} – {self.libelle[:90]}"

    def get_absolute_url(self):
        return reverse("indicateurs:detail", args=[self.code])
