"""Saisie des valeurs : l'ordre des règles d'une saisie, comparaison à l'année précédente,
repérage des valeurs atypiques et enregistrement protégé contre les écrasements silencieux.

Partagé par la grille (htmx), l'import de tableurs et l'API, pour que les trois appliquent
exactement les mêmes règles, dans le même ordre (`controler_saisie`) :

1. **illisible** : ce qui ne se lit pas (« douze » dans un nombre) — signalé par l'appelant,
   qui lit le texte (formulaire de la grille, lecteur de cellule de l'import, sérialiseur de
   l'API) et passe les champs concernés dans `invalides` ;
2. **impossible** : valeur manquante, part ou taux hors de 0 à 100, nombre négatif ou non
   entier, nombre supérieur à la base, base nulle (`Valeur.clean`, la seule définition) ;
3. **règle métier** : organisation, campagne, valeur déjà validée (`Valeur.motif_refus_saisie`),
   passée par l'appelant dans `refus` ;
4. **explication** : un écart atypique (`anomalie`) demande un commentaire — jamais pour une
   valeur illisible, impossible ou refusée : on ne demande pas d'expliquer une valeur qui ne
   sera de toute façon pas enregistrée.

Toutes les erreurs d'une saisie sont rendues ensemble, rangées dans cet ordre (les rangs de
`socle.imports.Rang`, ceux de la mécanique d'import)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from indicateurs.models import (
    Campagne,
    ConflitDeVersion,
    Valeur,
    nombre_fr,
)
from socle.circuits import ActionRefusee
from socle.imports import Rang

SEUIL_ECART = Decimal(50)  # en % de la valeur de l'année précédente
CHAMPS_SAISIS = ("valeur", "nombre", "base", "source", "commentaire")


MINIMUM_OBSERVATIONS = 3


@dataclass(frozen=True)
class Plage:
    """La plage des valeurs validées d'un indicateur les années précédentes, tous territoires
    confondus. Une valeur est « hors plage » quand elle tombe à plus de 50 % sous la plus
    petite ou au-delà de la plus grande : il faut l'expliquer. Avec moins de trois valeurs
    observées, la plage n'est pas assez sûre pour juger."""

    minimum: Decimal | None = None
    maximum: Decimal | None = None
    observations: int = 0

    @property
    def bornes(self):
        marge = SEUIL_ECART / 100
        return self.minimum * (1 - marge), self.maximum * (1 + marge)

    def contient(self, valeur):
        if self.minimum is None or valeur is None or self.observations < MINIMUM_OBSERVATIONS:
            return True
        bas, haut = self.bornes
        return bas <= valeur <= haut


def plage_observee(indicateur, annee):
    """Une requête : min, max et nombre des valeurs validées réelles avant `annee`."""
    agregat = (
        Valeur.objects.validees()
        .reelles()
        .filter(indicateur=indicateur, annee__lt=annee, valeur__isnull=False)
        .aggregate(minimum=Min("valeur"), maximum=Max("valeur"), observations=Count("pk"))
    )
    return Plage(**agregat)


@dataclass(frozen=True)
class Evolution:
    """L'évolution d'une valeur par rapport à l'année précédente."""

    difference: Decimal
    pourcentage: Decimal | None  # None quand la valeur précédente est nulle

    def texte(self, suffixe=""):
        signe = "+" if self.difference > 0 else ""
        unite = " pt" if suffixe.strip() == "%" else ""
        morceau = f"{signe}{nombre_fr(self.difference, 2)}{unite}"
        if self.pourcentage is not None:
            signe_pct = "+" if self.pourcentage > 0 else ""
            morceau += f" ({signe_pct}{nombre_fr(self.pourcentage, 1)} %)"
        return morceau


def evolution(nouvelle, precedente):
    if nouvelle is None or precedente is None:
        return None
    nouvelle, precedente = Decimal(nouvelle), Decimal(precedente)
    difference = nouvelle - precedente
    pourcentage = None if precedente == 0 else difference * 100 / abs(precedente)
    return Evolution(difference, pourcentage)


def anomalie(indicateur, nouvelle, precedente, annee, plage=None):
    """Pourquoi une valeur est atypique (et demande un commentaire), ou None : écart de plus
    de ±50 % avec l'année précédente, passage de 0 à une valeur non nulle, ou valeur hors de
    la plage des valeurs validées des années précédentes."""
    if nouvelle is None:
        return None
    suffixe = indicateur.suffixe
    evo = evolution(nouvelle, precedente)
    if evo is not None:
        if evo.pourcentage is None and evo.difference != 0:
            return (
                f"La valeur passe de 0 en {annee - 1} à {nombre_fr(nouvelle)}{suffixe} : "
                "expliquez cet écart dans le commentaire avant d’enregistrer."
            )
        if evo.pourcentage is not None and abs(evo.pourcentage) > SEUIL_ECART:
            return (
                f"Écart de {evo.texte(suffixe)} par rapport à {annee - 1} "
                f"({nombre_fr(precedente)}{suffixe}), au-delà de ±50 % : expliquez-le dans le "
                "commentaire avant d’enregistrer."
            )
    if plage is not None and not plage.contient(Decimal(nouvelle)):
        return (
            f"La valeur {nombre_fr(nouvelle)}{suffixe} sort de la plage des valeurs validées "
            f"des années précédentes ({nombre_fr(plage.minimum)} à "
            f"{nombre_fr(plage.maximum)}{suffixe}, à ±50 % près) : expliquez-la dans le "
            "commentaire avant d’enregistrer."
        )
    return None


def valeur_comparable(indicateur, donnees):
    """La valeur à comparer à l'année précédente : la part calculée pour un « nombre et
    part », la valeur saisie sinon."""
    if indicateur.est_nombre_part:
        nombre, base = donnees.get("nombre"), donnees.get("base")
        if nombre is None or not base:
            return None
        return (Decimal(nombre) * 100 / Decimal(base)).quantize(Decimal("0.01"))
    return donnees.get("valeur")


# --- l'ordre des règles ----------------------------------------------------------------------------

CHAMPS_VALEUR = ("valeur", "nombre", "base")
# Une valeur absente : la grille et l'API disent simplement quoi renseigner.
REQUIS = {
    "valeur": "Renseignez la valeur.",
    "nombre": "Renseignez le nombre.",
    "base": "Renseignez la base.",
}


@dataclass
class ControleSaisie:
    """Le résultat de `controler_saisie` : les erreurs dans l'ordre des règles, chacune
    `(rang, champ, message)` (champ None : la ligne entière), et l'anomalie repérée (à
    afficher même quand un commentaire l'explique)."""

    erreurs: list = field(default_factory=list)
    anomalie: str | None = None

    @property
    def valide(self):
        return not self.erreurs

    @property
    def premiere(self):
        """Le message de la première erreur (la plus grave), ou None."""
        return self.erreurs[0][2] if self.erreurs else None


def champs_de_valeur(indicateur):
    """Les champs qui portent la valeur : le nombre et la base pour un « nombre et part » (la
    part est calculée), la valeur sinon."""
    return ("nombre", "base") if indicateur.est_nombre_part else ("valeur",)


def controler_saisie(
    indicateur, donnees, *, annee, precedente=None, plage=None, invalides=(), refus=None
):
    """LA règle d'ordre d'une saisie de valeur (voir le module), pour la grille, l'import et
    l'API. Aucune requête : tout ce qui est consulté est passé.

    `donnees` : valeur, nombre, base, commentaire déjà lus (None : vide). `invalides` : les
    champs que l'appelant n'a pas pu lire ou a déjà refusés (rien n'est ajouté sur eux, et une
    valeur illisible n'a pas d'écart à expliquer). `precedente`, `plage` : la valeur de
    l'année précédente et la plage observée (`plage_observee`). `refus` : la raison d'une règle
    métier (`motif_refus_saisie`), ou None. Retourne un `ControleSaisie`."""
    invalides = set(invalides)
    controle = ControleSaisie()
    champs = champs_de_valeur(indicateur)
    # 2. Impossible : ce qui manque, puis les unités (Valeur.clean), sur les champs lus.
    manquants = [c for c in champs if c not in invalides and donnees.get(c) is None]
    for champ in manquants:
        controle.erreurs.append((Rang.VALEUR, champ, REQUIS[champ]))
    essai = Valeur(
        indicateur=indicateur,
        annee=annee,
        **{c: donnees.get(c) for c in champs if c not in invalides},
    )
    try:
        essai.clean()
    except ValidationError as exc:
        for champ, messages in exc.message_dict.items():
            if champ in invalides or champ in manquants:
                continue
            controle.erreurs.extend((Rang.VALEUR, champ, m) for m in messages)
    # 3. Règle métier.
    if refus:
        controle.erreurs.append((Rang.REGLE, None, refus))
    # 4. Explication : seulement pour une valeur lisible, possible et acceptée.
    if refus or invalides & set(CHAMPS_VALEUR) or controle.erreurs:
        return controle
    controle.anomalie = anomalie(
        indicateur, valeur_comparable(indicateur, donnees), precedente, annee, plage
    )
    commentaire = (donnees.get("commentaire") or "").strip()
    if controle.anomalie and not commentaire and "commentaire" not in invalides:
        controle.erreurs.append((Rang.EXPLICATION, "commentaire", controle.anomalie))
    return controle


def enregistrer_valeur(
    user, indicateur, territoire, annee, donnees, version, campagne, origine=None
):
    """Crée ou modifie la valeur (indicateur, territoire, année) avec `donnees` (valeur,
    nombre, base, source, commentaire), au nom de `user`.

    `version` est celle que l'utilisateur avait sous les yeux (0 : aucune valeur affichée). Si
    la valeur a changé depuis, `ConflitDeVersion` est levée et rien n'est écrit. Les refus
    (organisation, campagne, valeur validée) lèvent `ActionRefusee` ; les erreurs d'unité,
    `ValidationError`. Toute modification remet la valeur en brouillon : elle doit être
    soumise à nouveau. Retourne (valeur, modifiée ?)."""
    origine = origine or Valeur.Origine.SAISIE
    with transaction.atomic():
        valeur = (
            Valeur.objects.select_for_update(of=("self",))
            .select_related("indicateur", "valide_par")
            .filter(indicateur=indicateur, territoire=territoire, annee=annee)
            .first()
        )
        if valeur is None:
            if version:
                # Affichée puis disparue : on ne recrée pas en silence.
                raise ActionRefusee("Cette valeur n’existe plus : rechargez la page.")
            valeur = Valeur(
                indicateur=indicateur,
                territoire=territoire,
                annee=annee,
                producteur_id=indicateur.producteur_id,
                origine=origine,
            )
        elif version is not None and valeur.version != version:
            raise ConflitDeVersion(Valeur.objects.with_detail_data().get(pk=valeur.pk))
        refus = valeur.motif_refus_saisie(user, campagne, campagne_connue=True)
        if refus:
            raise ActionRefusee(refus)
        # La part d'un « nombre et part » est calculée : seuls le nombre et la base comptent.
        champs = [c for c in CHAMPS_SAISIS if not (c == "valeur" and indicateur.est_nombre_part)]
        nouvelles = {c: donnees.get(c) for c in champs}
        for texte in ("source", "commentaire"):
            nouvelles[texte] = (nouvelles[texte] or "").strip()
        modifiee = valeur.pk is None or any(getattr(valeur, c) != v for c, v in nouvelles.items())
        if not modifiee:
            return valeur, False
        for champ, nouvelle in nouvelles.items():
            setattr(valeur, champ, nouvelle)
        valeur.full_clean(validate_unique=False, validate_constraints=False)
        if valeur.pk:
            valeur.version += 1
            valeur.origine = origine
        valeur.statut = Valeur.Statut.BROUILLON
        valeur.saisi_par, valeur.saisi_le = user, timezone.now()
        valeur._history_user = user
        valeur._change_reason = (
            "Import de tableur" if origine == Valeur.Origine.IMPORT else "Saisie dans la grille"
        )
        if valeur.pk:
            valeur.save()
        else:
            try:
                with transaction.atomic():
                    valeur.save()
            except IntegrityError:
                # Créée entre-temps par quelqu'un d'autre : on montre la sienne.
                actuelle = Valeur.objects.with_detail_data().get(
                    indicateur=indicateur, territoire=territoire, annee=annee
                )
                raise ConflitDeVersion(actuelle) from None
    return valeur, True


def campagne_de(annee):
    return Campagne.objects.filter(annee=annee).first()
