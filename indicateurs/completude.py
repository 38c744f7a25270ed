"""Complétude des campagnes : combien de valeurs attendues sont renseignées et validées,
par indicateur, par engagement, par producteur et par QPV.

Une valeur est attendue pour chaque territoire des niveaux attendus de l'indicateur. Les
calculs se font en mémoire à partir de trois requêtes (indicateurs, territoires, valeurs de
l'année) : leur nombre ne dépend pas du nombre de lignes."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count

from indicateurs.models import Territoire, Valeur


@dataclass
class Completude:
    """Attendues, renseignées (tout statut), soumises et validées pour un regroupement."""

    libelle: str = ""
    lien: str = ""
    attendues: int = 0
    renseignees: int = 0
    soumises: int = 0
    validees: int = 0
    objet: object = None
    details: dict = field(default_factory=dict)

    @property
    def taux(self):
        return round(100 * self.renseignees / self.attendues) if self.attendues else 0

    @property
    def taux_validation(self):
        return round(100 * self.validees / self.attendues) if self.attendues else 0

    def ajouter(self, autre):
        self.attendues += autre.attendues
        self.renseignees += autre.renseignees
        self.soumises += autre.soumises
        self.validees += autre.validees


def territoires_par_niveau():
    """Tous les territoires, groupés par type (une requête)."""
    groupes = defaultdict(list)
    for t in Territoire.objects.order_by("ordre", "code"):
        groupes[t.type].append(t)
    return groupes


def attendus(indicateur, groupes):
    return [t for niveau in indicateur.niveaux_attendus for t in groupes.get(niveau, [])]


def completude_campagne(annee, indicateurs, groupes=None):
    """Pour une année : (par indicateur, par engagement, par producteur, par QPV, total).

    `indicateurs` : liste déjà chargée (avec engagement et producteur)."""
    groupes = groupes if groupes is not None else territoires_par_niveau()
    statuts = {}
    for ind_id, terr_id, statut in Valeur.objects.filter(
        annee=annee, indicateur__in=[i.pk for i in indicateurs]
    ).values_list("indicateur_id", "territoire_id", "statut"):
        statuts[(ind_id, terr_id)] = statut

    par_indicateur, par_engagement, par_producteur = [], {}, {}
    par_qpv = {t.pk: Completude(libelle=t.nom, objet=t) for t in groupes.get("qpv", [])}
    total = Completude(libelle="Ensemble")
    for ind in indicateurs:
        c = Completude(libelle=ind.code, objet=ind)
        for t in attendus(ind, groupes):
            statut = statuts.get((ind.pk, t.pk))
            un = Completude(
                attendues=1,
                renseignees=int(statut is not None),
                soumises=int(statut == Valeur.Statut.SOUMIS),
                validees=int(statut == Valeur.Statut.VALIDE),
            )
            c.ajouter(un)
            if t.pk in par_qpv:
                par_qpv[t.pk].ajouter(un)
        par_indicateur.append(c)
        total.ajouter(c)
        cle_e = ind.engagement.numero if ind.engagement_id else 0
        if cle_e not in par_engagement:
            par_engagement[cle_e] = Completude(
                libelle=str(ind.engagement) if ind.engagement_id else "Indicateurs de contexte",
                objet=ind.engagement,
            )
        par_engagement[cle_e].ajouter(c)
        cle_p = ind.producteur_id or 0
        if cle_p not in par_producteur:
            par_producteur[cle_p] = Completude(
                libelle=ind.producteur.nom if ind.producteur_id else "Producteur non désigné",
                objet=ind.producteur,
            )
        par_producteur[cle_p].ajouter(c)
    return (
        par_indicateur,
        [par_engagement[k] for k in sorted(par_engagement, key=lambda k: (k == 0, k))],
        sorted(par_producteur.values(), key=lambda c: (c.objet is None, c.libelle)),
        list(par_qpv.values()),
        total,
    )


def completude_par_annee(indicateurs, annees, groupes=None):
    """Pour « Mes indicateurs » : {(indicateur_id, année): Completude} en une requête de
    comptage (valeurs par indicateur, année et statut, sur les territoires attendus)."""
    groupes = groupes if groupes is not None else territoires_par_niveau()
    attendus_par_ind = {i.pk: {t.pk for t in attendus(i, groupes)} for i in indicateurs}
    comptes = defaultdict(lambda: defaultdict(int))
    lignes = (
        Valeur.objects.filter(indicateur__in=list(attendus_par_ind), annee__in=list(annees))
        .values("indicateur_id", "annee", "territoire_id", "statut")
        .annotate(n=Count("pk"))
    )
    for ligne in lignes:
        if ligne["territoire_id"] in attendus_par_ind[ligne["indicateur_id"]]:
            comptes[(ligne["indicateur_id"], ligne["annee"])][ligne["statut"]] += ligne["n"]
    resultat = {}
    for ind in indicateurs:
        for annee in annees:
            par_statut = comptes.get((ind.pk, annee), {})
            resultat[(ind.pk, annee)] = Completude(
                libelle=str(annee),
                attendues=len(attendus_par_ind[ind.pk]),
                renseignees=sum(par_statut.values()),
                soumises=par_statut.get(Valeur.Statut.SOUMIS, 0),
                validees=par_statut.get(Valeur.Statut.VALIDE, 0),
            )
    return resultat
