"""Ce que demande un bilan (année, arrondissement, portée des valeurs, démonstration, qui le
produit) et son périmètre chargé une fois pour toutes les sections : les QPV, les territoires
montrés, les engagements et les indicateurs."""

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Q, prefetch_related_objects

from engagements.models import Engagement
from indicateurs.mesures import PARIS, Perimetre
from indicateurs.models import Campagne, Indicateur, Territoire
from quartiers.models import Quartier

T = Territoire.Type


@dataclass
class Contexte:
    """La demande d'un bilan et son périmètre, passés à chaque section."""

    annee: int
    arrondissement: object = None
    toutes_valeurs: bool = False
    avec_demo: bool = False
    user: object = None
    quartiers: list = field(default_factory=list)
    territoires: list = field(default_factory=list)
    engagements: list = field(default_factory=list)
    indicateurs: list = field(default_factory=list)
    campagnes: dict = field(default_factory=dict)
    # Les territoires des mesures (hors Paris), une fois lus : voir `Perimetre.territoires_lus`.
    ids_perimetre: tuple | None = None
    # Combien de QPV (les premiers) le bilan détaille, QPV par QPV (chiffres clés, comptes
    # des fiches et des projets par QPV) : le rapport n'en montre que quelques dizaines, le
    # classeur tous (None). À l'échelle nationale, lire les chiffres clés des 1 600 QPV pour
    # en montrer 25 coûtait 0,8 s de SQL et 23 000 lignes ; leurs comptes, 16 000 lignes.
    qpv_detailles: int | None = None

    @property
    def n(self):
        return self.annee

    @property
    def n1(self):
        return self.annee - 1

    @property
    def annees(self):
        return [self.n, self.n1]

    @property
    def ids_qpv(self):
        return [q.pk for q in self.quartiers]

    @property
    def quartiers_detailles(self):
        """Les QPV que le bilan détaille (voir `qpv_detailles`)."""
        return (
            self.quartiers if self.qpv_detailles is None else self.quartiers[: self.qpv_detailles]
        )

    def seulement_detailles(self, champ):
        """La condition « QPV détaillé » sur `champ` (le QPV d'une ligne) ; `Q()` quand tous
        le sont : pas de liste des 1 600 QPV nationaux en paramètres."""
        if self.qpv_detailles is None or len(self.quartiers) <= self.qpv_detailles:
            return Q()
        return Q(**{f"{champ}__in": [q.pk for q in self.quartiers_detailles]})

    @property
    def quartiers_par_id(self):
        return {q.pk: q for q in self.quartiers}

    @property
    def perimetre(self):
        """Le périmètre des mesures de la campagne (indicateurs/mesures.py) : tout Paris, ou
        l'arrondissement (ses QPV, leurs secteurs et son territoire, sans Paris)."""
        if self.arrondissement is None:
            return PARIS
        return Perimetre.de_l_arrondissement(
            self.arrondissement, territoires_lus=self.ids_perimetre
        )

    @cached_property
    def par_type(self):
        """Les territoires par type (calculé une fois, à la première lecture : les territoires
        sont chargés avant)."""
        groupes = defaultdict(list)
        for t in self.territoires:
            groupes[t.type].append(t)
        return groupes

    @property
    def paris(self):
        return next(iter(self.par_type.get(T.PARIS, [])), None)

    @property
    def principaux(self):
        """Les territoires des lignes d'indicateurs : l'ensemble des QPV pour Paris, chaque QPV
        pour un arrondissement ([None] s'il n'y en a pas : la ligne reste, vide)."""
        if self.arrondissement is None:
            return self.par_type.get(T.ENSEMBLE_QPV, [])[:1] or [None]
        return self.par_type.get(T.QPV, []) or [None]


def charger_contexte(annee, arrondissement, toutes_valeurs, avec_demo, user, qpv_detailles=None):
    """Le périmètre d'un bilan, en un nombre fixe de requêtes : QPV (arrondissements
    préchargés pour ceux que le bilan détaille, secteurs comptés), territoires montrés (ceux
    des mesures et Paris, la référence), campagnes N et N-1, engagements et indicateurs (les
    seules colonnes lues)."""
    ctx = Contexte(
        annee, arrondissement, toutes_valeurs, avec_demo, user, qpv_detailles=qpv_detailles
    )
    # Les arrondissements des seuls QPV détaillés (les autres n'en montrent pas) : le
    # préchargement coûte un gestionnaire et un queryset par QPV, 0,3 s pour 1 600 QPV.
    quartiers = (
        Quartier.objects.with_list_data()
        .prefetch_related(None)
        .defer("description")
        .order_by("ordre", "nom")
    )
    if arrondissement is not None:
        quartiers = quartiers.filter(arrondissements=arrondissement)
    ctx.quartiers = list(quartiers)
    prefetch_related_objects(ctx.quartiers_detailles, "arrondissements")
    territoires = Territoire.objects.only("code", "type", "nom", "ordre", "quartier")
    if arrondissement is not None:
        # Les territoires des mesures, plus Paris : la référence de chaque comparaison.
        territoires = territoires.filter(ctx.perimetre.territoires() | Q(type=T.PARIS))
    elif qpv_detailles is not None:
        # Le rapport de tout le périmètre ne montre que Paris, l'ensemble des QPV et les QPV
        # détaillés (la table longue, qui montre chaque territoire, est celle du classeur) :
        # 2 364 territoires nationaux construits pour 27 lus.
        territoires = territoires.filter(
            Q(type__in=[T.PARIS, T.ENSEMBLE_QPV])
            | Q(type=T.QPV, quartier__in=[q.pk for q in ctx.quartiers_detailles])
        )
    ctx.territoires = list(territoires.order_by("ordre", "code"))
    if arrondissement is not None:
        ctx.ids_perimetre = tuple(t.pk for t in ctx.territoires if t.type != T.PARIS)
    ctx.campagnes = {c.annee: c for c in Campagne.objects.filter(annee__in=ctx.annees)}
    ctx.engagements = list(
        Engagement.objects.select_related("thematique")
        .only(
            "numero",
            "titre",
            "indicateurs_en_cours_de_definition",
            "thematique__numero",
            "thematique__titre",
        )
        .order_by("numero")
    )
    engagements = {e.pk: e for e in ctx.engagements}
    ctx.indicateurs = list(Indicateur.objects.order_by("engagement__numero", "ordre", "code"))
    for indicateur in ctx.indicateurs:
        # Les engagements sont déjà chargés : pas de jointure sur leurs longs textes.
        indicateur.engagement = engagements.get(indicateur.engagement_id)
    return ctx
