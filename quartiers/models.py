"""Les 21 quartiers prioritaires (QPV) parisiens, leurs secteurs et micro-quartiers, leurs
chiffres clés et leurs projets structurants, tels que les fiches du contrat les donnent."""

import unicodedata

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import OuterRef, Prefetch, Subquery
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

# Les règles d'accès (socle/roles.py) n'importent que Django : les modèles de toutes
# les apps s'y réfèrent sans dépendre d'une autre app.
from socle import roles
from socle.agregats import compte_lie
from socle.models import Provenance


def _plier(texte):
    """Minuscules sans accents ni espaces superflus, pour comparer des libellés."""
    sans_accents = unicodedata.normalize("NFKD", texte or "").encode("ascii", "ignore").decode()
    return " ".join(sans_accents.lower().split())


class ArrondissementQuerySet(models.QuerySet):
    """Les arrondissements qu'un filtre propose : seulement ceux qui ont des données (le 3e,
    cité par le contrat mais sans QPV, ne donnerait jamais aucune ligne)."""

    def avec_qpv(self):
        """Ceux qui comptent au moins un QPV (filtres des QPV, territoires, projets, bilan)."""
        return self.filter(quartiers__isnull=False).distinct()

    def avec_structures(self):
        """Ceux où au moins une structure est installée (liste des structures)."""
        return self.filter(structures__isnull=False).distinct()

    def avec_qpv_ou_structures(self):
        """Ceux qui ont un QPV ou une structure (fiches-actions : lieu de l'action ou de la
        structure)."""
        return self.filter(
            models.Q(quartiers__isnull=False) | models.Q(structures__isnull=False)
        ).distinct()


class Arrondissement(models.Model):
    """Un arrondissement de Paris concerné par la politique de la ville."""

    numero = models.PositiveSmallIntegerField("numéro", unique=True)

    objects = ArrondissementQuerySet.as_manager()
    # Référentiel modifiable dans l'admin : audité comme le reste.
    history = HistoricalRecords()

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
            nb_projets=compte_lie(ProjetStructurant.objects.all(), "quartier"),
            nb_secteurs=compte_lie(Secteur.objects.all(), "quartier"),
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
    # Le texte du contrat n'imprime pas les codes officiels : le SPV les saisit, le chargeur
    # les laisse vides (jamais de code inventé).
    code_qpv = models.CharField(
        "code QPV officiel",
        max_length=20,
        blank=True,
        help_text="Code officiel du quartier prioritaire (par exemple « QN07501M »), à saisir "
        "par le SPV : le texte du contrat ne le donne pas.",
    )
    nom = models.CharField("nom", max_length=200)
    nom_fiche = models.CharField("intitulé de la fiche", max_length=255, blank=True)
    arrondissements = models.ManyToManyField(
        Arrondissement, related_name="quartiers", verbose_name="arrondissements"
    )
    ordre = models.PositiveSmallIntegerField("ordre", default=0)
    population = models.PositiveIntegerField("population", null=True, blank=True)
    population_source = models.CharField("source de la population", max_length=255, blank=True)
    description = models.TextField("descriptif du quartier", blank=True)
    # Pour la synchronisation incrémentale de l'API (`?modifie_depuis=`).
    modifie_le = models.DateTimeField("modifié le", auto_now=True, db_index=True)
    history = HistoricalRecords(m2m_fields=[arrondissements])

    objects = QuartierQuerySet.as_manager()

    class Meta:
        verbose_name = "quartier prioritaire"
        verbose_name_plural = "quartiers prioritaires"
        ordering = ["ordre", "nom"]
        constraints = [
            models.UniqueConstraint(
                fields=["code_qpv"],
                condition=~models.Q(code_qpv=""),
                name="quartier_code_qpv_unique",
                violation_error_message="Ce code QPV est déjà celui d’un autre quartier.",
            )
        ]

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


class ChiffreCle(Provenance):
    """Un chiffre clé d'une fiche quartier (« Taux de chômage : 16 % (contre 11 % à Paris) »).

    Le texte imprimé est toujours gardé ; `valeur` et `valeur_paris` ne sont remplis que quand
    le texte donne un nombre unique. `qualificatif` garde la précision imprimée ;
    `reserve_perimetre` la dit en clair, `deduite` marque ce que le chargement a déduit
    (provenance : `socle.models.Provenance`). `parties` : les valeurs par partie nommée d'un
    chiffre double (« 32 % à Bédier Boutroux et 36 % à Villa d’Este »), chacune chargée sur
    un territoire « partie de QPV »."""

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
    parties = models.JSONField(
        "valeurs par partie",
        default=list,
        blank=True,
        help_text="Pour un chiffre imprimé avec une valeur par partie nommée du quartier : "
        "[{slug, nom, valeur}], dans l’ordre du texte.",
    )
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


ANNEE_ECHEANCE_MIN = 2014
ANNEE_ECHEANCE_MAX = 2040


class ProjetStructurantQuerySet(models.QuerySet):
    """Vocabulaire et chargeurs des projets structurants."""

    def echeance_depassee(self, annee=None):
        """Projets dont l'année d'échéance est passée (strictement avant l'année en cours) et
        qui ne sont pas réalisés : ceux qu'un délégué doit relancer."""
        annee = annee or timezone.localdate().year
        return self.filter(annee_echeance__lt=annee).exclude(
            statut=ProjetStructurant.Statut.REALISE
        )

    def statuts_par_quartier(self, quartiers):
        """Le tableau « projets par statut » de `quartiers` (la vue par arrondissement) : une
        ligne par statut qui a au moins un projet, dans l'ordre des choix, une colonne par QPV
        dans l'ordre de `quartiers`, les totaux par QPV et le total. Compté en SQL (une
        requête, bornée aux projets de ce queryset et de ces QPV), pivoté par pandas."""
        ids = [q.pk for q in quartiers]
        comptes = (
            self.filter(quartier__in=ids)
            .order_by()
            .values("quartier_id", "statut")
            .annotate(n=models.Count("pk"))
            .values_list("quartier_id", "statut", "n")
        )
        return pivoter_statuts(comptes, ids)

    def with_list_data(self):
        """Liste des projets : QPV, arrondissements, secteur et dernière étape de suivi (avec
        son auteur) en un nombre fixe de requêtes. Le porteur et les engagements (app
        structures) sont ajoutés par les pages qui les montrent."""
        return self.select_related("quartier", "secteur").prefetch_related(
            "quartier__arrondissements",
            Prefetch(
                "suivis",
                queryset=SuiviProjet.objects.derniers().select_related("auteur"),
                to_attr="derniers_suivis",
            ),
        )


def pivoter_statuts(comptes, ids):
    """(quartier_id, statut, nombre) → {"lignes": [{statut, libelle, nombres, total}],
    "totaux": [par QPV], "total"} : les statuts dans l'ordre des choix (ceux sans projet
    omis ; un statut hors des choix n'est compté nulle part), les QPV dans l'ordre de `ids`,
    0 là où rien n'est compté."""
    import pandas as pd  # à la demande : les processus web ne paient pas son import au démarrage

    choix = ProjetStructurant.Statut.choices
    cadre = pd.DataFrame.from_records(list(comptes), columns=["quartier", "statut", "n"])
    tableau = (
        cadre.pivot_table(
            index="statut", columns="quartier", values="n", aggfunc="sum", fill_value=0
        )
        if len(cadre)
        else pd.DataFrame()
    ).reindex(index=[valeur for valeur, _ in choix], columns=ids, fill_value=0)
    tableau = tableau.astype("int64")
    presents = tableau[tableau.sum(axis=1) > 0]
    libelles = dict(choix)
    lignes = [
        {
            "statut": statut,
            "libelle": libelles[statut],
            "nombres": nombres.tolist(),
            "total": int(nombres.sum()),
        }
        for statut, nombres in presents.iterrows()
    ]
    totaux = presents.sum(axis=0).astype("int64").tolist()
    return {"lignes": lignes, "totaux": totaux, "total": sum(totaux)}


class ProjetStructurant(models.Model):
    """Un projet structurant d'une fiche quartier. Le statut est normalisé en un petit nombre
    de choix, et le texte imprimé est gardé à côté (il s'écrit de dix façons dans la source).

    Le suivi daté (`SuiviProjet`) fait évoluer `statut` ; `statut_brut` reste le texte du
    contrat, jamais réécrit. Le porteur et les engagements servis sont dans l'app structures
    (`PortageProjet`), car un porteur peut être une structure."""

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
    annee_echeance = models.PositiveSmallIntegerField(
        "année d’échéance",
        null=True,
        blank=True,
        validators=[
            MinValueValidator(
                ANNEE_ECHEANCE_MIN, f"L’année doit être au moins {ANNEE_ECHEANCE_MIN}."
            ),
            MaxValueValidator(
                ANNEE_ECHEANCE_MAX, f"L’année doit être au plus {ANNEE_ECHEANCE_MAX}."
            ),
        ],
        help_text="L’année où le projet doit être réalisé, quand elle est connue (le contrat ne "
        "la donne pas : elle est renseignée par le SPV).",
    )
    # Pour la synchronisation incrémentale de l'API (`?modifie_depuis=`).
    modifie_le = models.DateTimeField("modifié le", auto_now=True, db_index=True)
    history = HistoricalRecords()

    objects = ProjetStructurantQuerySet.as_manager()

    class Meta:
        verbose_name = "projet structurant"
        verbose_name_plural = "projets structurants"
        ordering = ["quartier__ordre", "ordre"]
        constraints = [
            models.UniqueConstraint(fields=["quartier", "ordre"], name="projet_unique_ordre")
        ]

    def __str__(self):
        return self.nom

    def get_absolute_url(self):
        return reverse("quartiers:projet", args=[self.pk])

    @property
    def statut_brut_different(self):
        """Le statut imprimé ne se lit pas comme le statut normalisé (au-delà de la casse et
        des accents) : on l'affiche à côté, pour ne rien perdre du texte."""
        return bool(self.statut_brut) and _plier(self.statut_brut) != _plier(
            self.get_statut_display()
        )

    @property
    def adresse_dit_non_cartographiable(self):
        return "cartographiable" in _plier(self.adresse)

    @property
    def echeance_est_depassee(self):
        """Même règle que `ProjetStructurantQuerySet.echeance_depassee`, sur un objet chargé."""
        return (
            self.annee_echeance is not None
            and self.annee_echeance < timezone.localdate().year
            and self.statut != self.Statut.REALISE
        )

    @property
    def dernier_suivi(self):
        """La dernière étape de suivi (par date, puis ordre d'enregistrement), lue dans le
        préchargement de `with_list_data()` quand il a eu lieu."""
        if hasattr(self, "derniers_suivis"):
            return self.derniers_suivis[0] if self.derniers_suivis else None
        return self.suivis.order_by("-date", "-pk").select_related("auteur").first()

    # --- suivi ---------------------------------------------------------------------------------

    def motif_refus_suivi(self, user):
        """None si `user` peut ajouter une étape de suivi à ce projet (règle
        `peut_suivre_projet`), sinon la raison, en français."""
        if roles.peut_suivre_projet(user, self):
            return None
        if not getattr(user, "is_authenticated", False):
            return "Connectez-vous pour suivre les projets structurants."
        if roles.role_de(user) == roles.Role.DELEGUE:
            return (
                f"Le quartier {self.quartier.nom} ne vous est pas confié : seuls ses délégués du "
                "Préfet et le SPV tiennent le suivi de ses projets."
            )
        return (
            "Seuls les agents DDCT/SPV et les délégués du Préfet du quartier tiennent le suivi "
            "des projets structurants."
        )

    def ajouter_suivi(self, by, statut, commentaire, date=None):
        """Ajoute une étape datée au suivi (statut, commentaire, auteur) et met le statut du
        projet à celui de l'étape la plus récente (une étape antidatée ne l'écrase pas). Le
        changement de statut est historisé au nom de l'auteur ; `statut_brut` (le texte du
        contrat) n'est jamais touché. Lève PermissionDenied (message français) si `by` ne
        peut pas suivre ce projet, ValidationError si l'étape est incomplète."""
        refus = self.motif_refus_suivi(by)
        if refus:
            raise PermissionDenied(refus)
        aujourd_hui = timezone.localdate()
        date = date or aujourd_hui
        commentaire = (commentaire or "").strip()
        erreurs = {}
        if statut not in self.Statut.values:
            erreurs["statut"] = "Choisissez un statut de la liste."
        if not commentaire:
            erreurs["commentaire"] = (
                "Indiquez ce qui a changé ou ce qui a été constaté : le commentaire est "
                "obligatoire."
            )
        if date > aujourd_hui:
            erreurs["date"] = "La date d’une étape de suivi ne peut pas être dans le futur."
        if erreurs:
            raise ValidationError(erreurs)
        with transaction.atomic():
            # Verrou sur le projet : deux étapes enregistrées en même temps laissent le statut
            # de la plus récente, pas celui de la dernière écriture.
            projet = ProjetStructurant.objects.select_for_update().get(pk=self.pk)
            suivi = SuiviProjet.objects.create(
                projet=projet, date=date, statut=statut, commentaire=commentaire, auteur=by
            )
            plus_recente = projet.suivis.order_by("-date", "-pk").first()
            if plus_recente.statut != projet.statut:
                projet.statut = plus_recente.statut
                projet._history_user = by
                projet._change_reason = (
                    f"Suivi du {plus_recente.date:%d/%m/%Y} : {plus_recente.get_statut_display()}"
                )[:100]
                projet.save(update_fields=["statut"])
            self.statut = projet.statut
        return suivi


class SuiviProjetQuerySet(models.QuerySet):
    """Vocabulaire des étapes de suivi."""

    def derniers(self):
        """La dernière étape de chaque projet (par date, puis ordre d'enregistrement), par une
        sous-requête corrélée : portable (SQLite, PostgreSQL) et une ligne par projet."""
        derniere = (
            SuiviProjet.objects.filter(projet=OuterRef("projet"))
            .order_by("-date", "-pk")
            .values("pk")[:1]
        )
        return self.filter(pk=Subquery(derniere))


class SuiviProjet(models.Model):
    """Une étape datée du suivi d'un projet structurant : le statut constaté, un commentaire et
    son auteur (agent du SPV ou délégué du Préfet du quartier). Les étapes s'ajoutent par
    `ProjetStructurant.ajouter_suivi`, qui met à jour le statut du projet ; elles forment
    l'historique des changements de statut et ne se modifient pas dans le portail."""

    projet = models.ForeignKey(
        ProjetStructurant,
        on_delete=models.CASCADE,
        related_name="suivis",
        verbose_name="projet structurant",
    )
    date = models.DateField("date", default=timezone.localdate)
    statut = models.CharField("statut", max_length=30, choices=ProjetStructurant.Statut.choices)
    commentaire = models.TextField("commentaire")
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="auteur",
    )
    cree_le = models.DateTimeField("enregistrée le", auto_now_add=True)
    history = HistoricalRecords()

    objects = SuiviProjetQuerySet.as_manager()

    class Meta:
        verbose_name = "étape de suivi d’un projet"
        verbose_name_plural = "étapes de suivi des projets"
        ordering = ["projet", "-date", "-pk"]
        indexes = [models.Index(fields=["projet", "date"], name="suivi_projet_date")]

    def __str__(self):
        return f"{self.projet} — {self.date:%d/%m/%Y} : {self.get_statut_display()}"
