"""Le calcul du bilan annuel d'une année, pour Paris ou pour un arrondissement.

Règles (reprises dans la feuille « Métadonnées » et en annexe du rapport) :

- **Périmètre.** Paris : tous les QPV, leurs secteurs, l'ensemble des QPV, les arrondissements,
  les réseaux REP/REP+ et Paris. Un arrondissement : ses QPV (un QPV à cheval sur deux
  arrondissements compte dans les deux), leurs secteurs et micro-quartiers, le territoire de
  l'arrondissement, et Paris comme référence de comparaison ; les crédits de ses QPV ou
  rattachés à l'arrondissement ; les fiches-actions menées dans ses QPV ; les projets
  structurants de ses QPV ; les études qui portent sur ses QPV ou sur l'arrondissement.
- **Valeurs montrées.** Seules les valeurs validées, sauf si l'on demande toutes les valeurs
  (brouillons, soumises et renvoyées comprises, chacune avec son statut).
- **Valeurs de démonstration** (`Valeur.demo`) : exclues par défaut, car un bilan est un
  document officiel ; incluses sur demande, elles sont alors marquées « Démo » sur chaque ligne
  et signalées en tête de la synthèse et du rapport.
- **Complétude de la campagne.** Une valeur est attendue pour chaque territoire du périmètre
  des niveaux attendus par l'indicateur (indicateurs du contrat). Elle compte tous les
  statuts (c'est l'état de la saisie) : renseignées, dont validées. « Part validée » = validées
  ÷ renseignées.
- **Comparaison avec l'année précédente** partout où un chiffre est montré. Pour une part ou
  un taux, l'évolution est en points ; pour un nombre ou un montant, en valeur et en %. Sans
  valeur l'une des deux années, l'évolution est « — » : rien n'est estimé ni reporté.
- **Écart à Paris** : pour une part ou un taux seulement, entre valeurs de la même année.

Le calcul fait un nombre fixe de requêtes, quel que soit le volume (tests/bilan)."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from itertools import groupby

from django.db.models import Count, Q
from django.utils import formats, timezone

from bilan.models import Credit, EtudeQualitative
from engagements.models import Engagement
from indicateurs.models import Campagne, Indicateur, Territoire, Valeur, nombre_fr
from quartiers.models import ProjetStructurant, Quartier, SuiviProjet
from structures.models import FicheAction

T = Territoire.Type
TIRET = "—"
CENT = Decimal(100)


# --- mise en forme ----------------------------------------------------------------------------


def euros_fr(montant):
    """« 12 500,00 € » ; None → « — »."""
    if montant is None:
        return TIRET
    montant = Decimal(montant).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return formats.number_format(montant, 2, use_l10n=True, force_grouping=True) + "\u00a0€"


def signe(nombre, texte):
    if nombre > 0:
        return "+" + texte
    if nombre < 0:
        return "\u2212" + texte
    return texte


class Unite:
    """Comment une grandeur se lit : nombre, montant en euros, ou pourcentage (en points)."""

    NOMBRE = "nombre"
    EUROS = "euros"
    POURCENTAGE = "pourcentage"


def texte_grandeur(valeur, unite):
    if valeur is None:
        return TIRET
    if unite == Unite.EUROS:
        return euros_fr(valeur)
    if unite == Unite.POURCENTAGE:
        return f"{nombre_fr(valeur, 1)}\u00a0%"
    return nombre_fr(valeur)


def taux(numerateur, denominateur):
    """Un pourcentage à une décimale ; None si le dénominateur est nul (rien à diviser)."""
    if not denominateur:
        return None
    return (Decimal(numerateur) * CENT / Decimal(denominateur)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


@dataclass
class Comparaison:
    """Une grandeur l'année N et l'année N-1, et son évolution. None : pas de valeur, « — »."""

    libelle: str
    n: object = None
    n1: object = None
    unite: str = Unite.NOMBRE
    note: str = ""
    niveau: int = 0  # 1 : sous-ligne (« dont… »)
    code: str = ""

    @property
    def evolution(self):
        """N − (N-1), en points pour un pourcentage ; None sans l'une des deux valeurs."""
        if self.n is None or self.n1 is None:
            return None
        return Decimal(self.n) - Decimal(self.n1)

    @property
    def evolution_relative(self):
        """(N − (N-1)) ÷ (N-1), en fraction (0,12 = +12 %), pour un nombre ou un montant ;
        None pour un pourcentage, sans l'une des valeurs, ou si N-1 vaut zéro."""
        if self.unite == Unite.POURCENTAGE or self.evolution is None or not self.n1:
            return None
        return self.evolution / Decimal(self.n1)

    @property
    def n_texte(self):
        return texte_grandeur(self.n, self.unite)

    @property
    def n1_texte(self):
        return texte_grandeur(self.n1, self.unite)

    @property
    def evolution_texte(self):
        """« +1 200,00 € (+12,5 %) », « −3,5 pts », « 0 », « — »."""
        ecart = self.evolution
        if ecart is None:
            return TIRET
        if self.unite == Unite.POURCENTAGE:
            absolu = nombre_fr(abs(ecart), 1)
            return signe(ecart, f"{absolu}\u00a0pt{'s' if abs(ecart) >= 2 else ''}")
        absolu = euros_fr(abs(ecart)) if self.unite == Unite.EUROS else nombre_fr(abs(ecart))
        texte = signe(ecart, absolu)
        relative = self.evolution_relative
        if relative is not None and ecart:
            texte += f" ({signe(relative, nombre_fr(abs(relative) * CENT, 1))}\u00a0%)"
        return texte

    @property
    def sens(self):
        ecart = self.evolution
        if ecart is None:
            return ""
        return "hausse" if ecart > 0 else "baisse" if ecart < 0 else "stable"


# --- valeurs des indicateurs --------------------------------------------------------------------


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
    """L'écart en points à Paris : parts et taux seulement, valeurs de la même année."""
    if (
        locale is None
        or paris is None
        or not indicateur.est_pourcentage
        or locale.annee != paris.annee
        or locale.valeur is None
        or paris.valeur is None
    ):
        return None
    return locale.valeur - paris.valeur


def texte_ecart_points(ecart):
    if ecart is None:
        return TIRET
    absolu = nombre_fr(abs(ecart), 1)
    return signe(ecart, f"{absolu}\u00a0pt{'s' if abs(ecart) >= 2 else ''}")


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
        return texte_ecart_points(self.ecart_paris)

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
        return texte_ecart_points(self.ecart_paris)

    @property
    def demo(self):
        return any(v is not None and v.demo for v in (self.valeur, self.precedente, self.paris))


@dataclass
class CompletudeEngagement:
    """La campagne d'un engagement : indicateurs, valeurs attendues, renseignées, validées."""

    engagement: Engagement
    nb_indicateurs: int = 0
    avec_valeur: Comparaison = None
    attendues: Comparaison = None
    renseignees: Comparaison = None
    validees: Comparaison = None

    @property
    def taux_renseignement(self):
        return Comparaison(
            "Taux de renseignement",
            taux(self.renseignees.n, self.attendues.n),
            taux(self.renseignees.n1, self.attendues.n1),
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


@dataclass
class StatutsQuartier:
    quartier: Quartier
    comptes: dict
    total: int


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
    lignes_valeurs: list = field(default_factory=list)
    chiffres_quartiers: list = field(default_factory=list)
    indicateurs_cles: list = field(default_factory=list)
    projets: list = field(default_factory=list)
    statuts_projets: list = field(default_factory=list)
    statuts_projets_totaux: dict = field(default_factory=dict)
    suivis_projets: Comparaison = None
    fiches: list = field(default_factory=list)
    fiches_par_statut: list = field(default_factory=list)
    fiches_par_engagement: list = field(default_factory=list)
    fiches_par_quartier: list = field(default_factory=list)
    credits: list = field(default_factory=list)
    credits_par_type: list = field(default_factory=list)
    credits_par_signataire: list = field(default_factory=list)
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
        return sum(len(q.secteurs.all()) for q in self.quartiers)

    @property
    def statuts_projets_libelles(self):
        return [libelle for _, libelle in ProjetStructurant.Statut.choices]

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


# --- le calcul --------------------------------------------------------------------------------


def _perimetre(arrondissement):
    """Les QPV du périmètre (arrondissements et secteurs préchargés) et les territoires."""
    quartiers = Quartier.objects.prefetch_related("arrondissements", "secteurs").order_by(
        "ordre", "nom"
    )
    if arrondissement is not None:
        quartiers = quartiers.filter(arrondissements=arrondissement)
    quartiers = list(quartiers)
    territoires = list(
        Territoire.objects.select_related("quartier", "secteur").order_by("ordre", "code")
    )
    if arrondissement is not None:
        ids_qpv = {q.pk for q in quartiers}
        ids_secteurs = {s.pk for q in quartiers for s in q.secteurs.all()}
        territoires = [
            t
            for t in territoires
            if t.type == T.PARIS
            or (t.type == T.QPV and t.quartier_id in ids_qpv)
            or (t.type == T.SECTEUR and t.secteur_id in ids_secteurs)
            or (t.type == T.ARRONDISSEMENT and t.arrondissement_id == arrondissement.pk)
        ]
    return quartiers, territoires


def _attendus(indicateur, par_type):
    return [t for niveau in indicateur.niveaux_attendus for t in par_type.get(niveau, [])]


def calculer_bilan(
    annee, arrondissement=None, toutes_valeurs=False, avec_demo=False, user=None, auteur=""
):
    """Le bilan d'une année pour Paris (ou un arrondissement). `user` : celui qui le produit
    (le SPV voit tout) ; sans `user` (ligne de commande), toutes les données. `auteur` : qui
    l'a produit, pour les métadonnées."""
    n, n1 = annee, annee - 1
    quartiers, territoires = _perimetre(arrondissement)
    ids_territoires = [t.pk for t in territoires]
    par_type = defaultdict(list)
    for t in territoires:
        par_type[t.type].append(t)
    paris = next(iter(par_type.get(T.PARIS, [])), None)
    ids_qpv = [q.pk for q in quartiers]

    campagnes = {c.annee: c for c in Campagne.objects.filter(annee__in=[n, n1])}
    bilan = Bilan(
        annee=n,
        arrondissement=arrondissement,
        toutes_valeurs=toutes_valeurs,
        avec_demo=avec_demo,
        genere_le=timezone.now(),
        genere_par=auteur or (user.get_full_name() or user.username if user else ""),
        quartiers=quartiers,
        territoires=territoires,
        campagne=campagnes.get(n),
        campagne_precedente=campagnes.get(n1),
    )

    # --- indicateurs et valeurs -------------------------------------------------------------
    indicateurs = list(
        Indicateur.objects.select_related("engagement", "producteur").order_by(
            "engagement__numero", "ordre", "code"
        )
    )
    par_id = {i.pk: i for i in indicateurs}
    du_contrat = [i for i in indicateurs if i.engagement_id is not None]
    cles = [
        i for i in indicateurs if i.engagement_id is None and i.nature == Indicateur.Nature.CONTEXTE
    ]
    ids_cles = [i.pk for i in cles]
    valeurs = Valeur.objects.for_user(user) if user is not None else Valeur.objects.all()
    if not avec_demo:
        valeurs = valeurs.reelles()
    valeurs = valeurs.filter(territoire_id__in=ids_territoires).filter(
        Q(annee__in=[n, n1, n - 2]) | Q(indicateur_id__in=ids_cles, annee__lte=n)
    )
    statuts = {}  # (indicateur, territoire, année) → statut (toutes les valeurs : complétude)
    montrees = {}  # (indicateur, territoire, année) → valeur (selon la portée choisie)
    par_territoire = {t.pk: t for t in territoires}
    for v in valeurs.select_related("producteur", "valide_par"):
        cle = (v.indicateur_id, v.territoire_id, v.annee)
        statuts[cle] = v.statut
        if toutes_valeurs or v.statut == Valeur.Statut.VALIDE:
            v.indicateur = par_id[v.indicateur_id]
            v.territoire = par_territoire[v.territoire_id]
            montrees[cle] = v
    bilan.demo_presente = any(v.demo for v in montrees.values())

    def montree(indicateur, territoire, an):
        if territoire is None:
            return None
        return montrees.get((indicateur.pk, territoire.pk, an))

    # Complétude par engagement, pour N et N-1.
    completudes = {}
    totaux = {an: Counter() for an in (n, n1)}
    for ind in du_contrat:
        c = completudes.setdefault(
            ind.engagement_id, {an: Counter() for an in (n, n1)} | {"indicateurs": 0}
        )
        c["indicateurs"] += 1
        attendus = _attendus(ind, par_type)
        for an in (n, n1):
            compte = c[an]
            renseigne_quelque_part = False
            valide_quelque_part = False
            for t in territoires:
                statut = statuts.get((ind.pk, t.pk, an))
                if statut is not None:
                    renseigne_quelque_part = True
                    valide_quelque_part |= statut == Valeur.Statut.VALIDE
            for t in attendus:
                statut = statuts.get((ind.pk, t.pk, an))
                compte["attendues"] += 1
                compte["renseignees"] += statut is not None
                compte["validees"] += statut == Valeur.Statut.VALIDE
            compte["avec_valeur"] += renseigne_quelque_part
            compte["avec_valeur_validee"] += valide_quelque_part
    for c in completudes.values():
        for an in (n, n1):
            totaux[an].update(c[an])

    def comparaison(libelle, cle, source=totaux, unite=Unite.NOMBRE, niveau=0):
        return Comparaison(libelle, source[n][cle], source[n1][cle], unite, niveau=niveau)

    bilan.completude = {
        "indicateurs": len(du_contrat),
        "avec_valeur": comparaison("Indicateurs du contrat renseignés", "avec_valeur"),
        "avec_valeur_validee": comparaison(
            "dont avec au moins une valeur validée", "avec_valeur_validee", niveau=1
        ),
        "attendues": comparaison("Valeurs attendues", "attendues"),
        "renseignees": comparaison("Valeurs renseignées", "renseignees"),
        "validees": comparaison("Valeurs validées", "validees"),
        "taux_renseignement": Comparaison(
            "Taux de renseignement (renseignées ÷ attendues)",
            taux(totaux[n]["renseignees"], totaux[n]["attendues"]),
            taux(totaux[n1]["renseignees"], totaux[n1]["attendues"]),
            Unite.POURCENTAGE,
        ),
        "part_validee": Comparaison(
            "Part validée (validées ÷ renseignées)",
            taux(totaux[n]["validees"], totaux[n]["renseignees"]),
            taux(totaux[n1]["validees"], totaux[n1]["renseignees"]),
            Unite.POURCENTAGE,
        ),
    }

    # Sections par thématique et engagement.
    if arrondissement is None:
        principaux = par_type.get(T.ENSEMBLE_QPV, [])[:1] or [None]
    else:
        principaux = par_type.get(T.QPV, []) or [None]
    engagements = list(Engagement.objects.select_related("thematique").order_by("numero"))
    indicateurs_par_engagement = defaultdict(list)
    for ind in du_contrat:
        indicateurs_par_engagement[ind.engagement_id].append(ind)
    sections = []
    for e in engagements:
        lignes = [
            LigneIndicateur(
                indicateur=ind,
                territoire=t,
                valeur=montree(ind, t, n),
                precedente=montree(ind, t, n1),
                paris=montree(ind, paris, n),
                paris_precedente=montree(ind, paris, n1),
            )
            for ind in indicateurs_par_engagement[e.pk]
            for t in principaux
        ]
        c = completudes.get(e.pk, {an: Counter() for an in (n, n1)} | {"indicateurs": 0})
        sections.append(
            SectionEngagement(
                engagement=e,
                lignes=lignes,
                completude=CompletudeEngagement(
                    engagement=e,
                    nb_indicateurs=c["indicateurs"],
                    avec_valeur=comparaison("Indicateurs renseignés", "avec_valeur", c),
                    attendues=comparaison("Valeurs attendues", "attendues", c),
                    renseignees=comparaison("Valeurs renseignées", "renseignees", c),
                    validees=comparaison("Valeurs validées", "validees", c),
                ),
            )
        )
    bilan.thematiques = [
        (thematique, list(groupe))
        for thematique, groupe in groupby(sections, key=lambda s: s.engagement.thematique)
    ]

    # Table longue : chaque valeur montrée de N et N-1, avec celle de l'année d'avant.
    ordre_territoire = {t.pk: i for i, t in enumerate(territoires)}
    ordre_indicateur = {i.pk: k for k, i in enumerate(indicateurs)}
    bilan.lignes_valeurs = [
        LigneValeur(v, montrees.get((v.indicateur_id, v.territoire_id, v.annee - 1)))
        for v in sorted(
            (v for v in montrees.values() if v.annee in (n, n1)),
            key=lambda v: (
                ordre_indicateur[v.indicateur_id],
                ordre_territoire[v.territoire_id],
                -v.annee,
            ),
        )
    ]

    # Chiffres clés des QPV : la valeur la plus récente jusqu'à N, l'année d'avant, Paris.
    series = defaultdict(dict)
    for (ind_id, terr_id, an), v in montrees.items():
        if ind_id in ids_cles:
            series[(ind_id, terr_id)][an] = v
    territoire_qpv = {t.quartier_id: t for t in par_type.get(T.QPV, [])}
    bilan.indicateurs_cles = cles
    for q in quartiers:
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
            bilan.chiffres_quartiers.append(
                LigneChiffreQuartier(q, ind, derniere, precedente, paris_v)
            )

    # --- projets structurants ---------------------------------------------------------------
    projets = list(
        ProjetStructurant.objects.filter(quartier_id__in=ids_qpv)
        .with_list_data()
        .select_related("portage__porteur_signataire", "portage__porteur_structure")
        .prefetch_related("portage__engagements")
        .order_by("quartier__ordre", "ordre")
    )
    for p in projets:
        portage = getattr(p, "portage", None)
        p.porteur = portage.porteur if portage else None
        p.engagements_servis = list(portage.engagements.all()) if portage else []
    bilan.projets = projets
    comptes = defaultdict(Counter)
    for p in projets:
        comptes[p.quartier_id][p.statut] += 1
    bilan.statuts_projets = [
        StatutsQuartier(q, dict(comptes[q.pk]), sum(comptes[q.pk].values())) for q in quartiers
    ]
    bilan.statuts_projets_totaux = dict(Counter(p.statut for p in projets))
    suivis = dict(
        SuiviProjet.objects.filter(projet__quartier_id__in=ids_qpv, date__year__in=[n, n1])
        .values_list("date__year")
        .annotate(nb=Count("pk"))
        .values_list("date__year", "nb")
    )
    bilan.suivis_projets = Comparaison(
        "Étapes de suivi des projets structurants", suivis.get(n, 0), suivis.get(n1, 0)
    )

    # --- fiches-actions ---------------------------------------------------------------------
    fiches = FicheAction.objects.for_user(user) if user is not None else FicheAction.objects
    fiches = fiches.filter(annee__in=[n, n1])
    if arrondissement is not None:
        fiches = fiches.filter(
            pk__in=FicheAction.objects.filter(quartiers__in=ids_qpv).values("pk")
        )
    fiches = list(fiches.with_list_data().order_by("titre", "pk"))
    statuts_fiches = FicheAction.Statut
    par_statut = {an: Counter(f.statut for f in fiches if f.annee == an) for an in (n, n1)}
    bilan.fiches_par_statut = [
        Comparaison("Fiches-actions", sum(par_statut[n].values()), sum(par_statut[n1].values()))
    ] + [
        Comparaison(
            f"dont {libelle.lower()}s",
            par_statut[n][code],
            par_statut[n1][code],
            niveau=1,
            code=code,
        )
        for code, libelle in statuts_fiches.choices
    ]
    bilan.fiches = [f for f in fiches if f.annee == n]
    par_engagement = defaultdict(lambda: {an: Counter() for an in (n, n1)})
    par_quartier = defaultdict(lambda: {an: Counter() for an in (n, n1)})
    for f in fiches:
        for e in f.engagements.all():
            par_engagement[e.pk][f.annee][f.statut] += 1
        for q in f.quartiers.all():
            if arrondissement is None or q.pk in ids_qpv:
                par_quartier[q.pk][f.annee][f.statut] += 1
    bilan.fiches_par_engagement = [
        (e, par_engagement[e.pk][n], _total(par_engagement[e.pk]))
        for e in engagements
        if e.pk in par_engagement
    ]
    bilan.fiches_par_quartier = [
        (q, par_quartier[q.pk][n], _total(par_quartier[q.pk])) for q in quartiers
    ]

    # --- crédits ----------------------------------------------------------------------------
    credits = list(
        Credit.objects.filter(annee__in=[n, n1])
        .du_perimetre(quartiers, arrondissement)
        .with_list_data()
        .order_by("signataire__ordre", "signataire__nom", "type", "-montant", "pk")
    )
    bilan.credits = [c for c in credits if c.annee == n]
    sommes = defaultdict(lambda: {n: Decimal(0), n1: Decimal(0)})
    for c in credits:
        sommes[("type", c.type)][c.annee] += c.montant
        sommes[("total",)][c.annee] += c.montant
        sommes[("signataire", c.signataire_id, c.type)][c.annee] += c.montant
        sommes[("lieu", c.lieu)][c.annee] += c.montant
        sommes[("engagement", c.engagement_id)][c.annee] += c.montant
    presents = {an: any(c.annee == an for c in credits) for an in (n, n1)}

    def montant(cle, an):
        # Sans aucun crédit saisi pour une année, on ne sait pas : « — », pas 0 €.
        return sommes[cle][an] if presents[an] else None

    def comparaison_credits(libelle, cle, niveau=0):
        return Comparaison(libelle, montant(cle, n), montant(cle, n1), Unite.EUROS, niveau=niveau)

    bilan.credits_par_type = [comparaison_credits("Crédits dans les QPV", ("total",))] + [
        comparaison_credits(f"dont {libelle.lower()}", ("type", code), niveau=1)
        for code, libelle in Credit.Type.choices
    ]
    signataires = {}
    for c in credits:
        signataires.setdefault((c.signataire_id, c.type), c)
    bilan.credits_par_signataire = [
        (c.signataire, c.get_type_display(), comparaison_credits("", ("signataire", *cle)))
        for cle, c in signataires.items()
    ]
    lieux = sorted(
        {c.lieu: c for c in credits}.values(),
        key=lambda c: (
            c.quartier_id is None,
            c.arrondissement_id is None,
            c.quartier.ordre if c.quartier_id else 0,
            c.arrondissement.numero if c.arrondissement_id else 0,
        ),
    )
    bilan.credits_par_lieu = [comparaison_credits(c.lieu, ("lieu", c.lieu)) for c in lieux]
    engagements_credits = sorted(
        {c.engagement_id: c.engagement for c in credits}.items(),
        key=lambda item: (item[1] is None, item[1].numero if item[1] else 0),
    )
    bilan.credits_par_engagement = [
        comparaison_credits(
            f"Engagement {e.numero} : {e.titre}" if e else "Sans engagement précisé",
            ("engagement", pk),
        )
        for pk, e in engagements_credits
    ]
    for (pk, _e), c in zip(engagements_credits, bilan.credits_par_engagement, strict=True):
        c.code = str(pk or "")

    # --- études qualitatives ----------------------------------------------------------------
    etudes = list(
        EtudeQualitative.objects.filter(annee__in=[n, n1])
        .du_perimetre(quartiers, arrondissement)
        .select_related("arrondissement")
        .prefetch_related("engagements", "quartiers")
        .order_by("titre", "pk")
    )
    bilan.etudes = [e for e in etudes if e.annee == n]
    bilan.nb_etudes_precedentes = len(etudes) - len(bilan.etudes)

    # --- synthèse ---------------------------------------------------------------------------
    cp = bilan.completude
    bilan.synthese = [
        cp["avec_valeur"],
        cp["avec_valeur_validee"],
        cp["attendues"],
        cp["renseignees"],
        cp["validees"],
        cp["taux_renseignement"],
        cp["part_validee"],
        *bilan.fiches_par_statut,
        *bilan.credits_par_type,
        Comparaison("Études qualitatives", len(bilan.etudes), bilan.nb_etudes_precedentes),
        bilan.suivis_projets,
    ]
    return bilan


def _total(comptes):
    """Le nombre de fiches d'un regroupement, N et N-1."""
    annees = sorted(comptes, reverse=True)
    return Comparaison("", sum(comptes[annees[0]].values()), sum(comptes[annees[1]].values()))
