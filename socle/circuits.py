"""Les circuits de validation, déclarés une fois et appliqués par une seule mécanique.

Un circuit (`Circuit`) se déclare comme un champ, dans le corps du modèle qu'il fait
circuler (`circuit = Circuit(...)`) : ses états (les `TextChoices` du statut, avec leurs
libellés), ses transitions (`Transition` : nom, états de départ, état d'arrivée, verbe et
participe, règle de socle/roles.py qui l'autorise, refus motivé, motif obligatoire ou non,
champs où consigner qui et quand), ses verrous de contexte (campagne close…), son journal
(un modèle concret de `socle.models.JournalTransition`) et sa façon de détecter une
modification concurrente. Les valeurs des indicateurs et les fiches-actions l'utilisent
toutes deux : mêmes noms de transitions (`submit`, `valider`, `renvoyer`), même exception,
même ordre de contrôles, même journal, même signal.

L'ordre des contrôles, identique pour tous les circuits :

1. la règle de l'objet (rôle, organisation productrice, appartenance à la structure) ;
2. les verrous du contexte (campagne close ou à venir…) ;
3. l'état actuel de l'objet (transition impossible depuis cet état) ;

chacun lève (ou renvoie) `ActionRefusee`, avec la raison exacte en français et l'étape qui a
refusé (`ActionRefusee.etape`). Viennent ensuite les saisies (motif obligatoire) et les
préalables propres à une transition (fiche complète), qui sont des erreurs de données :
`ValidationError`, et rien n'est écrit.

Le signal `transition_effectuee` part **après la validation de la transaction**
(`transaction.on_commit`), **une fois par objet changé**, y compris dans une transition en
masse (les objets du même appel sont dans `lot`, pour qui veut regrouper ses
notifications). Il ne part jamais sur un refus, ni si la transaction est annulée. Arguments :
`sender` (la classe du modèle), `objet`, `transition` (son nom), `par`, `motif`, `de`,
`vers`, `journal` (l'entrée du journal), `lot` (tuple des objets changés ensemble).
Un récepteur qui échoue est journalisé sans défaire la transition, déjà enregistrée.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

journal_erreurs = logging.getLogger(__name__)

transition_effectuee = Signal()

# Les étapes du contrôle, dans leur ordre : ActionRefusee.etape dit laquelle a refusé.
REGLE = "regle"
VERROU = "verrou"
ETAT = "etat"

# La raison d'historique de django-simple-history tient en 100 caractères ; le motif entier
# reste dans le journal (et sur l'objet quand le circuit l'y recopie).
LONGUEUR_RAISON = 100


class ActionRefusee(PermissionDenied):
    """Une action refusée, avec la raison exacte en français (campagne close, valeur déjà
    validée, indicateur d'une autre organisation, fiche d'une autre structure…).

    `etape` dit quel contrôle a refusé (`REGLE`, `VERROU`, `ETAT`), ou None hors circuit
    (clôture d'une campagne…). Hérite de PermissionDenied : non rattrapée, elle donne une
    page 403, et l'API garde sa raison."""

    def __init__(self, message, etape=None):
        super().__init__(message)
        self.message = message
        self.etape = etape

    def __str__(self):
        return self.message


def _texte(message, user, objet):
    return message(user, objet) if callable(message) else message


@dataclass(frozen=True)
class Transition:
    """Une transition d'un circuit.

    - `nom` : le nom de la méthode du modèle (`submit`, `valider`, `renvoyer`) ;
    - `depuis`, `vers` : les états de départ admis et l'état d'arrivée ;
    - `verbe`, `participe` : « soumettre », « soumise » (boutons, messages, historique) ;
    - `regle` : la règle de socle/roles.py, appelée `regle(user, objet)` ;
    - `refus` : la raison quand la règle refuse (texte, ou `refus(user, objet)`) ;
    - `motif_obligatoire`, `motif_manquant` : un renvoi se motive ; le message sinon ;
    - `champ_motif` : le champ de l'objet qui garde aussi le dernier motif (facultatif) ;
    - `auteur` : les champs (qui, quand) de l'objet à remplir (facultatif) ;
    - `prealable` : contrôle propre à la transition, après les trois étapes, qui lève une
      `ValidationError` (une fiche soumise doit être complète)."""

    nom: str
    depuis: frozenset
    vers: str
    verbe: str
    participe: str
    regle: Callable
    refus: str | Callable
    motif_obligatoire: bool = False
    motif_manquant: str = "Indiquez le motif."
    champ_motif: str = ""
    auteur: tuple[str, str] | None = None
    prealable: Callable | None = None

    def champs_modifies(self):
        """Les champs de l'objet qu'écrit cette transition (hors statut, version, dates
        automatiques, ajoutés par le circuit)."""
        return [*(self.auteur or ()), *([self.champ_motif] if self.champ_motif else [])]


class Circuit:
    """Un circuit de validation déclaré dans le corps d'un modèle (voir le module).

    - `nom`, `article` : « valeur », « une » (messages : « Une valeur « soumise » ne peut
      pas être validée. », historique : « Valeur soumise ») ;
    - `etats` : les `TextChoices` du champ `champ_etat` (les libellés du circuit) ;
    - `transitions` : les `Transition`, dans l'ordre des boutons ;
    - `journal` : « app.Modele », concret de `JournalTransition`, avec une clé vers le modèle ;
    - `champ_version` : incrémenté à chaque transition (contrôle de concurrence), facultatif ;
    - `contexte(objets)` : charge en une fois ce que les verrous lisent (campagnes…) ;
    - `verrou(objet, contexte)` : None, ou la raison pour laquelle le contexte verrouille ;
    - `refus_etat` : {état: fonction(objet) → raison} pour un état qui mérite mieux que le
      message générique (une valeur déjà validée dit par qui et quand) ;
    - `conflit(objet, en_base)` : None, ou l'exception à lever quand l'objet en mémoire n'est
      plus celui de la base (lu sous verrou) ;
    - `select_related` : ce que lisent règles et raisons, chargé avec les objets d'un lot."""

    def __init__(
        self,
        *,
        nom,
        article,
        etats,
        transitions,
        journal,
        champ_etat="statut",
        champ_version="",
        contexte=None,
        verrou=None,
        refus_etat=None,
        conflit=None,
        select_related=(),
    ):
        self.nom = nom
        self.article = article
        self.etats = etats
        self.transitions = {t.nom: t for t in transitions}
        self._journal = journal
        self.champ_etat = champ_etat
        self.champ_version = champ_version
        self._contexte = contexte
        self.verrou = verrou
        self.refus_etat = refus_etat or {}
        self.conflit = conflit
        self.select_related = tuple(select_related)
        self.modele = None
        for t in transitions:
            inconnus = {*t.depuis, t.vers} - set(etats.values)
            if inconnus:
                raise ValueError(f"Transition {t.nom} : états inconnus {sorted(inconnus)}.")

    # Django appelle contribute_to_class pour tout attribut de modèle qui la définit (comme
    # pour un champ ou un gestionnaire) : le circuit connaît ainsi son modèle.
    def contribute_to_class(self, cls, name):
        self.modele = cls
        setattr(cls, name, self)

    def __repr__(self):
        return f"<Circuit {self.nom} : {', '.join(self.transitions)}>"

    @property
    def journal(self):
        """Le modèle du journal (résolu à l'usage : il est déclaré après le modèle)."""
        return apps.get_model(self._journal)

    @property
    def cle_journal(self):
        """Le nom de la clé du journal vers l'objet (`fiche`, `valeur`)."""
        for champ in self.journal._meta.fields:
            if champ.is_relation and champ.related_model is self.modele:
                return champ.name
        raise LookupError(f"{self._journal} n’a pas de clé vers {self.modele.__name__}.")

    def transition(self, nom):
        try:
            return self.transitions[nom]
        except KeyError:
            raise ValueError(
                f"Transition inconnue pour {self.article} {self.nom} : « {nom} »."
            ) from None

    def libelle(self, etat):
        return self.etats(etat).label

    def charger_contexte(self, objets):
        return self._contexte(objets) if self._contexte else None

    # --- contrôles : règle → verrou → état --------------------------------------------------

    def refus(self, objet, nom, user, contexte=None):
        """None si `user` peut faire la transition `nom` sur `objet` maintenant, sinon
        l'`ActionRefusee` (non levée) qui dit pourquoi. `contexte` : celui de
        `charger_contexte`, déjà chargé (un lot, une page), ou None pour le charger."""
        t = self.transition(nom)
        if not t.regle(user, objet):
            return ActionRefusee(_texte(t.refus, user, objet), REGLE)
        if self.verrou:
            if contexte is None:
                contexte = self.charger_contexte([objet])
            raison = self.verrou(objet, contexte)
            if raison:
                return ActionRefusee(raison, VERROU)
        etat = getattr(objet, self.champ_etat)
        if etat not in t.depuis:
            raison = self.refus_etat.get(etat)
            return ActionRefusee(
                raison(objet)
                if raison
                else f"{self.article.capitalize()} {self.nom} « {self.libelle(etat).lower()} » "
                f"ne peut pas être {t.participe}.",
                ETAT,
            )
        return None

    def motif_refus(self, objet, nom, user, contexte=None):
        """La raison du refus en français, ou None si la transition est permise."""
        refus = self.refus(objet, nom, user, contexte)
        return refus.message if refus else None

    def est_permise(self, objet, nom, user, contexte=None):
        return self.refus(objet, nom, user, contexte) is None

    def verifier(self, objet, nom, user, contexte=None):
        """Lève `ActionRefusee` si la transition est refusée."""
        refus = self.refus(objet, nom, user, contexte)
        if refus:
            raise refus

    def _verifier_motif(self, t, motif):
        if t.motif_obligatoire and not motif:
            champ = t.champ_motif or "motif"
            raise ValidationError({champ: ValidationError(t.motif_manquant, code="motif")})

    # --- application ------------------------------------------------------------------------

    def _champs(self, t):
        champs = [self.champ_etat, *t.champs_modifies()]
        if self.champ_version:
            champs.append(self.champ_version)
        # Les dates « auto_now » ne sont pas posées par bulk_update : le circuit les pose.
        champs += [
            f.name
            for f in self.modele._meta.concrete_fields
            if getattr(f, "auto_now", False) and f.name not in champs
        ]
        return champs

    def _changer(self, objet, t, par, motif, maintenant):
        """Change l'objet en mémoire (sans l'enregistrer) ; renvoie son état de départ."""
        depuis = getattr(objet, self.champ_etat)
        setattr(objet, self.champ_etat, t.vers)
        if t.auteur:
            setattr(objet, t.auteur[0], par)
            setattr(objet, t.auteur[1], maintenant)
        if t.champ_motif:
            setattr(objet, t.champ_motif, motif)
        if self.champ_version:
            setattr(objet, self.champ_version, getattr(objet, self.champ_version) + 1)
        for f in self.modele._meta.concrete_fields:
            if getattr(f, "auto_now", False):
                setattr(objet, f.attname, maintenant)
        return depuis

    def raison_historique(self, t, motif=""):
        """« Valeur renvoyée : motif » : la raison d'historique d'une transition."""
        return (f"{self.nom.capitalize()} {t.participe}" + (f" : {motif}" if motif else ""))[
            :LONGUEUR_RAISON
        ]

    def raison_historique_en_masse(self, t, motif=""):
        return (f"{t.participe.capitalize()} en masse" + (f" : {motif}" if motif else ""))[
            :LONGUEUR_RAISON
        ]

    def _entree(self, objet, depuis, t, par, motif, maintenant):
        return self.journal(
            **{self.cle_journal: objet}, de=depuis, vers=t.vers, par=par, le=maintenant, motif=motif
        )

    def appliquer(self, objet, nom, par, motif="", contexte=None):
        """Fait la transition `nom` sur `objet` au nom de `par`, ou lève l'erreur qui dit
        pourquoi sans rien écrire : l'exception de `conflit` (objet modifié entre-temps),
        `ActionRefusee` (règle, verrou, état), `ValidationError` (motif manquant, préalable).

        Sous verrou de ligne (deux clics simultanés ne font qu'une transition) : change
        l'état, consigne qui et quand sur l'objet, l'historise (django-simple-history, avec
        son auteur et une raison), écrit le journal et programme le signal. Renvoie l'entrée
        du journal."""
        t = self.transition(nom)
        motif = (motif or "").strip()
        with transaction.atomic():
            en_base = self.modele._default_manager.select_for_update().get(pk=objet.pk)
            if self.conflit:
                exc = self.conflit(objet, en_base)
                if exc is not None:
                    raise exc
            self.verifier(objet, nom, par, contexte)
            self._verifier_motif(t, motif)
            if t.prealable:
                t.prealable(objet)
            maintenant = timezone.now()
            depuis = self._changer(objet, t, par, motif, maintenant)
            objet._history_user = par  # hors requête (commande, test), l'auteur reste connu
            objet._change_reason = self.raison_historique(t, motif)
            try:
                objet.save(update_fields=self._champs(t))
            finally:
                # simple_history garde ces attributs sur l'instance : sans ce ménage, la
                # prochaine modification serait consignée comme cette transition.
                del objet._history_user, objet._change_reason
            entree = self._entree(objet, depuis, t, par, motif, maintenant)
            entree.save()
            self._signaler([(objet, entree)], t, par, motif)
        return entree

    def appliquer_en_masse(self, objets, nom, par, motif="", contexte=None):
        """La transition `nom` sur plusieurs objets d'un coup, avec les mêmes contrôles,
        objet par objet : les objets refusés restent tels quels, avec leur raison.

        Les objets sont relus sous verrou (l'état contrôlé est celui de la base). Les objets
        permis sont écrits en une écriture groupée historisée (bulk_update_with_history :
        chacun garde sa ligne d'historique), le journal en une insertion, et le signal part
        une fois par objet changé après la validation. Un motif obligatoire manquant lève
        `ValidationError` (rien n'est écrit) ; un préalable non rempli est un refus de l'objet.

        Retourne (objets changés, [(objet, raison)])."""
        t = self.transition(nom)
        motif = (motif or "").strip()
        ids = [o.pk for o in objets]
        faites, refusees = [], []
        with transaction.atomic():
            verrouilles = list(
                self.modele._default_manager.select_for_update(of=("self",))
                .select_related(*self.select_related)
                .filter(pk__in=ids)
                .order_by("pk")
            )
            if contexte is None:
                contexte = self.charger_contexte(verrouilles)
            for objet in verrouilles:
                refus = self.refus(objet, nom, par, contexte)
                if refus:
                    refusees.append((objet, refus.message))
                    continue
                if t.prealable:
                    try:
                        t.prealable(objet)
                    except ValidationError as erreur:
                        refusees.append((objet, " ".join(erreur.messages)))
                        continue
                faites.append(objet)
            if not faites:
                return faites, refusees
            self._verifier_motif(t, motif)
            maintenant = timezone.now()
            raison = self.raison_historique_en_masse(t, motif)
            entrees = []
            for objet in faites:
                depuis = self._changer(objet, t, par, motif, maintenant)
                entrees.append(self._entree(objet, depuis, t, par, motif, maintenant))
            bulk_update_with_history(
                faites,
                self.modele,
                self._champs(t),
                default_user=par,
                default_change_reason=raison,
            )
            self.journal.objects.bulk_create(entrees)
            self._signaler(list(zip(faites, entrees, strict=True)), t, par, motif)
        return faites, refusees

    def _signaler(self, changes, t, par, motif):
        lot = tuple(objet for objet, _ in changes)

        def envoyer():
            for objet, entree in changes:
                reponses = transition_effectuee.send_robust(
                    sender=self.modele,
                    objet=objet,
                    transition=t.nom,
                    par=par,
                    motif=motif,
                    de=entree.de,
                    vers=entree.vers,
                    journal=entree,
                    lot=lot,
                )
                for recepteur, reponse in reponses:
                    if isinstance(reponse, Exception):
                        journal_erreurs.error(
                            "Récepteur %r de transition_effectuee en échec (%s %s).",
                            recepteur,
                            self.nom,
                            t.nom,
                            exc_info=reponse,
                        )

        transaction.on_commit(envoyer)
