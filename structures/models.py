"""Les structures de terrain (associations, centres sociaux, espaces de vie sociale) et leurs
fiches-actions, sur le modèle du formulaire de l'observatoire national des centres sociaux."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from engagements.models import Action
from socle import roles
from socle.agregats import compte_lie
from socle.circuits import Circuit, Transition
from socle.models import JournalTransition, Provenance
from socle.roles import Role, est_spv, role_de
from structures import listes
from structures.validators import normaliser_identifiant, valider_rna, valider_siret

# Langues des textes : le rapport J2P des semences est en anglais (RGAA 8.7 : lang="en").
LANGUES = [("fr", "Français"), ("en", "Anglais")]


class StructureQuerySet(models.QuerySet):
    """Visibilité et chargeurs de listes des structures."""

    def for_user(self, user):
        """Le SPV, les délégués et les partenaires voient toutes les structures ; un compte de
        structure ne voit que la sienne ; un anonyme n'en voit aucune."""
        role = role_de(user)
        if est_spv(user) or role in (Role.DELEGUE, Role.PARTENAIRE):
            return self
        if role == Role.STRUCTURE:
            return self.filter(pk=user.profil.structure_id)
        return self.none()

    def with_list_data(self, user=None):
        """Liste des structures ; `nb_fiches` ne compte que les fiches que `user` peut voir
        (toutes si `user` n'est pas donné, pour les usages hors requête)."""
        fiches = FicheAction.objects.all() if user is None else FicheAction.objects.for_user(user)
        # Un compte par structure en sous-requête, évalué pour les lignes lues : une jointure
        # groupée comptait les 50 000 fiches nationales avant de garder une page de 50.
        return (
            self.select_related("arrondissement")
            .prefetch_related("quartiers")
            .annotate(nb_fiches=compte_lie(fiches, "structure"))
        )


class Structure(Provenance):
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
    hors_paris = models.BooleanField(
        "hors Paris",
        default=False,
        help_text="Structures d’exemple des sources situées hors de Paris (hors contrat).",
    )
    siret = models.CharField(
        "SIRET",
        max_length=14,
        blank=True,
        validators=[valider_siret],
        help_text="14 chiffres, sans espaces (le portail vérifie la clé de contrôle).",
    )
    rna = models.CharField(
        "numéro RNA",
        max_length=10,
        blank=True,
        validators=[valider_rna],
        help_text="Répertoire national des associations : W suivi de 9 chiffres.",
    )
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
    langue = models.CharField(
        "langue du texte",
        max_length=5,
        choices=LANGUES,
        default="fr",
        help_text="Langue des textes saisis (certaines sources sont en anglais) : balise lang.",
    )
    publication_consentie = models.BooleanField(
        "accepte la publication en données ouvertes",
        default=False,
        help_text="Ses fiches-actions validées peuvent être publiées en données ouvertes (sans "
        "données personnelles ni pièces jointes). Rien n’est publié sans cet accord.",
    )
    # Pour la synchronisation incrémentale de l'API (`?modifie_depuis=`).
    modifie_le = models.DateTimeField("modifiée le", auto_now=True, db_index=True)
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

    def clean(self):
        # Les identifiants sont rangés sans espaces ni points, quelle que soit la saisie.
        self.siret = normaliser_identifiant(self.siret)
        self.rna = normaliser_identifiant(self.rna)


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


def refus_soumission_fiche(user, fiche):
    """Pourquoi `user` ne peut pas soumettre `fiche` (règle `peut_soumettre_fiche`)."""
    if role_de(user) == Role.STRUCTURE:
        return (
            f"Cette fiche est celle de la structure « {fiche.structure.nom} » : seuls ses "
            "membres peuvent la soumettre."
        )
    return (
        "Seuls les membres de la structure qui a mené l’action soumettent sa fiche ; le "
        "Service Politique de la Ville la relit, la valide ou la renvoie."
    )


def verifier_fiche_complete(fiche):
    """Le préalable de la soumission : une fiche incomplète ne se soumet pas (ce qui manque
    est dit en entier, pour tout corriger d'un coup)."""
    manques = fiche.manques_pour_soumettre()
    if manques:
        raise ValidationError(
            "La fiche ne peut pas être soumise : il manque " + ", ".join(manques) + ".",
            code="incomplete",
        )


def conflit_de_statut(fiche, en_base):
    """La fiche affichée n'a plus le statut de la base : quelqu'un l'a fait avancer."""
    if en_base.statut != fiche.statut:
        return ValidationError(
            "La fiche a changé de statut entre-temps : rechargez la page.", code="concurrence"
        )
    return None


class FicheActionQuerySet(models.QuerySet):
    """Visibilité, vocabulaire et chargeurs de listes des fiches-actions."""

    def validees(self):
        return self.filter(statut=FicheAction.Statut.VALIDEE)

    def soumises(self):
        return self.filter(statut=FicheAction.Statut.SOUMISE)

    def for_user(self, user):
        """Qui voit quelles fiches (source unique, reprise par les pages, exports et l'API) :

        - le SPV voit toutes les fiches, brouillons compris ;
        - les partenaires voient les fiches validées ;
        - les délégués du Préfet voient les fiches validées et, pour les QPV qui leur sont
          confiés, les fiches soumises en attente de validation : ils préparent les comités
          d'arrondissement et suivent les actions cofinancées par l'État dans leurs quartiers
          avant l'avis du SPV. Ni brouillons ni fiches renvoyées (la copie de travail de la
          structure) ;
        - une structure voit toutes les siennes, quel que soit leur statut ;
        - un anonyme n'en voit aucune."""
        role = role_de(user)
        if est_spv(user):
            return self
        if role == Role.PARTENAIRE:
            return self.validees()
        if role == Role.DELEGUE:
            # Sous-requête plutôt qu'une jointure : une fiche dans deux QPV du délégué ne doit
            # pas sortir deux fois.
            soumises_de_ses_qpv = FicheAction.objects.filter(
                statut=FicheAction.Statut.SOUMISE, quartiers__delegues__user=user
            ).values("pk")
            return self.filter(Q(statut=FicheAction.Statut.VALIDEE) | Q(pk__in=soumises_de_ses_qpv))
        if role == Role.STRUCTURE:
            return self.filter(structure_id=user.profil.structure_id)
        return self.none()

    def with_list_data(self):
        """Liste des fiches : structure et arrondissement joints, engagements et QPV en deux
        requêtes quel que soit le nombre de lignes."""
        return self.select_related("structure", "structure__arrondissement").prefetch_related(
            "engagements", "quartiers"
        )

    def with_export_data(self):
        """Export tableur : tout ce que les colonnes lisent, en un nombre fixe de requêtes."""
        return self.with_list_data().prefetch_related(
            models.Prefetch("actions", queryset=_actions_ordonnees().select_related("engagement")),
            "financements",
            models.Prefetch("transitions", queryset=TransitionFiche.objects.order_by("le", "pk")),
        )


class FicheAction(Provenance):
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
    nb_beneficiaires = models.PositiveIntegerField("nombre de bénéficiaires", null=True, blank=True)
    nb_beneficiaires_qpv = models.PositiveIntegerField(
        "dont habitants d’un quartier prioritaire", null=True, blank=True
    )
    engagements = models.ManyToManyField(
        "engagements.Engagement",
        blank=True,
        related_name="fiches_actions",
        verbose_name="engagements du contrat",
    )
    actions = models.ManyToManyField(
        "engagements.Action",
        blank=True,
        related_name="fiches_actions",
        verbose_name="actions numérotées du contrat",
        help_text="Facultatif : les actions numérotées des engagements choisis que l’action met "
        "en œuvre.",
    )
    quartiers = models.ManyToManyField(
        "quartiers.Quartier",
        blank=True,
        related_name="fiches_actions",
        verbose_name="quartiers prioritaires",
    )
    source = models.CharField("source", max_length=255, blank=True)
    langue = models.CharField(
        "langue du texte",
        max_length=5,
        choices=LANGUES,
        default="fr",
        help_text="Langue des textes saisis (certaines sources sont en anglais) : balise lang.",
    )
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
    history = HistoricalRecords(m2m_fields=[engagements, actions, quartiers])

    objects = FicheActionQuerySet.as_manager()

    # Le circuit brouillon → soumise → validée, ou renvoyée avec un commentaire (le motif du
    # circuit) puis soumise à nouveau (socle/circuits.py, le même que celui des valeurs).
    circuit = Circuit(
        nom="fiche",
        article="une",
        etats=Statut,
        transitions=[
            Transition(
                nom="submit",
                depuis=frozenset({Statut.BROUILLON, Statut.RENVOYEE}),
                vers=Statut.SOUMISE,
                verbe="soumettre",
                participe="soumise",
                regle=roles.peut_soumettre_fiche,
                refus=refus_soumission_fiche,
                prealable=verifier_fiche_complete,
            ),
            Transition(
                nom="valider",
                depuis=frozenset({Statut.SOUMISE}),
                vers=Statut.VALIDEE,
                verbe="valider",
                participe="validée",
                regle=roles.peut_valider_fiche,
                refus="Seuls les agents DDCT/SPV peuvent valider une fiche-action.",
            ),
            Transition(
                nom="renvoyer",
                depuis=frozenset({Statut.SOUMISE}),
                vers=Statut.RENVOYEE,
                verbe="renvoyer",
                participe="renvoyée",
                regle=roles.peut_renvoyer_fiche,
                refus="Seuls les agents DDCT/SPV peuvent renvoyer une fiche-action à sa structure.",
                motif_obligatoire=True,
                motif_manquant="Indiquez à la structure ce qu’elle doit corriger : le "
                "commentaire est obligatoire pour renvoyer une fiche.",
            ),
        ],
        journal="structures.TransitionFiche",
        conflit=conflit_de_statut,
        select_related=("structure",),
    )

    class Meta:
        verbose_name = "fiche-action"
        verbose_name_plural = "fiches-actions"
        ordering = ["-annee", "titre", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cle"], condition=~models.Q(cle=""), name="fiche_cle_unique"
            )
        ]
        # L'ordre des listes (-annee, titre, pk) : la première page de /structures/fiches/ se
        # lit dans l'index au lieu de trier toutes les fiches. 50 000 fiches, EXPLAIN ANALYZE :
        # avant « Sort (top-N heapsort) ← Seq Scan on structures_ficheaction (rows=50036) »
        # 253 ms ; après « Limit ← Index Scan using fiche_liste_ordre » < 1 ms.
        indexes = [
            models.Index(fields=["-annee", "titre", "id"], name="fiche_liste_ordre"),
            # Les comptes du bilan par statut, engagement et QPV (bilan/donnees/fiches.py) :
            # les fiches de N et N-1 lues dans l'index seul, pas dans la table aux longs
            # textes. National, EXPLAIN ANALYZE : Seq Scan (2 837 pages) ×3 → Index Only Scan.
            models.Index(fields=["annee", "statut"], include=["id"], name="fiche_annee_statut"),
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

    @property
    def est_modifiable(self):
        """Une fiche n'est modifiable (par sa structure) qu'en brouillon ou renvoyée."""
        return self.statut in STATUTS_MODIFIABLES

    def clean(self):
        erreurs = {}
        if (
            self.nb_beneficiaires is not None
            and self.nb_beneficiaires_qpv is not None
            and self.nb_beneficiaires_qpv > self.nb_beneficiaires
        ):
            erreurs["nb_beneficiaires_qpv"] = (
                "Le nombre de bénéficiaires habitant un QPV ne peut pas dépasser le nombre total "
                "de bénéficiaires."
            )
        if erreurs:
            raise ValidationError(erreurs)

    # --- soumission et revue ---------------------------------------------------------------

    def manques_pour_soumettre(self):
        """Ce qui manque pour soumettre la fiche (libellés en français ; vide si complète).

        Un brouillon peut être enregistré incomplet ; la soumission exige l'essentiel pour que
        le SPV puisse la relire et que la fiche soit retrouvée par QPV, engagement et année."""
        manques = []
        for champ in ("titre", "annee", "dimension", "resume", "territoire"):
            if getattr(self, champ) in ("", None):
                manques.append(self._meta.get_field(champ).verbose_name)
        if not self.publics:
            manques.append("public")
        if self.etat == self.Etat.TERMINEE and not self.motif_fin.strip():
            manques.append("raisons pour lesquelles l’action est terminée")
        if "autre" in (self.initiative or []) and not self.initiative_precision.strip():
            manques.append("précision de l’initiative (« Autre »)")
        if self.pk:
            if not self.engagements.exists():
                manques.append("au moins un engagement du contrat")
            if not self.quartiers.exists():
                manques.append("au moins un quartier prioritaire")
        return manques

    # Les personnes concernées sont prévenues par l'app notifications, abonnée au signal du
    # circuit (après la validation de la transaction, quelle que soit l'origine).

    def submit(self, by):
        """Brouillon ou renvoyée → soumise. Réservé aux membres de la structure ; la fiche
        doit être complète. Le SPV en est notifié."""
        return self.circuit.appliquer(self, "submit", by)

    def valider(self, by):
        """Soumise → validée. Réservé au SPV. Les membres de la structure en sont notifiés."""
        return self.circuit.appliquer(self, "valider", by)

    def renvoyer(self, by, motif):
        """Soumise → renvoyée, avec un motif obligatoire (le « commentaire » des pages) qui
        dit quoi corriger. Réservé au SPV. Les membres de la structure en sont notifiés, motif
        compris."""
        return self.circuit.appliquer(self, "renvoyer", by, motif)

    @property
    def dernier_renvoi(self):
        """La dernière transition « renvoyée » (son motif), lue dans les transitions
        préchargées si elles le sont."""
        renvois = [t for t in self.transitions.all() if t.vers == self.Statut.RENVOYEE]
        return max(renvois, key=lambda t: (t.le, t.pk)) if renvois else None

    @property
    def budget_total(self):
        montants = [f.montant for f in self.financements.all() if f.montant is not None]
        return sum(montants) if montants else None


STATUTS_MODIFIABLES = frozenset({FicheAction.Statut.BROUILLON, FicheAction.Statut.RENVOYEE})


def _actions_ordonnees():
    return Action.objects.order_by("engagement__numero", "ordre")


class FinancementFiche(models.Model):
    """Une ligne du budget d'une action : un financeur et le montant qu'il apporte."""

    fiche = models.ForeignKey(
        FicheAction, on_delete=models.CASCADE, related_name="financements", verbose_name="fiche"
    )
    financeur = models.CharField("financeur", max_length=20, choices=listes.FINANCEURS)
    precision = models.CharField(
        "précision",
        max_length=200,
        blank=True,
        help_text="Nom du financeur ou du dispositif (obligatoire pour « Autre »).",
    )
    montant = models.DecimalField(
        "montant (€)",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "financement de l’action"
        verbose_name_plural = "financements de l’action"
        ordering = ["fiche", "pk"]

    def __str__(self):
        libelle = self.get_financeur_display()
        return f"{libelle} ({self.precision})" if self.precision else libelle

    def clean(self):
        if self.financeur == "autre" and not self.precision.strip():
            raise ValidationError(
                {"precision": "Précisez le financeur quand vous choisissez « Autre »."}
            )


def chemin_piece_jointe(instance, nom):
    """Les fichiers sont rangés sous un nom aléatoire (le nom d'origine est gardé en base) :
    pas de collision, pas de caractère exotique, pas d'URL devinable."""
    extension = PurePath(nom).suffix.lower()
    return f"fiches/{instance.fiche_id}/{uuid.uuid4().hex}{extension}"


class PieceJointe(models.Model):
    """Un fichier joint à une fiche-action (« Fichier(s) associé(s) » du formulaire) : PDF,
    image ou document bureautique, contrôlé à l'envoi (structures/fichiers.py) et servi
    seulement à ceux qui voient la fiche."""

    fiche = models.ForeignKey(
        FicheAction, on_delete=models.CASCADE, related_name="pieces_jointes", verbose_name="fiche"
    )
    fichier = models.FileField("fichier", upload_to=chemin_piece_jointe, max_length=255)
    nom = models.CharField("nom du fichier", max_length=255)
    type_mime = models.CharField("type de fichier", max_length=120)
    taille = models.PositiveBigIntegerField("taille (octets)")
    ajoutee_le = models.DateTimeField("ajoutée le", default=timezone.now)
    ajoutee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="ajoutée par",
    )

    class Meta:
        verbose_name = "pièce jointe"
        verbose_name_plural = "pièces jointes"
        ordering = ["fiche", "ajoutee_le", "pk"]

    def __str__(self):
        return self.nom

    def get_absolute_url(self):
        return reverse("structures:piece_jointe", args=[self.pk])


class TransitionFiche(JournalTransition):
    """Le journal du circuit de validation d'une fiche : qui l'a fait passer de quel statut à
    quel statut, quand, et avec quel commentaire (le motif du circuit, obligatoire pour un
    renvoi). Écrit par le circuit (socle/circuits.py)."""

    fiche = models.ForeignKey(
        FicheAction, on_delete=models.CASCADE, related_name="transitions", verbose_name="fiche"
    )
    de = models.CharField("statut de départ", max_length=20, choices=FicheAction.Statut.choices)
    vers = models.CharField("nouveau statut", max_length=20, choices=FicheAction.Statut.choices)
    # Les pages et les courriels parlent de « commentaire » ; le code, de motif.
    motif = models.TextField("commentaire", blank=True)

    class Meta:
        verbose_name = "étape de validation"
        verbose_name_plural = "étapes de validation"
        ordering = ["fiche", "le", "pk"]


class PortageProjet(models.Model):
    """Qui porte un projet structurant d'une fiche quartier, et quels engagements du contrat
    il sert. Le porteur est une organisation signataire ou une structure de terrain (au plus
    l'un des deux ; aucun tant qu'il n'est pas connu).

    Ce modèle vit dans l'app structures, et non dans quartiers, parce qu'un porteur peut être
    une `Structure` : quartiers ne dépend d'aucune autre app. Tenu par le SPV dans l'admin,
    historisé."""

    projet = models.OneToOneField(
        "quartiers.ProjetStructurant",
        on_delete=models.CASCADE,
        related_name="portage",
        verbose_name="projet structurant",
    )
    porteur_signataire = models.ForeignKey(
        "engagements.Signataire",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projets_portes",
        verbose_name="porteur (organisation signataire)",
    )
    porteur_structure = models.ForeignKey(
        Structure,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projets_portes",
        verbose_name="porteur (structure)",
    )
    engagements = models.ManyToManyField(
        "engagements.Engagement",
        blank=True,
        related_name="projets_structurants",
        verbose_name="engagements servis",
    )
    history = HistoricalRecords(m2m_fields=[engagements])

    class Meta:
        verbose_name = "portage d’un projet structurant"
        verbose_name_plural = "portages des projets structurants"
        ordering = ["projet__quartier__ordre", "projet__ordre"]
        constraints = [
            models.CheckConstraint(
                condition=Q(porteur_signataire__isnull=True) | Q(porteur_structure__isnull=True),
                name="portage_un_seul_porteur",
                violation_error_message=(
                    "Un projet a un seul porteur : une organisation signataire ou une structure, "
                    "pas les deux."
                ),
            )
        ]

    def __str__(self):
        return f"Portage : {self.projet}"

    @property
    def porteur(self):
        """L'organisation signataire ou la structure qui porte le projet (None si inconnu)."""
        return self.porteur_signataire or self.porteur_structure

    def clean(self):
        if self.porteur_signataire_id and self.porteur_structure_id:
            raise ValidationError(
                {
                    "porteur_structure": "Choisissez un seul porteur : une organisation "
                    "signataire ou une structure, pas les deux."
                }
            )
