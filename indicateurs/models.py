"""Le référentiel d'évaluation et sa campagne annuelle.

- `Indicateur` : une puce « Les indicateurs à suivre » du contrat (code `E05-2`), ou un
  indicateur de contexte ajouté pour porter les chiffres clés des fiches quartiers
  (`CTX-CHOMAGE`…), avec les métadonnées que le SPV renseigne (producteur, niveaux, cible…).
- `Territoire` : là où une valeur s'applique (QPV, secteur, ensemble des QPV, Paris,
  arrondissement, réseaux REP/REP+), clé naturelle `code` stable.
- `Campagne` : la saisie d'une année, ouverte entre deux dates ; close, elle verrouille ses
  valeurs jusqu'à ce que le SPV la rouvre.
- `Valeur` : un indicateur × un territoire × une année, avec son cycle brouillon → soumise →
  validée (ou renvoyée avec un motif). Son circuit est déclaré sur le modèle
  (`Valeur.circuit`, mécanique de socle/circuits.py partagée avec les fiches-actions) :
  chaque transition vérifie la règle de socle/roles.py, la campagne, puis le statut, lève
  `ActionRefusee` au message français précis sinon, et s'inscrit au journal
  `TransitionValeur`. Chaque écriture incrémente `version` : deux personnes qui modifient la
  même valeur ne s'écrasent jamais en silence.
- `ImportValeurs` : l'historique des imports de tableurs (qui, quand, le fichier, les comptes).
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from socle import roles
from socle.chiffres import date_fr, nombre_fr  # noqa: F401 (réexportés, voir plus bas)
from socle.circuits import ActionRefusee, Circuit, Transition
from socle.models import ImportTableur, ImportTableurQuerySet, JournalTransition, Provenance
from socle.roles import Role, est_spv, role_de

ANNEE_MIN = 2015
ANNEE_MAX = 2030
VALIDATEURS_ANNEE = [
    MinValueValidator(ANNEE_MIN, f"L’année doit être comprise entre {ANNEE_MIN} et {ANNEE_MAX}."),
    MaxValueValidator(ANNEE_MAX, f"L’année doit être comprise entre {ANNEE_MIN} et {ANNEE_MAX}."),
]
CENT = Decimal(100)

# `nombre_fr` et `date_fr` sont dans socle.chiffres (l'écriture des chiffres) ; ils restent
# importables d'ici pour les modules qui les y prennent (saisie, imports, exports).


class ConflitDeVersion(Exception):
    """La valeur a été modifiée par quelqu'un d'autre depuis qu'on l'a affichée : on refuse
    d'écraser et on montre la version actuelle."""

    def __init__(self, actuelle):
        self.actuelle = actuelle
        super().__init__(self.message)

    @property
    def message(self):
        v = self.actuelle
        qui = v.saisi_par or v.valide_par or v.soumis_par
        auteur = f" par {qui.get_full_name() or qui.username}" if qui else ""
        return (
            f"Cette valeur a été modifiée entre-temps{auteur} : la valeur actuelle est "
            f"{v.affichage} ({v.get_statut_display().lower()}). Vos changements n’ont pas été "
            "enregistrés ; vérifiez la valeur actuelle puis recommencez si besoin."
        )


# --- territoires --------------------------------------------------------------------------------


class TerritoireQuerySet(models.QuerySet):
    """Vocabulaire des territoires."""

    def des_niveaux(self, niveaux):
        return self.filter(type__in=list(niveaux)).order_by("ordre", "code")


class Territoire(models.Model):
    """Là où une valeur s'applique : un QPV ou l'un de ses secteurs, l'ensemble des QPV
    parisiens, Paris (la référence de comparaison), un arrondissement, ou les réseaux
    d'éducation prioritaire REP / REP+ quand un indicateur est défini sur eux, ou une partie
    d'un QPV qu'un chiffre clé double nomme (« 32 % à Bédier Boutroux et 36 % à Villa
    d’Este » : `partie-bedier-boutroux`), rattachée à son QPV comme un secteur.

    Un seul modèle pour tous les niveaux : une valeur pointe toujours vers un territoire, et la
    grille de saisie liste les territoires des niveaux attendus par l'indicateur. Le `code`
    (`qpv-goutte-dor`, `secteur-emile-bollaert`, `paris`, `arrondissement-19`…) est la clé
    naturelle stable utilisée par le chargement et par les tableurs."""

    class Type(models.TextChoices):
        PARIS = "paris", "Paris"
        ENSEMBLE_QPV = "ensemble_qpv", "Ensemble des QPV parisiens"
        QPV = "qpv", "Quartier prioritaire"
        SECTEUR = "secteur", "Secteur ou micro-quartier"
        ARRONDISSEMENT = "arrondissement", "Arrondissement"
        REP = "rep", "Réseaux REP"
        REP_PLUS = "rep_plus", "Réseaux REP+"
        PARTIE = "partie", "Partie de quartier prioritaire"

    code = models.SlugField("code", max_length=120, unique=True)
    type = models.CharField("type", max_length=20, choices=Type.choices)
    nom = models.CharField("nom", max_length=255)
    ordre = models.PositiveIntegerField("ordre", default=0)
    quartier = models.ForeignKey(
        "quartiers.Quartier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="territoires",
        verbose_name="quartier prioritaire",
    )
    secteur = models.ForeignKey(
        "quartiers.Secteur",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="territoires",
        verbose_name="secteur ou micro-quartier",
    )
    arrondissement = models.ForeignKey(
        "quartiers.Arrondissement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="territoires",
        verbose_name="arrondissement",
    )
    # Pour la synchronisation incrémentale de l'API (`?modifie_depuis=`).
    modifie_le = models.DateTimeField("modifié le", auto_now=True, db_index=True)
    history = HistoricalRecords()

    objects = TerritoireQuerySet.as_manager()

    class Meta:
        verbose_name = "territoire"
        verbose_name_plural = "territoires"
        ordering = ["ordre", "code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(type="qpv") | Q(quartier__isnull=False),
                name="territoire_qpv_a_un_quartier",
                violation_error_message="Un territoire « quartier prioritaire » désigne un QPV.",
            ),
            models.CheckConstraint(
                condition=~Q(type="secteur") | Q(secteur__isnull=False),
                name="territoire_secteur_a_un_secteur",
                violation_error_message="Un territoire « secteur » désigne un secteur.",
            ),
            models.CheckConstraint(
                condition=~Q(type="partie") | Q(quartier__isnull=False),
                name="territoire_partie_a_un_quartier",
                violation_error_message="Une partie de quartier prioritaire désigne son QPV.",
            ),
            models.CheckConstraint(
                condition=~Q(type="arrondissement") | Q(arrondissement__isnull=False),
                name="territoire_arrondissement",
                violation_error_message="Un territoire « arrondissement » en désigne un.",
            ),
        ]

    def __str__(self):
        return self.nom

    @property
    def est_paris(self):
        return self.type == self.Type.PARIS


# --- indicateurs --------------------------------------------------------------------------------


class IndicateurQuerySet(models.QuerySet):
    """Vocabulaire et chargeurs des indicateurs."""

    def du_contrat(self):
        """Les puces « Les indicateurs à suivre » des engagements (le référentiel du contrat)."""
        return self.filter(engagement__isnull=False)

    def hors_contrat(self):
        """Les indicateurs de contexte ajoutés par le portail pour porter les chiffres clés."""
        return self.filter(engagement__isnull=True)

    def produits_par(self, signataire_id):
        return self.filter(producteur_id=signataire_id)

    def with_list_data(self):
        return self.select_related("engagement", "engagement__thematique", "producteur").order_by(
            "engagement__numero", "ordre", "code"
        )


class Indicateur(models.Model):
    """Un indicateur du référentiel, repris d'une puce « Les indicateurs à suivre ».

    Le code (`E05-2` : engagement 5, 2e puce) est la clé naturelle stable ; le contrat annonce
    94 indicateurs mais ses engagements en listent davantage : chaque puce est gardée. Les
    indicateurs de contexte `CTX-…` (sans engagement) portent les chiffres clés des fiches
    quartiers qu'aucune puce ne mesure. Le SPV complète les métadonnées (nature, unité,
    producteur, niveaux territoriaux, définition, méthode, cible)."""

    class Nature(models.TextChoices):
        SUIVI = "suivi", "Suivi"
        CONTEXTE = "contexte", "Contexte"

    class Unite(models.TextChoices):
        NOMBRE = "nombre", "Nombre"
        PART = "part", "Part (en %)"
        TAUX = "taux", "Taux"
        NOMBRE_PART = "nombre_part", "Nombre et part"
        AUTRE = "autre", "Autre"

    # Les unités exprimées en % (suffixe « % », contrôle entre 0 et 100).
    UNITES_POURCENTAGE = (Unite.PART, Unite.TAUX, Unite.NOMBRE_PART)

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
    producteur = models.ForeignKey(
        "engagements.Signataire",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="indicateurs_produits",
        verbose_name="producteur",
        help_text="L’organisation signataire qui produit les valeurs et peut les saisir.",
    )
    niveaux = models.JSONField(
        "niveaux territoriaux attendus",
        default=list,
        blank=True,
        help_text="Les territoires pour lesquels une valeur est attendue chaque année. Vide : "
        "ensemble des QPV, chaque QPV et Paris (et les réseaux REP/REP+ si le libellé les cite).",
    )
    definition = models.TextField("définition", blank=True)
    methode = models.TextField("méthode de calcul", blank=True)
    cible_valeur = models.DecimalField(
        "valeur cible", max_digits=14, decimal_places=2, null=True, blank=True
    )
    cible_annee = models.PositiveSmallIntegerField(
        "année de la cible", null=True, blank=True, validators=VALIDATEURS_ANNEE
    )
    # Pour la synchronisation incrémentale de l'API (`?modifie_depuis=`).
    modifie_le = models.DateTimeField("modifié le", auto_now=True, db_index=True)
    history = HistoricalRecords()

    objects = IndicateurQuerySet.as_manager()

    class Meta:
        verbose_name = "indicateur"
        verbose_name_plural = "indicateurs"
        ordering = ["engagement__numero", "ordre", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cible_valeur__isnull=True, cible_annee__isnull=True)
                | Q(cible_valeur__isnull=False, cible_annee__isnull=False),
                name="indicateur_cible_complete",
                violation_error_message="Une cible se donne avec sa valeur et son année.",
            )
        ]

    def __str__(self):
        return f"{self.code} – {self.libelle[:90]}"

    def get_absolute_url(self):
        return reverse("indicateurs:detail", args=[self.code])

    def clean(self):
        erreurs = {}
        inconnus = set(self.niveaux or []) - set(Territoire.Type.values)
        if inconnus:
            erreurs["niveaux"] = "Niveau territorial inconnu : " + ", ".join(sorted(inconnus))
        if (self.cible_valeur is None) != (self.cible_annee is None):
            champ = "cible_annee" if self.cible_annee is None else "cible_valeur"
            erreurs[champ] = "Une cible se donne avec sa valeur et son année."
        elif self.cible_valeur is not None and self.est_pourcentage:
            if not 0 <= self.cible_valeur <= 100:
                erreurs["cible_valeur"] = "Une cible en pourcentage est comprise entre 0 et 100."
        if erreurs:
            raise ValidationError(erreurs)

    @property
    def est_du_contrat(self):
        return self.engagement_id is not None

    @property
    def est_nombre_part(self):
        return self.unite == self.Unite.NOMBRE_PART

    @property
    def est_pourcentage(self):
        return self.unite in self.UNITES_POURCENTAGE

    @property
    def niveaux_attendus(self):
        """Les niveaux renseignés par le SPV, sinon le défaut : ensemble des QPV, chaque QPV et
        Paris, plus les réseaux REP/REP+ quand le libellé les cite."""
        if self.niveaux:
            ordre = list(Territoire.Type.values)
            return sorted(self.niveaux, key=ordre.index)
        T = Territoire.Type
        niveaux = [T.PARIS, T.ENSEMBLE_QPV, T.QPV]
        if "REP" in self.libelle:
            niveaux += [T.REP, T.REP_PLUS]
        return [str(n) for n in niveaux]

    @property
    def niveaux_libelles(self):
        return [Territoire.Type(n).label for n in self.niveaux_attendus]

    @property
    def suffixe(self):
        """« % » pour une part ou un taux, rien sinon."""
        return " %" if self.est_pourcentage else ""


# --- campagnes ----------------------------------------------------------------------------------


class CampagneQuerySet(models.QuerySet):
    def ouvertes(self, aujourd_hui=None):
        jour = aujourd_hui or timezone.localdate()
        return self.filter(
            statut=Campagne.Statut.OUVERTE, date_ouverture__lte=jour, date_cloture__gte=jour
        )


class Campagne(models.Model):
    """La campagne annuelle de saisie des valeurs d'une année (une par année).

    Elle accepte des saisies entre sa date d'ouverture et sa date de clôture, tant que le SPV
    ne l'a pas clôturée. Close, ses valeurs sont verrouillées pour tous, SPV compris : il faut
    la rouvrir (avec une nouvelle date de clôture) pour corriger quoi que ce soit."""

    class Statut(models.TextChoices):
        OUVERTE = "ouverte", "Ouverte"
        CLOTUREE = "cloturee", "Clôturée"

    annee = models.PositiveSmallIntegerField("année", unique=True, validators=VALIDATEURS_ANNEE)
    date_ouverture = models.DateField("date d’ouverture")
    date_cloture = models.DateField("date de clôture")
    statut = models.CharField(
        "statut", max_length=10, choices=Statut.choices, default=Statut.OUVERTE
    )
    cloturee_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="clôturée par",
    )
    cloturee_le = models.DateTimeField("clôturée le", null=True, blank=True)
    rouverte_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="rouverte par",
    )
    rouverte_le = models.DateTimeField("rouverte le", null=True, blank=True)
    # Pour la synchronisation incrémentale de l'API (`?modifie_depuis=`).
    modifie_le = models.DateTimeField("modifiée le", auto_now=True, db_index=True)
    history = HistoricalRecords()

    objects = CampagneQuerySet.as_manager()

    class Meta:
        verbose_name = "campagne"
        verbose_name_plural = "campagnes"
        ordering = ["-annee"]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_cloture__gte=models.F("date_ouverture")),
                name="campagne_dates_ordonnees",
                violation_error_message="La date de clôture suit la date d’ouverture.",
            )
        ]

    def __str__(self):
        return f"Campagne {self.annee}"

    def get_absolute_url(self):
        return reverse("indicateurs:campagne", args=[self.annee])

    def clean(self):
        if self.date_ouverture and self.date_cloture and self.date_cloture < self.date_ouverture:
            raise ValidationError(
                {"date_cloture": "La date de clôture doit suivre la date d’ouverture."}
            )

    def etat(self, aujourd_hui=None):
        """« a_venir », « ouverte » ou « cloturee » à la date donnée (aujourd'hui)."""
        jour = aujourd_hui or timezone.localdate()
        if self.statut == self.Statut.CLOTUREE or jour > self.date_cloture:
            return "cloturee"
        if jour < self.date_ouverture:
            return "a_venir"
        return "ouverte"

    @property
    def est_ouverte(self):
        return self.etat() == "ouverte"

    @property
    def etat_libelle(self):
        return {"a_venir": "À venir", "ouverte": "Ouverte", "cloturee": "Clôturée"}[self.etat()]

    def motif_verrouillage(self):
        """None si la campagne accepte les saisies, sinon la raison exacte en français."""
        etat = self.etat()
        if etat == "ouverte":
            return None
        if etat == "a_venir":
            return (
                f"La campagne {self.annee} n’est pas encore ouverte : elle ouvre le "
                f"{date_fr(self.date_ouverture)}."
            )
        depuis = (
            date_fr(timezone.localdate(self.cloturee_le))
            if self.statut == self.Statut.CLOTUREE and self.cloturee_le
            else date_fr(self.date_cloture)
        )
        return (
            f"La campagne {self.annee} est clôturée depuis le {depuis} : ses valeurs sont "
            "verrouillées jusqu’à ce que le SPV la rouvre."
        )

    @staticmethod
    def motif_verrouillage_annee(annee, campagne):
        """Même chose pour une année dont on a (ou non) trouvé la campagne."""
        if campagne is None:
            return (
                f"Aucune campagne n’existe pour l’année {annee} : les valeurs de cette année ne "
                "peuvent pas être saisies tant que le SPV ne l’a pas ouverte."
            )
        return campagne.motif_verrouillage()

    def cloturer(self, by):
        """Ouverte → clôturée, par le SPV : les valeurs de l'année sont verrouillées."""
        if not roles.peut_gerer_campagnes(by):
            raise ActionRefusee("Seuls les agents DDCT/SPV peuvent clôturer une campagne.")
        if self.statut == self.Statut.CLOTUREE:
            raise ActionRefusee(f"La campagne {self.annee} est déjà clôturée.")
        self.statut = self.Statut.CLOTUREE
        self.cloturee_par, self.cloturee_le = by, timezone.now()
        self._history_user = by
        self._change_reason = "Campagne clôturée"
        self.save()

    def rouvrir(self, by, jusqu_au):
        """Clôturée (ou échue) → ouverte jusqu'à la date donnée, par le SPV."""
        if not roles.peut_gerer_campagnes(by):
            raise ActionRefusee("Seuls les agents DDCT/SPV peuvent rouvrir une campagne.")
        if jusqu_au < timezone.localdate():
            raise ValidationError(
                {"date_cloture": "La nouvelle date de clôture ne peut pas être déjà passée."}
            )
        self.statut = self.Statut.OUVERTE
        self.date_cloture = jusqu_au
        self.date_ouverture = min(self.date_ouverture, timezone.localdate())
        self.rouverte_par, self.rouverte_le = by, timezone.now()
        self._history_user = by
        self._change_reason = "Campagne rouverte"
        self.save()


# --- valeurs ------------------------------------------------------------------------------------


def motif_refus_indicateur(user, indicateur):
    """None si `user` peut saisir ou soumettre des valeurs de cet indicateur (règle
    `peut_saisir_valeur`), sinon pourquoi : organisation qui ne le produit pas, ou rôle."""
    if roles.peut_saisir_valeur(user, indicateur):
        return None
    if role_de(user) == Role.PARTENAIRE:
        producteur = indicateur.producteur.nom if indicateur.producteur_id else "non désigné"
        return (
            f"L’indicateur {indicateur.code} n’est pas produit par votre organisation "
            f"(producteur : {producteur}) : seuls son producteur et le SPV en saisissent les "
            "valeurs."
        )
    return "Votre rôle ne permet pas de saisir ni de soumettre des valeurs d’indicateurs."


def campagnes_des(valeurs):
    """Le contexte du circuit des valeurs : {année: campagne} pour les années de ces valeurs,
    en une requête (une année sans campagne n'y figure pas)."""
    annees = {v.annee for v in valeurs}
    return {c.annee: c for c in Campagne.objects.filter(annee__in=annees)}


def verrou_campagne(valeur, campagnes):
    """Le verrou du circuit des valeurs : la campagne de l'année, close, à venir ou absente,
    verrouille ses valeurs pour tous, SPV compris."""
    return Campagne.motif_verrouillage_annee(valeur.annee, campagnes.get(valeur.annee))


def conflit_de_version(valeur, en_base):
    """La valeur affichée (sa `version`) n'est plus celle de la base : on montre l'actuelle."""
    if en_base.version != valeur.version:
        return ConflitDeVersion(Valeur.objects.with_detail_data().get(pk=valeur.pk))
    return None


def texte_de_valeur(unite, valeur, nombre, base, ecrire=nombre_fr):
    """« 16 % », « 1 200 », « 12 / 40 (30 %) » : une valeur telle qu'on la lit, d'après
    l'unité de son indicateur (`Valeur.affichage`, et les exports lus en SQL, qui passent un
    `nombre_fr` gardé en mémoire le temps de l'export)."""
    if unite == Indicateur.Unite.NOMBRE_PART:
        if nombre is None:
            return "—"
        return f"{ecrire(nombre)} / {ecrire(base)} ({ecrire(valeur)} %)"
    if valeur is None:
        return "—"
    return ecrire(valeur) + (" %" if unite in Indicateur.UNITES_POURCENTAGE else "")


class ValeurQuerySet(models.QuerySet):
    """Visibilité, vocabulaire et chargeurs des valeurs."""

    def for_user(self, user):
        """Valeurs validées : tout utilisateur connecté. Brouillons, valeurs soumises ou
        renvoyées : le SPV, et le partenaire dont l'organisation produit l'indicateur (ou la
        valeur). Un anonyme ne voit aucune valeur (le référentiel, lui, reste public)."""
        if not roles.peut_voir_valeurs(user):
            return self.none()
        if est_spv(user):
            return self
        organisation = roles.organisation_de(user)
        if organisation:
            return self.filter(
                Q(statut=Valeur.Statut.VALIDE)
                | Q(indicateur__producteur_id=organisation)
                | Q(producteur_id=organisation)
            )
        return self.validees()

    def validees(self):
        return self.filter(statut=Valeur.Statut.VALIDE)

    def reelles(self):
        return self.filter(demo=False)

    def de_demo(self):
        return self.filter(demo=True)

    def with_list_data(self):
        """Liste des valeurs : indicateur, engagement, territoire et producteur en une requête."""
        return self.select_related(
            "indicateur", "indicateur__engagement", "territoire", "producteur"
        ).order_by(
            "-annee", "indicateur__engagement__numero", "indicateur__ordre", "territoire__ordre"
        )

    def with_detail_data(self):
        return self.select_related(
            "indicateur",
            "indicateur__engagement",
            "indicateur__producteur",
            "territoire",
            "producteur",
            "saisi_par",
            "soumis_par",
            "valide_par",
            "renvoye_par",
        )


class Valeur(Provenance):
    """La valeur d'un indicateur pour un territoire et une année (unique sur ce triplet).

    Pour un indicateur « nombre et part », on saisit le nombre et sa base : la part
    (`valeur`, en %) est calculée, jamais tapée. Les unités sont contrôlées (part entre 0 et
    100, nombre entier positif). Une valeur porte sa source, un commentaire et son producteur,
    et suit le cycle brouillon → soumise → validée, ou renvoyée avec un motif ; qui a fait
    chaque étape et quand est consigné, et django-simple-history garde chaque version.

    `origine` dit d'où vient la valeur : saisie, import, chiffre clé du contrat (chargé par
    load_referentiel, jamais réécrit une fois modifié dans le portail) ou démonstration
    (`demo`, valeurs synthétiques signalées « démo » partout où elles apparaissent).
    Sa provenance (`socle.models.Provenance`) garde la réserve de périmètre et ce que le
    chargement a déduit : elle suit la valeur dans les pages, l'API, les exports et le bilan."""

    class Statut(models.TextChoices):
        BROUILLON = "brouillon", "Brouillon"
        SOUMIS = "soumis", "Soumise"
        VALIDE = "valide", "Validée"
        RENVOYE = "renvoye", "Renvoyée"

    class Origine(models.TextChoices):
        SAISIE = "saisie", "Saisie dans la grille"
        IMPORT = "import", "Import de tableur"
        REFERENTIEL = "referentiel", "Chiffre clé du contrat de ville"
        DEMO = "demo", "Valeur de démonstration"

    indicateur = models.ForeignKey(
        Indicateur, on_delete=models.PROTECT, related_name="valeurs", verbose_name="indicateur"
    )
    territoire = models.ForeignKey(
        Territoire, on_delete=models.PROTECT, related_name="valeurs", verbose_name="territoire"
    )
    annee = models.PositiveSmallIntegerField("année", validators=VALIDATEURS_ANNEE)
    valeur = models.DecimalField(
        "valeur",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Pour un indicateur « nombre et part », la part calculée (en %).",
    )
    nombre = models.PositiveBigIntegerField(
        "nombre",
        null=True,
        blank=True,
        help_text="Numérateur d’un « nombre et part » : l’effectif compté, dont la valeur est la "
        "part de la base.",
    )
    base = models.PositiveBigIntegerField(
        "base",
        null=True,
        blank=True,
        help_text="Dénominateur d’un « nombre et part » : le total dont le nombre est une part.",
    )
    source = models.TextField("source", blank=True)
    commentaire = models.TextField("commentaire", blank=True)
    producteur = models.ForeignKey(
        "engagements.Signataire",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="valeurs_produites",
        verbose_name="producteur",
    )
    statut = models.CharField(
        "statut", max_length=10, choices=Statut.choices, default=Statut.BROUILLON
    )
    motif_renvoi = models.TextField("motif du renvoi", blank=True)
    origine = models.CharField(
        "origine", max_length=15, choices=Origine.choices, default=Origine.SAISIE
    )
    demo = models.BooleanField(
        "démonstration",
        default=False,
        db_index=True,
        help_text="Valeur synthétique générée pour la démonstration : jamais une donnée réelle.",
    )
    version = models.PositiveIntegerField("version", default=1)
    saisi_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="saisie par",
    )
    saisi_le = models.DateTimeField("saisie le", null=True, blank=True)
    soumis_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="soumise par",
    )
    soumis_le = models.DateTimeField("soumise le", null=True, blank=True)
    valide_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="validée par",
    )
    valide_le = models.DateTimeField("validée le", null=True, blank=True)
    renvoye_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="renvoyée par",
    )
    renvoye_le = models.DateTimeField("renvoyée le", null=True, blank=True)
    # Pour la synchronisation incrémentale de l'API (`?modifie_depuis=`).
    modifie_le = models.DateTimeField("modifiée le", auto_now=True, db_index=True)
    history = HistoricalRecords()

    objects = ValeurQuerySet.as_manager()

    # Le circuit brouillon → soumise → validée, ou renvoyée avec un motif (socle/circuits.py).
    circuit = Circuit(
        nom="valeur",
        article="une",
        etats=Statut,
        transitions=[
            Transition(
                nom="submit",
                depuis=frozenset({Statut.BROUILLON, Statut.RENVOYE}),
                vers=Statut.SOUMIS,
                verbe="soumettre",
                participe="soumise",
                regle=roles.peut_soumettre_valeur,
                refus=lambda user, valeur: motif_refus_indicateur(user, valeur.indicateur),
                auteur=("soumis_par", "soumis_le"),
            ),
            Transition(
                nom="valider",
                depuis=frozenset({Statut.BROUILLON, Statut.SOUMIS}),
                vers=Statut.VALIDE,
                verbe="valider",
                participe="validée",
                regle=roles.peut_valider_valeur,
                refus="Seuls les agents DDCT/SPV peuvent valider une valeur.",
                auteur=("valide_par", "valide_le"),
            ),
            Transition(
                nom="renvoyer",
                depuis=frozenset({Statut.SOUMIS, Statut.VALIDE}),
                vers=Statut.RENVOYE,
                verbe="renvoyer",
                participe="renvoyée",
                regle=roles.peut_renvoyer_valeur,
                refus="Seuls les agents DDCT/SPV peuvent renvoyer une valeur pour correction.",
                motif_obligatoire=True,
                motif_manquant="Indiquez le motif du renvoi : le producteur doit savoir quoi "
                "corriger.",
                champ_motif="motif_renvoi",
                auteur=("renvoye_par", "renvoye_le"),
            ),
        ],
        journal="indicateurs.TransitionValeur",
        champ_version="version",
        contexte=campagnes_des,
        verrou=verrou_campagne,
        refus_etat={Statut.VALIDE: lambda valeur: valeur.motif_deja_validee()},
        conflit=conflit_de_version,
        # Ce que lisent la règle et les raisons de refus, pour un lot sans requête par valeur.
        select_related=("indicateur", "indicateur__producteur", "valide_par"),
    )

    class Meta:
        verbose_name = "valeur"
        verbose_name_plural = "valeurs"
        ordering = ["indicateur__code", "annee", "territoire__ordre"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicateur", "territoire", "annee"],
                name="valeur_unique_indicateur_territoire_annee",
                violation_error_message=(
                    "Une valeur existe déjà pour cet indicateur, ce territoire et cette année."
                ),
            ),
            models.CheckConstraint(
                condition=Q(annee__gte=ANNEE_MIN, annee__lte=ANNEE_MAX),
                name="valeur_annee_2015_2030",
                violation_error_message=(
                    f"L’année doit être comprise entre {ANNEE_MIN} et {ANNEE_MAX}."
                ),
            ),
            models.CheckConstraint(
                condition=Q(base__isnull=True) | Q(base__gt=0),
                name="valeur_base_positive",
                violation_error_message="La base doit être strictement positive.",
            ),
            models.CheckConstraint(
                condition=Q(nombre__isnull=True)
                | Q(base__isnull=True)
                | Q(nombre__lte=models.F("base")),
                name="valeur_nombre_inferieur_base",
                violation_error_message="Le nombre ne peut pas dépasser la base.",
            ),
            models.CheckConstraint(
                condition=~Q(statut="renvoye") | ~Q(motif_renvoi=""),
                name="valeur_renvoi_motive",
                violation_error_message="Une valeur renvoyée porte le motif du renvoi.",
            ),
            models.CheckConstraint(
                condition=Q(demo=True, origine="demo") | (Q(demo=False) & ~Q(origine="demo")),
                name="valeur_demo_coherente",
                violation_error_message="Seules les valeurs de démonstration sont « démo ».",
            ),
        ]
        indexes = [
            models.Index(fields=["annee", "statut"], name="valeur_annee_statut"),
            # L'ordre de la liste paginée par curseur de l'API (`-annee, -id`) : chaque page
            # se lit dans l'index, quelle que soit sa profondeur (EXPLAIN dans le banc).
            models.Index(fields=["annee", "id"], name="valeur_annee_id"),
            # La liste des valeurs d'une année (page HTML) : les identifiants de la page se
            # trient depuis cet index seul (clés de jointure incluses, sans lire les lignes),
            # puis seules les 50 lignes sont lues (socle/pagination.PaginateurParCles).
            # National : 900 ms → 117 ms (EXPLAIN ANALYZE, index-only scan). Statut et
            # démonstration inclus : la complétude d'une campagne (indicateurs/mesures.py)
            # compte les valeurs de N et N-1 par statut depuis l'index seul, au lieu de
            # parcourir toute la table (rapport national : 540 ms → 180 ms).
            models.Index(
                fields=["annee", "indicateur", "territoire"],
                include=["id", "statut", "demo"],
                name="valeur_annee_ind_terr",
            ),
        ]

    def __str__(self):
        return f"{self.indicateur.code} · {self.territoire} · {self.annee} : {self.affichage}"

    def save(self, *args, **kwargs):
        # La part d'un « nombre et part » n'est jamais tapée : elle suit toujours nombre/base.
        if self.indicateur_id and self.indicateur.est_nombre_part:
            self.valeur = self.calculer_part()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("indicateurs:valeur", args=[self.pk])

    # --- contrôle des unités -------------------------------------------------------------------

    def calculer_part(self):
        """Pour un « nombre et part » : la part (en %, deux décimales) du nombre dans la base."""
        if self.nombre is None or not self.base:
            return None
        return (Decimal(self.nombre) * CENT / Decimal(self.base)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )

    def clean(self):
        """Contrôle des unités : une part ou un taux entre 0 et 100, un nombre entier positif
        ou nul ; pour un « nombre et part », le nombre et la base (entiers, base non nulle,
        nombre ≤ base) — la part est calculée."""
        if self.indicateur_id is None:
            return
        unite = self.indicateur.unite
        U = Indicateur.Unite
        erreurs = {}
        if unite == U.NOMBRE_PART:
            if self.nombre is None:
                erreurs["nombre"] = "Renseignez le nombre (la part est calculée)."
            if self.base is None:
                erreurs["base"] = "Renseignez la base : le total dont le nombre est une part."
            elif self.base == 0:
                erreurs["base"] = "La base doit être strictement positive."
            elif self.nombre is not None and self.nombre > self.base:
                erreurs["nombre"] = (
                    f"Le nombre ({nombre_fr(self.nombre)}) ne peut pas dépasser la base "
                    f"({nombre_fr(self.base)})."
                )
            if not erreurs:
                self.valeur = self.calculer_part()
        else:
            if self.nombre is not None or self.base is not None:
                champ = "nombre" if self.nombre is not None else "base"
                erreurs[champ] = (
                    "Le nombre et la base ne se saisissent que pour un indicateur « nombre et "
                    "part » ; renseignez la valeur."
                )
            if self.valeur is None:
                erreurs["valeur"] = "Renseignez la valeur."
            elif unite == U.NOMBRE and (
                self.valeur < 0 or self.valeur != self.valeur.to_integral_value()
            ):
                erreurs["valeur"] = (
                    f"Un nombre doit être un entier positif ou nul ({nombre_fr(self.valeur)} "
                    "ne l’est pas)."
                )
            elif unite in (U.PART, U.TAUX) and not (0 <= self.valeur <= CENT):
                erreurs["valeur"] = (
                    f"Une part ou un taux s’exprime en pourcentage, entre 0 et 100 "
                    f"({nombre_fr(self.valeur)} ne l’est pas)."
                )
        if erreurs:
            raise ValidationError(erreurs)

    @property
    def affichage(self):
        """« 16 % », « 1 200 », « 12 / 40 (30 %) » : la valeur telle qu'on la lit."""
        return texte_de_valeur(self.indicateur.unite, self.valeur, self.nombre, self.base)

    @property
    def est_modifiable_en_principe(self):
        return self.statut != self.Statut.VALIDE

    # --- droits et verrous ----------------------------------------------------------------------

    def campagne(self):
        return Campagne.objects.filter(annee=self.annee).first()

    def motif_refus_saisie(self, user, campagne=None, campagne_connue=False):
        """None si `user` peut modifier cette valeur maintenant, sinon la raison exacte :
        indicateur d'une autre organisation, campagne close (ou absente), valeur validée."""
        refus = motif_refus_indicateur(user, self.indicateur)
        if refus:
            return refus
        if not campagne_connue:
            campagne = self.campagne()
        refus = Campagne.motif_verrouillage_annee(self.annee, campagne)
        if refus:
            return refus
        if self.statut == self.Statut.VALIDE:
            return self.motif_deja_validee()
        return None

    def motif_deja_validee(self):
        qui = self.valide_par
        par = f" par {qui.get_full_name() or qui.username}" if qui else ""
        le = f" le {date_fr(self.valide_le)}" if self.valide_le else ""
        return (
            f"Cette valeur est déjà validée{par}{le} : elle ne peut plus être modifiée. "
            "Demandez au SPV de la renvoyer pour correction."
        )

    # --- circuit --------------------------------------------------------------------------------
    # Le contexte d'une transition est la campagne de l'année : un appelant qui l'a déjà lue
    # (une page, l'API) la passe avec `campagne_connue=True`, même quand elle n'existe pas.

    def _contexte(self, campagne, campagne_connue):
        return {self.annee: campagne} if campagne_connue else None

    def motif_refus_transition(self, action, user, campagne=None, campagne_connue=False):
        """None si `user` peut faire `action` (submit, valider, renvoyer) maintenant, sinon
        la raison exacte en français, dans l'ordre du circuit : le droit (rôle,
        organisation), puis la campagne, puis le statut de la valeur."""
        return self.circuit.motif_refus(
            self, action, user, self._contexte(campagne, campagne_connue)
        )

    def submit(self, by, campagne=None, campagne_connue=False):
        """Brouillon ou renvoyée → soumise, par le SPV ou le partenaire producteur."""
        return self.circuit.appliquer(
            self, "submit", by, contexte=self._contexte(campagne, campagne_connue)
        )

    def valider(self, by, campagne=None, campagne_connue=False):
        """Brouillon ou soumise → validée, par le SPV."""
        return self.circuit.appliquer(
            self, "valider", by, contexte=self._contexte(campagne, campagne_connue)
        )

    def renvoyer(self, by, motif, campagne=None, campagne_connue=False):
        """Soumise ou validée → renvoyée pour correction, par le SPV, avec un motif."""
        return self.circuit.appliquer(
            self, "renvoyer", by, motif, contexte=self._contexte(campagne, campagne_connue)
        )


class TransitionValeur(JournalTransition):
    """Le journal du circuit d'une valeur : qui l'a fait passer de quel statut à quel statut,
    quand, et avec quel motif (obligatoire pour un renvoi). Écrit par le circuit, pour une
    transition seule comme pour une transition en masse."""

    valeur = models.ForeignKey(
        Valeur, on_delete=models.CASCADE, related_name="transitions", verbose_name="valeur"
    )
    de = models.CharField("statut de départ", max_length=20, choices=Valeur.Statut.choices)
    vers = models.CharField("nouveau statut", max_length=20, choices=Valeur.Statut.choices)

    class Meta:
        verbose_name = "étape du circuit d’une valeur"
        verbose_name_plural = "étapes du circuit des valeurs"
        ordering = ["valeur", "le", "pk"]


def transition_en_masse(valeurs, action, by, motif="", campagnes=None):
    """Applique `action` à plusieurs valeurs d'un coup par le circuit des valeurs (mêmes
    contrôles, une écriture groupée historisée, un journal, un signal par valeur changée).
    Les valeurs refusées sont laissées telles quelles et renvoyées avec leur raison.
    `campagnes` : {année: campagne} déjà lues, sinon chargées en une requête.

    Retourne (valeurs changées, [(valeur, raison)])."""
    return Valeur.circuit.appliquer_en_masse(valeurs, action, by, motif, contexte=campagnes)


# --- imports ------------------------------------------------------------------------------------


class ImportValeursQuerySet(ImportTableurQuerySet):
    def for_user(self, user):
        """Le SPV voit tous les imports ; un partenaire, ceux de son organisation."""
        if est_spv(user):
            return self
        organisation = roles.organisation_de(user)
        if organisation:
            return self.filter(organisation_id=organisation)
        return self.none()

    def with_list_data(self):
        return super().with_list_data().select_related("organisation")


class ImportValeurs(ImportTableur):
    """Un fichier de valeurs déposé pour une campagne : qui, quand, le fichier lui-même, ce
    que la prévisualisation annonçait et ce qui a été écrit. Tout ou rien : un import qui
    compte la moindre ligne en erreur n'écrit aucune valeur. Lu par la déclaration
    `indicateurs.resources.DeclarationValeurs` (socle/imports.py)."""

    DECLARATION = "indicateurs.resources.DeclarationValeurs"

    annee = models.PositiveSmallIntegerField("année de la campagne", validators=VALIDATEURS_ANNEE)
    # Champs communs (socle.models.ImportTableur) redéclarés pour garder leurs libellés.
    utilisateur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="imports_valeurs",
        verbose_name="déposé par",
    )
    organisation = models.ForeignKey(
        "engagements.Signataire",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="imports_valeurs",
        verbose_name="organisation",
    )
    nb_nouvelles = models.PositiveIntegerField("valeurs créées", default=0)
    nb_modifiees = models.PositiveIntegerField("valeurs modifiées", default=0)
    soumettre = models.BooleanField(
        "soumettre au SPV",
        default=False,
        help_text="À l’application, les valeurs écrites sont soumises au SPV (circuit des "
        "valeurs) : tout ou rien, comme l’écriture.",
    )

    objects = ImportValeursQuerySet.as_manager()

    class Meta(ImportTableur.Meta):
        verbose_name = "import de valeurs"
        verbose_name_plural = "imports de valeurs"

    def __str__(self):
        return f"Import {self.nom_fichier} ({self.annee})"

    def contexte_import(self):
        return {"annee": self.annee, "soumettre": self.soumettre}

    def get_absolute_url(self):
        return reverse("indicateurs:import_detail", args=[self.pk])
