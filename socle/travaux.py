"""Travaux de fond : le travail long (PDF, classeur, import) sort de la requête web.

La requête ne fait que `lancer()` : elle crée un `socle.models.Travail` (propriétaire, type,
paramètres) et met en file la tâche `executer_travail` (django-tasks, file d'attente dans la
base, sans courtier), puis redirige vers la page du travail. Un exécutant
(`manage.py db_worker`) la prend et appelle la fonction déclarée pour ce type ; elle note son
avancement par `progression(fait, total, etape)` et rend un `Resultat` (un fichier, un message,
un lien). Le fichier est rangé dans un stockage privé (STORAGES["travaux"]) et gardé
TRAVAUX_CONSERVATION_JOURS jours ; la page du travail et « Mes exports »
(socle/vues_travaux.py) le proposent à son seul propriétaire.

Chaque app déclare ses types dans son `taches.py`, chargé au démarrage (le socle n'importe
aucune app) :

    @travaux.declarer("bilan.pdf", "Rapport PDF du bilan", famille="exports")
    def pdf_bilan(travail, progression):
        progression(1, 3, "Calcul des chiffres")
        bilan = calculer_bilan(**travail.parametres)
        …
        return travaux.Resultat(contenu=octets, nom_fichier="bilan-2025.pdf",
                                type_mime="application/pdf")

puis une vue : `return vues_travaux.lancer_et_suivre(request, "bilan.pdf", {...}, libelle)`.

Principes :
- Un échec est dit en français : `Refus("…")` pour un échec attendu (droits retirés entre-temps,
  import refusé), sans trace ; toute autre exception donne un message générique et sa trace va
  au journal (logger `socle.travaux`), jamais à l'écran.
- Durée bornée par famille (réglage TRAVAUX_DUREES_MAX) : vérifiée à chaque avancement, par une
  alarme quand l'exécutant tourne dans le fil principal (`db_worker`), et, en dernier recours
  (exécutant arrêté en route), par `marquer_depasses()` que les pages appellent.
- L'avancement s'écrit au plus une fois par seconde (ou tous les PAS_POURCENT points, ou à un
  changement d'étape) : pas de rafale d'écritures. Pendant une transaction ouverte (import
  tout ou rien), il passe par la connexion `progression` (contratville/settings.py) pour être
  vu des pages qui le suivent.
- Une demande identique à un travail encore actif (double clic, formulaire renvoyé) rend ce
  travail au lieu d'en créer un second ; au-delà de TRAVAUX_ACTIFS_MAX travaux actifs, un compte
  doit attendre (`LancementRefuse`)."""

from __future__ import annotations

import hashlib
import json
import logging
import signal
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, transaction
from django.db.models import Case, Q, Value, When
from django.utils import formats, timezone
from django_tasks import task

from socle.models import Travail

logger = logging.getLogger(__name__)

ALIAS_PROGRESSION = "progression"
INTERVALLE_PROGRESSION = 1.0  # secondes entre deux écritures de l'avancement
PAS_POURCENT = 10  # … sauf si l'avancement a bondi d'au moins tant de points
MARGE_LIMITE = timedelta(minutes=1)  # l'alarme de l'exécutant passe avant le balayage des pages
ATTENTE_MAX = timedelta(hours=24)  # un travail jamais pris en charge finit par être abandonné
PURGE_INTERVALLE = 3600  # secondes entre deux purges faites en passant par un exécutant

MESSAGE_INATTENDU = (
    "Le travail n’a pas abouti à cause d’une erreur inattendue du portail. Relancez-le ; si "
    "l’erreur persiste, signalez-la au SPV en citant le travail n° {pk}."
)
MESSAGE_DEPASSE = (
    "Le travail n’a pas abouti dans le temps imparti ({duree}) : il a été arrêté et rien n’a "
    "été gardé. Relancez-le ; si cela se reproduit, réduisez son périmètre (un fichier plus "
    "petit, un arrondissement) ou signalez-le au SPV."
)
MESSAGE_ARRETE = (
    "Le travail n’a pas abouti dans le temps imparti : il a été arrêté et rien n’a été gardé. "
    "Relancez-le ; si cela se reproduit, signalez-le au SPV."
)
MESSAGE_JAMAIS_PRIS = (
    "Le travail n’a jamais été pris en charge (l’exécutant des travaux de fond semble arrêté). "
    "Relancez-le plus tard ; si cela se reproduit, signalez-le au SPV."
)


class Refus(Exception):
    """Un échec attendu, au message français destiné au propriétaire du travail (aucune trace
    au journal) ; `lien` et `texte_lien` mènent à ce qui l'explique (le compte rendu d'un
    import refusé, par exemple)."""

    def __init__(self, message, lien="", texte_lien=""):
        super().__init__(message)
        self.lien, self.texte_lien = lien, texte_lien


class DelaiDepasse(Refus):
    """Le travail a dépassé la durée maximale de sa famille."""


class LancementRefuse(ValueError):
    """La demande est refusée avant d'être mise en file (message français)."""


@dataclass(frozen=True)
class TypeTravail:
    """Un type de travail déclaré par une app : son code, son libellé (« Mes exports »), la
    fonction qui l'exécute, sa famille (durée maximale : réglage TRAVAUX_DUREES_MAX) et sa
    priorité dans la file (plus grand : plus tôt)."""

    code: str
    libelle: str
    fonction: Callable
    famille: str = "exports"
    priorite: int = 0

    @property
    def duree_max(self):
        """En secondes."""
        return settings.TRAVAUX_DUREES_MAX[self.famille]


TYPES: dict[str, TypeTravail] = {}


def declarer(code, libelle, famille="exports", priorite=0):
    """Décorateur : déclare la fonction `fonction(travail, progression) -> Resultat` comme
    l'exécution des travaux du type `code`. La fonction reste appelable telle quelle."""
    if famille not in settings.TRAVAUX_DUREES_MAX:
        raise ValueError(f"Famille de travaux inconnue : {famille}")

    def decorateur(fonction):
        TYPES[code] = TypeTravail(code, libelle, fonction, famille, priorite)
        return fonction

    return decorateur


@dataclass
class Resultat:
    """Ce que rend un travail réussi : un fichier (`contenu`, `nom_fichier`, `type_mime`), un
    compte rendu (`message`) et, au besoin, un lien vers la page du résultat."""

    contenu: bytes | None = None
    nom_fichier: str = ""
    type_mime: str = "application/octet-stream"
    message: str = ""
    lien: str = ""
    texte_lien: str = ""


def duree_lisible(secondes):
    """900 → « 15 min » ; 45 → « 45 s »."""
    if secondes >= 60:
        return f"{formats.number_format(round(secondes / 60), use_l10n=True)}\xa0min"
    return f"{round(secondes)}\xa0s"


# --- lancer ---------------------------------------------------------------------------------------


def _normaliser(parametres):
    """Les paramètres tels que le JSON les rendra (dates en texte, tuples en listes)."""
    return json.loads(json.dumps(parametres, cls=DjangoJSONEncoder))


def cle_de(type_, parametres):
    """L'empreinte d'une demande : même type et mêmes paramètres, même clé."""
    texte = json.dumps([type_, _normaliser(parametres)], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(texte.encode("utf-8")).hexdigest()


def lancer(user, type_, parametres, libelle):
    """Crée le travail `type_` de `user` et le met en file ; rend le `Travail` (ou celui,
    identique, qui attend déjà ou tourne). Lève `LancementRefuse` si le compte a déjà
    TRAVAUX_ACTIFS_MAX travaux actifs.

    Appelée dans une transaction, la mise en file en fait partie : l'exécutant ne voit le
    travail qu'une fois la transaction validée."""
    definition = TYPES[type_]
    parametres = _normaliser(parametres)
    cle = cle_de(type_, parametres)
    actifs = Travail.objects.for_user(user).actifs()
    existant = actifs.filter(cle=cle).order_by("-cree_le").first()
    if existant is not None:
        return existant
    maximum = settings.TRAVAUX_ACTIFS_MAX
    if actifs.count() >= maximum:
        raise LancementRefuse(
            f"Vous avez déjà {maximum} travaux en attente ou en cours : attendez qu’ils se "
            "terminent (voir « Mes exports ») avant d’en lancer un autre."
        )
    travail = Travail.objects.create(
        proprietaire=user,
        type=type_,
        libelle=libelle[:255],
        parametres=parametres,
        cle=cle,
    )
    resultat = executer_travail.using(priority=definition.priorite).enqueue(travail.pk)
    # Sans effacer ce qu'une exécution immédiate (tests) a déjà écrit sur le travail.
    Travail.objects.filter(pk=travail.pk).update(resultat_tache=str(resultat.id)[:64])
    travail.refresh_from_db()
    return travail


# --- avancement -----------------------------------------------------------------------------------


def alias_progression():
    """La connexion qui écrit l'avancement pendant une transaction ouverte : `progression` si
    elle est configurée (contratville/settings.py : PostgreSQL, hors tests), sinon None."""
    return ALIAS_PROGRESSION if ALIAS_PROGRESSION in settings.DATABASES else None


class Avancement:
    """L'avancement d'un travail : `progression(fait, total, etape=None)`.

    Écrit au plus une fois par INTERVALLE_PROGRESSION secondes, sauf un bond d'au moins
    PAS_POURCENT points, un changement d'étape ou la fin ; vérifie à chaque appel que le travail
    n'a pas dépassé sa durée maximale (`DelaiDepasse`)."""

    def __init__(self, travail, duree_max):
        self.pk = travail.pk
        self.duree_max = duree_max
        self.limite = time.monotonic() + duree_max
        self.etape = travail.etape
        self.derniere = None  # (fait, total, étape) écrits en dernier
        self.ecrite_a = float("-inf")
        self.pourcent = -PAS_POURCENT
        self.ecritures = 0

    def verifier_delai(self):
        if time.monotonic() > self.limite:
            raise DelaiDepasse(MESSAGE_DEPASSE.format(duree=duree_lisible(self.duree_max)))

    def __call__(self, fait, total, etape=None):
        self.verifier_delai()
        fait, total = max(int(fait), 0), max(int(total), 0)
        etape = self.etape if etape is None else str(etape)[:120]
        if (fait, total, etape) == self.derniere:
            return
        pourcent = fait * 100 // total if total else 0
        maintenant = time.monotonic()
        if not (
            etape != self.etape
            or (total and fait >= total)
            or maintenant - self.ecrite_a >= INTERVALLE_PROGRESSION
            or pourcent - self.pourcent >= PAS_POURCENT
        ):
            return
        self.ecrire(fait=fait, total=total, etape=etape)
        self.derniere, self.etape = (fait, total, etape), etape
        self.ecrite_a, self.pourcent = maintenant, pourcent

    def ecrire(self, **champs):
        # Dans une transaction ouverte (import), par la seconde connexion si elle existe : sinon
        # l'avancement ne se verrait qu'à la fin. L'avancement n'est qu'une indication : une
        # écriture refusée ne fait pas échouer le travail.
        alias = (connection.in_atomic_block and alias_progression()) or DEFAULT_DB_ALIAS
        try:
            with transaction.atomic(using=alias):
                Travail.objects.using(alias).filter(pk=self.pk).update(**champs)
        except DatabaseError:
            logger.warning("Avancement du travail %s non écrit", self.pk, exc_info=True)
        else:
            self.ecritures += 1


def progression(travail):
    """L'avancement d'un travail (voir `Avancement`), à passer au code long."""
    definition = TYPES.get(travail.type)
    return Avancement(travail, definition.duree_max if definition else 600)


# --- exécuter -------------------------------------------------------------------------------------


@contextmanager
def _alarme(secondes, message):
    """Interrompt le code qui ne rend pas la main (rendu d'un PDF) au-delà de `secondes` : une
    alarme SIGALRM, seulement dans le fil principal d'un processus qui ne s'en sert pas déjà
    (l'exécutant `db_worker`) ; ailleurs, la vérification de l'avancement et
    `marquer_depasses()` suffisent."""
    utilisable = (
        hasattr(signal, "SIGALRM")
        and threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, None)
    )
    if not utilisable:
        yield
        return

    def sonner(_signum, _frame):
        raise DelaiDepasse(message)

    precedent = signal.signal(signal.SIGALRM, sonner)
    signal.setitimer(signal.ITIMER_REAL, secondes)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, precedent)


def _terminer(travail_pk, **champs):
    champs.setdefault("termine_le", timezone.now())
    try:
        Travail.objects.filter(pk=travail_pk).update(**champs)
    except DatabaseError:
        # Connexion abîmée par une interruption (alarme au milieu d'une requête) : une neuve.
        if connection.in_atomic_block:
            raise
        connection.close()
        Travail.objects.filter(pk=travail_pk).update(**champs)


def executer(travail_id):
    """Exécute le travail `travail_id` s'il attend encore : le marque en cours, appelle la
    fonction de son type, range le fichier produit, puis le marque terminé ou échoué (message
    français ; la trace d'une erreur inattendue va au journal). Ne lève rien."""
    travail = Travail.objects.filter(pk=travail_id).first()
    if travail is None:
        logger.warning("Travail %s introuvable : rien à exécuter", travail_id)
        return None
    definition = TYPES.get(travail.type)
    if definition is None:
        _terminer(
            travail.pk,
            etat=Travail.Etat.ECHOUE,
            message="Ce type de travail n’existe plus dans le portail : rien n’a été produit.",
        )
        return travail.pk
    debut = timezone.now()
    duree = definition.duree_max
    pris = Travail.objects.filter(pk=travail.pk, etat=Travail.Etat.EN_ATTENTE).update(
        etat=Travail.Etat.EN_COURS,
        commence_le=debut,
        limite_le=debut + timedelta(seconds=duree) + MARGE_LIMITE,
    )
    if not pris:
        return travail.pk  # déjà pris, ou abandonné entre-temps
    travail.etat, travail.commence_le = Travail.Etat.EN_COURS, debut
    avancement = Avancement(travail, duree)
    message_delai = MESSAGE_DEPASSE.format(duree=duree_lisible(duree))
    # Exécuté dans une transaction de l'appelant (tests, exécution immédiate) : un point de
    # sauvegarde, pour qu'une erreur inattendue n'empoisonne pas la transaction qui l'entoure.
    # Un refus, lui, est une issue normale : ce que la fonction a validé avant de le lever (le
    # compte rendu d'un import refusé) reste écrit, comme hors transaction.
    enveloppe = transaction.atomic() if connection.in_atomic_block else nullcontext()
    refus = None
    try:
        with _alarme(duree, message_delai), enveloppe:
            try:
                resultat = definition.fonction(travail, avancement) or Resultat()
                avancement.verifier_delai()
                champs = _ranger(travail, resultat)
            except Refus as erreur:
                refus = erreur
    except Refus as erreur:  # l'alarme, entre deux instructions de l'enveloppe
        refus = erreur
    except Exception:
        logger.exception("Travail %s (%s) en échec", travail.pk, travail.type)
        _terminer(
            travail.pk, etat=Travail.Etat.ECHOUE, message=MESSAGE_INATTENDU.format(pk=travail.pk)
        )
        _purger_de_temps_en_temps()
        return travail.pk
    if refus is not None:
        _terminer(
            travail.pk,
            etat=Travail.Etat.ECHOUE,
            message=str(refus),
            lien=refus.lien[:255],
            texte_lien=refus.texte_lien[:120],
        )
    else:
        _terminer(travail.pk, etat=Travail.Etat.TERMINE, **champs)
    _purger_de_temps_en_temps()
    return travail.pk


def _ranger(travail, resultat):
    """Range le fichier produit ; les champs du travail terminé."""
    maintenant = timezone.now()
    champs = {
        "message": resultat.message,
        "lien": resultat.lien[:255],
        "texte_lien": resultat.texte_lien[:120],
        "termine_le": maintenant,
    }
    if resultat.contenu is not None:
        nom = resultat.nom_fichier or "resultat"
        travail.fichier.save(nom, ContentFile(resultat.contenu), save=False)
        champs.update(
            fichier=travail.fichier.name,
            nom_fichier=nom[:200],
            type_mime=resultat.type_mime[:100],
            taille=len(resultat.contenu),
            expire_le=maintenant + timedelta(days=settings.TRAVAUX_CONSERVATION_JOURS),
        )
    return champs


@task()
def executer_travail(travail_id):
    """La tâche mise en file par `lancer()` : exécute le travail (voir `executer`)."""
    return {"travail": executer(travail_id)}


# --- entretien ------------------------------------------------------------------------------------


def marquer_depasses():
    """Marque échoués, en une requête, les travaux en cours au-delà de leur limite (exécutant
    arrêté ou bloqué) et ceux qu'aucun exécutant n'a pris depuis ATTENTE_MAX. Appelée par les
    pages des travaux : l'état affiché ne ment jamais longtemps."""
    maintenant = timezone.now()
    en_cours = Q(etat=Travail.Etat.EN_COURS, limite_le__lt=maintenant)
    oublie = Q(etat=Travail.Etat.EN_ATTENTE, cree_le__lt=maintenant - ATTENTE_MAX)
    return Travail.objects.filter(en_cours | oublie).update(
        etat=Travail.Etat.ECHOUE,
        termine_le=maintenant,
        message=Case(
            When(en_cours, then=Value(MESSAGE_ARRETE)), default=Value(MESSAGE_JAMAIS_PRIS)
        ),
    )


def purger(maintenant=None):
    """Supprime les fichiers dont la conservation est passée (le travail reste, « expiré »),
    puis les résultats de tâches finies depuis plus longtemps. Rend les compteurs."""
    from django_tasks_db.models import DBTaskResult

    maintenant = maintenant or timezone.now()
    fichiers = 0
    expires = Travail.objects.filter(expire_le__lte=maintenant).exclude(fichier="")
    for travail in expires.only("pk", "fichier"):
        travail.fichier.delete(save=False)
        Travail.objects.filter(pk=travail.pk).update(fichier="")
        fichiers += 1
    anciens = maintenant - timedelta(days=settings.TRAVAUX_CONSERVATION_JOURS)
    taches, _ = DBTaskResult.objects.finished().filter(finished_at__lt=anciens).delete()
    return {"fichiers": fichiers, "taches": taches}


_derniere_purge = 0.0


def _purger_de_temps_en_temps():
    """Une purge au plus par heure et par exécutant : ni tâche planifiée ni cron à prévoir."""
    global _derniere_purge
    if connection.in_atomic_block or time.monotonic() - _derniere_purge < PURGE_INTERVALLE:
        return
    _derniere_purge = time.monotonic()
    try:
        purger()
    except Exception:
        logger.exception("Purge des travaux de fond en échec")


__all__ = [
    "DelaiDepasse",
    "LancementRefuse",
    "Refus",
    "Resultat",
    "TYPES",
    "declarer",
    "executer",
    "executer_travail",
    "lancer",
    "marquer_depasses",
    "progression",
    "purger",
]
