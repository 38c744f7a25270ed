"""L'index de la recherche : une ligne par objet trouvable (engagement, action, indicateur,
quartier ou secteur, projet, sigle, signataire, structure, fiche-action), tenue à jour à
chaque écriture par les signaux (recherche/signaux.py) et reconstruite par
`reindexer_recherche`. Les apps du domaine ne savent rien de cet index.

Sur PostgreSQL, `vecteur` est calculé en SQL à l'écriture (configuration `recherche_fr` :
français, sans accents ; poids A pour l'intitulé, B pour les mots-clés, C pour le corps) et
indexé en GIN ; `plie` (texte plié) porte un index trigramme GIN pour les mots exacts (sigles).
Le lexique (`MotRecherche`) sert à corriger les fautes de frappe. Ces index GIN sont créés par
la migration, sur PostgreSQL seulement : SQLite se contente de `plie`."""

from django.contrib.postgres.search import SearchVectorField
from django.db import models


class Rubrique(models.TextChoices):
    """Les rubriques de résultats, dans l'ordre de la page (paramètre `type`)."""

    ENGAGEMENTS = "engagements", "Engagements"
    ACTIONS = "actions", "Actions"
    INDICATEURS = "indicateurs", "Indicateurs"
    QUARTIERS = "quartiers", "Quartiers prioritaires"
    PROJETS = "projets", "Projets structurants"
    GLOSSAIRE = "glossaire", "Glossaire"
    SIGNATAIRES = "signataires", "Signataires"
    STRUCTURES = "structures", "Structures"
    FICHES = "fiches-actions", "Fiches-actions"


# Les rubriques dont chaque ligne se filtre par la visibilité de l'utilisateur (for_user).
RUBRIQUES_RESTREINTES = (Rubrique.STRUCTURES, Rubrique.FICHES)


class EntreeRecherche(models.Model):
    """Un objet du portail tel que la recherche le voit : ce qu'on affiche (titre, contexte,
    adresse), ce qu'on cherche (intitulé, mots-clés, texte, pliés et vectorisés) et de quoi
    filtrer par visibilité (`objet_id` pour les structures et fiches)."""

    source = models.CharField(
        "modèle source", max_length=60, help_text="« app.modèle » de l’objet indexé."
    )
    objet_id = models.BigIntegerField("identifiant de l’objet")
    type = models.CharField("rubrique", max_length=20, choices=Rubrique.choices)
    titre = models.TextField("titre affiché")
    contexte = models.TextField("contexte affiché", blank=True)
    url = models.CharField("adresse", max_length=500)
    langue = models.CharField("langue du texte", max_length=5, default="fr")
    cle = models.CharField(
        "clé pliée",
        max_length=120,
        blank=True,
        help_text="Code, sigle ou numéro, plié : une requête égale à la clé est un résultat exact.",
    )
    ordre = models.IntegerField("ordre par défaut", default=0)
    intitule = models.TextField("intitulé (poids A)")
    mots_cles = models.TextField("mots-clés (poids B)", blank=True)
    texte = models.TextField("texte (poids C)", blank=True)
    titre_plie = models.TextField("titre plié")
    plie = models.TextField(
        "texte plié", help_text="Tout le texte cherchable, plié, entouré d’espaces (repli SQLite)."
    )
    vecteur = SearchVectorField("vecteur plein texte", null=True)
    modifiee_le = models.DateTimeField("indexée le", auto_now=True)

    class Meta:
        verbose_name = "entrée de l’index de recherche"
        verbose_name_plural = "entrées de l’index de recherche"
        ordering = ["type", "ordre", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["source", "objet_id"], name="recherche_entree_unique")
        ]
        indexes = [models.Index(fields=["type", "objet_id"], name="recherche_type_objet")]

    def __str__(self):
        return f"{self.get_type_display()} : {self.titre[:80]}"


class MotRecherche(models.Model):
    """Un mot (plié) présent dans l'index : le lexique où l'on cherche, par similarité de
    trigrammes, le mot voulu derrière une faute de frappe (« qartier » → « quartier »)."""

    mot = models.CharField("mot", max_length=100, primary_key=True)

    class Meta:
        verbose_name = "mot du lexique de recherche"
        verbose_name_plural = "lexique de recherche"

    def __str__(self):
        return self.mot
