"""Les structures de terrain (associations, centres sociaux, espaces de vie sociale) et leurs
fiches-actions, sur le modèle du formulaire de l'observatoire national des centres sociaux."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from contratville.roles import Role, est_spv, role_de
from structures import listes


class StructureQuerySet(models.QuerySet):
    """Visibilité et chargeurs de listes des structures."""

    def visible_par(self, user):
        """Le SPV, les délégués et les partenaires voient toutes les structures ; un compte de
        structure ne voit que la sienne ; un anonyme n'en voit aucune."""
        role = role_de(user)
        if est_spv(user) or role in (Role.DELEGUE, Role.PARTENAIRE):
            return self
        if role == Role.STRUCTURE:
            return self.filter(pk=user.profil.structure_id)
        return self.none()

    def with_list_data(self):
        return (
            self.select_related("arrondissement")
            .prefetch_related("quartiers")
            .annotate(nb_fiches=models.Count("fiches", distinct=True))
        )


class Structure(models.Model):
    """Une association, un centre social ou un espace de vie sociale qui agit dans les QPV
    (ou, pour les fiches d'exemple des semences, hors de Paris : `hors_paris`)."""

    class Type(models.TextChoices):
        ASSOCIATION = "association", "Association"
        CENTRE_SOCIAL = "centre_social", "Centre social"
        ESPACE_VIE_SOCIALE = "espace_vie_sociale", "Espace de vie sociale"
        AUTRE = "autre", "Autre"

    slug = models.SlugField("identifiant", max_length=120, unique=True)
    nom = models.CharField("nom", max_length=255)
    type = models.CharField("type", max_length=30, choices=Type.choices, default=Type.ASSOCIATION)
    adresse = models.CharField("adresse", max_length=255, blank=True)
    code_postal = models.CharField("code postal", max_length=10, blank=True)
    commune = models.CharField("commune", max_length=100, blank=True)
    arrondissement = models.ForeignKey(
        "quartiers.Arrondissement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="structures",
        verbose_name="arrondissement",
    )
    departement = models.CharField("département", max_length=100, blank=True)
    hors_paris = models.BooleanField("hors Paris", default=False)
    quartiers = models.ManyToManyField(
        "quartiers.Quartier", blank=True, related_name="structures", verbose_name="quartiers"
    )
    annee_creation = models.PositiveSmallIntegerField("année de création", null=True, blank=True)
    salaries = models.PositiveIntegerField("salariés", null=True, blank=True)
    benevoles = models.PositiveIntegerField("bénévoles", null=True, blank=True)
    adherents = models.PositiveIntegerField("adhérents", null=True, blank=True)
    budget = models.DecimalField(
        "budget annuel (€)", max_digits=12, decimal_places=2, null=True, blank=True
    )
    description = models.TextField("présentation", blank=True)
    source = models.CharField("source", max_length=255, blank=True)
    history = HistoricalRecords(m2m_fields=[quartiers])

    objects = StructureQuerySet.as_manager()

    class Meta:
        verbose_name = "structure"
        verbose_name_plural = "structures"
        ordering = ["nom"]

    def __str__(self):
        return self.nom

    def get_absolute_url(self):
        return reverse("structures:detail", args=[self.slug])


class FinancementStructure(models.Model):
    """Une part du financement d'une structure (« 70 % fonds publics »)."""

    structure = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="financements")
    ordre = models.PositiveSmallIntegerField("ordre", default=0)
    financeur = models.CharField("financeur", max_length=200)
    part = models.DecimalField(
        "part du budget (%)", max_digits=5, decimal_places=2, null=True, blank=True
    )
    texte = models.TextField("précisions", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "financement de la structure"
        verbose_name_plural = "financements de la structure"
        ordering = ["structure", "ordre"]

    def __str__(self):
        return self.financeur


class FicheActionQuerySet(models.QuerySet):
    """Visibilité, vocabulaire et chargeurs de listes des fiches-actions."""

    def validees(self):
        return self.filter(statut=FicheAction.Statut.VALIDEE)

    def visible_par(self, user):
        """Le SPV voit toutes les fiches ; délégués et partenaires voient les fiches validées ;
        une structure voit toutes les siennes, quel que soit leur statut."""
        role = role_de(user)
        if est_spv(user):
            return self
        if role in (Role.DELEGUE, Role.PARTENAIRE):
            return self.validees()
        if role == Role.STRUCTURE:
            return self.filter(structure_id=user.profil.structure_id)
        return self.none()

    def with_list_data(self):
        return self.select_related("structure").prefetch_related("engagements", "quartiers")


class FicheAction(models.Model):
    """Une fiche-action : ce qu'une structure a mené, pour quels engagements du contrat, dans
    quels QPV et quelle année. Les champs suivent le formulaire de l'observatoire (GUIDE §2.3)
    complété des rubriques du rapport J2P (objectifs, résultats quantitatifs, etc.)."""

    class Etat(models.TextChoices):
        EN_COURS = "en_cours", "En cours"
        TERMINEE = "terminee", "Terminée"

    class Statut(models.TextChoices):
        BROUILLON = "brouillon", "Brouillon"
        SOUMISE = "soumise", "Soumise"
        VALIDEE = "validee", "Validée"
        RENVOYEE = "renvoyee", "Renvoyée"

    cle = models.CharField(
        "clé de chargement",
        max_length=50,
        blank=True,
        help_text="Clé naturelle des fiches chargées depuis les sources ; vide pour les autres.",
    )
    structure = models.ForeignKey(
        Structure, on_delete=models.PROTECT, related_name="fiches", verbose_name="structure"
    )
    titre = models.CharField("titre de l’action", max_length=255)
    annee = models.PositiveSmallIntegerField("année", null=True, blank=True)
    statut = models.CharField(
        "statut de la fiche", max_length=20, choices=Statut.choices, default=Statut.BROUILLON
    )
    etat = models.CharField(
        "statut de l’action", max_length=20, choices=Etat.choices, default=Etat.EN_COURS
    )
    motif_fin = models.TextField("raisons pour lesquelles l’action est terminée", blank=True)
    dimension = models.CharField("dimension", max_length=40, choices=listes.DIMENSIONS, blank=True)
    mots_cles = models.JSONField("mots clés", default=list, blank=True)
    resume = models.TextField("résumé", blank=True)
    initiative = models.JSONField("qui est à l’initiative de l’action", default=list, blank=True)
    initiative_precision = models.CharField("précision (autre)", max_length=255, blank=True)
    territoire = models.CharField(
        "territoire concerné", max_length=40, choices=listes.TERRITOIRES, blank=True
    )
    description = models.TextField(
        "description de l’expérience (objectifs, acteurs, phases)", blank=True
    )
    publics = models.JSONField("public", default=list, blank=True)
    partenaires = models.JSONField("partenaires d’action", default=list, blank=True)
    description_generale = models.TextField("description générale", blank=True)
    ressources_financieres = models.TextField("ressources financières mobilisées", blank=True)
    personnes_mobilisees = models.TextField("personnes mobilisées (texte)", blank=True)
    nb_salaries = models.PositiveIntegerField("salariés mobilisés", null=True, blank=True)
    nb_benevoles = models.PositiveIntegerField("bénévoles mobilisés", null=True, blank=True)
    nb_autres = models.PositiveIntegerField("autres personnes mobilisées", null=True, blank=True)
    resultats_territoire = models.TextField("résultats sur le territoire", blank=True)
    resultats_structure = models.TextField("résultats pour la structure", blank=True)
    resultats_habitants = models.TextField("résultats pour les habitants", blank=True)
    limites = models.TextField("suite de l’action : limites", blank=True)
    perspectives = models.TextField("suite de l’action : perspectives", blank=True)
    objectifs = models.TextField("objectifs", blank=True)
    actions_menees = models.TextField("actions mises en œuvre", blank=True)
    resultats_quantitatifs = models.TextField("résultats quantitatifs", blank=True)
    partenariats = models.TextField("partenariats", blank=True)
    difficultes = models.TextField("difficultés rencontrées", blank=True)
    solutions = models.TextField("solutions apportées", blank=True)
    facteurs_reussite = models.TextField("facteurs de réussite", blank=True)
    engagements = models.ManyToManyField(
        "engagements.Engagement",
        blank=True,
        related_name="fiches_actions",
        verbose_name="engagements du contrat",
    )
    quartiers = models.ManyToManyField(
        "quartiers.Quartier",
        blank=True,
        related_name="fiches_actions",
        verbose_name="quartiers prioritaires",
    )
    source = models.CharField("source", max_length=255, blank=True)
    cree_le = models.DateTimeField("créée le", auto_now_add=True)
    modifie_le = models.DateTimeField("modifiée le", auto_now=True)
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="créée par",
    )
    history = HistoricalRecords(m2m_fields=[engagements, quartiers])

    objects = FicheActionQuerySet.as_manager()

    class Meta:
        verbose_name = "fiche-action"
        verbose_name_plural = "fiches-actions"
        ordering = ["-annee", "titre", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cle"], condition=~models.Q(cle=""), name="fiche_cle_unique"
            )
        ]

    def __str__(self):
        return self.titre

    def get_absolute_url(self):
        return reverse("structures:fiche", args=[self.pk])

    @property
    def mots_cles_libelles(self):
        return listes.libelles(listes.MOTS_CLES, self.mots_cles)

    @property
    def publics_libelles(self):
        return listes.libelles(listes.PUBLICS, self.publics)

    @property
    def initiative_libelles(self):
        return listes.libelles(listes.INITIATIVES, self.initiative)

    @property
    def partenaires_libelles(self):
        return listes.libelles(listes.PARTENAIRES_TYPES, self.partenaires)
