"""Les données propres au bilan annuel : crédits dépensés dans les QPV, études qualitatives et
historique des imports de crédits. Tenues par le SPV (pages du portail et admin), historisées.

Ces modèles ont leur propre app (`bilan`) ; leurs tables viennent de l'app `contratville`, qui
les portait jusqu'ici (migrations 0001-0002 : reprise de l'état puis renommage des tables). Le
bilan lit toutes les apps du domaine, aucune app du domaine ne dépend de lui."""

import uuid
from decimal import Decimal
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from socle.models import ImportTableur

ANNEE_MIN = 2015
ANNEE_MAX = 2030
MESSAGE_ANNEE = f"L’année doit être comprise entre {ANNEE_MIN} et {ANNEE_MAX}."
VALIDATEURS_ANNEE = [
    MinValueValidator(ANNEE_MIN, MESSAGE_ANNEE),
    MaxValueValidator(ANNEE_MAX, MESSAGE_ANNEE),
]
MONTANT_MAX = Decimal("999999999999.99")  # 14 chiffres dont 2 décimales

# Dispositifs cités le plus souvent ; la saisie reste libre (liste de suggestions).
DISPOSITIFS_SUGGERES = [
    "BOP 147 (politique de la ville)",
    "Appel à projets politique de la ville",
    "Fonds de participation des habitants (FPH)",
    "Adultes-relais",
    "Programme de réussite éducative (PRE)",
    "Quartiers d’été",
    "Cités éducatives",
    "Contrat de ville – crédits Ville de Paris",
    "Abattement de TFPB (bailleurs sociaux)",
]


# --- crédits ----------------------------------------------------------------------------------


class CreditQuerySet(models.QuerySet):
    """Vocabulaire et chargeurs des crédits."""

    def de_l_annee(self, annee):
        return self.filter(annee=annee)

    def du_perimetre(self, quartiers=None, arrondissement=None):
        """Paris entier sans argument ; pour un arrondissement, les crédits de ses QPV et ceux
        rattachés à l'arrondissement lui-même (un crédit sans QPV ni arrondissement est
        parisien : il n'entre dans aucun bilan d'arrondissement)."""
        if arrondissement is None:
            return self
        return self.filter(
            Q(quartier__in=[q.pk for q in quartiers or []]) | Q(arrondissement=arrondissement)
        )

    def with_list_data(self):
        return self.select_related("signataire", "engagement", "quartier", "arrondissement")


class Credit(models.Model):
    """Un crédit dépensé dans les QPV une année : un signataire, un type (droit commun ou
    spécifique politique de la ville) et un montant en euros, éventuellement rattaché à un
    engagement du contrat, à un QPV ou à un arrondissement (l'un ou l'autre), et à un
    dispositif (« BOP 147 », « Fonds de participation des habitants »…). C'est la 2e partie du
    bilan annuel. Saisi par le SPV (pages, admin ou import de tableur), historisé."""

    class Type(models.TextChoices):
        DROIT_COMMUN = "droit_commun", "Droit commun"
        SPECIFIQUE = "specifique", "Spécifique politique de la ville"

    annee = models.PositiveSmallIntegerField("année", validators=VALIDATEURS_ANNEE)
    signataire = models.ForeignKey(
        "engagements.Signataire",
        on_delete=models.PROTECT,
        related_name="credits",
        verbose_name="signataire",
        help_text="L’organisation signataire qui a engagé le crédit.",
    )
    type = models.CharField("type de crédit", max_length=20, choices=Type.choices)
    montant = models.DecimalField(
        "montant (€)",
        max_digits=14,
        decimal_places=2,
        validators=[
            MinValueValidator(0, "Le montant doit être positif ou nul."),
            MaxValueValidator(MONTANT_MAX, "Le montant dépasse le maximum accepté."),
        ],
        help_text="En euros, positif ou nul (par exemple « 12 500,00 »).",
    )
    engagement = models.ForeignKey(
        "engagements.Engagement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credits",
        verbose_name="engagement",
    )
    quartier = models.ForeignKey(
        "quartiers.Quartier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credits",
        verbose_name="quartier prioritaire",
    )
    arrondissement = models.ForeignKey(
        "quartiers.Arrondissement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credits",
        verbose_name="arrondissement",
        help_text="Pour un crédit d’arrondissement sans QPV précis ; laissez vide si vous "
        "choisissez un QPV.",
    )
    dispositif = models.CharField(
        "dispositif",
        max_length=200,
        blank=True,
        help_text="Par exemple « BOP 147 », « Appel à projets politique de la ville », "
        "« Fonds de participation des habitants ».",
    )
    commentaire = models.TextField("commentaire", blank=True)
    cree_le = models.DateTimeField("saisi le", default=timezone.now, editable=False)
    modifie_le = models.DateTimeField("modifié le", auto_now=True)
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="saisi par",
        editable=False,
    )
    history = HistoricalRecords()

    objects = CreditQuerySet.as_manager()

    class Meta:
        verbose_name = "crédit"
        verbose_name_plural = "crédits"
        ordering = ["-annee", "signataire__ordre", "type", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(montant__gte=0),
                name="credit_montant_positif",
                violation_error_message="Le montant doit être positif ou nul.",
            ),
            models.CheckConstraint(
                condition=Q(annee__gte=ANNEE_MIN, annee__lte=ANNEE_MAX),
                name="credit_annee_bornee",
                violation_error_message=MESSAGE_ANNEE,
            ),
            models.CheckConstraint(
                condition=Q(quartier__isnull=True) | Q(arrondissement__isnull=True),
                name="credit_qpv_ou_arrondissement",
                violation_error_message="Un crédit se rattache à un QPV ou à un arrondissement, "
                "pas aux deux.",
            ),
        ]
        indexes = [models.Index(fields=["annee", "type"], name="credit_annee_type")]

    def __str__(self):
        return f"{self.signataire} · {self.get_type_display()} · {self.annee}"

    def get_absolute_url(self):
        return reverse("bilan:credit_modifier", args=[self.pk])

    def clean(self):
        if self.quartier_id and self.arrondissement_id:
            raise ValidationError(
                {
                    "arrondissement": "Choisissez un QPV ou un arrondissement, pas les deux : "
                    "le crédit d’un QPV compte déjà dans le bilan de son arrondissement."
                }
            )

    @property
    def lieu(self):
        """Le QPV, à défaut l'arrondissement, à défaut « Paris »."""
        if self.quartier_id:
            return self.quartier.nom
        if self.arrondissement_id:
            return self.arrondissement.libelle
        return "Paris (tous QPV)"


# --- études qualitatives ----------------------------------------------------------------------


def chemin_etude(instance, nom):
    """Rangées sous un nom aléatoire (le nom d'origine est gardé en base) : pas de collision,
    pas d'URL devinable ; le fichier n'est servi qu'au SPV."""
    return f"etudes/{uuid.uuid4().hex}{PurePath(nom).suffix.lower()}"


class EtudeQualitativeQuerySet(models.QuerySet):
    """Vocabulaire et chargeurs des études qualitatives."""

    def du_perimetre(self, quartiers=None, arrondissement=None):
        """Paris entier sans argument ; pour un arrondissement, les études qui portent sur un
        de ses QPV ou sur l'arrondissement lui-même."""
        if arrondissement is None:
            return self
        ids = EtudeQualitative.objects.filter(
            Q(quartiers__in=[q.pk for q in quartiers or []]) | Q(arrondissement=arrondissement)
        ).values("pk")
        return self.filter(pk__in=ids)

    def with_list_data(self):
        return (
            self.select_related("arrondissement")
            .prefetch_related("engagements", "quartiers")
            .defer("resume")
        )


class EtudeQualitative(models.Model):
    """Une étude qualitative (évaluation, enquête auprès des habitants, diagnostic) dont les
    résultats nourrissent la 3e partie du bilan annuel : titre, année, engagements et QPV
    étudiés, résumé des résultats, qui l'a réalisée, et le rapport joint (PDF ou document
    bureautique, contrôlé à l'envoi). Tenue par le SPV, historisée."""

    titre = models.CharField("titre", max_length=255)
    annee = models.PositiveSmallIntegerField("année", validators=VALIDATEURS_ANNEE)
    engagements = models.ManyToManyField(
        "engagements.Engagement",
        blank=True,
        related_name="etudes_qualitatives",
        verbose_name="engagements étudiés",
    )
    quartiers = models.ManyToManyField(
        "quartiers.Quartier",
        blank=True,
        related_name="etudes_qualitatives",
        verbose_name="quartiers prioritaires",
        help_text="Aucun : l’étude porte sur l’ensemble des QPV parisiens.",
    )
    arrondissement = models.ForeignKey(
        "quartiers.Arrondissement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="etudes_qualitatives",
        verbose_name="arrondissement",
        help_text="Pour une étude menée à l’échelle d’un arrondissement.",
    )
    realisee_par = models.CharField(
        "réalisée par",
        max_length=255,
        help_text="L’organisme ou l’équipe qui a conduit l’étude (Apur, cabinet, université…).",
    )
    resume = models.TextField("résumé des résultats")
    fichier = models.FileField("rapport", upload_to=chemin_etude, max_length=255, blank=True)
    nom_fichier = models.CharField("nom du fichier", max_length=255, blank=True, editable=False)
    type_mime = models.CharField("type de fichier", max_length=120, blank=True, editable=False)
    taille = models.PositiveBigIntegerField(
        "taille (octets)", null=True, blank=True, editable=False
    )
    cree_le = models.DateTimeField("enregistrée le", default=timezone.now, editable=False)
    modifie_le = models.DateTimeField("modifiée le", auto_now=True)
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="enregistrée par",
        editable=False,
    )
    history = HistoricalRecords(m2m_fields=[engagements, quartiers])

    objects = EtudeQualitativeQuerySet.as_manager()

    class Meta:
        verbose_name = "étude qualitative"
        verbose_name_plural = "études qualitatives"
        ordering = ["-annee", "titre", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(annee__gte=ANNEE_MIN, annee__lte=ANNEE_MAX),
                name="etude_annee_bornee",
                violation_error_message=MESSAGE_ANNEE,
            ),
        ]

    def __str__(self):
        return f"{self.titre} ({self.annee})"

    def get_absolute_url(self):
        return reverse("bilan:etude", args=[self.pk])


# --- imports de crédits -----------------------------------------------------------------------


class ImportCredits(ImportTableur):
    """Un tableur de crédits déposé : qui, quand, le fichier lui-même, ce que la
    prévisualisation annonçait et ce qui a été écrit. Tout ou rien : un import qui compte la
    moindre ligne en erreur n'écrit aucun crédit. Lu par la déclaration
    `bilan.imports.DeclarationCredits` (même mécanique que les valeurs : socle/imports.py)."""

    DECLARATION = "bilan.imports.DeclarationCredits"

    # Champs communs (socle.models.ImportTableur) redéclarés pour garder leurs libellés.
    utilisateur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="imports_credits",
        verbose_name="déposé par",
    )
    nb_nouvelles = models.PositiveIntegerField("crédits créés", default=0)
    nb_modifiees = models.PositiveIntegerField("crédits modifiés", default=0)

    class Meta(ImportTableur.Meta):
        verbose_name = "import de crédits"
        verbose_name_plural = "imports de crédits"

    def __str__(self):
        return f"Import de crédits {self.nom_fichier}"

    def get_absolute_url(self):
        return reverse("bilan:import_credits_detail", args=[self.pk])
