"""Le profil d'un utilisateur : son rôle et ce à quoi il est rattaché ; les invitations à créer
un compte ; les jetons d'accès à l'API ; le modèle abstrait de l'historique des imports de
tableurs (`ImportTableur`)."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from simple_history.models import HistoricalRecords

from socle.roles import ROLES, Role, est_spv


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


# Les rôles auxquels le SPV invite : les agents DDCT/SPV, qui ont accès à l'admin, sont créés
# par un superutilisateur.
ROLES_INVITES = (Role.DELEGUE, Role.PARTENAIRE, Role.STRUCTURE)


class InvitationQuerySet(models.QuerySet):
    """Visibilité, vocabulaire et chargeur des invitations."""

    def for_user(self, user):
        """Les invitations sont envoyées et suivies par le SPV seul."""
        return self if est_spv(user) else self.none()

    def en_attente(self):
        return self.filter(acceptee_le__isnull=True)

    def with_list_data(self):
        return self.select_related(
            "structure", "signataire", "invitee_par", "utilisateur"
        ).prefetch_related("quartiers")


class Invitation(models.Model):
    """Une invitation envoyée par le SPV à une personne (par courriel) pour créer son compte,
    avec son rôle et son rattachement : une structure (compte de structure), une organisation
    signataire (partenaire producteur de données) ou des QPV (délégué du Préfet, au moins un).
    Le lien contient un jeton signé (socle/invitations.py) ; il expire
    (INVITATION_DUREE_JOURS) et ne sert qu'une fois. L'accepter crée le compte avec son profil.

    Créée dans l'app structures pour les seuls comptes de structure (table renommée, lignes
    gardées : migrations socle 0003 et 0004)."""

    email = models.EmailField("adresse électronique")
    role = models.CharField(
        "rôle",
        max_length=20,
        choices=[(r.value, r.label) for r in ROLES_INVITES],
        default=Role.STRUCTURE,
    )
    structure = models.ForeignKey(
        "structures.Structure",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name="structure",
        limit_choices_to={"hors_paris": False},
        help_text="Pour un compte de structure : seules les structures parisiennes.",
    )
    signataire = models.ForeignKey(
        "engagements.Signataire",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name="organisation signataire",
        help_text="Pour un partenaire : l’organisation qui produit ses données.",
    )
    quartiers = models.ManyToManyField(
        "quartiers.Quartier",
        blank=True,
        related_name="invitations",
        verbose_name="quartiers suivis",
        help_text="Pour un délégué du Préfet : les QPV qui lui sont confiés.",
    )
    invitee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="invitée par",
    )
    creee_le = models.DateTimeField("envoyée le", default=timezone.now)
    acceptee_le = models.DateTimeField("acceptée le", null=True, blank=True)
    utilisateur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations_acceptees",
        verbose_name="compte créé",
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = "invitation"
        verbose_name_plural = "invitations"
        ordering = ["-creee_le", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role=Role.STRUCTURE, structure__isnull=False, signataire__isnull=True)
                    | Q(role=Role.PARTENAIRE, signataire__isnull=False, structure__isnull=True)
                    | Q(role=Role.DELEGUE, structure__isnull=True, signataire__isnull=True)
                ),
                name="invitation_rattachement_du_role",
                violation_error_message=(
                    "Une invitation de structure désigne une structure, celle d’un partenaire "
                    "une organisation signataire, celle d’un délégué du Préfet ses QPV : rien "
                    "d’autre."
                ),
            )
        ]

    def __str__(self):
        return f"{self.email} → {self.rattachement}"

    @property
    def rattachement(self):
        """Ce à quoi le compte sera rattaché, en clair (structure, organisation ou QPV)."""
        if self.role == Role.STRUCTURE:
            return str(self.structure) if self.structure_id else "—"
        if self.role == Role.PARTENAIRE:
            return str(self.signataire) if self.signataire_id else "—"
        if not self.pk:
            return "—"
        return ", ".join(q.nom for q in self.quartiers.all()) or "—"


class JetonAPIQuerySet(models.QuerySet):
    """Vocabulaire des jetons d'accès à l'API."""

    def actifs(self):
        """Ni révoqués ni expirés."""
        maintenant = timezone.now()
        return self.filter(revoque_le__isnull=True).filter(
            models.Q(expire_le__isnull=True) | models.Q(expire_le__gt=maintenant)
        )


class JetonAPI(models.Model):
    """Un jeton d'accès à l'API (`Authorization: Bearer <clé>`), émis par le SPV pour un
    utilisateur dans l'admin. Le jeton agit avec le rôle et la visibilité de cet utilisateur,
    rien de plus.

    La clé n'est jamais stockée en clair : seule son empreinte SHA-256 est gardée, avec un
    préfixe non secret qui permet de reconnaître le jeton (dans l'admin, dans les journaux).
    La clé en clair n'est montrée qu'une fois, juste après la création. Un jeton se révoque
    (il reste en base pour l'historique) et peut avoir une date d'expiration."""

    PREFIXE_CLE = "cvp_"
    LONGUEUR_PREFIXE = 12

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="jetons_api",
        verbose_name="utilisateur",
        help_text="Le jeton agit au nom de cet utilisateur, avec son rôle et ses droits.",
    )
    nom = models.CharField(
        "nom",
        max_length=100,
        help_text="À quoi sert ce jeton (par exemple « Import annuel du SI de la Caf »).",
    )
    prefixe = models.CharField(
        "préfixe",
        max_length=LONGUEUR_PREFIXE,
        editable=False,
        help_text="Début de la clé, non secret, pour reconnaître le jeton.",
    )
    empreinte = models.CharField(
        "empreinte de la clé (SHA-256)", max_length=64, unique=True, editable=False
    )
    cree_le = models.DateTimeField("créé le", auto_now_add=True)
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="émis par",
        editable=False,
    )
    derniere_utilisation = models.DateTimeField(
        "dernière utilisation", null=True, blank=True, editable=False
    )
    expire_le = models.DateTimeField(
        "expire le",
        null=True,
        blank=True,
        help_text="Facultatif : au-delà de cette date, le jeton est refusé.",
    )
    revoque_le = models.DateTimeField("révoqué le", null=True, blank=True, editable=False)
    # La date de dernière utilisation change à chaque appel : elle n'a pas sa place dans
    # l'historique (qui garde l'émission, les changements de nom ou d'échéance, la révocation).
    history = HistoricalRecords(excluded_fields=["derniere_utilisation"])

    objects = JetonAPIQuerySet.as_manager()

    class Meta:
        verbose_name = "jeton d’API"
        verbose_name_plural = "jetons d’API"
        ordering = ["-cree_le", "pk"]

    def __str__(self):
        return f"{self.nom} ({self.prefixe}…)"

    @staticmethod
    def hacher(cle):
        """Empreinte SHA-256 (hexadécimale) d'une clé en clair."""
        return hashlib.sha256(cle.encode("utf-8")).hexdigest()

    @classmethod
    def emettre(cls, user, nom, expire_le=None, cree_par=None):
        """Crée un jeton et renvoie `(jeton, clé en clair)`. La clé n'est plus jamais
        retrouvable ensuite : c'est à l'appelant de la montrer une fois."""
        jeton = cls(user=user, nom=nom, expire_le=expire_le, cree_par=cree_par)
        cle = jeton.generer_cle()
        jeton.save()
        return jeton, cle

    def generer_cle(self):
        """Tire une clé aléatoire (256 bits) et en garde l'empreinte et le préfixe."""
        cle = self.PREFIXE_CLE + secrets.token_urlsafe(32)
        self.empreinte = self.hacher(cle)
        self.prefixe = cle[: self.LONGUEUR_PREFIXE]
        return cle

    def revoquer(self):
        """Révoque le jeton (définitif). Sans effet sur un jeton déjà révoqué."""
        if self.revoque_le is None:
            self.revoque_le = timezone.now()
            self.save(update_fields=["revoque_le"])

    @property
    def est_revoque(self):
        return self.revoque_le is not None

    @property
    def est_expire(self):
        return self.expire_le is not None and self.expire_le <= timezone.now()

    @property
    def est_actif(self):
        return not self.est_revoque and not self.est_expire

    @property
    def etat(self):
        """« Actif », « Révoqué » ou « Expiré » (pour l'admin)."""
        if self.est_revoque:
            return "Révoqué"
        if self.est_expire:
            return "Expiré"
        return "Actif"

    def noter_utilisation(self, intervalle=60):
        """Met à jour la date de dernière utilisation, au plus une fois par `intervalle`
        secondes : une écriture par requête serait coûteuse pour un import en rafale."""
        maintenant = timezone.now()
        derniere = self.derniere_utilisation
        if derniere is None or (maintenant - derniere).total_seconds() >= intervalle:
            type(self).objects.filter(pk=self.pk).update(derniere_utilisation=maintenant)
            self.derniere_utilisation = maintenant


class JournalTransition(models.Model):
    """Une étape d'un circuit de validation (socle/circuits.py) : qui a fait passer l'objet de
    quel état à quel état, quand, et avec quel motif (obligatoire pour un renvoi).

    Abstrait : chaque circuit a sa table, avec sa clé vers l'objet qu'il fait circuler et les
    états de ce circuit en choix (`TransitionFiche`, `TransitionValeur`). Le circuit l'écrit,
    une ligne par transition, y compris dans une transition en masse ; personne d'autre."""

    de = models.CharField("statut de départ", max_length=20)
    vers = models.CharField("nouveau statut", max_length=20)
    par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="par",
    )
    le = models.DateTimeField("le", default=timezone.now)
    motif = models.TextField("motif", blank=True)

    class Meta:
        abstract = True
        ordering = ["le", "pk"]

    def __str__(self):
        return f"{self.get_de_display()} → {self.get_vers_display()}"


# --- historique des imports de tableurs ---------------------------------------------------------


class ImportTableurQuerySet(models.QuerySet):
    """Visibilité et chargeur des historiques d'imports."""

    def for_user(self, user):
        """Le SPV voit tous les imports ; les autres comptes, ceux qu'ils ont déposés (une app
        peut élargir, par exemple à l'organisation du partenaire)."""
        if est_spv(user):
            return self
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(utilisateur=user)

    def with_list_data(self):
        # Le fichier peut peser plusieurs Mo : les listes et les pages de détail ne le lisent pas.
        return self.select_related("utilisateur").defer("contenu")


class ImportTableur(models.Model):
    """Un tableur déposé pour import (modèle abstrait : chaque import a sa table dans son app) :
    qui l'a déposé et quand, le fichier lui-même, ce que la prévisualisation annonçait (comptes,
    aperçu, erreurs numérotées par ligne) et ce qui a été écrit. Tout ou rien : un import qui
    compte la moindre ligne en erreur n'écrit rien.

    Le modèle concret nomme sa déclaration (`DECLARATION`, chemin pointé d'une sous-classe de
    `socle.imports.DeclarationImport`) et, s'il en a, le contexte qu'elle reçoit
    (`contexte_import()`, par exemple l'année de la campagne) : `socle.imports.executer()`
    n'a besoin de rien d'autre pour rejouer l'import, depuis une page, une commande ou une
    tâche de fond."""

    class Statut(models.TextChoices):
        # Un gros fichier est contrôlé en travail de fond (socle/vues_import.py).
        EN_CONTROLE = "controle", "Contrôle en cours"
        PREVISUALISE = "previsualise", "Prévisualisé, en attente de confirmation"
        ERREURS = "erreurs", "Refusé : lignes en erreur"
        APPLIQUE = "applique", "Appliqué"
        ABANDONNE = "abandonne", "Abandonné"

    class Origine(models.TextChoices):
        WEB = "web", "Portail"
        COMMANDE = "commande", "Ligne de commande"

    DECLARATION = ""

    utilisateur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="déposé par",
    )
    origine = models.CharField("origine", max_length=10, choices=Origine.choices, default="web")
    nom_fichier = models.CharField("fichier", max_length=255)
    contenu = models.BinaryField("contenu du fichier")
    cree_le = models.DateTimeField("déposé le", default=timezone.now)
    applique_le = models.DateTimeField("appliqué le", null=True, blank=True)
    statut = models.CharField("statut", max_length=15, choices=Statut.choices)
    nb_lignes = models.PositiveIntegerField("lignes", default=0)
    nb_nouvelles = models.PositiveIntegerField("créations", default=0)
    nb_modifiees = models.PositiveIntegerField("modifications", default=0)
    nb_inchangees = models.PositiveIntegerField("lignes inchangées ou vides", default=0)
    nb_erreurs = models.PositiveIntegerField("lignes en erreur", default=0)
    erreurs = models.JSONField("erreurs", default=list, blank=True)
    apercu = models.JSONField("aperçu des changements", default=list, blank=True)

    objects = ImportTableurQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-cree_le", "-pk"]

    @classmethod
    def declaration(cls):
        """La classe de déclaration de cet import (chargée à la demande : le modèle ne dépend
        pas du module qui lit les tableurs)."""
        return import_string(cls.DECLARATION)

    def contexte_import(self):
        """Les paramètres de la déclaration gardés sur l'historique (aucun par défaut)."""
        return {}

    def lire_contenu(self):
        """Les octets du fichier déposé (relus en base si la liste les a différés)."""
        if "contenu" in self.get_deferred_fields():
            contenu = type(self).objects.values_list("contenu", flat=True).get(pk=self.pk)
        else:
            contenu = self.contenu
        return bytes(contenu or b"")

    def noter(self, rapport, confirme):
        """Reporte le compte rendu d'un contrôle (`confirme` faux) ou d'une confirmation."""
        self.nb_lignes = rapport.lignes
        self.nb_nouvelles, self.nb_modifiees = rapport.nouvelles, rapport.modifiees
        self.nb_inchangees = rapport.inchangees
        self.nb_erreurs = rapport.nb_lignes_en_erreur
        self.erreurs, self.apercu = rapport.erreurs, rapport.apercu
        if not rapport.valide:
            self.statut = self.Statut.ERREURS
        elif confirme:
            self.statut, self.applique_le = self.Statut.APPLIQUE, timezone.now()
        else:
            self.statut = self.Statut.PREVISUALISE

    @property
    def attend_confirmation(self):
        return self.statut == self.Statut.PREVISUALISE


class Provenance(models.Model):
    """D'où vient un chiffre, au-delà de sa source : la réserve de périmètre qu'il faut lire
    avec lui (« chiffre du Grand Belleville (10e, 11e, 20e) », « hors micro-quartier Emile
    Bollaert ») et si le chargement l'a déduit plutôt que lu dans la source (et pourquoi).

    Champs communs aux chiffres clés, aux valeurs, aux structures et aux fiches-actions ; le
    texte affiché est composé une seule fois par `socle.provenance.texte_provenance`."""

    reserve_perimetre = models.CharField(
        "réserve de périmètre",
        max_length=255,
        blank=True,
        help_text="Ce que le chiffre couvre réellement quand ce n’est pas exactement le "
        "territoire (« chiffre du Grand Belleville (10e, 11e, 20e) »).",
    )
    deduite = models.BooleanField(
        "déduit par le chargement",
        default=False,
        help_text="Coché quand une partie de l’information n’est pas écrite dans la source "
        "mais déduite par le chargement du référentiel.",
    )
    motif_deduction = models.TextField("motif de la déduction", blank=True)

    class Meta:
        abstract = True


# --- travaux de fond -----------------------------------------------------------------------------


def stockage_travaux():
    """Le stockage des fichiers produits par les travaux (réglage STORAGES["travaux"]) : jamais
    servi directement, la vue de téléchargement vérifie le propriétaire."""
    from django.core.files.storage import storages

    return storages["travaux"]


def chemin_fichier_travail(travail, nom):
    # Un dossier par travail : deux exports du même nom ne se remplacent pas.
    return f"{travail.cree_le:%Y/%m}/{travail.pk}/{nom}"


class TravailQuerySet(models.QuerySet):
    """Vocabulaire des travaux de fond."""

    def for_user(self, user):
        """Les travaux de `user`, et ceux-là seuls : un export n'est visible que de la personne
        qui l'a demandé (le SPV compris)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(proprietaire=user)

    def actifs(self):
        """En attente ou en cours."""
        return self.filter(etat__in=[Travail.Etat.EN_ATTENTE, Travail.Etat.EN_COURS])

    def with_list_data(self):
        # « Mes exports » n'affiche rien d'autre que les champs du travail.
        return self.order_by("-cree_le", "-pk")


class Travail(models.Model):
    """Un travail long exécuté en tâche de fond (socle/travaux.py) : production d'un PDF ou d'un
    classeur, contrôle ou application d'un import. La requête web ne fait que le créer ; un
    exécutant (`manage.py db_worker`) le prend, note son avancement et, s'il réussit, range le
    fichier produit, gardé `TRAVAUX_CONSERVATION_JOURS` jours. Son propriétaire le suit dans
    « Mes exports » ; un échec y est expliqué en français (la trace technique va au journal)."""

    class Etat(models.TextChoices):
        EN_ATTENTE = "en_attente", "En attente"
        EN_COURS = "en_cours", "En cours"
        TERMINE = "termine", "Terminé"
        ECHOUE = "echoue", "Échoué"

    proprietaire = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="travaux",
        verbose_name="demandé par",
    )
    type = models.CharField("type", max_length=60)
    libelle = models.CharField(
        "libellé", max_length=255, help_text="Ce que produit le travail, avec ses paramètres."
    )
    parametres = models.JSONField("paramètres", default=dict, blank=True)
    # Empreinte du type et des paramètres : retrouve un travail identique encore actif (double
    # clic, onglet rechargé) sans comparer du JSON.
    cle = models.CharField("clé", max_length=64, db_index=True, editable=False)
    etat = models.CharField("état", max_length=12, choices=Etat.choices, default=Etat.EN_ATTENTE)
    etape = models.CharField("étape", max_length=120, blank=True)
    fait = models.PositiveIntegerField("fait", default=0)
    total = models.PositiveIntegerField("total", default=0)
    message = models.TextField(
        "message", blank=True, help_text="Compte rendu, ou raison de l’échec (en français)."
    )
    fichier = models.FileField(
        "fichier produit",
        upload_to=chemin_fichier_travail,
        storage=stockage_travaux,
        max_length=255,
        blank=True,
    )
    nom_fichier = models.CharField("nom du fichier", max_length=200, blank=True)
    type_mime = models.CharField("type de fichier", max_length=100, blank=True)
    taille = models.PositiveBigIntegerField("taille (octets)", default=0)
    lien = models.CharField("page du résultat", max_length=255, blank=True)
    texte_lien = models.CharField("texte du lien", max_length=120, blank=True)
    cree_le = models.DateTimeField("demandé le", default=timezone.now, db_index=True)
    commence_le = models.DateTimeField("commencé le", null=True, blank=True)
    limite_le = models.DateTimeField(
        "limite", null=True, blank=True, help_text="Au-delà, le travail est marqué échoué."
    )
    termine_le = models.DateTimeField("terminé le", null=True, blank=True)
    expire_le = models.DateTimeField("fichier gardé jusqu’au", null=True, blank=True)
    resultat_tache = models.CharField("identifiant de la tâche", max_length=64, blank=True)

    objects = TravailQuerySet.as_manager()

    class Meta:
        verbose_name = "travail de fond"
        verbose_name_plural = "travaux de fond"
        ordering = ["-cree_le", "-pk"]
        indexes = [models.Index(fields=["proprietaire", "-cree_le"], name="travail_proprietaire")]

    def __str__(self):
        return self.libelle

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("travaux:detail", args=[self.pk])

    @property
    def est_fini(self):
        return self.etat in (self.Etat.TERMINE, self.Etat.ECHOUE)

    @property
    def pourcentage(self):
        """L'avancement en pour cent (entier), None tant qu'il n'est pas connu."""
        if self.etat == self.Etat.TERMINE:
            return 100
        if not self.total:
            return None
        return min(100, self.fait * 100 // self.total)

    @property
    def taille_lisible(self):
        from socle.imports import taille_lisible

        return taille_lisible(self.taille)

    @property
    def fichier_expire(self):
        return self.expire_le is not None and self.expire_le <= timezone.now()

    @property
    def fichier_disponible(self):
        """Vrai si le fichier produit peut encore être téléchargé."""
        return self.etat == self.Etat.TERMINE and bool(self.fichier) and not self.fichier_expire
