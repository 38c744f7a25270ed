"""Sections « indicateurs » du bilan : complétude de la campagne (indicateurs/mesures.py, la
même que sur la page de la campagne), sections par engagement, table longue des valeurs et
chiffres clés des QPV. Les valeurs montrées sont lues une fois (une requête) ; les comptes,
jamais dans ces valeurs, mais par les mesures (une requête)."""

from collections import defaultdict
from dataclasses import dataclass
from itertools import groupby

from django.db.models import Q

from bilan.donnees.comparaison import TIRET, Comparaison, Unite
from engagements.models import Engagement
from indicateurs.mesures import mesurer
from indicateurs.models import Indicateur, Territoire, Valeur
from quartiers.models import Quartier
from socle import chiffres

T = Territoire.Type

# Ce que les feuilles et le rapport lisent d'une valeur.
COLONNES_VALEUR = (
    "indicateur",
    "territoire",
    "annee",
    "valeur",
    "nombre",
    "base",
    "statut",
    "demo",
    "source",
    "reserve_perimetre",
    "deduite",
    "motif_deduction",
    "valide_le",
    "producteur__nom",
)


# --- lignes -------------------------------------------------------------------------------------


def evolution_valeurs(indicateur, actuelle, precedente):
    """Comparaison de deux valeurs d'un indicateur (la part pour un « nombre et part »)."""
    unite = Unite.POURCENTAGE if indicateur.est_pourcentage else Unite.NOMBRE
    return Comparaison(
        libelle=indicateur.code,
        n=actuelle.valeur if actuelle is not None else None,
        n1=precedente.valeur if precedente is not None else None,
        unite=unite,
    )


def ecart_paris(indicateur, locale, paris):
    """L'écart en points à Paris (socle/chiffres.py) : parts et taux, valeurs de la même
    année."""
    return chiffres.ecart_points_valeurs(locale, paris, pourcentage=indicateur.est_pourcentage)


def affichage(valeur):
    return valeur.affichage if valeur is not None else TIRET


@dataclass
class LigneIndicateur:
    """Un indicateur du contrat sur un territoire du périmètre (l'ensemble des QPV pour Paris,
    chaque QPV pour un arrondissement) : ses valeurs N et N-1, et celles de Paris."""

    indicateur: Indicateur
    territoire: Territoire | None
    valeur: Valeur | None = None
    precedente: Valeur | None = None
    paris: Valeur | None = None
    paris_precedente: Valeur | None = None

    @property
    def comparaison(self):
        return evolution_valeurs(self.indicateur, self.valeur, self.precedente)

    @property
    def comparaison_paris(self):
        return evolution_valeurs(self.indicateur, self.paris, self.paris_precedente)

    @property
    def ecart_paris(self):
        return ecart_paris(self.indicateur, self.valeur, self.paris)

    @property
    def ecart_paris_texte(self):
        return chiffres.points_fr(self.ecart_paris)

    @property
    def a_des_valeurs(self):
        return any(v is not None for v in (self.valeur, self.precedente))

    @property
    def valeurs(self):
        return [v for v in (self.valeur, self.precedente, self.paris, self.paris_precedente) if v]

    @property
    def demo(self):
        return any(v.demo for v in self.valeurs)

    @property
    def statuts_non_valides(self):
        """Les statuts des valeurs montrées qui ne sont pas validées (toutes valeurs)."""
        return sorted(
            {v.get_statut_display() for v in self.valeurs if v.statut != Valeur.Statut.VALIDE}
        )

    @property
    def valeur_texte(self):
        return affichage(self.valeur)

    @property
    def precedente_texte(self):
        return affichage(self.precedente)

    @property
    def paris_texte(self):
        return affichage(self.paris)

    @property
    def paris_precedente_texte(self):
        return affichage(self.paris_precedente)


@dataclass
class LigneValeur:
    """Une ligne de la table longue : une valeur (indicateur × territoire × année) et celle de
    l'année d'avant sur le même territoire."""

    valeur: Valeur
    precedente: Valeur | None

    @property
    def indicateur(self):
        return self.valeur.indicateur

    @property
    def comparaison(self):
        return evolution_valeurs(self.valeur.indicateur, self.valeur, self.precedente)


@dataclass
class LigneChiffreQuartier:
    """Un chiffre clé d'un QPV (indicateur de contexte) : la valeur la plus récente jusqu'à
    l'année du bilan, celle de l'année d'avant, et Paris la même année."""

    quartier: Quartier
    indicateur: Indicateur
    valeur: Valeur | None
    precedente: Valeur | None
    paris: Valeur | None

    @property
    def comparaison(self):
        return evolution_valeurs(self.indicateur, self.valeur, self.precedente)

    @property
    def ecart_paris(self):
        return ecart_paris(self.indicateur, self.valeur, self.paris)

    @property
    def ecart_paris_texte(self):
        return chiffres.points_fr(self.ecart_paris)

    @property
    def demo(self):
        return any(v is not None and v.demo for v in (self.valeur, self.precedente, self.paris))


@dataclass
class CompletudeEngagement:
    """La campagne d'un engagement : ses indicateurs du contrat, et les indicateurs
    renseignés, valeurs attendues, renseignées, soumises et validées (indicateurs/mesures.py),
    N et N-1."""

    engagement: Engagement
    nb_indicateurs: int = 0
    avec_valeur: Comparaison = None
    attendues: Comparaison = None
    renseignees: Comparaison = None
    soumises: Comparaison = None
    validees: Comparaison = None

    @property
    def taux_renseignement(self):
        return Comparaison(
            "Taux de renseignement",
            chiffres.taux(self.renseignees.n, self.attendues.n),
            chiffres.taux(self.renseignees.n1, self.attendues.n1),
            Unite.POURCENTAGE,
        )


@dataclass
class SectionEngagement:
    engagement: Engagement
    lignes: list
    completude: CompletudeEngagement

    @property
    def lignes_renseignees(self):
        return [ligne for ligne in self.lignes if ligne.a_des_valeurs]

    @property
    def nb_sans_valeur(self):
        return len(self.lignes) - len(self.lignes_renseignees)


# --- valeurs montrées ---------------------------------------------------------------------------


class ValeursMontrees:
    """Les valeurs que le bilan montre (validées, ou toutes sur demande ; démonstration sur
    demande) sur ses territoires, en une requête : N, N-1 et N-2 (l'évolution des valeurs de
    N-1), et toutes les années jusqu'à N pour les chiffres clés (indicateurs de contexte)."""

    def __init__(self, ctx, cles):
        par_indicateur = {i.pk: i for i in ctx.indicateurs}
        par_territoire = {t.pk: t for t in ctx.territoires}
        valeurs = Valeur.objects.for_user(ctx.user) if ctx.user is not None else Valeur.objects
        if not ctx.avec_demo:
            valeurs = valeurs.reelles()
        if not ctx.toutes_valeurs:
            valeurs = valeurs.validees()
        if ctx.arrondissement is not None:
            valeurs = valeurs.filter(territoire_id__in=list(par_territoire))
        valeurs = valeurs.filter(
            Q(annee__in=[ctx.n, ctx.n1, ctx.n - 2])
            | Q(indicateur_id__in=[i.pk for i in cles], annee__lte=ctx.n)
        )
        self._valeurs = {}
        for v in valeurs.select_related("producteur").only(*COLONNES_VALEUR).order_by():
            v.indicateur = par_indicateur[v.indicateur_id]
            v.territoire = par_territoire[v.territoire_id]
            self._valeurs[(v.indicateur_id, v.territoire_id, v.annee)] = v

    def __call__(self, indicateur, territoire, annee):
        if territoire is None:
            return None
        return self._valeurs.get((indicateur.pk, territoire.pk, annee))

    def __iter__(self):
        return iter(self._valeurs.values())

    @property
    def demo_presente(self):
        return any(v.demo for v in self._valeurs.values())


# --- les sections -------------------------------------------------------------------------------


def completude(ctx):
    """La complétude de la campagne N et N-1 sur le périmètre (indicateurs/mesures.py) :
    (le dictionnaire de la synthèse, les mesures pour les sections par engagement)."""
    n, n1 = ctx.n, ctx.n1
    mesures = mesurer(
        ctx.annees, ctx.perimetre, indicateurs=ctx.indicateurs, avec_demo=ctx.avec_demo
    )
    total = {an: mesures.total(an) for an in (n, n1)}

    def comparaison(libelle, attribut, niveau=0):
        return Comparaison(
            libelle, getattr(total[n], attribut), getattr(total[n1], attribut), niveau=niveau
        )

    def taux(libelle, attribut):
        return Comparaison(
            libelle, getattr(total[n], attribut), getattr(total[n1], attribut), Unite.POURCENTAGE
        )

    return {
        "indicateurs": sum(1 for i in ctx.indicateurs if i.engagement_id is not None),
        "avec_valeur": comparaison("Indicateurs du contrat renseignés", "indicateurs_renseignes"),
        "avec_valeur_validee": comparaison(
            "dont avec au moins une valeur validée", "indicateurs_valides", niveau=1
        ),
        "attendues": comparaison("Valeurs attendues", "attendues"),
        "renseignees": comparaison("Valeurs renseignées", "renseignees"),
        "soumises": comparaison("dont valeurs soumises, à valider", "soumises", niveau=1),
        "validees": comparaison("Valeurs validées", "validees"),
        "taux_renseignement": taux("Taux de renseignement (renseignées ÷ attendues)", "taux"),
        "part_validee": taux("Part validée (validées ÷ renseignées)", "part_validee"),
    }, mesures


def sections_engagements(ctx, mesures, montrees):
    """[(thématique, [SectionEngagement])] : pour chaque engagement, une ligne par indicateur
    du contrat et territoire principal, et sa complétude N et N-1."""
    n, n1 = ctx.n, ctx.n1
    paris = ctx.paris
    principaux = ctx.principaux
    par_engagement = defaultdict(list)
    for ind in ctx.indicateurs:
        if ind.engagement_id is not None:
            par_engagement[ind.engagement_id].append(ind)
    sections = []
    for e in ctx.engagements:
        mesure = {an: mesures.engagement(an, e.pk) for an in (n, n1)}

        def comparaison(libelle, attribut, mesure=mesure):
            return Comparaison(libelle, getattr(mesure[n], attribut), getattr(mesure[n1], attribut))

        lignes = [
            LigneIndicateur(
                indicateur=ind,
                territoire=t,
                valeur=montrees(ind, t, n),
                precedente=montrees(ind, t, n1),
                paris=montrees(ind, paris, n),
                paris_precedente=montrees(ind, paris, n1),
            )
            for ind in par_engagement[e.pk]
            for t in principaux
        ]
        sections.append(
            SectionEngagement(
                engagement=e,
                lignes=lignes,
                completude=CompletudeEngagement(
                    engagement=e,
                    nb_indicateurs=len(par_engagement[e.pk]),
                    avec_valeur=comparaison("Indicateurs renseignés", "indicateurs_renseignes"),
                    attendues=comparaison("Valeurs attendues", "attendues"),
                    renseignees=comparaison("Valeurs renseignées", "renseignees"),
                    soumises=comparaison("Valeurs soumises", "soumises"),
                    validees=comparaison("Valeurs validées", "validees"),
                ),
            )
        )
    return [
        (thematique, list(groupe))
        for thematique, groupe in groupby(sections, key=lambda s: s.engagement.thematique)
    ]


def table_longue(ctx, montrees):
    """Chaque valeur montrée de N et N-1, avec celle de l'année d'avant sur le même
    territoire, dans l'ordre des indicateurs puis des territoires."""
    ordre_territoire = {t.pk: i for i, t in enumerate(ctx.territoires)}
    ordre_indicateur = {i.pk: k for k, i in enumerate(ctx.indicateurs)}
    return [
        LigneValeur(v, montrees(v.indicateur, v.territoire, v.annee - 1))
        for v in sorted(
            (v for v in montrees if v.annee in (ctx.n, ctx.n1)),
            key=lambda v: (
                ordre_indicateur[v.indicateur_id],
                ordre_territoire[v.territoire_id],
                -v.annee,
            ),
        )
    ]


def chiffres_quartiers(ctx, cles, montrees):
    """Pour chaque QPV et chiffre clé : la valeur la plus récente jusqu'à N, celle de l'année
    d'avant, et Paris la même année."""
    series = defaultdict(dict)
    ids_cles = {i.pk for i in cles}
    for v in montrees:
        if v.indicateur_id in ids_cles:
            series[(v.indicateur_id, v.territoire_id)][v.annee] = v
    paris = ctx.paris
    territoire_qpv = {t.quartier_id: t for t in ctx.par_type.get(T.QPV, [])}
    lignes = []
    for q in ctx.quartiers:
        t = territoire_qpv.get(q.pk)
        for ind in cles:
            serie = series.get((ind.pk, t.pk), {}) if t else {}
            derniere = serie[max(serie)] if serie else None
            precedente = serie.get(derniere.annee - 1) if derniere else None
            paris_v = (
                series.get((ind.pk, paris.pk), {}).get(derniere.annee)
                if derniere and paris
                else None
            )
            lignes.append(LigneChiffreQuartier(q, ind, derniere, precedente, paris_v))
    return lignes


def indicateurs_cles(ctx):
    """Les chiffres clés des fiches quartiers : les indicateurs de contexte hors contrat."""
    return [
        i
        for i in ctx.indicateurs
        if i.engagement_id is None and i.nature == Indicateur.Nature.CONTEXTE
    ]
