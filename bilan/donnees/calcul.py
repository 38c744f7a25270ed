"""Le bilan d'une année : la classe `Bilan` (tout ce que montrent le classeur, le rapport HTML
et le PDF) et `calculer_bilan`, qui appelle une fonction par section (perimetre.py,
indicateurs.py, projets.py, fiches.py, credits.py, etudes.py) puis compose la synthèse."""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from bilan.donnees import credits as section_credits
from bilan.donnees import etudes as section_etudes
from bilan.donnees import fiches as section_fiches
from bilan.donnees import indicateurs as section_indicateurs
from bilan.donnees import projets as section_projets
from bilan.donnees.comparaison import Comparaison
from bilan.donnees.perimetre import charger_contexte
from indicateurs.models import Campagne
from quartiers.models import ProjetStructurant


@dataclass
class Bilan:
    """Tout ce que montrent le classeur, le rapport HTML et le PDF d'une année."""

    annee: int
    arrondissement: object
    toutes_valeurs: bool
    avec_demo: bool
    genere_le: datetime
    genere_par: str
    quartiers: list
    territoires: list
    campagne: Campagne | None
    campagne_precedente: Campagne | None
    synthese: list = field(default_factory=list)
    completude: dict = field(default_factory=dict)
    thematiques: list = field(default_factory=list)  # [(thématique, [SectionEngagement])]
    lignes_valeurs: object = field(default_factory=list)  # TableLongue : lue en flux
    chiffres_quartiers: list = field(default_factory=list)
    indicateurs_cles: list = field(default_factory=list)
    projets: list = field(default_factory=list)
    statuts_projets: list = field(default_factory=list)
    statuts_projets_totaux: dict = field(default_factory=dict)
    suivis_projets: Comparaison = None
    fiches: object = field(default_factory=list)  # queryset lu par le classeur
    fiches_par_statut: list = field(default_factory=list)
    fiches_par_engagement: list = field(default_factory=list)
    fiches_par_quartier: list = field(default_factory=list)
    credits: list = field(default_factory=list)
    credits_par_type: list = field(default_factory=list)
    credits_par_signataire: list = field(default_factory=list)
    credits_par_signataire_total: list = field(default_factory=list)  # tous types, décroissant
    credits_par_lieu: list = field(default_factory=list)
    credits_par_engagement: list = field(default_factory=list)
    etudes: list = field(default_factory=list)
    nb_etudes_precedentes: int = 0
    demo_presente: bool = False

    @property
    def annee_precedente(self):
        return self.annee - 1

    @property
    def perimetre(self):
        if self.arrondissement is None:
            return "Paris"
        return self.arrondissement.libelle

    @property
    def titre(self):
        comite = (
            "Comité de pilotage parisien"
            if self.arrondissement is None
            else f"Comité de pilotage du {self.arrondissement.libelle}"
        )
        return f"Bilan annuel {self.annee} du contrat de ville — {comite}"

    @property
    def portee_valeurs(self):
        if self.toutes_valeurs:
            return (
                "Toutes les valeurs saisies (brouillons, soumises, renvoyées et validées), "
                "chacune avec son statut"
            )
        return "Valeurs validées seulement"

    @property
    def portee_demo(self):
        if self.avec_demo:
            return "Incluses et marquées « Démo » (valeurs synthétiques, pas des données réelles)"
        return "Exclues (seules les données réelles figurent dans le bilan)"

    @property
    def population(self):
        return sum(q.population or 0 for q in self.quartiers) or None

    @property
    def nb_secteurs(self):
        return sum(q.nb_secteurs for q in self.quartiers)

    @property
    def statuts_projets_libelles(self):
        return [libelle for _, libelle in ProjetStructurant.Statut.choices]

    @property
    def methode_completude(self):
        """La définition de la complétude (indicateurs/mesures.py), pour l'annexe."""
        perimetre = (
            "chaque territoire de ses niveaux attendus"
            if self.arrondissement is None
            else f"chaque territoire de ses niveaux attendus parmi les QPV du "
            f"{self.arrondissement.libelle}, leurs secteurs et l’arrondissement (Paris n’est "
            "qu’une référence)"
        )
        return (
            f"Une valeur est attendue chaque année pour chaque indicateur du contrat (jamais un "
            f"indicateur de contexte) et {perimetre}. Les valeurs renseignées comptent tous les "
            "statuts, dont les soumises et les validées ; le taux de renseignement rapporte les "
            "renseignées aux attendues, la part validée les validées aux renseignées. Ce sont "
            "les chiffres de la page de la campagne."
        )

    @property
    def campagne_libelle(self):
        if self.campagne is None:
            return f"Aucune campagne {self.annee}"
        return f"Campagne {self.annee} : {self.campagne.etat_libelle.lower()}"

    @property
    def credits_total(self):
        return self.credits_par_type[0] if self.credits_par_type else None

    def fiches_statut(self, statut):
        return next(c for c in self.fiches_par_statut if c.code == statut)


def synthese(bilan):
    """Les chiffres clés de la synthèse, dans l'ordre : campagne des indicateurs, fiches,
    crédits, études, suivi des projets."""
    cp = bilan.completude
    return [
        cp["avec_valeur"],
        cp["avec_valeur_validee"],
        cp["attendues"],
        cp["renseignees"],
        cp["soumises"],
        cp["validees"],
        cp["taux_renseignement"],
        cp["part_validee"],
        *bilan.fiches_par_statut,
        *bilan.credits_par_type,
        Comparaison("Études qualitatives", len(bilan.etudes), bilan.nb_etudes_precedentes),
        bilan.suivis_projets,
    ]


def calculer_bilan(
    annee,
    arrondissement=None,
    toutes_valeurs=False,
    avec_demo=False,
    user=None,
    auteur="",
    qpv_detailles=None,
):
    """Le bilan d'une année pour Paris (ou un arrondissement). `user` : celui qui le produit
    (le SPV voit tout) ; sans `user` (ligne de commande), toutes les données. `auteur` : qui
    l'a produit, pour les métadonnées. `qpv_detailles` : ne détailler (chiffres clés, comptes
    par QPV) que ce nombre de premiers QPV, ceux que le rapport montre ; tous sans lui (le
    classeur). Un nombre fixe de requêtes, quel que soit le volume
    (tests/bilan/test_requetes.py)."""
    ctx = charger_contexte(annee, arrondissement, toutes_valeurs, avec_demo, user, qpv_detailles)
    bilan = Bilan(
        annee=ctx.n,
        arrondissement=arrondissement,
        toutes_valeurs=toutes_valeurs,
        avec_demo=avec_demo,
        genere_le=timezone.now(),
        genere_par=auteur or (user.get_full_name() or user.username if user else ""),
        quartiers=ctx.quartiers,
        territoires=ctx.territoires,
        campagne=ctx.campagnes.get(ctx.n),
        campagne_precedente=ctx.campagnes.get(ctx.n1),
    )

    # Indicateurs : complétude (mesures de la campagne), sections, table longue, chiffres clés.
    cles = section_indicateurs.indicateurs_cles(ctx)
    montrees = section_indicateurs.ValeursMontrees(ctx, cles)
    bilan.demo_presente = montrees.demo_presente
    bilan.completude, mesures = section_indicateurs.completude(ctx)
    bilan.thematiques = section_indicateurs.sections_engagements(ctx, mesures, montrees)
    bilan.lignes_valeurs = section_indicateurs.table_longue(ctx)
    bilan.indicateurs_cles = cles
    bilan.chiffres_quartiers = section_indicateurs.chiffres_quartiers(ctx, cles, montrees)

    projets = section_projets.projets(ctx)
    bilan.projets = projets.liste
    bilan.statuts_projets = projets.statuts
    bilan.statuts_projets_totaux = projets.totaux
    bilan.suivis_projets = projets.suivis

    fiches = section_fiches.fiches(ctx)
    bilan.fiches = fiches.liste
    bilan.fiches_par_statut = fiches.par_statut
    bilan.fiches_par_engagement = fiches.par_engagement
    bilan.fiches_par_quartier = fiches.par_quartier

    credits = section_credits.credits(ctx)
    bilan.credits = credits.liste
    bilan.credits_par_type = credits.par_type
    bilan.credits_par_signataire = credits.par_signataire
    bilan.credits_par_signataire_total = credits.par_signataire_total
    bilan.credits_par_lieu = credits.par_lieu
    bilan.credits_par_engagement = credits.par_engagement

    etudes = section_etudes.etudes(ctx)
    bilan.etudes = etudes.liste
    bilan.nb_etudes_precedentes = etudes.nb_precedentes

    bilan.synthese = synthese(bilan)
    return bilan
