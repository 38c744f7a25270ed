"""Base des sérialiseurs de l'API."""

import re
from collections.abc import Mapping
from functools import partialmethod

from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db.models import Prefetch
from django.urls import NoReverseMatch
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from rest_framework import serializers
from rest_framework.fields import Field, SkipField
from rest_framework.relations import MANY_RELATION_KWARGS, ManyRelatedField, PKOnlyObject

# L'attribut où `prechargement` range la liste d'une relation (`Prefetch(to_attr=…)`).
_RANGEMENT = "_{}_prechargees"


def prechargee(instance, source_attrs):
    """La liste préchargée (`prefetch_related`) de la relation désignée par `source_attrs`,
    ou None si elle ne l'a pas été.

    Lire `fiche.quartiers.all()` crée à chaque fois un gestionnaire et un clone de requête
    avant de trouver la liste en cache : environ 0,1 ms par relation et par ligne, plus que
    la sérialisation de ses objets. La liste du cache se lit directement (la clé du cache
    est le nom de la relation, sauf `to_attr`)."""
    if len(source_attrs) != 1:
        return None
    liste = instance.__dict__.get(_RANGEMENT.format(source_attrs[0]))
    if liste is not None:
        return liste
    cache = getattr(instance, "_prefetched_objects_cache", None)
    return cache.get(source_attrs[0]) if cache else None


def prechargement(relation, queryset):
    """Le préchargement d'une relation que seul le sérialiseur lit, rangé en simple liste
    (`Prefetch(to_attr=…)`) et lu par `prechargee`.

    Sans `to_attr`, Django range la liste de chaque objet dans un gestionnaire et un clone de
    requête créés pour lui (0,1 ms par objet et par relation, la moitié du préchargement).
    À réserver aux relations que le reste du code ne relit pas par `objet.relation.all()`,
    qui ne verrait pas cette liste (et referait une requête par objet)."""
    return Prefetch(relation, queryset=queryset, to_attr=_RANGEMENT.format(relation))


class ListePrechargee(serializers.ListSerializer):
    """La liste imbriquée (`Serialiseur(many=True)`) qui lit la relation préchargée."""

    def get_attribute(self, instance):
        lignes = prechargee(instance, self.source_attrs)
        return super().get_attribute(instance) if lignes is None else lignes


class RelationsPrechargees(ManyRelatedField):
    """`SlugRelatedField(many=True)` qui lit la relation préchargée (voir `slugs_lies`)."""

    def get_attribute(self, instance):
        lignes = prechargee(instance, self.source_attrs)
        return super().get_attribute(instance) if lignes is None else lignes


def slugs_lies(**kwargs):
    """Les clés (`slug_field`) des objets liés, comme `SlugRelatedField(many=True, …)` : les
    arguments vont à la clé de chaque objet, ceux de la liste (aide, lecture seule) aussi à
    la liste, comme le fait `many_init` de DRF."""
    enfant = serializers.SlugRelatedField(**kwargs)
    liste = {cle: valeur for cle, valeur in kwargs.items() if cle in MANY_RELATION_KWARGS}
    return RelationsPrechargees(child_relation=enfant, **liste)


_INCONNUE = object()  # attribut absent ou à lire par le chemin complet de DRF


class DocumenteMixin:
    """Chaque champ sans aide reçoit son libellé français (verbose_name du modèle) comme
    description : le schéma OpenAPI n'a pas de champ muet."""

    def get_fields(self):
        champs = super().get_fields()
        for nom, champ in champs.items():
            if not champ.help_text:
                # Le libellé n'est fixé qu'au rattachement du champ : on le devance.
                champ.help_text = str(champ.label or nom.replace("_", " ").capitalize())
        return champs

    def to_representation(self, instance):
        """Comme `Serializer.to_representation` de DRF, mais les champs qui lisent un simple
        attribut de l'objet (la plupart) le lisent directement : DRF repasse pour chaque
        champ et chaque ligne par un générateur des champs lisibles, `get_attribute` et sa
        détection d'appelables, soit le tiers du temps de sérialisation d'une liste. Le plan
        de lecture est fait une fois par sérialiseur (et par classe d'objet) ; tout cas
        particulier reprend le chemin de DRF."""
        classe = type(instance)
        plan = self.__dict__.get("_plan_lecture")
        if plan is None or plan[0] is not classe:
            plan = self._plan_lecture = (classe, self._planifier(classe))
        donnees = {}
        for nom, champ, attribut in plan[1]:
            valeur = _INCONNUE
            if attribut is not None:
                try:
                    valeur = getattr(instance, attribut)
                except (AttributeError, KeyError, ObjectDoesNotExist):
                    valeur = _INCONNUE  # DRF sait quoi en faire (défaut, null, erreur)
                if callable(valeur):  # une méthode : DRF l'appelle
                    valeur = _INCONNUE
            if valeur is _INCONNUE:
                try:
                    valeur = champ.get_attribute(instance)
                except SkipField:
                    continue
            if valeur is None or (valeur.__class__ is PKOnlyObject and valeur.pk is None):
                donnees[nom] = None
            else:
                donnees[nom] = champ.to_representation(valeur)
        return donnees

    def _planifier(self, classe):
        """(nom, champ, attribut à lire directement ou None) pour chaque champ lisible."""
        plan = []
        for champ in self._readable_fields:
            attribut = None
            if (
                type(champ).get_attribute is Field.get_attribute
                and len(champ.source_attrs) == 1
                and not issubclass(classe, Mapping)
                and not callable(getattr(classe, champ.source_attrs[0], None))
            ):
                attribut = champ.source_attrs[0]
            plan.append((champ.field_name, champ, attribut))
        return plan

    @classmethod
    def many_init(cls, *args, **kwargs):
        liste = super().many_init(*args, **kwargs)
        if type(liste) is serializers.ListSerializer:
            # La liste de DRF, dont seule la lecture de la relation change : `Meta` n'a pas de
            # valeur par défaut héritable pour `list_serializer_class`.
            liste.__class__ = ListePrechargee
        return liste


class SerialiseurModele(DocumenteMixin, serializers.ModelSerializer):
    """ModelSerializer documenté."""


class Serialiseur(DocumenteMixin, serializers.Serializer):
    """Serializer documenté (objets imbriqués en lecture)."""


class LibelleChoix(serializers.CharField):
    """Le libellé d'un choix, lu par la méthode `get_<champ>_display` de l'objet.

    DRF appelle une source appelable après avoir vérifié, par `inspect.signature`, qu'elle
    ne prend pas d'argument ; il le refait pour chaque ligne, et cette vérification coûtait
    la moitié du temps de sérialisation des listes du référentiel. La méthode est connue
    ici : elle est appelée directement."""

    # (modèle, méthode) → (nom d'attribut, {valeur: libellé}) pour les méthodes fournies par
    # Django, qui recalculent ce dictionnaire à chaque appel ; None pour une méthode écrite
    # à la main, appelée telle quelle.
    _choix: dict = {}

    def get_attribute(self, instance):
        *chemin, methode = self.source_attrs
        for attribut in chemin:
            instance = getattr(instance, attribut)
            if instance is None:
                return None
        modele = type(instance)
        try:
            choix = self._choix[modele, methode]
        except KeyError:
            choix = self._choix[modele, methode] = self._choix_de(modele, methode)
        if choix is None:
            return getattr(instance, methode)()
        attname, libelles = choix
        valeur = getattr(instance, attname)
        return force_str(libelles.get(make_hashable(valeur), valeur), strings_only=True)

    @staticmethod
    def _choix_de(modele, methode):
        # Django pose `get_<champ>_display` en `partialmethod(_get_FIELD_display, field=…)`.
        for classe in modele.__mro__:
            if methode in classe.__dict__:
                fournie = classe.__dict__[methode]
                break
        else:
            return None
        if not isinstance(fournie, partialmethod) or "field" not in fournie.keywords:
            return None
        champ = fournie.keywords["field"]
        return champ.attname, dict(make_hashable(champ.flatchoices))


def libelle_de(champ, **kwargs):
    """Le libellé d'un champ à choix (« À consolider » pour `type="consolider"`) ; `champ`
    peut passer par un objet lié (`"indicateur.unite"`)."""
    *chemin, nom = champ.split(".")
    return LibelleChoix(
        source=".".join([*chemin, f"get_{nom}_display"]),
        read_only=True,
        help_text="Libellé du choix.",
        **kwargs,
    )


class Adresse(serializers.HyperlinkedIdentityField):
    """L'adresse d'un objet dans l'API (`url`), comme `HyperlinkedIdentityField`, mais le
    chemin n'est résolu (`reverse`) qu'une fois par liste : les lignes suivantes y placent
    leur clé. Une résolution par ligne coûtait ~0,2 ms, 10 ms pour une page de 50."""

    # Une clé témoin faite de chiffres passe tous les convertisseurs d'adresse (int, slug).
    TEMOIN = "987654321"
    CLE_SIMPLE = re.compile(r"[A-Za-z0-9_-]+")

    def get_url(self, obj, view_name, request, format):
        if hasattr(obj, "pk") and obj.pk in (None, ""):
            return None
        cle = str(getattr(obj, self.lookup_field))
        if not self.CLE_SIMPLE.fullmatch(cle):  # à échapper : la résolution complète
            return super().get_url(obj, view_name, request, format)
        memoire = self.__dict__.get("_gabarit")
        repere = (view_name, format, request)
        if memoire is None or memoire[0] is not repere[2] or memoire[1] != repere[:2]:
            try:
                adresse = self.reverse(
                    view_name,
                    kwargs={self.lookup_url_kwarg: self.TEMOIN},
                    request=request,
                    format=format,
                )
                morceaux = adresse.split(self.TEMOIN)
            except NoReverseMatch:  # clé de forme imposée (une année : [0-9]{4})
                morceaux = []
            memoire = (request, repere[:2], morceaux if len(morceaux) == 2 else None)
            self._gabarit = memoire
        morceaux = memoire[2]
        if morceaux is None:  # témoin refusé ou présent ailleurs (nom d'hôte) : sans raccourci
            return super().get_url(obj, view_name, request, format)
        return f"{morceaux[0]}{cle}{morceaux[1]}"


# --- enregistrements lus en SQL pour les exports ----------------------------------------------


class NonDerivable(Exception):
    """Un champ du sérialiseur dont la lecture en SQL ne se déduit pas de sa source."""


class LectureSQL:
    """Les enregistrements plats d'un sérialiseur (`{champ: valeur}`), lus par `values_list`
    sur les seules colonnes des `champs` demandés, sans objet du modèle ni sérialisation par
    ligne : pour les exports tableur de centaines de milliers de lignes.

    Les chemins SQL se déduisent de la `source` de chaque champ du sérialiseur (une seule
    vérité) : un champ du modèle (`annee`), un champ d'un objet lié (`indicateur.libelle` →
    `indicateur__libelle`), le libellé d'un choix (`get_statut_display`, libellés lus une
    fois), un objet lié désigné par sa clé (`slug_field` d'un `SlugRelatedField` ou d'un
    champ de code). Un champ calculé (propriété du modèle) se déclare dans `calcules` :
    `{nom: (chemins SQL lus, fonction de ces valeurs)}`. Un champ qui ne se déduit pas lève
    `NonDerivable` (l'appelant garde alors le sérialiseur)."""

    def __init__(self, serialiseur, champs, calcules=None):
        calcules = calcules or {}
        self.chemins: list[str] = []
        self.lecteurs = []
        for nom in champs:
            if nom in calcules:
                chemins, fonction = calcules[nom]
                rangs = [self._rang(c) for c in chemins]
                self.lecteurs.append((nom, rangs, fonction))
                continue
            chemin, libelles = self._chemin(serialiseur.Meta.model, serialiseur.fields[nom])
            self.lecteurs.append((nom, self._rang(chemin), libelles))

    def _rang(self, chemin):
        if chemin not in self.chemins:
            self.chemins.append(chemin)
        return self.chemins.index(chemin)

    @staticmethod
    def _chemin(modele, champ):
        """(chemin SQL, libellés des choix ou None) du champ `champ` du sérialiseur."""
        if champ.source == "*":
            raise NonDerivable(champ.field_name)
        morceaux = champ.source.split(".")
        chemin = []
        for rang, morceau in enumerate(morceaux):
            dernier = rang == len(morceaux) - 1
            if dernier and morceau.startswith("get_") and morceau.endswith("_display"):
                champ_choix = modele._meta.get_field(morceau[4:-8])
                return "__".join([*chemin, champ_choix.name]), dict(champ_choix.flatchoices)
            try:
                champ_modele = modele._meta.get_field(morceau)
            except FieldDoesNotExist:
                raise NonDerivable(champ.field_name) from None
            if champ_modele.many_to_many or champ_modele.one_to_many:
                raise NonDerivable(champ.field_name)  # une ligne par objet lié : pas à plat
            if champ_modele.is_relation:
                chemin.append(morceau)
                if dernier:
                    cle = getattr(champ, "slug_field", None)
                    if cle is None:
                        raise NonDerivable(champ.field_name)
                    return "__".join([*chemin, cle]), None
                modele = champ_modele.related_model
                continue
            if not dernier:
                raise NonDerivable(champ.field_name)
            return "__".join([*chemin, morceau]), None
        raise NonDerivable(champ.field_name)

    def enregistrements(self, queryset, taille=2000):
        """Les enregistrements du queryset (filtré, trié), lus en flux par paquets."""
        lecteurs = self.lecteurs
        for ligne in queryset.values_list(*self.chemins).iterator(chunk_size=taille):
            enregistrement = {}
            for nom, rang, traduction in lecteurs:
                if rang.__class__ is list:  # champ calculé
                    enregistrement[nom] = traduction(*[ligne[r] for r in rang])
                elif traduction is None:
                    enregistrement[nom] = ligne[rang]
                else:
                    brut = ligne[rang]
                    enregistrement[nom] = traduction.get(brut, brut)
            yield enregistrement
