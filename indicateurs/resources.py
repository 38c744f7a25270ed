"""Aller-retour tableur des valeurs d'une campagne, sur la mécanique partagée (socle/imports.py).

- `modele_xlsx()` produit le modèle pré-rempli d'une campagne, écrit par socle/tableur.py :
  une ligne par indicateur × territoire attendu, avec la valeur de l'année précédente, la
  valeur actuelle et sa version. `contenu_valeurs_xlsx()` écrit des valeurs au même format
  (export de la liste des valeurs).
- `DeclarationValeurs` déclare l'import : colonnes lues et règles de ligne, les mêmes que la
  grille (indicateurs/saisie.py, `Valeur.clean`, `motif_refus_saisie`) : unités, droits du
  partenaire, campagne ouverte, valeur validée, version (modification concurrente), valeur
  atypique sans commentaire. Le contrôle est ensembliste : une requête par sorte de contrôle
  (codes, valeurs existantes des clés du fichier, valeurs de l'année précédente, plages
  observées), quel que soit le nombre de lignes.
- `importer()` : contrôle ou applique un contenu sans historique (scripts, tests) ; les pages
  et la commande passent par `socle.imports.executer` et l'historique `ImportValeurs`."""

from django.db.models import Case, Count, IntegerField, Max, Min, When
from django.utils import timezone

from indicateurs.exports import CHAMPS_LUS, COLONNES_VALEURS, LigneValeur
from indicateurs.mesures import territoires_attendus as attendus
from indicateurs.mesures import territoires_par_niveau
from indicateurs.models import (
    Campagne,
    ImportValeurs,
    Indicateur,
    Territoire,
    Valeur,
    transition_en_masse,
)
from indicateurs.saisie import Plage, controler_saisie
from socle import roles
from socle.imports import (
    Colonne,
    DeclarationImport,
    Nom,
    Rang,
    Reference,
    annee,
    citer,
    entier,
    est_vide,
    formater_erreur,
    importer_contenu,
    nombre,
    texte,
)
from socle.roles import est_spv
from socle.tableur import Classeur

CODE_INDICATEUR, CODE_TERRITOIRE, ANNEE = "Code indicateur", "Code territoire", "Année"
VALEUR, VERSION = "Valeur", "Version"


def numero_version(valeur):
    """Le numéro de version d'une valeur, recopié du modèle ; vide → None."""
    if est_vide(valeur):
        return None
    try:
        return entier(valeur)
    except ValueError:
        raise ValueError(f"« {citer(valeur)} » n’est pas un numéro de version.") from None


class DeclarationValeurs(DeclarationImport):
    """Une ligne du classeur = une valeur (indicateur × territoire × année de la campagne).
    Les colonnes d'aide du modèle (libellés, valeur N-1, part calculée, statut, démo) ne sont
    pas relues."""

    modele = Valeur
    objet = Nom("valeur", "valeurs", feminin=True)
    conseil = "Partez du modèle téléchargé pour cette campagne."
    cle = ("indicateur", "territoire", "annee")
    champs_saisis = ("valeur", "nombre", "base", "source", "commentaire")
    champs_suivi = ("version", "origine", "statut", "demo", "saisi_par", "saisi_le")
    colonnes = (
        Colonne(
            CODE_INDICATEUR,
            "indicateur",
            Reference(
                Indicateur.objects.select_related("producteur"),
                "code",
                inconnu="Code indicateur inconnu : « {valeur} ».",
                manquant="Code indicateur manquant.",
            ),
            obligatoire=True,
        ),
        Colonne(
            CODE_TERRITOIRE,
            "territoire",
            Reference(
                Territoire.objects.all(),
                "code",
                inconnu="Code territoire inconnu : « {valeur} ».",
                manquant="Code territoire manquant.",
            ),
            obligatoire=True,
        ),
        Colonne(ANNEE, "annee", annee, obligatoire=True),
        Colonne(VALEUR, "valeur", nombre),
        Colonne("Nombre", "nombre", entier),
        Colonne("Base", "base", entier),
        # Mêmes longueurs que la grille (LigneSaisieForm).
        Colonne("Source", "source", texte, longueur_max=500),
        Colonne("Commentaire", "commentaire", texte, longueur_max=2000),
        Colonne(VERSION, "version_fichier", numero_version),
    )

    def __init__(self, operateur=None, nom_fichier="", annee=None, soumettre=False, **contexte):
        super().__init__(operateur, nom_fichier, **contexte)
        self.annee = annee
        self.soumettre = soumettre
        self.campagne, self.precedentes, self.plages = None, {}, {}

    # --- chargement ensembliste ---------------------------------------------------------------

    def existants_queryset(self):
        # Le valideur nomme qui a validé une valeur dans le refus « déjà validée ».
        return Valeur.objects.select_related("valide_par")

    def cle_de(self, ligne):
        # Une ligne d'une autre année ne désigne aucune valeur de la campagne (erreur plus bas).
        if ligne.valeurs.get("annee") != self.annee:
            return None
        return super().cle_de(ligne)

    def preparer(self, lignes, verrouiller):
        super().preparer(lignes, verrouiller)
        self.campagne = Campagne.objects.filter(annee=self.annee).first()
        indicateurs = {ligne.cle[0] for ligne in lignes if ligne.cle}
        territoires = {ligne.cle[1] for ligne in lignes if ligne.cle}
        if not indicateurs:
            return
        self.precedentes = {
            (i, t): v
            for i, t, v in Valeur.objects.filter(
                annee=self.annee - 1, indicateur__in=indicateurs, territoire__in=territoires
            )
            .order_by()
            .values_list("indicateur_id", "territoire_id", "valeur")
        }
        self.plages = {
            ligne.pop("indicateur_id"): Plage(**ligne)
            for ligne in Valeur.objects.validees()
            .reelles()
            .filter(indicateur__in=indicateurs, annee__lt=self.annee, valeur__isnull=False)
            .order_by()
            .values("indicateur_id")
            .annotate(minimum=Min("valeur"), maximum=Max("valeur"), observations=Count("pk"))
        }
        # Le rôle et l'organisation de l'opérateur, lus une fois (profil mis en cache).
        roles.organisation_de(self.operateur)

    # --- règles d'une ligne ---------------------------------------------------------------------

    def champs_lus(self, ligne):
        indicateur = ligne.valeurs.get("indicateur")
        if indicateur is not None and indicateur.est_nombre_part:
            # La part d'un « nombre et part » est calculée : la colonne « Valeur » n'est pas lue.
            return [c for c in self.champs_modele if c != "valeur"]
        return self.champs_modele

    def regles(self, ligne, valeur, creation):
        indicateur = ligne.valeurs.get("indicateur")
        territoire = ligne.valeurs.get("territoire")
        if (
            indicateur is not None
            and indicateur.est_nombre_part
            and not est_vide(ligne.cellule(VALEUR))
            and "valeur" not in ligne.illisibles
        ):
            ligne.erreur(
                "valeur",
                "La part est calculée à partir du nombre et de la base : laissez la colonne "
                "« Valeur » vide et renseignez « Nombre » et « Base ».",
                Rang.LECTURE,
            )
        if indicateur is None or territoire is None or "annee" in ligne.illisibles:
            return
        if valeur.annee != self.annee:
            ligne.erreur(
                "annee",
                f"Ligne de l’année {valeur.annee} : ce fichier est importé pour la campagne "
                f"{self.annee}.",
            )
            return
        if territoire.type not in indicateur.niveaux_attendus:
            ligne.erreur(
                "territoire",
                f"Aucune valeur n’est attendue pour « {territoire.nom} » sur {indicateur.code} "
                f"(niveaux attendus : {', '.join(indicateur.niveaux_libelles).lower()}).",
            )
        refus = valeur.motif_refus_saisie(self.operateur, self.campagne, campagne_connue=True)
        if refus:
            self.controler_valeur(ligne, valeur, indicateur, territoire, refus)
            return
        version = ligne.valeurs.get("version_fichier")
        if not creation and VERSION in ligne.cellules and "version_fichier" not in ligne.illisibles:
            if version != ligne.original.version:
                ligne.erreur(
                    "version_fichier",
                    "Cette valeur a été modifiée depuis le téléchargement du modèle (valeur "
                    f"actuelle : {ligne.original.affichage}) : téléchargez un modèle à jour.",
                )
        elif creation and version:
            ligne.erreur(
                "version_fichier", "Cette valeur n’existe plus : téléchargez un modèle à jour."
            )
        self.controler_valeur(ligne, valeur, indicateur, territoire)

    def controler_valeur(self, ligne, valeur, indicateur, territoire, refus=None):
        """La règle d'ordre de la grille et de l'API (`saisie.controler_saisie`) : les champs
        déjà en erreur (illisibles, ou impossibles selon `Valeur.clean`, contrôlé par la
        mécanique) ne sont pas signalés deux fois, et une valeur illisible, impossible ou
        refusée n'a pas d'écart à expliquer."""
        deja = {champ for _rang, champ, _message in ligne.erreurs} | ligne.illisibles
        controle = controler_saisie(
            indicateur,
            {c: getattr(valeur, c) for c in ("valeur", "nombre", "base", "commentaire")},
            annee=self.annee,
            precedente=self.precedentes.get((indicateur.pk, territoire.pk)),
            plage=self.plages.get(indicateur.pk),
            invalides=deja,
            refus=refus,
        )
        for rang, champ, message in controle.erreurs:
            ligne.erreur(champ, message, rang)

    # --- écriture -----------------------------------------------------------------------------

    def avant_ecriture(self, valeur, creation):
        """Comme une saisie dans la grille : la valeur repasse en brouillon, au nom de
        l'opérateur, avec une version de plus."""
        if creation:
            valeur.producteur_id = valeur.indicateur.producteur_id
        else:
            valeur.version += 1
        valeur.origine = Valeur.Origine.IMPORT
        valeur.demo = False  # une valeur importée est une donnée réelle
        valeur.statut = Valeur.Statut.BROUILLON
        valeur.saisi_par, valeur.saisi_le = self.auteur, timezone.now()

    def apres_ecriture(self, valeurs, rapport):
        """Sur demande (`soumettre`), les valeurs écrites sont soumises au SPV par leur circuit,
        en une transition en masse (règle, campagne, statut ; journal, historique et
        notifications, une par destinataire). Une valeur refusée annule tout l'import."""
        if not self.soumettre or not valeurs:
            return
        if self.auteur is None:
            rapport.erreur_fichier(
                "Soumettre les valeurs au SPV demande un compte : indiquez l’utilisateur au nom "
                "duquel l’import est fait."
            )
            return
        _faites, refusees = transition_en_masse(
            valeurs, "submit", self.auteur, campagnes={self.annee: self.campagne}
        )
        for valeur, raison in refusees:
            rapport.erreur_fichier(
                f"{valeur.indicateur.code} · {valeur.territoire.nom} : non soumise ({raison})"
            )

    def apercu(self, ligne):
        return {
            "indicateur": ligne.objet.indicateur.code,
            "territoire": ligne.objet.territoire.nom,
            "avant": ligne.original.affichage if ligne.original else "",
            "apres": ligne.objet.affichage,
        }


def importer(contenu, annee, user, dry_run=True, nom_fichier=""):
    """Contrôle (dry_run) ou applique un classeur de valeurs pour la campagne `annee`, sans
    historique. Lève `socle.imports.FichierRefuse` (une ValueError) si le fichier est refusé."""
    return importer_contenu(
        ImportValeurs,
        contenu,
        operateur=user,
        confirmer=not dry_run,
        nom_fichier=nom_fichier,
        annee=annee,
    )


def resumer(rapport):
    return rapport.resume


# --- le modèle à remplir ------------------------------------------------------------------------

MODE_D_EMPLOI = [
    "Modèle de saisie des valeurs — campagne {annee}",
    "Une ligne par indicateur et par territoire attendu. Renseignez « Valeur » (ou, pour un "
    "indicateur « Nombre et part », « Nombre » et « Base » : la part est calculée).",
    "Les parts et taux s’expriment en pourcentage, entre 0 et 100 ; les nombres sont des "
    "entiers positifs ou nuls.",
    "Un écart de plus de ±50 % avec la valeur N-1, ou une valeur hors de la plage des années "
    "précédentes, doit être expliqué dans « Commentaire ».",
    "Ne modifiez pas les colonnes « Code indicateur », « Code territoire », « Année » ni "
    "« Version » : elles identifient la valeur et protègent contre les écrasements.",
    "Les lignes laissées vides sont ignorées. Les valeurs validées ne peuvent plus être "
    "modifiées. L’import est tout ou rien : une seule ligne en erreur et rien n’est écrit.",
    "Les valeurs marquées « Démo » sont synthétiques : ce ne sont pas des données réelles.",
]


def contenu_valeurs_xlsx(valeurs, feuille="Valeurs", mode_d_emploi=None):
    """Des valeurs (préchargées avec indicateur et territoire, `valeur_precedente` posée) au
    format du modèle d'import : les colonnes de l'export des valeurs (indicateurs/exports.py),
    la feuille « Mode d’emploi » ensuite. La feuille des valeurs est celle que l'import relit."""
    c = Classeur()
    c.tableau(feuille, valeurs, COLONNES_VALEURS)
    if mode_d_emploi:
        aide = c.feuille("Mode d’emploi")
        for rang, ligne in enumerate(mode_d_emploi):
            aide.texte(ligne, gras=rang == 0)
    return c.contenu()


def indicateurs_du_modele(user, engagement=None, producteur=None):
    """Les indicateurs qu'un utilisateur peut remplir, filtrés par engagement ou producteur."""
    indicateurs = Indicateur.objects.with_list_data()
    if not est_spv(user):
        indicateurs = indicateurs.produits_par(roles.organisation_de(user))
    if engagement:
        indicateurs = indicateurs.filter(engagement__numero=engagement)
    if producteur:
        indicateurs = indicateurs.filter(producteur=producteur)
    return list(indicateurs)


def modele_xlsx(annee, user, engagement=None, producteur=None):
    """Le classeur pré-rempli d'une campagne (octets .xlsx) et son nombre de lignes. La feuille
    des valeurs est la première, celle que l'import relit ; « Mode d’emploi » suit.

    Les valeurs N et N-1 sont lues en flux (curseur serveur), indicateur après indicateur
    dans l'ordre du modèle : la mémoire tient les valeurs d'un seul indicateur, pas celles de
    tous les territoires de la campagne (des centaines de milliers à l'échelle nationale)."""
    indicateurs = indicateurs_du_modele(user, engagement, producteur)
    groupes = territoires_par_niveau()
    lignes = _LignesDuModele(annee, user, indicateurs, groupes)
    aide = [ligne.format(annee=annee) for ligne in MODE_D_EMPLOI]
    contenu = contenu_valeurs_xlsx(lignes, f"Valeurs {annee}", mode_d_emploi=aide)
    return contenu, lignes.nombre


class _LignesDuModele:
    """Les lignes du modèle (une par indicateur × territoire attendu), produites au fil de la
    lecture des valeurs visibles N et N-1 ; `nombre` : les lignes produites."""

    TAILLE_PAQUET = 2000

    def __init__(self, annee, user, indicateurs, groupes):
        self.annee, self.user = annee, user
        self.indicateurs, self.groupes = indicateurs, groupes
        self.nombre = 0

    def _valeurs(self):
        """Les valeurs visibles N et N-1 (tuples : identifiants de l'indicateur et du
        territoire, puis les champs de `LigneValeur`), dans l'ordre des indicateurs du
        modèle."""
        rang = Case(
            *(When(indicateur_id=ind.pk, then=i) for i, ind in enumerate(self.indicateurs)),
            output_field=IntegerField(),
        )
        return (
            Valeur.objects.for_user(self.user)
            .filter(indicateur__in=self.indicateurs, annee__in=[self.annee, self.annee - 1])
            .order_by(rang)
            .values_list("indicateur_id", "territoire_id", *CHAMPS_LUS)
            .iterator(chunk_size=self.TAILLE_PAQUET)
        )

    def __iter__(self):
        if not self.indicateurs:
            return
        valeurs = self._valeurs()
        suivante = next(valeurs, None)
        annee = self.annee
        rang_annee = 2 + CHAMPS_LUS.index("annee")
        rang_valeur = 2 + CHAMPS_LUS.index("valeur")
        for ind in self.indicateurs:
            actuelles, precedentes = {}, {}
            while suivante is not None and suivante[0] == ind.pk:
                if suivante[rang_annee] == annee:
                    actuelles[suivante[1]] = suivante[2:]
                else:
                    precedentes[suivante[1]] = suivante[rang_valeur]
                suivante = next(valeurs, None)
            for territoire in attendus(ind, self.groupes):
                champs = actuelles.get(territoire.pk)
                precedente = precedentes.get(territoire.pk)
                self.nombre += 1
                if champs is None:
                    yield LigneValeur.a_saisir(annee, ind, territoire, precedente)
                else:
                    yield LigneValeur(*champs, precedente, ind, territoire)


__all__ = [
    "DeclarationValeurs",
    "contenu_valeurs_xlsx",
    "formater_erreur",
    "importer",
    "modele_xlsx",
    "resumer",
]
