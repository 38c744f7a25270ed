"""Le contenu du contrat de ville : thématiques, engagements et tout ce qu'ils contiennent,
signataires et glossaire. Ces données viennent du texte du contrat (load_referentiel) et
restent modifiables par le SPV ; chaque modification est historisée."""

from django.db import models
from django.urls import reverse
from django.utils.text import slugify
from simple_history.models import HistoricalRecords


class Contrat(models.Model):
    """Faits que le texte du contrat énonce sur lui-même (une seule ligne)."""

    titre = models.CharField("titre", max_length=200)
    indicateurs_annonces = models.PositiveSmallIntegerField(
        "indicateurs annoncés",
        help_text="Nombre d’indicateurs que le contrat annonce pour le référentiel d’évaluation.",
    )
    nombre_qpv = models.PositiveSmallIntegerField("nombre de quartiers prioritaires")
    population_qpv = models.PositiveIntegerField("population des quartiers prioritaires")
    arrondissements = models.CharField("arrondissements concernés", max_length=100)
    decret = models.TextField("décret", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "contrat"
        verbose_name_plural = "contrat"

    def __str__(self):
        return self.titre


class Thematique(models.Model):
    """Une des 8 thématiques. Seuls trois titres figurent dans le texte source : les autres
    restent vides jusqu'à ce que le SPV les renseigne (on n'invente pas de titre)."""

    numero = models.PositiveSmallIntegerField("numéro", unique=True)
    titre = models.CharField("titre", max_length=255, blank=True)
    # Pour la synchronisation incrémentale de l'API (`?modifie_depuis=`).
    modifie_le = models.DateTimeField("modifiée le", auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "thématique"
        verbose_name_plural = "thématiques"
        ordering = ["numero"]

    def __str__(self):
        return self.libelle

    @property
    def libelle(self):
        base = f"Thématique N°{self.numero}"
        return f"{base} – {self.titre}" if self.titre else base


class EngagementQuerySet(models.QuerySet):
    """Chargeurs de listes des engagements."""

    def with_list_data(self):
        """Liste groupée par thématique : une requête, compteurs annotés."""
        return (
            self.select_related("thematique")
            .annotate(
                nb_actions=models.Count("actions", distinct=True),
                nb_indicateurs=models.Count("indicateurs", distinct=True),
            )
            .order_by("numero")
        )

    def with_detail_data(self):
        """Fiche d'un engagement : toutes ses sections en un nombre fixe de requêtes."""
        return self.select_related("thematique").prefetch_related(
            "axes",
            "actions",
            models.Prefetch("acteurs", queryset=Acteur.objects.select_related("signataire")),
            "financements",
            "plans",
            "indicateurs",
        )


class Engagement(models.Model):
    """Un des 30 engagements du contrat, avec ses problématiques et la parole d'habitant."""

    numero = models.PositiveSmallIntegerField("numéro", unique=True)
    thematique = models.ForeignKey(
        Thematique,
        on_delete=models.PROTECT,
        related_name="engagements",
        verbose_name="thématique",
    )
    titre = models.TextField("titre")
    problematiques = models.TextField("problématiques et besoins exprimés", blank=True)
    parole_habitant = models.TextField("parole d’habitante et d’habitant", blank=True)
    parole_source = models.CharField("source de la parole", max_length=255, blank=True)
    indicateurs_en_cours_de_definition = models.BooleanField(
        "indicateurs en cours de définition", default=False
    )
    # Pour la synchronisation incrémentale de l'API (`?modifie_depuis=`).
    modifie_le = models.DateTimeField("modifié le", auto_now=True, db_index=True)
    history = HistoricalRecords()

    objects = EngagementQuerySet.as_manager()

    class Meta:
        verbose_name = "engagement"
        verbose_name_plural = "engagements"
        ordering = ["numero"]

    def __str__(self):
        return f"Engagement {self.numero} : {self.titre}"

    def get_absolute_url(self):
        return reverse("engagements:detail", args=[self.numero])

    @property
    def actions_a_consolider(self):
        return [a for a in self.actions.all() if a.type == Action.Type.CONSOLIDER]

    @property
    def actions_a_developper(self):
        return [a for a in self.actions.all() if a.type == Action.Type.DEVELOPPER]

    def acteurs_du_groupe(self, groupe):
        return [a for a in self.acteurs.all() if a.groupe == groupe]

    @property
    def pilotes(self):
        return self.acteurs_du_groupe(Acteur.Groupe.PILOTE)

    @property
    def partenaires(self):
        return self.acteurs_du_groupe(Acteur.Groupe.PARTENAIRE)

    @property
    def lieux_ressources(self):
        return self.acteurs_du_groupe(Acteur.Groupe.LIEU_RESSOURCE)


class AxeIntervention(models.Model):
    """Un enjeu ou axe d'intervention : un mot-clé (« Valoriser ») et son texte."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="axes")
    ordre = models.PositiveSmallIntegerField("ordre")
    libelle = models.CharField("libellé", max_length=100)
    texte = models.TextField("texte")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "axe d’intervention"
        verbose_name_plural = "axes d’intervention"
        ordering = ["engagement__numero", "ordre"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "ordre"], name="axe_unique_ordre")
        ]

    def __str__(self):
        return self.libelle


class Action(models.Model):
    """Une action numérotée d'un engagement. Le numéro est gardé tel qu'imprimé (le texte
    numérote deux actions « 5. » dans un engagement) ; l'ordre donne la position réelle."""

    class Type(models.TextChoices):
        CONSOLIDER = "consolider", "À consolider"
        DEVELOPPER = "developper", "À développer"

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="actions")
    numero = models.CharField("numéro imprimé", max_length=10)
    ordre = models.PositiveSmallIntegerField("ordre")
    type = models.CharField("type", max_length=20, choices=Type.choices)
    texte = models.TextField("texte")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "action"
        verbose_name_plural = "actions"
        ordering = ["engagement__numero", "ordre"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "ordre"], name="action_unique_ordre")
        ]

    def __str__(self):
        return f"{self.engagement.numero}.{self.numero} {self.texte[:80]}"


class Signataire(models.Model):
    """Un des 39 signataires du contrat (institution ou bailleur social)."""

    class Type(models.TextChoices):
        INSTITUTION = "institution", "Institution"
        BAILLEUR = "bailleur", "Bailleur social"

    nom = models.CharField("nom", max_length=200, unique=True)
    sigle = models.CharField(
        "sigle",
        max_length=30,
        blank=True,
        help_text="Le sigle usuel (« Caf »), repris du glossaire du contrat quand il y figure : "
        "il sert à retrouver l’organisation.",
    )
    # Clé naturelle de l'API (filtres, producteurs) : tirée du nom par load_referentiel.
    slug = models.SlugField("identifiant", max_length=100, unique=True)
    type = models.CharField("type", max_length=20, choices=Type.choices)
    ordre = models.PositiveSmallIntegerField("ordre dans la liste", default=0)
    # Pour la synchronisation incrémentale de l'API (`?modifie_depuis=`).
    modifie_le = models.DateTimeField("modifié le", auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "signataire"
        verbose_name_plural = "signataires"
        ordering = ["ordre", "nom"]

    def __str__(self):
        return self.nom

    def save(self, *args, **kwargs):
        # Un signataire créé ailleurs que par le chargeur (admin, tests) reçoit aussi sa clé.
        if not self.slug:
            self.slug = slug_signataire(self.nom)
        super().save(*args, **kwargs)

    @property
    def libelle(self):
        """« Caisse d’Allocations Familiales (Caf) » : le nom, et le sigle s'il est connu."""
        return f"{self.nom} ({self.sigle})" if self.sigle else self.nom


def slug_signataire(nom):
    """« Caisse d’allocations familiales » → « caisse-dallocations-familiales »
    (100 caractères au plus) : la clé naturelle d'un signataire dans l'API."""
    return slugify(nom)[:100].strip("-")


class Acteur(models.Model):
    """Un acteur cité par un engagement (pilote, partenaire associé ou lieu ressource),
    relié au signataire correspondant quand c'en est un."""

    class Groupe(models.TextChoices):
        PILOTE = "pilote", "Pilote"
        PARTENAIRE = "partenaire", "Partenaire associé"
        LIEU_RESSOURCE = "lieu_ressource", "Lieu ressource"

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="acteurs")
    groupe = models.CharField("groupe", max_length=20, choices=Groupe.choices)
    ordre = models.PositiveSmallIntegerField("ordre")
    nom = models.CharField("nom", max_length=255)
    signataire = models.ForeignKey(
        Signataire,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="acteurs",
        verbose_name="signataire",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "acteur"
        verbose_name_plural = "acteurs"
        ordering = ["engagement__numero", "groupe", "ordre"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "groupe", "ordre"], name="acteur_unique_ordre"
            )
        ]

    def __str__(self):
        return self.nom


class Financement(models.Model):
    """Un financement mobilisable d'un engagement, par financeur."""

    class Financeur(models.TextChoices):
        ETAT = "etat", "État"
        VILLE = "ville", "Ville de Paris"
        CAF = "caf", "Caf"
        AUTRE = "autre", "Autre"

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="financements"
    )
    ordre = models.PositiveSmallIntegerField("ordre")
    financeur = models.CharField("financeur", max_length=10, choices=Financeur.choices)
    libelle = models.CharField("libellé imprimé", max_length=50)
    texte = models.TextField("texte")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "financement mobilisable"
        verbose_name_plural = "financements mobilisables"
        ordering = ["engagement__numero", "ordre"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "ordre"], name="financement_unique")
        ]

    def __str__(self):
        return f"{self.libelle} : {self.texte[:60]}"


class PlanStrategie(models.Model):
    """Un plan ou une stratégie auquel l'engagement se rattache."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="plans")
    ordre = models.PositiveSmallIntegerField("ordre")
    texte = models.TextField("texte")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "plan ou stratégie"
        verbose_name_plural = "plans et stratégies"
        ordering = ["engagement__numero", "ordre"]
        constraints = [models.UniqueConstraint(fields=["engagement", "ordre"], name="plan_unique")]

    def __str__(self):
        return self.texte[:80]


class Sigle(models.Model):
    """Une entrée du glossaire du contrat."""

    sigle = models.CharField("sigle", max_length=30, unique=True)
    definition = models.TextField("définition")
    # Pour la synchronisation incrémentale de l'API (`?modifie_depuis=`).
    modifie_le = models.DateTimeField("modifié le", auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "sigle"
        verbose_name_plural = "glossaire"
        ordering = ["sigle"]

    def __str__(self):
        return f"{self.sigle} : {self.definition}"
