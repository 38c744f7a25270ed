"""Écrire des valeurs d'indicateurs : le service que l'API appelle, avec les règles de la
grille de saisie et de l'import de tableurs, sans en recoder aucune.

- `ecrire_valeur` : une valeur contrôlée puis enregistrée — territoire attendu, unités,
  `LigneSaisieForm` (valeur requise selon l'unité, valeur atypique à expliquer),
  `Valeur.motif_refus_saisie` (organisation, campagne, valeur validée) et
  `saisie.enregistrer_valeur` (verrou, version, historique) ;
- `EnvoiGroupe` : plusieurs valeurs en une transaction, tout ou rien, avec les erreurs
  rapportées par indice d'élément et par champ (`LotRefuse`) ;
- `RefusDeSaisie` / `code_du_refus` : un refus du modèle avec son code stable
  (`indicateur_non_produit`, `campagne_fermee`, `valeur_validee`…) ;
- `raison_historique` : la raison d'historique des écritures faites par un autre canal que
  la grille et l'import.

Le service ne connaît pas HTTP : l'API (indicateurs/api/) lit les requêtes, l'appelle et
traduit ses refus en réponses (403, 409, 412, 400 par élément)."""

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.dispatch import receiver
from simple_history.signals import pre_create_historical_record

from indicateurs.forms import LigneSaisieForm
from indicateurs.models import (
    Campagne,
    ConflitDeVersion,
    Valeur,
    transition_en_masse,
)
from indicateurs.saisie import CHAMPS_SAISIS, enregistrer_valeur, plage_observee
from socle import roles
from socle.api.concurrence import verrouiller_cles
from socle.chiffres import compte_fr, nombre_fr
from socle.circuits import ActionRefusee

# Refus métier → code stable et champ auquel l'envoi groupé rattache l'erreur.
CHAMP_DU_REFUS = {
    "indicateur_non_produit": "indicateur",
    "campagne_fermee": "annee",
    "role_insuffisant": "general",
    "valeur_validee": "general",
    "transition_impossible": "general",
}


def code_du_refus(action, user, valeur, campagne):
    """Le code stable d'un refus que le modèle a motivé, en suivant l'ordre de ses contrôles
    (le droit, puis la campagne, puis l'état de la valeur) avec les mêmes règles."""
    if action in ("saisir", "submit"):
        if not roles.peut_saisir_valeur(user, valeur.indicateur):
            partenaire = roles.role_de(user) == roles.Role.PARTENAIRE
            return "indicateur_non_produit" if partenaire else "role_insuffisant"
    elif not {"valider": roles.peut_valider_valeur, "renvoyer": roles.peut_renvoyer_valeur}[action](
        user
    ):
        return "role_insuffisant"
    if Campagne.motif_verrouillage_annee(valeur.annee, campagne):
        return "campagne_fermee"
    if valeur.statut == Valeur.Statut.VALIDE:
        return "valeur_validee"
    return "transition_impossible"


class RefusDeSaisie(Exception):
    """Un refus motivé par le modèle, avec son code stable (`campagne_fermee`…) et le champ
    auquel un envoi groupé rattache l'erreur."""

    def __init__(self, message, code):
        super().__init__(message)
        self.message, self.code = message, code
        self.champ = CHAMP_DU_REFUS.get(code, "general")


def erreurs_de(exc):
    """Les erreurs d'une ValidationError de Django, par champ (`general` pour le reste)."""
    if hasattr(exc, "error_dict"):
        return {
            ("general" if champ == NON_FIELD_ERRORS else champ): [str(m) for m in messages]
            for champ, messages in exc.message_dict.items()
        }
    return {"general": [str(m) for m in exc.messages]}


# L'historique d'une écriture dit d'où elle vient : la grille et l'import écrivent « Saisie
# dans la grille » / « Import de tableur » ; un appelant (l'API) peut préciser la sienne.
_raison_api = contextvars.ContextVar("raison_historique_api", default=None)
RAISONS_DE_SAISIE = {"Saisie dans la grille", "Import de tableur"}


@contextmanager
def raison_historique(raison):
    """Les écritures de valeurs faites dans ce bloc sont historisées avec `raison` (« API,
    envoi groupé (jeton « SI Caf ») ») ; une transition garde la sienne, suffixée « (API) »."""
    jeton = _raison_api.set(raison[:100])
    try:
        yield
    finally:
        _raison_api.reset(jeton)


@receiver(pre_create_historical_record, sender=Valeur.history.model)
def _raison_des_ecritures_api(sender, history_instance, **kwargs):
    raison = _raison_api.get()
    if raison is None:
        return
    if history_instance.history_change_reason in RAISONS_DE_SAISIE:
        history_instance.history_change_reason = raison
    else:  # une transition (« Valeur soumise »…) garde sa raison, précisée
        history_instance.history_change_reason = (
            f"{history_instance.history_change_reason} (API)"
        )[:100]


@dataclass
class ContexteEcriture:
    """Ce qu'une ou plusieurs écritures partagent : l'auteur, l'origine, et les campagnes,
    plages observées et valeurs de l'année précédente (chargées une fois par lot)."""

    user: object
    origine: str
    campagnes: dict = field(default_factory=dict)
    plages: dict = field(default_factory=dict)
    precedentes: dict | None = None

    def campagne(self, annee):
        if annee not in self.campagnes:
            self.campagnes[annee] = Campagne.objects.filter(annee=annee).first()
        return self.campagnes[annee]

    def plage(self, indicateur, annee):
        cle = (indicateur.pk, annee)
        if cle not in self.plages:
            self.plages[cle] = plage_observee(indicateur, annee)
        return self.plages[cle]

    def precedente(self, indicateur, territoire, annee):
        """La valeur de l'année précédente que l'auteur voit (comme la grille)."""
        cle = (indicateur.pk, territoire.pk, annee - 1)
        if self.precedentes is None:
            precedente = (
                Valeur.objects.for_user(self.user)
                .filter(indicateur=indicateur, territoire=territoire, annee=annee - 1)
                .values_list("valeur", flat=True)
                .first()
            )
            return precedente
        return self.precedentes.get(cle)

    def refuser(self, action, valeur, campagne, message):
        return RefusDeSaisie(message, code_du_refus(action, self.user, valeur, campagne))


def verifier_unites(indicateur, saisie):
    """Les champs envoyés correspondent à l'unité de l'indicateur (la grille n'affiche que les
    bons champs ; l'API dit pourquoi elle refuse les autres plutôt que de les ignorer)."""
    if indicateur.est_nombre_part:
        if saisie.get("valeur") is not None:
            raise ValidationError(
                {
                    "valeur": f"{indicateur.code} est un indicateur « nombre et part » : la part "
                    "est calculée ; envoyez « nombre » et « base », sans « valeur »."
                }
            )
        return
    erreurs = {
        champ: "Le nombre et la base ne se saisissent que pour un indicateur « nombre et "
        "part » ; renseignez la valeur."
        for champ in ("nombre", "base")
        if saisie.get(champ) is not None
    }
    if erreurs:
        raise ValidationError(erreurs)


# Un élément d'envoi groupé qui modifie une valeur existante sans en donner la version lue.
VERSION_REQUISE = object()


def ecrire_valeur(ctx, indicateur, territoire, annee, saisie, version, existante=None):
    """Contrôle puis enregistre une valeur, avec les règles de la grille de saisie.

    `saisie` : valeur, nombre, base, source, commentaire (absents : vides). `version` : celle
    que le client a lue (0 : aucune valeur ; None : pas de contrôle ; VERSION_REQUISE : refus,
    après le contrôle du droit d'écrire). Lève RefusDeSaisie
    (organisation, campagne, valeur validée), ValidationError (territoire non attendu,
    unités, champ requis, valeur atypique sans commentaire) ou ConflitDeVersion. Retourne
    (valeur, modifiée ?)."""
    if territoire.type not in indicateur.niveaux_attendus:
        raise ValidationError(
            {
                "territoire": f"Aucune valeur n’est attendue pour « {territoire.nom} » sur "
                f"{indicateur.code} (niveaux attendus : "
                f"{', '.join(indicateur.niveaux_libelles).lower()})."
            }
        )
    campagne = ctx.campagne(annee)
    modele = existante or Valeur(indicateur=indicateur, territoire=territoire, annee=annee)
    modele.indicateur = indicateur
    refus = modele.motif_refus_saisie(ctx.user, campagne, campagne_connue=True)
    if refus:
        raise ctx.refuser("saisir", modele, campagne, refus)
    if version is VERSION_REQUISE:
        raise ValidationError(
            {
                "version": f"Cette valeur existe déjà (id {existante.pk}, version "
                f"{existante.version}) : indiquez la version lue pour la modifier (champ "
                "« version »)."
            }
        )
    verifier_unites(indicateur, saisie)
    # Le formulaire de la grille : champs requis selon l'unité, formats, longueurs, et valeur
    # atypique à expliquer par un commentaire.
    form = LigneSaisieForm(
        data={
            **{c: ("" if saisie.get(c) is None else saisie[c]) for c in CHAMPS_SAISIS},
            "version": "0",
        },
        indicateur=indicateur,
        annee=annee,
        precedente=ctx.precedente(indicateur, territoire, annee),
        plage=ctx.plage(indicateur, annee),
    )
    if not form.is_valid():
        raise ValidationError(
            {
                (champ if champ != NON_FIELD_ERRORS else "general"): [str(m) for m in liste]
                for champ, liste in form.errors.items()
            }
        )
    donnees = {c: v for c, v in form.cleaned_data.items() if c != "version"}
    try:
        return enregistrer_valeur(
            ctx.user, indicateur, territoire, annee, donnees, version, campagne, ctx.origine
        )
    except ActionRefusee as exc:
        raise ctx.refuser("saisir", modele, campagne, exc.message) from None


# --- envoi groupé ------------------------------------------------------------------------------


class LotRefuse(Exception):
    """Un envoi groupé dont au moins un élément est invalide ou refusé : rien n'est écrit.
    `erreurs` est indexé par la position de l'élément (`{"2": {"valeur": ["…"]}}`), dans
    l'ordre ; `perimees`, les éléments refusés pour une version périmée."""

    def __init__(self, erreurs, perimees, total):
        super().__init__(f"{compte_fr(len(erreurs), 'élément')} sur {nombre_fr(total)} en erreur")
        self.erreurs, self.perimees, self.total = erreurs, perimees, total

    @property
    def seulement_perimees(self):
        """Vrai si les seuls défauts du lot sont des versions périmées (à relire)."""
        return set(self.erreurs) <= self.perimees


@dataclass
class ValeurEnvoyee:
    """Ce que l'envoi a fait d'un élément : « creee », « modifiee » ou « inchangee »."""

    index: int
    valeur: Valeur
    resultat: str


@dataclass
class RapportEnvoi:
    """Le compte rendu d'un envoi appliqué."""

    nombre: int
    valeurs: list
    soumises: int = 0

    def compte(self, resultat):
        return sum(v.resultat == resultat for v in self.valeurs)


class EnvoiGroupe:
    """Un envoi groupé : chaque élément passe les contrôles de la grille, toutes les
    écritures ont lieu dans une transaction ; au moindre élément en erreur, elle est annulée
    et `LotRefuse` rapporte les erreurs par indice d'élément et par champ.

    L'appelant lit d'abord la forme des éléments (codes → objets) : `appliquer` reçoit les
    éléments lus [(indice, données)] — `indicateur`, `territoire`, `annee`, les champs
    saisis et, facultative, la `version` lue — et les erreurs de forme déjà relevées."""

    def __init__(self, user, total, erreurs=None):
        self.user, self.total = user, total
        self.erreurs = {}
        self.perimees = set()
        for index, champs in (erreurs or {}).items():
            self.erreur(index, champs)

    def erreur(self, index, champs):
        courant = self.erreurs.setdefault(str(index), {})
        for champ, messages in champs.items():
            courant.setdefault(champ, []).extend(messages)

    def sans_doublon(self, lus):
        """Une valeur (indicateur, territoire, année) n'apparaît qu'une fois par envoi."""
        uniques, vus = [], {}
        for index, d in lus:
            cle = (d["indicateur"].pk, d["territoire"].pk, d["annee"])
            if cle in vus:
                self.erreur(
                    index,
                    {
                        "general": [
                            f"Même indicateur, territoire et année que l’élément {vus[cle]} : "
                            "une valeur n’apparaît qu’une fois par envoi."
                        ]
                    },
                )
                continue
            vus[cle] = index
            uniques.append((index, d))
        return uniques

    def contexte(self, lus):
        """Campagnes, valeurs existantes et de l'année précédente du lot, en trois requêtes."""
        indicateurs = {d["indicateur"].pk for _, d in lus}
        territoires = {d["territoire"].pk for _, d in lus}
        annees = {d["annee"] for _, d in lus}
        ctx = ContexteEcriture(self.user, Valeur.Origine.IMPORT, precedentes={})
        ctx.campagnes = dict.fromkeys(annees) | {
            c.annee: c for c in Campagne.objects.filter(annee__in=annees)
        }
        existantes = {}
        for v in Valeur.objects.filter(
            indicateur_id__in=indicateurs,
            territoire_id__in=territoires,
            annee__in=annees | {a - 1 for a in annees},
        ).select_related("valide_par"):
            existantes[(v.indicateur_id, v.territoire_id, v.annee)] = v
        # L'année précédente comparée est celle que l'auteur voit, comme dans la grille.
        visibles = set(
            Valeur.objects.for_user(self.user)
            .filter(pk__in=[v.pk for v in existantes.values()])
            .values_list("pk", flat=True)
        )
        ctx.precedentes = {
            cle: v.valeur for cle, v in existantes.items() if v.pk in visibles
        }  # fmt: skip
        return ctx, existantes

    def verrouiller(self, lus, existantes):
        """Verrous de l'envoi, pris dans un ordre stable avant toute écriture : les clés
        naturelles de tous les éléments (créations comprises), puis les lignes existantes par
        clé primaire, comme `transition_en_masse`. Deux envois sur les mêmes valeurs dans des
        ordres différents passent alors l'un après l'autre au lieu de s'interbloquer."""
        cles = [(d["indicateur"].pk, d["territoire"].pk, d["annee"]) for _, d in lus]
        verrouiller_cles(cles)
        pks = sorted(existantes[c].pk for c in cles if c in existantes)
        if pks:
            list(
                Valeur.objects.select_for_update(of=("self",))
                .filter(pk__in=pks)
                .order_by("pk")
                .values_list("pk", flat=True)
            )

    @staticmethod
    def version_attendue(d, existante):
        """La version que l'élément doit trouver : celle qu'il porte ; 0 (la valeur ne doit pas
        exister) s'il n'en porte pas et crée une valeur ; VERSION_REQUISE s'il modifie une
        valeur existante sans dire quelle version il a lue (refusé par `ecrire_valeur` : sinon
        le dernier envoi écraserait en silence celui d'un autre)."""
        version = d.get("version")
        if version is not None:
            return version
        return 0 if existante is None else VERSION_REQUISE

    def appliquer(self, lus, soumettre=False):
        """Écrit les éléments lus ; avec `soumettre`, soumet aussi les valeurs écrites. Lève
        `LotRefuse` (transaction annulée) au moindre élément en erreur."""
        lus = self.sans_doublon(lus)
        resultats, ecrites = [], []
        with transaction.atomic():
            ctx, existantes = self.contexte(lus)
            self.verrouiller(lus, existantes)
            for index, d in lus:
                indicateur, territoire, annee = d["indicateur"], d["territoire"], d["annee"]
                existante = existantes.get((indicateur.pk, territoire.pk, annee))
                version = self.version_attendue(d, existante)
                try:
                    valeur, modifiee = ecrire_valeur(
                        ctx,
                        indicateur,
                        territoire,
                        annee,
                        d,
                        version,
                        existante=existante,
                    )
                except RefusDeSaisie as refus:
                    self.erreur(index, {refus.champ: [refus.message]})
                except ValidationError as exc:
                    self.erreur(index, erreurs_de(exc))
                except ConflitDeVersion as conflit:
                    self.erreur(index, {"version": [conflit.message]})
                    self.perimees.add(str(index))
                else:
                    if existante is None:
                        resultat = "creee"
                    else:
                        resultat = "modifiee" if modifiee else "inchangee"
                    valeur.indicateur, valeur.territoire = indicateur, territoire
                    ecrites.append((index, valeur))
                    resultats.append(ValeurEnvoyee(index, valeur, resultat))
            soumises = self.soumettre(ecrites) if soumettre and not self.erreurs else 0
            if self.erreurs:
                # Lever dans la transaction l'annule : rien n'est écrit.
                raise LotRefuse(
                    dict(sorted(self.erreurs.items(), key=lambda e: int(e[0]))),
                    self.perimees,
                    self.total,
                )
        return RapportEnvoi(self.total, resultats, soumises)

    def soumettre(self, ecrites):
        """Soumet les valeurs écrites encore en brouillon ou renvoyées (écriture groupée
        historisée valeur par valeur) ; un refus annule tout le lot."""
        a_soumettre = [(i, v) for i, v in ecrites if v.statut in ("brouillon", "renvoye")]
        if not a_soumettre:
            return 0
        faites, refusees = transition_en_masse([v for _, v in a_soumettre], "submit", self.user)
        indices = {v.pk: i for i, v in a_soumettre}
        for valeur, raison in refusees:
            self.erreur(indices[valeur.pk], {"general": [raison]})
        etats = {v.pk: v for v in faites}
        for _, v in a_soumettre:
            if v.pk in etats:
                v.statut, v.version = etats[v.pk].statut, etats[v.pk].version
        return len(faites)
