"""Les 21 quartiers prioritaires (QPV) parisiens, leurs secteurs et micro-quartiers, leurs
chiffres clés et leurs projets structurants, tels que les fiches du contrat les donnent."""

from django.db import models
from django.db.models import Count, Prefetch
from django.urls import reverse
from simple_history.models import HistoricalRecords


class Arrondissement(models.Model):
    """Un arrondissement de Paris concerné par la politique de la ville."""

    numero = models.PositiveSmallIntegerField("numéro", unique=True)

    class Meta:
        verbose_name = "arrondissement"
        verbose_name_plural = "arrondissements"
        ordering = ["numero"]

    def __str__(self):
        return self.libelle

    @property
    def libelle(self):
        return f"{self.numero}{'er' if self.numero == 1 else 'e'} arrondissement"

    @property
    def court(self):
        return f"{self.numero}{'er' if self.numero == 1 else 'e'}"


class QuartierQuerySet(models.QuerySet):
    """Chargeurs de listes et de fiches des quartiers."""

    def with_list_data(self):
        return self.prefetch_related("arrondissements").annotate(
            nb_projets=Count("projets", distinct=True),
            nb_secteurs=Count("secteurs", distinct=True),
        )

    def with_fiche_data(self):
        projets = ProjetStructurant.objects.select_related("secteur").order_by("ordre")
        chiffres = ChiffreCle.objects.order_by("ordre")
        return self.prefetch_related(
            "arrondissements",
            Prefetch("secteurs", queryset=Secteur.objects.order_by("ordre")),
            Prefetch("projets", queryset=projets),
            Prefetch("chiffres_cles", queryset=chiffres),
        )


class Quartier(models.Model):
    """Un quartier prioritaire de la politique de la ville (décret n° 2023-1314).

    `nom` et `population` viennent du tableau du décret (Filosofi 2019) ; les secteurs portent
    les populations des fiches, qui diffèrent : on garde les deux, chacune avec sa source."""

    slug = models.SlugField("identifiant", max_length=100, unique=True)
    nom = models.CharField("nom", max_length=200)
    nom_fiche = models.CharField("intitulé de la fiche", max_length=255, blank=True)
    arrondissements = models.ManyToManyField(
        Arrondissement, related_name="quartiers", verbose_name="arrondissements"
    )
    ordre = models.PositiveSmallIntegerField("ordre", default=0)
    population = models.PositiveIntegerField("population", null=True, blank=True)
    population_source = models.CharField("source de la population", max_length=255, blank=True)
    description = models.TextField("descriptif du quartier", blank=True)
    history = HistoricalRecords(m2m_fields=[arrondissements])

    objects = QuartierQuerySet.as_manager()

    class Meta:
        verbose_name = "quartier prioritaire"
        verbose_name_plural = "quartiers prioritaires"
        ordering = ["ordre", "nom"]

    def __str__(self):
        return self.nom

    def get_absolute_url(self):
        return reverse("quartiers:fiche", args=[self.slug])

    @property
    def arrondissements_libelle(self):
        return ", ".join(a.court for a in self.arrondissements.all())


class Secteur(models.Model):
    """Un secteur ou micro-quartier d'un QPV, avec ses propres chiffres et projets. Un
    micro-quartier imprimé dans la fiche d'un autre QPV est rattaché à celui que le texte nomme."""

    class Type(models.TextChoices):
        SECTEUR = "secteur", "Secteur"
        MICRO_QUARTIER = "micro_quartier", "Micro-quartier"

    quartier = models.ForeignKey(Quartier, on_delete=models.CASCADE, related_name="secteurs")
    slug = models.SlugField("identifiant", max_length=120, unique=True)
    nom = models.CharField("nom", max_length=255)
    type = models.CharField("type", max_length=20, choices=Type.choices, default=Type.SECTEUR)
    ordre = models.PositiveSmallIntegerField("ordre", default=0)
    population = models.PositiveIntegerField("population", null=True, blank=True)
    population_source = models.CharField("source de la population", max_length=255, blank=True)
    description = models.TextField("descriptif", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "secteur ou micro-quartier"
        verbose_name_plural = "secteurs et micro-quartiers"
        ordering = ["quartier__ordre", "ordre"]

    def __str__(self):
        return self.nom


class ChiffreCle(models.Model):
    """Un chiffre clé d'une fiche quartier (« Taux de chômage : 16 % (contre 11 % à Paris) »).

    Le texte imprimé est toujours gardé ; `valeur` et `valeur_paris` ne sont remplis que quand
    le texte donne un nombre unique. `qualificatif` garde la précision de périmètre."""

    quartier = models.ForeignKey(Quartier, on_delete=models.CASCADE, related_name="chiffres_cles")
    secteur = models.ForeignKey(
        Secteur,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="chiffres_cles",
        verbose_name="secteur",
    )
    ordre = models.PositiveSmallIntegerField("ordre")
    libelle = models.CharField("libellé", max_length=255)
    qualificatif = models.CharField("précision", max_length=255, blank=True)
    texte = models.CharField("texte imprimé", max_length=255)
    valeur = models.DecimalField("valeur", max_digits=12, decimal_places=2, null=True, blank=True)
    unite = models.CharField("unité", max_length=20, blank=True)
    valeur_paris = models.DecimalField(
        "valeur à Paris", max_digits=12, decimal_places=2, null=True, blank=True
    )
    source = models.TextField("source", blank=True)
    annee = models.PositiveSmallIntegerField("année", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "chiffre clé"
        verbose_name_plural = "chiffres clés"
        ordering = ["quartier__ordre", "ordre"]
        constraints = [
            models.UniqueConstraint(fields=["quartier", "ordre"], name="chiffre_unique_ordre")
        ]

    def __str__(self):
        return f"{self.libelle} : {self.texte}"


class ProjetStructurant(models.Model):
    """Un projet structurant d'une fiche quartier. Le statut est normalisé en un petit nombre
    de choix, et le texte imprimé est gardé à côté (il s'écrit de dix façons dans la source)."""

    class Statut(models.TextChoices):
        EXISTANT = "existant", "Existant"
        A_VENIR = "a_venir", "À venir"
        EXISTANT_ET_A_VENIR = "existant_et_a_venir", "Existant et à venir"
        EN_REFLEXION = "en_reflexion", "En réflexion"
        EN_COURS = "en_cours", "En cours"
        REALISE = "realise", "Réalisé"
        NON_RENSEIGNE = "non_renseigne", "Non renseigné"

    quartier = models.ForeignKey(Quartier, on_delete=models.CASCADE, related_name="projets")
    secteur = models.ForeignKey(
        Secteur,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projets",
        verbose_name="secteur",
    )
    ordre = models.PositiveSmallIntegerField("ordre")
    nom = models.CharField("nom du projet", max_length=255)
    descriptif = models.TextField("descriptif", blank=True)
    adresse = models.TextField("adresse (telle qu’imprimée)", blank=True)
    cartographiable = models.BooleanField("cartographiable", default=True)
    statut = models.CharField(
        "statut", max_length=30, choices=Statut.choices, default=Statut.NON_RENSEIGNE
    )
    statut_brut = models.CharField("statut imprimé", max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "projet structurant"
        verbose_name_plural = "projets structurants"
        ordering = ["quartier__ordre", "ordre"]
        constraints = [
            models.UniqueConstraint(fields=["quartier", "ordre"], name="projet_unique_ordre")
        ]

    def __str__(self):
        return self.nom
