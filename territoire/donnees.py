"""Chargeurs et calculs des pages de territoire.

Règles de lecture des valeurs (issue 5) :
- seules les valeurs **validées** sont montrées (`Valeur.objects.for_user(user).validees()`),
  jamais un brouillon, même au SPV : une fiche quartier sert au comité de pilotage ;
- une valeur absente s'affiche « — » : rien n'est estimé ni reporté d'un autre territoire ;
- la dernière valeur d'un territoire est celle de l'année la plus récente ; la valeur de Paris
  (ou de l'ensemble des QPV) qui lui est comparée est celle de la même année, à défaut la plus
  récente, avec son année affichée ;
- l'écart à Paris n'est calculé que pour une part ou un taux (en points), et seulement entre
  valeurs de la même année ; son calcul, son arrondi et son texte sont ceux de
  socle/chiffres.py, comme dans le bilan ;
- les indicateurs « manquants » de « Mon territoire » sont ceux d'indicateurs/mesures.py : les
  indicateurs attendus à la campagne (jamais un indicateur de contexte), comptés comme sur la
  page de la campagne et dans le bilan, et classés par ce qui compte (`rang_manquant`) ;
- ce qui demande l'attention d'un utilisateur (« À faire ») se classe d'une seule façon
  (`classer`) : l'urgent (renvoyé, échéance dépassée), puis ce qui attend une lecture ou une
  action, puis l'information, et dans chaque rang le plus récent d'abord ;
- une valeur de démonstration (`demo`) porte le libellé « démo » partout où elle apparaît.

Chaque chargeur fait un nombre fixe de requêtes, quel que soit le nombre de projets, de
valeurs ou de fiches (tests/quartiers/test_requetes.py)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from enum import IntEnum
from itertools import groupby

from django.db.models import (
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    Subquery,
)
from django.utils import timezone

from indicateurs.chargement import CODES_PAR_LIBELLE, cle_libelle, code_territoire_partie
from indicateurs.mesures import Completude, Perimetre, mesurer
from indicateurs.models import Campagne, Indicateur, Territoire, Valeur
from quartiers.models import Arrondissement, ProjetStructurant
from socle import chiffres
from socle.agregats import compte_lie
from socle.provenance import texte_provenance
from structures.models import FicheAction, Structure, TransitionFiche

T = Territoire.Type
JOURS_FICHES_RECENTES = 30
FICHES_MAX = 50


# --- indicateurs et valeurs -------------------------------------------------------------------


def charger_indicateurs(valeurs_qpv_de=None):
    """Tous les indicateurs (une requête), engagement joint : (chiffres clés, du contrat).

    Les chiffres clés sont les indicateurs de contexte sans engagement (`CTX-…`), qui portent
    les chiffres des fiches quartiers ; les indicateurs du contrat sont les puces des
    engagements. `valeurs_qpv_de` (un utilisateur) : chaque indicateur porte en plus
    `a_valeurs_qpv`, vrai s'il a au moins une valeur validée visible sur un QPV (EXISTS dans
    la même requête : sonde de l'index de l'indicateur, arrêtée à la première valeur)."""
    requete = Indicateur.objects.select_related("engagement").order_by(
        "engagement__numero", "ordre", "code"
    )
    if valeurs_qpv_de is not None:
        valeurs = (
            Valeur.objects.for_user(valeurs_qpv_de)
            .validees()
            .filter(indicateur=OuterRef("pk"), territoire__type=T.QPV)
        )
        requete = requete.annotate(a_valeurs_qpv=Exists(valeurs))
    tous = list(requete)
    cles = [i for i in tous if i.engagement_id is None and i.nature == Indicateur.Nature.CONTEXTE]
    contrat = [i for i in tous if i.engagement_id is not None]
    return cles, contrat, {i.pk: i for i in tous}


def territoires_et_references(condition):
    """Les territoires qui répondent à `condition`, plus Paris et l'ensemble des QPV, en une
    requête : (territoires, paris, ensemble), Paris et l'ensemble pouvant manquer (None)."""
    references = {T.PARIS: None, T.ENSEMBLE_QPV: None}
    autres = []
    for t in (
        Territoire.objects.filter(condition | Q(type__in=list(references)))
        .select_related("secteur")
        .order_by("ordre", "code")
    ):
        if t.type in references:
            references[t.type] = t
        else:
            autres.append(t)
    return autres, references[T.PARIS], references[T.ENSEMBLE_QPV]


class IndexValeurs:
    """Les valeurs validées, rangées par (indicateur, territoire) puis par année."""

    # Ce que les pages lisent d'une valeur (affichage, année, « démo », source, provenance) :
    # rien d'autre n'est chargé.
    COLONNES = (
        "indicateur", "territoire", "annee", "valeur", "nombre", "base", "demo", "source",
        "reserve_perimetre", "deduite", "motif_deduction",
    )  # fmt: skip

    def __init__(self, valeurs, indicateurs):
        self._series = defaultdict(dict)
        self._territoires = set()
        for v in valeurs:
            indicateur = indicateurs.get(v.indicateur_id)
            if indicateur is None:
                continue
            v.indicateur = indicateur  # déjà chargé : `affichage` ne refait pas de requête
            self._series[(v.indicateur_id, v.territoire_id)][v.annee] = v
            self._territoires.add(v.territoire_id)

    @classmethod
    def charger(cls, user, territoires, indicateurs, seulement=None, dernieres=False):
        """Une requête : les valeurs validées visibles de `user` sur les seuls territoires de
        la page, des seuls indicateurs `seulement` quand la page n'en montre qu'une partie, et
        seulement les colonnes lues. `dernieres` : la seule valeur la plus récente
        de chaque (indicateur, territoire) ; l'anti-jointure sur une année plus récente sonde
        l'index unique (indicateur, territoire, année) : la base ne lit pas les séries."""
        ids = [t.pk for t in territoires if t is not None]
        valeurs = Valeur.objects.for_user(user).validees().filter(territoire_id__in=ids)
        if seulement is not None:
            valeurs = valeurs.filter(indicateur_id__in=[i.pk for i in seulement])
        if dernieres:
            plus_recentes = (
                Valeur.objects.for_user(user)
                .validees()
                .filter(
                    indicateur=OuterRef("indicateur"),
                    territoire=OuterRef("territoire"),
                    annee__gt=OuterRef("annee"),
                )
            )
            valeurs = valeurs.filter(~Exists(plus_recentes))
        return cls(valeurs.only(*cls.COLONNES).order_by(), indicateurs)

    def serie(self, indicateur, territoire):
        """Les valeurs d'un indicateur sur un territoire, par année croissante."""
        if territoire is None:
            return []
        par_annee = self._series.get((indicateur.pk, territoire.pk), {})
        return [par_annee[a] for a in sorted(par_annee)]

    def derniere(self, indicateur, territoire):
        serie = self.serie(indicateur, territoire)
        return serie[-1] if serie else None

    def comparable(self, indicateur, territoire, annee):
        """La valeur de `territoire` l'année `annee`, à défaut sa plus récente."""
        if territoire is None:
            return None
        par_annee = self._series.get((indicateur.pk, territoire.pk), {})
        if annee in par_annee:
            return par_annee[annee]
        return par_annee[max(par_annee)] if par_annee else None

    def a_des_valeurs(self, territoire):
        return territoire is not None and territoire.pk in self._territoires


def ecart_points(indicateur, locale, reference):
    """L'écart en points entre deux valeurs d'un indicateur (socle/chiffres.py) : une part ou
    un taux, deux valeurs de la même année ; None sinon."""
    return chiffres.ecart_points_valeurs(locale, reference, pourcentage=indicateur.est_pourcentage)


@dataclass
class LigneChiffre:
    """Un chiffre clé d'un QPV ou d'un secteur, comparé à l'ensemble des QPV et à Paris.

    `texte_fiche` : le texte imprimé dans la fiche du contrat (« 32 % à Bédier Boutroux et
    36 % à Villa d’Este »), qui garde les chiffres doubles et les précisions de périmètre que
    les valeurs ne portent pas."""

    libelle: str
    indicateur: Indicateur | None = None
    locale: Valeur | None = None
    ensemble: Valeur | None = None
    paris: Valeur | None = None
    texte_fiche: str = ""
    precision: str = ""
    # Un chiffre clé double, chargé en une valeur par partie nommée du QPV (Bédier Boutroux,
    # Villa d’Este) : [(nom imprimé de la partie, valeur)], vide si aucune n'a de valeur.
    parties: list = field(default_factory=list)

    @property
    def ecart(self):
        return ecart_points(self.indicateur, self.locale, self.paris) if self.indicateur else None

    @property
    def ecart_texte(self):
        return chiffres.points_fr(self.ecart)

    @property
    def demo(self):
        valeurs = (self.locale, self.ensemble, self.paris, *(v for _, v in self.parties))
        return any(v is not None and v.demo for v in valeurs)


def note_population(quartier, chiffres):
    """Le chiffre clé « Nombre d’habitants » de la fiche du QPV quand il ne compte pas la
    population du décret affichée à côté (Porte de la Chapelle – Charles Hermite : 3 200 dans
    la fiche, hors micro-quartier Emile Bollaert, 4 800 au décret) ; None sinon."""
    habitants = next((c for c in chiffres if c.secteur_id is None and c.unite == "habitants"), None)
    if habitants is None or habitants.valeur is None or not quartier.population:
        return None
    return habitants if int(habitants.valeur) != quartier.population else None


def chiffres_compares(index, cles, territoire, ensemble, paris, chiffres_fiche=(), parties=()):
    """Les lignes de chiffres clés d'un territoire (QPV ou secteur) : une par indicateur clé,
    puis les chiffres imprimés qu'aucun indicateur ne porte (texte seul). `parties` : les
    territoires « partie de QPV » de la page ; un chiffre imprimé double (`ChiffreCle.parties`)
    reçoit la valeur validée de chacune de ses parties, dans l'ordre du texte."""
    par_code = {t.code: t for t in parties}
    textes, autres = {}, []
    for c in chiffres_fiche:
        code = CODES_PAR_LIBELLE.get(cle_libelle(c.libelle))
        if code is None:
            autres.append(LigneChiffre(libelle=c.libelle, texte_fiche=c.texte))
        else:
            textes.setdefault(code, c)
    lignes = []
    for ind in cles:
        locale = index.derniere(ind, territoire)
        annee = locale.annee if locale else None
        chiffre = textes.get(ind.code)
        lignes.append(
            LigneChiffre(
                libelle=ind.libelle,
                indicateur=ind,
                locale=locale,
                ensemble=index.comparable(ind, ensemble, annee),
                paris=index.comparable(ind, paris, annee),
                texte_fiche=chiffre.texte if chiffre else "",
                precision=chiffre.qualificatif if chiffre and chiffre.qualificatif else "",
                parties=_par_partie(index, ind, chiffre, par_code),
            )
        )
    return lignes + autres


def _par_partie(index, indicateur, chiffre, par_code):
    """[(nom imprimé de la partie, valeur validée ou None)] d'un chiffre double ; vide si le
    chiffre n'a pas de parties ou si aucune n'a de valeur visible."""
    if chiffre is None or not chiffre.parties:
        return []
    valeurs = [
        (p["nom"], index.derniere(indicateur, par_code.get(code_territoire_partie(p))))
        for p in chiffre.parties
    ]
    return valeurs if any(v is not None for _, v in valeurs) else []


@dataclass
class TendanceIndicateur:
    """Un indicateur du contrat sur un territoire : ses valeurs validées année par année, la
    dernière, celle de Paris la même année, l'écart et le sens de l'évolution."""

    indicateur: Indicateur
    serie: list
    serie_paris: list = field(default_factory=list)

    @property
    def derniere(self):
        return self.serie[-1]

    @property
    def paris(self):
        return next((v for v in self.serie_paris if v.annee == self.derniere.annee), None)

    @property
    def ecart(self):
        return ecart_points(self.indicateur, self.derniere, self.paris)

    @property
    def ecart_texte(self):
        return chiffres.points_fr(self.ecart)

    @property
    def sens(self):
        """« hausse », « baisse » ou « stable » entre les deux dernières valeurs ; None s'il
        n'y en a qu'une."""
        valeurs = [v.valeur for v in self.serie if v.valeur is not None]
        if len(valeurs) < 2:
            return None
        return chiffres.evolution(valeurs[-1], valeurs[-2]).sens

    @property
    def annees(self):
        debut, fin = self.serie[0].annee, self.serie[-1].annee
        return sorted(
            {v.annee for v in self.serie}
            | {v.annee for v in self.serie_paris if debut <= v.annee <= fin}
        )

    @property
    def points(self):
        """[(année, valeur du territoire, valeur de Paris)] sur les années représentées."""
        locales = {v.annee: v for v in self.serie}
        paris = {v.annee: v for v in self.serie_paris}
        return [(a, locales.get(a), paris.get(a)) for a in self.annees]

    @property
    def demo(self):
        return any(v.demo for v in self.serie) or any(
            v.demo for _, _, v in self.points if v is not None
        )

    @property
    def tout_demo(self):
        """Toutes les valeurs du tableau par année sont de démonstration : la mention « démo »
        est donnée une fois pour le tableau plutôt que dans chaque cellule (à l'échelle
        nationale, 107 indicateurs × 11 ans × 2 valeurs pesaient 110 Ko de mentions)."""
        valeurs = [v for _, locale, paris in self.points for v in (locale, paris) if v]
        return bool(valeurs) and all(v.demo for v in valeurs)

    @property
    def graphique(self):
        """Données de la courbe (Chart.js) : années, territoire, Paris (None si absent)."""

        def nombre(v):
            return float(v.valeur) if v is not None and v.valeur is not None else None

        return {
            "annees": [a for a, _, _ in self.points],
            "quartier": [nombre(v) for _, v, _ in self.points],
            "paris": [nombre(p) for _, _, p in self.points] if self.paris_trace else [],
            "suffixe": self.indicateur.suffixe.strip(),
        }

    @property
    def paris_trace(self):
        """Paris n'est tracé sur la même courbe que pour une part ou un taux : un nombre de
        Paris (13 887 professionnels) écraserait celui du quartier (321). Le tableau des
        valeurs par année le donne toujours."""
        return self.indicateur.est_pourcentage and any(p is not None for _, _, p in self.points)

    @property
    def resume(self):
        """Texte de remplacement de la courbe (RGAA)."""
        premiere, derniere = self.serie[0], self.derniere
        if premiere is derniere:
            texte = f"Une seule valeur : {derniere.affichage} en {derniere.annee}."
        else:
            texte = (
                f"De {premiere.affichage} en {premiere.annee} à {derniere.affichage} en "
                f"{derniere.annee}"
                + (f" ({self.sens} sur la dernière année connue)." if self.sens else ".")
            )
        if self.paris:
            texte += f" Paris : {self.paris.affichage} en {self.paris.annee}."
        return texte


def indicateurs_par_engagement(index, indicateurs_contrat, territoire, paris):
    """[(engagement, [TendanceIndicateur])] pour les indicateurs du contrat qui ont au moins
    une valeur validée sur `territoire`, par engagement puis dans l'ordre des puces."""
    groupes = []
    for _numero, indicateurs in groupby(indicateurs_contrat, key=lambda i: i.engagement.numero):
        indicateurs = list(indicateurs)
        lignes = [
            TendanceIndicateur(ind, serie, index.serie(ind, paris))
            for ind in indicateurs
            if (serie := index.serie(ind, territoire))
        ]
        if lignes:
            groupes.append((indicateurs[0].engagement, lignes))
    return groupes


def sparkline_svg(tendance, largeur=100, hauteur=26):
    """La courbe d'un indicateur en SVG (pour le PDF, rendu sans JavaScript) : le territoire en
    trait plein, Paris en pointillés. Texte sûr : il ne contient que des nombres."""
    points = tendance.points
    nombres = [
        float(v.valeur)
        for _, locale, paris in points
        for v in (locale, paris if tendance.paris_trace else None)
        if v is not None and v.valeur is not None
    ]
    if not nombres:
        return ""
    bas, haut = min(nombres), max(nombres)
    etendue = (haut - bas) or 1.0
    intervalles = max(len(points) - 1, 1)

    def trace(rang):
        coords = []
        for i, triplet in enumerate(points):
            v = triplet[rang]
            if v is None or v.valeur is None:
                continue
            x = 3 + i * (largeur - 6) / intervalles if len(points) > 1 else largeur / 2
            y = hauteur - 3 - (float(v.valeur) - bas) / etendue * (hauteur - 6)
            coords.append(f"{x:.1f},{y:.1f}")
        return coords

    quartier = trace(1)
    paris = trace(2) if tendance.paris_trace else []
    morceaux = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{largeur}" height="{hauteur}" '
        f'viewBox="0 0 {largeur} {hauteur}" aria-hidden="true">'
    ]
    if paris:
        morceaux.append(
            f'<polyline points="{" ".join(paris)}" fill="none" stroke="#555" '
            'stroke-width="1.2" stroke-dasharray="3,2"/>'
        )
    if quartier:
        morceaux.append(
            f'<polyline points="{" ".join(quartier)}" fill="none" stroke="#1d3b6f" '
            'stroke-width="2"/>'
        )
        x, y = quartier[-1].split(",")
        morceaux.append(f'<circle cx="{x}" cy="{y}" r="2.2" fill="#1d3b6f"/>')
    morceaux.append("</svg>")
    return "".join(morceaux)


# --- projets structurants ---------------------------------------------------------------------


def projets_avec_portage(queryset):
    """Les projets avec QPV, secteur, dernier suivi, porteur et engagements servis, en un
    nombre fixe de requêtes (le portage est dans l'app structures)."""
    return (
        queryset.with_list_data()
        .select_related("portage", "portage__porteur_signataire", "portage__porteur_structure")
        .prefetch_related("portage__engagements")
    )


def preparer_projets(projets):
    """Pose sur chaque projet `porteur` et `engagements_servis` (lus dans les préchargements),
    pour les gabarits et les exports."""
    for p in projets:
        portage = getattr(p, "portage", None)  # l'absence de portage lève une AttributeError
        p.porteur = portage.porteur if portage else None
        p.engagements_servis = list(portage.engagements.all()) if portage else []
    return projets


# --- structures et fiches-actions ------------------------------------------------------------


def structures_et_fiches(user, quartier):
    """Les structures implantées dans le QPV et les fiches-actions que `user` voit : celles
    menées dans le QPV et celles des structures qui y sont implantées (au plus FICHES_MAX,
    plus récentes d'abord). Retourne (structures, fiches, il y en a d'autres)."""
    structures = list(
        Structure.objects.for_user(user)
        .filter(quartiers=quartier)
        .select_related("arrondissement")
        .order_by("nom")
    )
    # UNION des deux ensembles plutôt qu'un OU : chacun passe par son index (QPV de la fiche,
    # structure), là où « id IN (…) OR structure_id IN (…) » parcourt toutes les fiches
    # (255 ms sur 50 000 fiches, 2 ms ainsi).
    dans_le_qpv = FicheAction.objects.filter(quartiers=quartier).order_by().values("pk")
    des_structures = (
        FicheAction.objects.filter(structure__in=[s.pk for s in structures]).order_by().values("pk")
    )
    fiches = list(
        FicheAction.objects.for_user(user)
        .filter(pk__in=dans_le_qpv.union(des_structures, all=True))
        .with_list_data()
        .order_by("-annee", "titre", "pk")[: FICHES_MAX + 1]
    )
    return structures, fiches[:FICHES_MAX], len(fiches) > FICHES_MAX


# --- « Mon territoire » -----------------------------------------------------------------------


def campagne_courante():
    """La campagne ouverte la plus récente, à défaut la dernière campagne créée (close)."""
    return (
        Campagne.objects.ouvertes().order_by("-annee").first()
        or Campagne.objects.order_by("-annee").first()
    )


@dataclass
class AlertesQuartier:
    """Ce qui demande l'attention d'un délégué sur un de ses QPV. `completude` : les valeurs
    attendues de la campagne sur le QPV et ses secteurs (indicateurs/mesures.py), les mêmes
    que sur la page de la campagne ; `indicateurs_manquants` : les indicateurs attendus dont
    une valeur attendue n'est pas validée ; `nb_en_cours` : ceux d'entre eux qui ont une valeur
    en cours de saisie ou de validation."""

    quartier: object
    completude: Completude | None = None
    indicateurs_manquants: list = field(default_factory=list)
    nb_en_cours: int = 0
    projets_en_retard: list = field(default_factory=list)
    fiches_recentes: list = field(default_factory=list)

    @property
    def nb_alertes(self):
        return (
            len(self.indicateurs_manquants)
            + len(self.projets_en_retard)
            + len(self.fiches_recentes)
        )


def alertes_territoire(user, quartiers, campagne):
    """Pour chaque QPV : indicateurs attendus (jamais de contexte) dont une valeur attendue sur
    le QPV ou ses secteurs n'est pas validée pour l'année de la campagne (et combien sont en
    cours de saisie ou de validation), projets dont l'année d'échéance est passée sans être
    réalisés, fiches-actions que `user` voit qui sont soumises ou ont changé de statut depuis
    JOURS_FICHES_RECENTES jours. Nombre fixe de requêtes."""
    alertes = {q.pk: AlertesQuartier(quartier=q) for q in quartiers}
    if not quartiers:
        return []
    if campagne is not None:
        # Seuls des comptes sont lus (pas les valeurs) : un délégué apprend qu'une valeur est
        # en cours, sans en voir le brouillon.
        annee = campagne.annee
        mesures = mesurer(annee, Perimetre.des_quartiers(alertes), par_quartier_indicateur=True)
        for q_id, alerte in alertes.items():
            alerte.completude = mesures.quartier(annee, q_id)
            manquants = [
                (indicateur, c)
                for indicateur, c in mesures.indicateurs_du_quartier(annee, q_id)
                if c.validees < c.attendues
            ]
            # Tri stable : à rang égal, l'ordre du référentiel.
            manquants.sort(key=lambda paire: rang_manquant(paire[1]))
            alerte.indicateurs_manquants = [indicateur for indicateur, _ in manquants]
            alerte.nb_en_cours = sum(1 for _, c in manquants if c.en_cours)
    for projet in (
        ProjetStructurant.objects.filter(quartier__in=list(alertes))
        .echeance_depassee()
        .select_related("secteur")
        .order_by("annee_echeance", "quartier_id", "ordre")
    ):
        alertes[projet.quartier_id].projets_en_retard.append(projet)
    depuis = timezone.now() - timedelta(days=JOURS_FICHES_RECENTES)
    fiches = (
        FicheAction.objects.for_user(user)
        .filter(pk__in=FicheAction.objects.filter(quartiers__in=list(alertes)).values("pk"))
        .filter(
            Q(statut=FicheAction.Statut.SOUMISE)
            | Q(pk__in=TransitionFiche.objects.filter(le__gte=depuis).values("fiche"))
        )
        .select_related("structure")
        .prefetch_related("quartiers")
        .annotate(derniere_transition=Max("transitions__le"))
        .order_by("-derniere_transition", "titre", "pk")
    )
    for fiche in fiches:
        for q in fiche.quartiers.all():
            if q.pk in alertes:
                alertes[q.pk].fiches_recentes.append(fiche)
    return [alertes[q.pk] for q in quartiers]


# --- classement de ce qui demande l'attention ---------------------------------------------------


class Priorite(IntEnum):
    """Le rang de ce qui demande l'attention, du plus pressant au moins pressant."""

    URGENT = 0  # renvoyé pour correction, échéance dépassée
    A_TRAITER = 1  # soumis : attend une relecture, une validation ou un avis
    INFORMATION = 2  # validé, statut changé : à savoir

    @property
    def libelle(self):
        return {0: "Urgent", 1: "À traiter", 2: "Pour information"}[self.value]


def classer(elements, priorite=lambda e: e.priorite, date=lambda e: e.le):
    """Les éléments dans l'ordre où les traiter : par priorité (`Priorite`), puis du plus
    récent au plus ancien (un élément sans date en dernier de son rang). Le tri est stable : à
    priorité et date égales, l'ordre reçu est gardé."""

    def cle(element):
        moment = date(element)
        return (priorite(element), moment is None, -moment.timestamp() if moment else 0)

    return sorted(elements, key=cle)


def rang_manquant(completude):
    """Le rang d'un indicateur sans valeur validée sur un QPV (sa mesure, de
    indicateurs/mesures.py) : d'abord ceux dont aucune valeur n'est même renseignée (rien n'a
    commencé), puis ceux dont la saisie ou la validation est en cours ; dans chaque groupe, le
    plus de valeurs attendues non validées d'abord."""
    return (completude.en_cours > 0, -completude.a_valider)


# --- comparaison des QPV ----------------------------------------------------------------------


@dataclass
class LigneComparaison:
    """Une ligne du tableau comparatif : un QPV, ou une ligne de référence (ensemble des QPV,
    Paris) qui n'a ni population du décret ni projets."""

    nom: str
    valeurs: dict
    quartier: object = None
    arrondissements: str = ""
    population: int | None = None
    nb_projets: int | None = None
    nb_en_retard: int | None = None
    reference: bool = False

    @property
    def lien(self):
        return self.quartier.get_absolute_url() if self.quartier else ""

    @property
    def chiffres_par_secteur(self):
        """Un QPV sans aucune valeur propre mais découpé en secteurs : ses chiffres sont
        donnés secteur par secteur (sur sa fiche)."""
        return bool(
            self.quartier is not None
            and getattr(self.quartier, "nb_secteurs", 0)
            and not any(self.valeurs.values())
        )

    @property
    def cellules(self):
        """Les valeurs dans l'ordre des colonnes d'indicateurs."""
        return list(self.valeurs.values())

    @property
    def codes_demo(self):
        return [code for code, v in self.valeurs.items() if v is not None and v.demo]

    def valeur(self, code):
        v = self.valeurs.get(code)
        return v.valeur if v is not None else None

    def annee(self, code):
        v = self.valeurs.get(code)
        return v.annee if v is not None else None

    def provenance(self, code):
        """Réserve de périmètre et marque de déduction de la valeur (texte ; vide sinon)."""
        return texte_provenance(self.valeurs.get(code))


COLONNES_FIXES = {
    "nom": "Quartier",
    "arrondissement": "Arrondissements",
    "population": "Population (décret)",
    "projets": "Projets structurants",
    "retard": "Échéance dépassée",
}


COMPARAISON_PAR_PAGE = 50


def _cle_de_tri(cle, indicateurs, user):
    """L'expression SQL d'une colonne du tableau comparatif, calculée pour chaque QPV."""
    if cle == "nom":
        return F("nom")
    if cle == "arrondissement":
        numeros = Arrondissement.objects.filter(quartiers=OuterRef("pk")).order_by("numero")
        return Subquery(numeros.values("numero")[:1])
    if cle == "population":
        return F("population")
    if cle == "projets":
        return compte_lie(ProjetStructurant.objects.all(), "quartier")
    if cle == "retard":
        return nombre_en_retard()
    # La dernière valeur validée visible du QPV (celle qu'affiche la cellule), NULL sans
    # valeur. Le territoire du QPV d'abord (sous-requête), puis l'index unique (indicateur,
    # territoire, année) parcouru à rebours : une sonde par QPV, pas un parcours des valeurs
    # de l'indicateur.
    territoire = Territoire.objects.filter(type=T.QPV, quartier=OuterRef(OuterRef("pk")))
    derniere = (
        Valeur.objects.for_user(user)
        .validees()
        .filter(indicateur=indicateurs[cle], territoire=Subquery(territoire.values("pk")[:1]))
        .order_by("-annee")
    )
    return Subquery(derniere.values("valeur")[:1])


def nombre_en_retard():
    """Annotation d'un QPV : ses projets à l'échéance dépassée (sous-requête corrélée)."""
    return compte_lie(ProjetStructurant.objects.echeance_depassee(), "quartier")


def qpv_ordonnes(quartiers, tri, indicateurs, user):
    """Les identifiants des QPV de `quartiers` dans l'ordre du tableau comparatif, en une
    requête qui ne lit que la clé de tri de chaque QPV : `tri` (« population »,
    « -CTX-CHOMAGE »…) ; les valeurs absentes restent en fin de tableau, dans les deux sens,
    dans l'ordre du décret. Un tri inconnu donne l'ordre du décret. `indicateurs` : {code:
    indicateur} des colonnes. Retourne (identifiants, tri appliqué) : la page ne charge
    ensuite que les QPV de sa tranche."""
    descendant = tri.startswith("-")
    cle = tri.lstrip("-")
    quartiers = quartiers.order_by()
    if cle not in COLONNES_FIXES and cle not in indicateurs:
        return list(quartiers.order_by("ordre", "pk").values_list("pk", flat=True)), ""
    lignes = quartiers.annotate(cle_tri=_cle_de_tri(cle, indicateurs, user)).values_list(
        "pk", "ordre", "cle_tri"
    )
    lignes = sorted(lignes, key=lambda ligne: (ligne[1], ligne[0]))

    def lire(ligne):
        return ligne[2].lower() if cle == "nom" else ligne[2]

    presentes = [ligne for ligne in lignes if ligne[2] is not None]
    absentes = [ligne for ligne in lignes if ligne[2] is None]
    presentes.sort(key=lambda ligne: (lire(ligne), ligne[1]), reverse=descendant)
    return [ligne[0] for ligne in presentes + absentes], ("-" if descendant else "") + cle


def lignes_comparaison(index, quartiers, territoires_qpv, indicateurs, paris, ensemble, comptes):
    """Les lignes des QPV (dans l'ordre du décret) et les lignes de référence : « Ensemble des
    QPV » si au moins une valeur existe, puis Paris. `comptes` : {quartier_id: (projets,
    en retard)}."""
    lignes = []
    for q in quartiers:
        territoire = territoires_qpv.get(q.pk)
        nb_projets, nb_retard = comptes.get(q.pk, (0, 0))
        lignes.append(
            LigneComparaison(
                nom=q.nom,
                quartier=q,
                arrondissements=q.arrondissements_libelle,
                population=q.population,
                nb_projets=nb_projets,
                nb_en_retard=nb_retard,
                valeurs={i.code: index.derniere(i, territoire) for i in indicateurs},
            )
        )
    references = []
    if ensemble is not None and index.a_des_valeurs(ensemble):
        references.append(
            LigneComparaison(
                nom=ensemble.nom,
                reference=True,
                valeurs={i.code: index.derniere(i, ensemble) for i in indicateurs},
            )
        )
    if paris is not None:
        references.append(
            LigneComparaison(
                nom="Paris",
                reference=True,
                valeurs={i.code: index.derniere(i, paris) for i in indicateurs},
            )
        )
    return lignes, references
