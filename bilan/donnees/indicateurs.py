"""Sections « indicateurs » du bilan : complétude de la campagne (indicateurs/mesures.py, la
même que sur la page de la campagne), sections par engagement, table longue des valeurs et
chiffres clés des QPV. Les valeurs que montrent les sections et les chiffres clés sont lues
une fois (une requête), et seulement celles-là : les territoires principaux et Paris, et pour
les chiffres clés la dernière année et celle d'avant (fenêtre SQL) ; la table longue (toutes
les valeurs de N et N-1, des centaines de milliers à l'échelle nationale) n'est jamais chargée
en mémoire : elle est lue en flux, par paquets, au moment où le classeur l'écrit. Les comptes,
jamais dans ces valeurs, mais par les mesures (une requête)."""

from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property
from itertools import groupby

from django.db import connections, transaction
from django.db.models import DateTimeField, Exists, F, Func, Max, Q, Value, Window
from django.utils import timezone

from bilan.donnees.comparaison import TIRET, Comparaison, Unite
from engagements.models import Engagement
from indicateurs.mesures import mesurer
from indicateurs.models import Indicateur, Territoire, Valeur, texte_de_valeur
from quartiers.models import Quartier
from socle import chiffres

T = Territoire.Type

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


# Les colonnes d'une valeur de la table longue, dans l'ordre des champs de `ValeurLue`.
COLONNES_LUES = (
    "indicateur_id",
    "territoire_id",
    "annee",
    "valeur",
    "nombre",
    "base",
    "statut",
    "demo",
    "source",
    "valide_le",
    "reserve_perimetre",
    "deduite",
    "motif_deduction",
)
STATUTS = dict(Valeur.Statut.choices)


@dataclass(slots=True)
class ValeurLue:
    """Une valeur du bilan lue en colonnes (un tuple SQL, pas un objet du modèle : dix fois
    moins de temps par ligne), pour la table longue et les valeurs montrées ; l'indicateur et
    le territoire sont ceux du contexte. Elle se lit comme une `Valeur` là où le bilan la lit
    (affichage, libellé du statut, provenance)."""

    indicateur: object = None
    territoire: object = None
    annee: int | None = None
    valeur: object = None
    nombre: int | None = None
    base: int | None = None
    statut: str = ""
    demo: bool = False
    source: str = ""
    valide_le: object = None
    reserve_perimetre: str = ""
    deduite: bool = False
    motif_deduction: str = ""
    producteur_nom: str | None = None

    def get_statut_display(self):
        return STATUTS.get(self.statut, self.statut)

    @property
    def affichage(self):
        """Comme `Valeur.affichage` (« 16 % », « 12 / 40 (30 %) »)."""
        return texte_de_valeur(self.indicateur.unite, self.valeur, self.nombre, self.base)

    @property
    def indicateur_id(self):
        return self.indicateur.pk

    @property
    def territoire_id(self):
        return self.territoire.pk


@dataclass
class LigneValeur:
    """Une ligne de la table longue : une valeur (indicateur × territoire × année) et celle de
    l'année d'avant sur le même territoire (seule sa valeur est lue)."""

    valeur: ValeurLue
    precedente: ValeurLue | None

    @property
    def indicateur(self):
        return self.valeur.indicateur

    @cached_property
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


def valeurs_montrables(ctx):
    """Les valeurs que le bilan peut montrer : celles que le lecteur voit, validées (ou toutes
    sur demande), réelles (ou avec la démonstration sur demande), sur les territoires du
    périmètre."""
    valeurs = Valeur.objects.for_user(ctx.user) if ctx.user is not None else Valeur.objects.all()
    if not ctx.avec_demo:
        valeurs = valeurs.reelles()
    if not ctx.toutes_valeurs:
        valeurs = valeurs.validees()
    if ctx.arrondissement is not None:
        valeurs = valeurs.filter(territoire_id__in=[t.pk for t in ctx.territoires])
    return valeurs


class ValeursMontrees:
    """Les valeurs que montrent les sections par engagement et les chiffres clés, en une
    requête : indicateurs du contrat sur les territoires principaux et Paris, N et N-1 ;
    chiffres clés (indicateurs de contexte) des QPV, leur dernière année jusqu'à N et celle
    d'avant, et Paris toutes années jusqu'à N. Chaque ligne dit aussi (sous-requête évaluée
    une fois) si le bilan contient des valeurs de démonstration, table longue comprise."""

    def __init__(self, ctx, cles):
        par_indicateur = {i.pk: i for i in ctx.indicateurs}
        par_territoire = {t.pk: t for t in ctx.territoires}
        montrables = valeurs_montrables(ctx)
        paris = ctx.paris
        ids_paris = [paris.pk] if paris else []
        ids_principaux = [t.pk for t in ctx.principaux if t is not None] + ids_paris
        ids_cles = [i.pk for i in cles]
        ids_detailles = {q.pk for q in ctx.quartiers_detailles}
        ids_qpv = [t.pk for t in ctx.par_type.get(T.QPV, []) if t.quartier_id in ids_detailles]
        # Chiffres clés des QPV : la dernière année jusqu'à N et celle d'avant (fenêtre SQL),
        # pas toute la série de chaque QPV.
        dernieres = (
            montrables.filter(
                indicateur_id__in=ids_cles, territoire_id__in=ids_qpv, annee__lte=ctx.n
            )
            .annotate(
                derniere=Window(Max("annee"), partition_by=[F("indicateur_id"), F("territoire_id")])
            )
            .filter(annee__gte=F("derniere") - 1)
            .values("pk")
        )
        valeurs = montrables.filter(
            Q(
                annee__in=[ctx.n, ctx.n1],
                indicateur_id__in=[i.pk for i in ctx.indicateurs if i.engagement_id is not None],
                territoire_id__in=ids_principaux,
            )
            | Q(indicateur_id__in=ids_cles, territoire_id__in=ids_paris, annee__lte=ctx.n)
            # Les conditions de `dernieres` répétées ici : chaque branche du OU a ainsi une
            # condition servie par un index (BitmapOr), au lieu d'un parcours de toute la table
            # des valeurs (3,4 s à l'échelle nationale).
            | Q(
                indicateur_id__in=ids_cles,
                territoire_id__in=ids_qpv,
                annee__lte=ctx.n,
                pk__in=dernieres,
            )
        )
        demo = montrables.filter(
            Q(annee__in=[ctx.n, ctx.n1, ctx.n - 2])
            | Q(indicateur_id__in=ids_cles, annee__lte=ctx.n)
        ).filter(demo=True)
        self._valeurs = {}
        self.demo_presente = False
        # En colonnes (`ValeurLue`), pas en objets du modèle : 23 000 valeurs à l'échelle
        # nationale (chiffres clés de chaque QPV), dont la construction coûtait 1 s.
        for *colonnes, demo_dans_le_bilan in (
            valeurs.annotate(demo_dans_le_bilan=Exists(demo))
            .order_by()
            .values_list(*COLONNES_LUES, "producteur__nom", "demo_dans_le_bilan")
        ):
            v = ValeurLue(*colonnes)
            v.indicateur = par_indicateur[v.indicateur]
            v.territoire = par_territoire[v.territoire]
            self._valeurs[(v.indicateur.pk, v.territoire.pk, v.annee)] = v
            self.demo_presente = demo_dans_le_bilan
        if not self._valeurs and ctx.avec_demo:
            # Rien dans les sections : la table longue peut encore en contenir.
            self.demo_presente = demo.exists()

    def __call__(self, indicateur, territoire, annee):
        if territoire is None:
            return None
        return self._valeurs.get((indicateur.pk, territoire.pk, annee))

    def __iter__(self):
        return iter(self._valeurs.values())


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


class TableLongue:
    """Chaque valeur montrée de N et N-1, avec la valeur de l'année d'avant sur le même
    territoire (sous-requête sur la clé unique), dans l'ordre des indicateurs puis des
    territoires. Lue en flux quand on la parcourt (curseur serveur, paquets de
    `TAILLE_PAQUET` lignes) : la mémoire ne croît pas avec le nombre de valeurs. `len()` la
    compte en SQL."""

    TAILLE_PAQUET = 2000
    # Le tri des 530 000 lignes nationales sur les codes : en mémoire plutôt que sur disque.
    MEMOIRE_TRI = "64MB"

    def __init__(self, ctx):
        self.ctx = ctx
        self._nombre = None

    def _valeurs(self):
        ctx = self.ctx
        montrables = valeurs_montrables(ctx)
        return montrables.filter(annee__in=[ctx.n, ctx.n1])

    def __iter__(self):
        ctx = self.ctx
        if ctx.qpv_detailles is not None and ctx.arrondissement is None:
            # Ce contexte n'a chargé que les territoires que le rapport montre.
            raise ValueError("La table longue est celle du classeur : calculer_bilan sans borne.")
        par_indicateur = {i.pk: i for i in ctx.indicateurs}
        par_territoire = {t.pk: t for t in ctx.territoires}
        # Les valeurs de N, N-1 et N-2, dans l'ordre des indicateurs, des territoires, puis
        # des années décroissantes : la valeur de l'année d'avant d'une ligne est la ligne
        # suivante du flux (même indicateur, même territoire, année - 1). Une lecture de plus
        # (N-2) au lieu d'une sous-requête par ligne (350 000 à l'échelle nationale).
        valeurs = (
            valeurs_montrables(ctx)
            .filter(annee__in=[ctx.n, ctx.n1, ctx.n1 - 1])
            # L'ordre de ctx.indicateurs et de ctx.territoires, en SQL.
            .order_by(
                F("indicateur__engagement__numero").asc(nulls_last=True),
                "indicateur__ordre",
                "indicateur__code",
                "territoire__ordre",
                "territoire__code",
                "-annee",
            )
            # Des colonnes, pas des objets du modèle : des centaines de milliers de lignes.
            .values_list(
                *[valide_le_lue() if c == "valide_le" else c for c in COLONNES_LUES],
                "producteur__nom",
            )
        )
        montrees = {ctx.n, ctx.n1}
        attente = None  # la dernière ligne montrée, qui attend sa valeur de l'année d'avant
        for ligne in lire_en_flux(valeurs, self.TAILLE_PAQUET, self.MEMOIRE_TRI):
            v = ValeurLue(*ligne)
            if attente is not None:
                suit = (
                    v.indicateur == attente.indicateur.pk
                    and v.territoire == attente.territoire.pk
                    and v.annee == attente.annee - 1
                )
                avant = ValeurLue(valeur=v.valeur, annee=v.annee) if suit else None
                if avant is not None and avant.valeur is None:
                    avant = None
                yield LigneValeur(attente, avant)
                attente = None
            if v.annee in montrees:
                v.indicateur = par_indicateur[v.indicateur]
                v.territoire = par_territoire[v.territoire]
                attente = v
        if attente is not None:
            yield LigneValeur(attente, None)

    def __len__(self):
        if self._nombre is None:
            self._nombre = self._valeurs().count()
        return self._nombre


def valide_le_lue():
    """La date de validation telle que le classeur l'écrit : sur PostgreSQL, à l'heure
    locale et sans fuseau, calculée en SQL (`AT TIME ZONE`). Django lit chaque `timestamptz`
    par un chargeur écrit en Python (4,5 s pour les 530 000 dates du bilan national), un
    `timestamp` passe par celui de psycopg en C (1,2 s) ; le tableur écrit de toute façon
    l'heure locale sans fuseau (`valeur_xlsx`)."""
    if connections[Valeur.objects.db].vendor != "postgresql":
        return F("valide_le")
    return Func(
        F("valide_le"),
        Value(timezone.get_current_timezone_name()),
        arg_joiner=" AT TIME ZONE ",
        template="(%(expressions)s)",
        output_field=DateTimeField(),
    )


def lire_en_flux(requete, taille, memoire_tri):
    """Les lignes de `requete` par paquets, dans une transaction en lecture : sur
    PostgreSQL, le curseur serveur y lit au fil de l'eau (hors transaction, Django le déclare
    WITH HOLD et PostgreSQL calcule tout le résultat avant la première ligne), et le tri de
    cette requête dispose de `memoire_tri` (SET LOCAL : la transaction seulement)."""
    connexion = connections[requete.db]
    with transaction.atomic(using=requete.db):
        if connexion.vendor == "postgresql":
            with connexion.cursor() as curseur:
                curseur.execute("SET LOCAL work_mem = %s", [memoire_tri])
        yield from requete.iterator(chunk_size=taille)


def table_longue(ctx):
    """La table longue du bilan (voir `TableLongue`), lue quand on la parcourt."""
    return TableLongue(ctx)


def chiffres_quartiers(ctx, cles, montrees):
    """Pour chaque QPV détaillé (`ctx.quartiers_detailles`) et chiffre clé : la valeur la plus
    récente jusqu'à N, celle de l'année d'avant, et Paris la même année."""
    series = defaultdict(dict)
    ids_cles = {i.pk for i in cles}
    for v in montrees:
        if v.indicateur_id in ids_cles:
            series[(v.indicateur_id, v.territoire_id)][v.annee] = v
    paris = ctx.paris
    territoire_qpv = {t.quartier_id: t for t in ctx.par_type.get(T.QPV, [])}
    lignes = []
    for q in ctx.quartiers_detailles:
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
