"""Les chargeurs des listes « À faire », un par liste et par rôle.

Chaque chargeur fait un nombre fixe de requêtes, quel que soit le nombre de lignes
(tests/afaire/test_requetes.py), et rend une page (`Paginator`, paramètre d'adresse propre à
la liste) : les listes d'une même page se feuillettent indépendamment.

Rien n'est recalculé ici : la visibilité vient des `for_user`, la complétude et les valeurs
attendues d'indicateurs/mesures.py, les évolutions et écarts de socle/chiffres.py, la valeur
atypique de indicateurs/saisie.py (`anomalie`), les alertes d'un QPV et le classement de ce
qui demande l'attention de territoire/donnees.py (`alertes_territoire`, `classer`)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import (
    CharField,
    Count,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
)
from django.urls import reverse
from django.utils import timezone

from bilan.models import ImportCredits
from indicateurs.mesures import Perimetre, mesurer
from indicateurs.models import Campagne, ImportValeurs, Territoire, Valeur
from indicateurs.saisie import anomalie
from quartiers.models import ProjetStructurant, Quartier
from socle import chiffres, roles
from socle.roles import Role
from structures.models import FicheAction, Invitation, TransitionFiche
from territoire import donnees as territoire
from territoire.donnees import Priorite

PAR_PAGE = 20
GROUPES_PAR_PAGE = 10
JOURS_CLOTURE = 30  # une campagne qui ferme dans ce délai est signalée au SPV
JOURS_IMPORTS = 30  # les imports refusés de cette période sont signalés au SPV
JOURS_PREMIERE_VISITE = 30  # à la première visite, les nouveautés de cette période


def paginer(request, objets, parametre, par_page=PAR_PAGE):
    """La page demandée (`?<parametre>=2`) d'une liste ou d'un queryset ordonné."""
    return Paginator(objets, par_page).get_page(request.GET.get(parametre))


def role_a_faire(user):
    """Le rôle dont `user` voit les listes : « spv » (superutilisateurs compris),
    « delegue », « partenaire », « structure », ou None (compte sans rôle)."""
    if roles.est_spv(user):
        return Role.SPV
    return roles.role_de(user)


def jours_restants(jour, aujourd_hui=None):
    """« aujourd’hui », « demain », « dans 12 jours »."""
    ecart = (jour - (aujourd_hui or timezone.localdate())).days
    if ecart <= 0:
        return "aujourd’hui"
    if ecart == 1:
        return "demain"
    return f"dans {ecart} jours"


# --- SPV : valeurs soumises, par indicateur et producteur ----------------------------------------


@dataclass
class LigneSoumise:
    """Une valeur soumise et ce qui permet d'en décider sans l'ouvrir : la valeur de l'année
    précédente, l'évolution, la valeur de Paris la même année et l'écart à Paris (points, pour
    une part ou un taux), le commentaire du producteur et l'anomalie éventuelle."""

    valeur: Valeur
    precedente: Valeur | None = None
    paris: Valeur | None = None

    @property
    def indicateur(self):
        return self.valeur.indicateur

    @property
    def unite(self):
        pourcentage = self.indicateur.est_pourcentage
        return chiffres.Unite.POURCENTAGE if pourcentage else chiffres.Unite.NOMBRE

    @property
    def evolution(self):
        if self.precedente is None:
            return chiffres.TIRET
        return chiffres.evolution(self.valeur.valeur, self.precedente.valeur, self.unite).texte

    @property
    def ecart_paris(self):
        """L'écart en points à Paris la même année ; « — » pour un nombre, pour Paris même,
        ou sans valeur de Paris."""
        if self.paris is None or self.paris.pk == self.valeur.pk:
            return chiffres.TIRET
        return chiffres.points_fr(
            chiffres.ecart_points_valeurs(
                self.valeur, self.paris, pourcentage=self.indicateur.est_pourcentage
            )
        )

    @property
    def anomalie(self):
        """La raison pour laquelle la valeur est atypique (écart de plus de ±50 % avec l'année
        précédente), ou None : la même règle que la saisie."""
        precedente = self.precedente.valeur if self.precedente else None
        return anomalie(self.indicateur, self.valeur.valeur, precedente, self.valeur.annee)


@dataclass
class GroupeSoumis:
    """Les valeurs soumises d'un indicateur, d'un producteur et d'une année : elles se valident
    ou se renvoient ensemble, cochées dans un même formulaire."""

    indicateur: object
    producteur: object
    annee: int
    lignes: list

    @property
    def cle(self):
        return f"{self.indicateur.code}-{self.producteur.pk if self.producteur else 0}-{self.annee}"

    @property
    def producteur_nom(self):
        return self.producteur.nom if self.producteur else "Producteur non désigné"


def groupes_soumis(user):
    """Les groupes (indicateur, producteur, année) des valeurs soumises que `user` voit, avec
    leur nombre de valeurs, les plus anciennement soumis d'abord : un queryset de dicts,
    paginé par la page."""
    return (
        Valeur.objects.for_user(user)
        .filter(statut=Valeur.Statut.SOUMIS)
        .values("indicateur_id", "producteur_id", "annee")
        .annotate(nb=Count("pk"), depuis=Min("soumis_le"))
        .order_by("depuis", "indicateur_id", "producteur_id", "annee")
    )


def valeurs_soumises(user, groupes):
    """Les `GroupeSoumis` d'une page de groupes : leurs valeurs (une requête) et, en une
    requête, leurs valeurs de l'année précédente et celles de Paris la même année."""
    groupes = list(groupes)
    if not groupes:
        return []
    condition = Q()
    for g in groupes:
        condition |= Q(
            indicateur_id=g["indicateur_id"], producteur_id=g["producteur_id"], annee=g["annee"]
        )
    valeurs = list(
        Valeur.objects.for_user(user)
        .filter(condition, statut=Valeur.Statut.SOUMIS)
        .select_related("indicateur", "territoire", "producteur", "soumis_par")
        .order_by("territoire__ordre", "territoire__code")
    )
    indicateurs = {v.indicateur_id: v.indicateur for v in valeurs}
    annees = {v.annee for v in valeurs}
    comparaisons = (
        Valeur.objects.for_user(user)
        .filter(
            Q(
                annee__in=[a - 1 for a in annees],
                territoire_id__in={v.territoire_id for v in valeurs},
            )
            | Q(annee__in=annees, territoire__type=Territoire.Type.PARIS),
            indicateur_id__in=indicateurs,
        )
        .select_related("territoire")
        .only(
            "indicateur_id", "territoire__type", "annee", "valeur", "nombre", "base", "statut",
            "demo",
        )
    )  # fmt: skip
    precedentes, paris = {}, {}
    for c in comparaisons:
        c.indicateur = indicateurs[c.indicateur_id]
        precedentes[(c.indicateur_id, c.territoire_id, c.annee)] = c
        if c.territoire.type == Territoire.Type.PARIS:
            paris[(c.indicateur_id, c.annee)] = c
    par_groupe = defaultdict(list)
    for v in valeurs:
        par_groupe[(v.indicateur_id, v.producteur_id, v.annee)].append(
            LigneSoumise(
                v,
                precedente=precedentes.get((v.indicateur_id, v.territoire_id, v.annee - 1)),
                paris=paris.get((v.indicateur_id, v.annee)),
            )
        )
    resultat = []
    for g in groupes:
        lignes = par_groupe.get((g["indicateur_id"], g["producteur_id"], g["annee"]))
        if lignes:
            v = lignes[0].valeur
            resultat.append(GroupeSoumis(v.indicateur, v.producteur, v.annee, lignes))
    return resultat


# --- SPV : fiches soumises, campagnes, invitations, imports refusés ------------------------------


def fiches_soumises(user):
    """Les fiches-actions soumises que `user` voit, les plus anciennement soumises d'abord,
    avec leur structure, leurs engagements et leurs QPV (nombre fixe de requêtes)."""
    return (
        FicheAction.objects.for_user(user)
        .soumises()
        .with_list_data()
        .annotate(soumise_le=Max("transitions__le", filter=Q(transitions__vers="soumise")))
        .order_by("soumise_le", "pk")
    )


@dataclass
class CampagneAFermer:
    """Une campagne ouverte qui ferme bientôt, et sa complétude (indicateurs/mesures.py)."""

    campagne: Campagne
    completude: object

    @property
    def delai(self):
        return jours_restants(self.campagne.date_cloture)


def campagnes_a_fermer(aujourd_hui=None):
    """Les campagnes ouvertes qui ferment dans les `JOURS_CLOTURE` jours, la plus proche
    d'abord, avec leur complétude (toutes les années en une requête de mesures)."""
    jour = aujourd_hui or timezone.localdate()
    campagnes = list(
        Campagne.objects.ouvertes(jour)
        .filter(date_cloture__lte=jour + timedelta(days=JOURS_CLOTURE))
        .order_by("date_cloture", "annee")
    )
    if not campagnes:
        return []
    mesures = mesurer([c.annee for c in campagnes])
    return [CampagneAFermer(c, mesures.total(c.annee, libelle=str(c.annee))) for c in campagnes]


def invitations_en_attente(maintenant=None):
    """Les invitations de structure ni acceptées ni expirées, la plus proche de l'expiration
    d'abord ; `expire_le` est annoté."""
    duree = timedelta(days=settings.INVITATION_DUREE_JOURS)
    limite = (maintenant or timezone.now()) - duree
    return (
        Invitation.objects.filter(acceptee_le__isnull=True, creee_le__gt=limite)
        .select_related("structure", "invitee_par")
        .annotate(expire_le=F("creee_le") + duree)
        .order_by("creee_le", "pk")
    )


COLONNES_IMPORT = (
    "genre", "pk", "nom_fichier", "cree_le", "nb_lignes", "nb_erreurs", "prenom", "nom",
    "identifiant",
)  # fmt: skip
GENRES_IMPORT = {
    "valeurs": ("Valeurs d’indicateurs", "indicateurs:import_detail"),
    "credits": ("Crédits du bilan", "bilan:import_credits_detail"),
}


def imports_refuses(user, maintenant=None):
    """Les imports de valeurs et de crédits refusés (lignes en erreur) depuis
    `JOURS_IMPORTS` jours, que `user` voit, du plus récent au plus ancien : les deux
    historiques réunis en une requête (UNION ALL, avec le nom de l'auteur), paginable."""
    depuis = (maintenant or timezone.now()) - timedelta(days=JOURS_IMPORTS)

    def refuses(modele, genre):
        return (
            modele.objects.for_user(user)
            .filter(statut=modele.Statut.ERREURS, cree_le__gte=depuis)
            .annotate(
                genre=Value(genre, output_field=CharField()),
                prenom=F("utilisateur__first_name"),
                nom=F("utilisateur__last_name"),
                identifiant=F("utilisateur__username"),
            )
            .values(*COLONNES_IMPORT)
            .order_by()
        )

    return (
        refuses(ImportValeurs, "valeurs")
        .union(refuses(ImportCredits, "credits"), all=True)
        .order_by("-cree_le", "genre", "-pk")
    )


@dataclass
class ImportRefuse:
    """Une ligne de la liste des imports refusés (lue dans l'UNION des deux historiques)."""

    genre: str
    pk: int
    nom_fichier: str
    cree_le: datetime
    nb_lignes: int
    nb_erreurs: int
    prenom: str | None = None
    nom: str | None = None
    identifiant: str | None = None

    @classmethod
    def lire(cls, page):
        return [cls(**ligne) for ligne in page]

    @property
    def libelle(self):
        return GENRES_IMPORT[self.genre][0]

    @property
    def auteur(self):
        complet = f"{self.prenom or ''} {self.nom or ''}".strip()
        return complet or self.identifiant or "—"

    @property
    def lien(self):
        return reverse(GENRES_IMPORT[self.genre][1], args=[self.pk])


# --- partenaire : valeurs à saisir et valeurs renvoyées ------------------------------------------


@dataclass
class ASaisir:
    """Un indicateur de l'organisation qui attend encore des valeurs pour une campagne ouverte :
    sa mesure (indicateurs/mesures.py) et ce qui reste à saisir."""

    campagne: Campagne
    completude: object

    @property
    def indicateur(self):
        return self.completude.objet

    @property
    def manquantes(self):
        return self.completude.attendues - self.completude.renseignees

    @property
    def a_soumettre(self):
        """Renseignées mais ni soumises ni validées : brouillons et valeurs renvoyées."""
        c = self.completude
        return c.renseignees - c.soumises - c.validees


def campagnes_ouvertes(aujourd_hui=None):
    return list(Campagne.objects.ouvertes(aujourd_hui).order_by("date_cloture", "annee"))


def valeurs_a_saisir(organisation, campagnes):
    """Pour chaque campagne ouverte, les indicateurs attendus que l'organisation produit et
    dont des valeurs attendues manquent encore (mesures.py : jamais un indicateur de contexte),
    le plus de valeurs manquantes d'abord. Deux requêtes (indicateurs, mesures)."""
    if organisation is None or not campagnes:
        return []
    mesures = mesurer([c.annee for c in campagnes], Perimetre(producteur=organisation))
    lignes = []
    for campagne in campagnes:
        for c in mesures.par_indicateur(campagne.annee):
            ligne = ASaisir(campagne, c)
            if ligne.manquantes > 0:
                lignes.append(ligne)
    lignes.sort(key=lambda ligne: (ligne.campagne.date_cloture, -ligne.manquantes))
    return lignes


def valeurs_renvoyees(user):
    """Les valeurs renvoyées pour correction que `user` voit (un partenaire : celles de son
    organisation), la plus récemment renvoyée d'abord, avec le motif et qui l'a renvoyée."""
    return (
        Valeur.objects.for_user(user)
        .filter(statut=Valeur.Statut.RENVOYE)
        .select_related("indicateur", "territoire", "renvoye_par")
        .order_by("-renvoye_le", "pk")
    )


# --- structure : fiches renvoyées et brouillons -------------------------------------------------


def fiches_renvoyees(user):
    """Les fiches de la structure renvoyées par le SPV, avec le motif du dernier renvoi (lu
    dans les transitions préchargées : `fiche.dernier_renvoi`)."""
    renvois = TransitionFiche.objects.filter(vers=FicheAction.Statut.RENVOYEE).select_related("par")
    return (
        FicheAction.objects.for_user(user)
        .filter(statut=FicheAction.Statut.RENVOYEE)
        .prefetch_related(Prefetch("transitions", queryset=renvois))
        .order_by("-modifie_le", "pk")
    )


def brouillons_de_fiches(user):
    """Les fiches de la structure encore en brouillon, la plus récemment modifiée d'abord."""
    return (
        FicheAction.objects.for_user(user)
        .filter(statut=FicheAction.Statut.BROUILLON)
        .order_by("-modifie_le", "pk")
    )


# --- délégué : ce qui a changé dans ses QPV depuis sa dernière visite ----------------------------


@dataclass
class Evenement:
    """Ce qui demande l'attention d'un délégué dans un de ses QPV : `genre`
    (« projet_retard », « fiche_soumise », « projet_statut », « valeurs_validees »), sa
    priorité (`territoire.donnees.Priorite`), le moment, le QPV, un titre, un lien, un détail,
    et s'il est nouveau depuis la dernière visite."""

    genre: str
    priorite: Priorite
    le: datetime
    quartier: object
    titre: str
    lien: str
    detail: str = ""
    nouveau: bool = True  # depuis la dernière visite

    @property
    def priorite_libelle(self):
        return self.priorite.libelle


def debut_de_l_annee(annee):
    """Le 1er janvier de `annee` à minuit, heure de Paris : le moment où l'échéance d'un projet
    prévu l'année précédente est dépassée."""
    return timezone.make_aware(datetime.combine(datetime(annee, 1, 1).date(), time.min))


def _projets_changes(quartiers, depuis):
    """Les projets des QPV dont le statut a changé depuis `depuis` : leur statut actuel diffère
    de celui qu'ils avaient alors (lu dans l'historique), avec le moment du dernier changement.
    Une requête. Un projet créé depuis n'a pas de statut d'avant : ce n'est pas un
    changement."""
    historique = ProjetStructurant.history.model.objects.filter(id=OuterRef("pk"))
    avant = historique.filter(history_date__lte=depuis).order_by("-history_date", "-history_id")
    apres = historique.filter(history_date__gt=depuis).order_by("-history_date", "-history_id")
    return (
        ProjetStructurant.objects.filter(quartier__in=quartiers)
        .annotate(
            statut_avant=Subquery(avant.values("statut")[:1]),
            change_le=Subquery(apres.values("history_date")[:1]),
        )
        .filter(change_le__isnull=False, statut_avant__isnull=False)
        .exclude(statut=F("statut_avant"))
        .select_related("quartier")
        .order_by("quartier__ordre", "ordre")
    )


def _pluriel(n, mot):
    return f"{n} {mot}{'s' if n > 1 else ''}"


def evenements_depuis(user, quartiers, depuis):
    """Ce qui a changé dans les QPV `quartiers` depuis `depuis` : fiches-actions soumises que
    `user` voit (à lire avant l'avis du SPV), projets qui ont changé de statut, nouvelles
    valeurs validées (par indicateur et QPV). Trois requêtes, plus les QPV des fiches."""
    par_id = {q.pk: q for q in quartiers}
    evenements = []
    if not par_id:
        return evenements
    for p in _projets_changes(list(par_id), depuis):
        avant = ProjetStructurant.Statut(p.statut_avant).label.lower()
        evenements.append(
            Evenement(
                "projet_statut",
                Priorite.INFORMATION,
                p.change_le,
                p.quartier,
                p.nom,
                reverse("quartiers:projet", args=[p.pk]),
                f"Statut : {avant} → {p.get_statut_display().lower()}",
            )
        )
    soumissions = TransitionFiche.objects.filter(vers=FicheAction.Statut.SOUMISE, le__gt=depuis)
    fiches = (
        FicheAction.objects.for_user(user)
        .filter(
            pk__in=FicheAction.objects.filter(quartiers__in=list(par_id)).values("pk"),
        )
        .filter(pk__in=soumissions.values("fiche"))
        .annotate(
            soumise_le=Max(
                "transitions__le",
                filter=Q(transitions__vers=FicheAction.Statut.SOUMISE, transitions__le__gt=depuis),
            )
        )
        .select_related("structure")
        .prefetch_related("quartiers")
        .order_by("-soumise_le", "pk")
    )
    for f in fiches:
        quartier = next((q for q in f.quartiers.all() if q.pk in par_id), None)
        evenements.append(
            Evenement(
                "fiche_soumise",
                Priorite.A_TRAITER,
                f.soumise_le,
                par_id[quartier.pk] if quartier else None,
                f.titre,
                f.get_absolute_url(),
                f"Fiche-action de {f.structure.nom}, {f.get_statut_display().lower()}",
            )
        )
    nouvelles = (
        Valeur.objects.for_user(user)
        .validees()
        .reelles()
        .filter(
            valide_le__gt=depuis,
            territoire__type__in=[Territoire.Type.QPV, Territoire.Type.SECTEUR],
            territoire__quartier_id__in=list(par_id),
        )
        .values("indicateur__code", "indicateur__libelle", "territoire__quartier_id")
        .annotate(nb=Count("pk"), le=Max("valide_le"))
        .order_by("territoire__quartier_id", "indicateur__code")
    )
    for n in nouvelles:
        code = n["indicateur__code"]
        evenements.append(
            Evenement(
                "valeurs_validees",
                Priorite.INFORMATION,
                n["le"],
                par_id[n["territoire__quartier_id"]],
                f"{code} – {n['indicateur__libelle'][:100]}",
                reverse("indicateurs:detail", args=[code]),
                f"{_pluriel(n['nb'], 'nouvelle valeur')} validée{'s' if n['nb'] > 1 else ''}",
            )
        )
    return evenements


@dataclass
class SuiviDelegue:
    """La page « À faire » d'un délégué : ses QPV, leurs alertes (territoire/donnees.py), et
    une seule liste classée (`classer`) : les projets à l'échéance dépassée (urgents, marqués
    « nouveau » si l'échéance est passée depuis la dernière visite), puis ce qui a changé
    depuis la dernière visite."""

    quartiers: list
    campagne: object
    alertes: list
    evenements: list
    depuis: datetime


def suivi_du_delegue(user, depuis, maintenant=None):
    """`SuiviDelegue` depuis `depuis` (la fin de la visite précédente ; à la première visite,
    les `JOURS_PREMIERE_VISITE` derniers jours). Nombre fixe de requêtes."""
    maintenant = maintenant or timezone.now()
    depuis = depuis or maintenant - timedelta(days=JOURS_PREMIERE_VISITE)
    quartiers = quartiers_du_delegue(user)
    campagne = territoire.campagne_courante()
    alertes = territoire.alertes_territoire(user, quartiers, campagne)
    evenements = evenements_depuis(user, quartiers, depuis)
    for alerte in alertes:
        for p in alerte.projets_en_retard:
            depasse_le = debut_de_l_annee(p.annee_echeance + 1)
            evenements.append(
                Evenement(
                    "projet_retard",
                    Priorite.URGENT,
                    depasse_le,
                    alerte.quartier,
                    p.nom,
                    reverse("quartiers:projet", args=[p.pk]),
                    f"Échéance {p.annee_echeance} dépassée, projet "
                    f"{p.get_statut_display().lower()}",
                    nouveau=depasse_le > depuis,
                )
            )
    return SuiviDelegue(quartiers, campagne, alertes, territoire.classer(evenements), depuis)


def quartiers_du_delegue(user):
    """Les QPV confiés au délégué, dans l'ordre du décret (comme « Mon territoire »)."""
    return list(
        Quartier.objects.filter(pk__in=roles.quartiers_suivis(user))
        .with_list_data()
        .order_by("ordre", "nom")
    )
