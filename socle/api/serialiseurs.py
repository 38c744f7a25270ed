"""Base des sérialiseurs de l'API."""

import copy
import re
from collections.abc import Mapping
from datetime import datetime
from functools import partialmethod

from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db.models import Prefetch
from django.urls import NoReverseMatch
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from rest_framework import ISO_8601, serializers
from rest_framework.fields import Field, SkipField
from rest_framework.relations import MANY_RELATION_KWARGS, ManyRelatedField, PKOnlyObject
from rest_framework.settings import api_settings

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
                morceaux = decouper_au_temoin(adresse)
            except NoReverseMatch:  # clé de forme imposée (une année : [0-9]{4})
                morceaux = None
            memoire = (request, repere[:2], morceaux)
            self._gabarit = memoire
        morceaux = memoire[2]
        if morceaux is None:  # témoin refusé ou présent ailleurs (nom d'hôte) : sans raccourci
            return super().get_url(obj, view_name, request, format)
        return f"{morceaux[0]}{cle}{morceaux[1]}"


def decouper_au_temoin(adresse):
    """(début, fin) de l'adresse rendue pour la clé témoin (`Adresse.TEMOIN`), entre lesquels
    se place toute autre clé ; None si le témoin n'y figure pas une seule fois (nom d'hôte
    fait de chiffres) : il faut alors résoudre chaque adresse."""
    morceaux = str(adresse).split(Adresse.TEMOIN)
    return tuple(morceaux) if len(morceaux) == 2 else None


# --- enregistrements lus en SQL pour les exports ----------------------------------------------


class NonDerivable(Exception):
    """Un champ du sérialiseur dont la lecture en SQL ne se déduit pas de sa source."""


class LectureSQL:
    """Les enregistrements plats d'un sérialiseur (`{champ: valeur}`), lus par `values_list`
    sur les seules colonnes des `champs` demandés, sans objet du modèle ni sérialisation par
    ligne : pour les exports tableur de centaines de milliers de lignes, et (`json=True`)
    pour les pages JSON des listes longues (`VueLectureAPI.lecture_sql_liste`).

    Les chemins SQL se déduisent de la `source` de chaque champ du sérialiseur (une seule
    vérité) : un champ du modèle (`annee`), un champ d'un objet lié (`indicateur.libelle` →
    `indicateur__libelle`), le libellé d'un choix (`get_statut_display`, libellés lus une
    fois), un objet lié désigné par sa clé (`slug_field` d'un `SlugRelatedField` ou d'un
    champ de code). Un champ calculé (propriété du modèle) se déclare dans `calcules` :
    `{nom: (chemins SQL lus, fonction de ces valeurs)}`. Un champ qui ne se déduit pas lève
    `NonDerivable` (l'appelant garde alors le sérialiseur).

    En JSON (`json=True`), chaque valeur non nulle passe par le `to_representation` de son
    champ, comme DRF le fait d'un attribut (dates ISO, décimaux, choix, libellés), sauf la
    clé d'un objet lié, déjà rendue ; l'adresse (`Adresse`) se déduit de sa clé ; la
    fonction d'un champ calculé rend la valeur finale. Le résultat est celui du sérialiseur,
    à l'octet près (testé)."""

    def __init__(self, serialiseur, champs, calcules=None, json=False):
        calcules = calcules or {}
        self.chemins: list[str] = []
        self.lecteurs = []
        # Champs dont le rendu dépend de la requête (voir `pour_la_requete`).
        self.par_requete = {}
        for nom in champs:
            if nom in calcules:
                chemins, fonction = calcules[nom]
                rangs = [self._rang(c) for c in chemins]
                self.lecteurs.append((nom, rangs, fonction))
                continue
            champ = serialiseur.fields[nom]
            if json and isinstance(champ, serializers.HyperlinkedIdentityField):
                cle = champ.lookup_field
                if cle == "pk":  # la colonne elle-même : pas lue deux fois (`id`, `pk`)
                    cle = serialiseur.Meta.model._meta.pk.name
                self.lecteurs.append((nom, self._rang(cle), _adresse(champ)))
                self.par_requete[nom] = champ
                continue
            chemin, libelles = self._chemin(serialiseur.Meta.model, champ)
            if json and type(champ) is serializers.DateTimeField:
                self.par_requete[nom] = champ
            if json:
                self.lecteurs.append((nom, self._rang(chemin), _rendu(champ, libelles)))
            else:
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

    def pour_la_requete(self, contexte):
        """Le même plan pour une autre requête : les rendus qui en dépendent (l'adresse : hôte
        et format ; les dates : fuseau courant) sont refaits pour `contexte`, le reste est
        partagé. Le plan se fait ainsi une fois par sérialiseur, pas à chaque page : le
        sérialiseur et ses champs coûtaient autant que la page elle-même."""
        copie = copy.copy(self)
        copie.chemins = list(self.chemins)
        copie.lecteurs = list(self.lecteurs)
        porteur = None
        for rang, (nom, colonne, _) in enumerate(self.lecteurs):
            champ = self.par_requete.get(nom)
            if champ is None:
                continue
            if isinstance(champ, serializers.HyperlinkedIdentityField):
                if porteur is None:
                    porteur = serializers.Serializer(context=contexte)
                frais = copy.deepcopy(champ)  # un champ neuf, rattaché à ce contexte
                frais.bind(nom, porteur)
                copie.lecteurs[rang] = (nom, colonne, _adresse(frais))
            else:
                copie.lecteurs[rang] = (nom, colonne, _date_heure(champ))
        return copie

    def lignes(self, queryset, *chemins):
        """Le queryset réduit aux colonnes lues (plus `chemins`, par exemple les positions
        d'une pagination par curseur) : des tuples nommés (`ligne.annee`), à passer à
        `enregistrement`. Les jointures des colonnes lues restent dans toute requête tirée
        de ce queryset : compter sur le queryset d'origine."""
        for chemin in chemins:
            self._rang(chemin)
        return queryset.values_list(*self.chemins, named=True)

    def enregistrement(self, ligne):
        """L'enregistrement d'une ligne lue (tuple dans l'ordre de `chemins`)."""
        enregistrement = {}
        for nom, rang, traduction in self.lecteurs:
            if rang.__class__ is list:  # champ calculé
                enregistrement[nom] = traduction(*[ligne[r] for r in rang])
            elif traduction is None:
                enregistrement[nom] = ligne[rang]
            else:
                brut = ligne[rang]
                if traduction.__class__ is dict:  # libellés d'un choix (exports)
                    enregistrement[nom] = traduction.get(brut, brut)
                else:  # rendu JSON du champ ; null reste null, comme chez DRF
                    enregistrement[nom] = None if brut is None else traduction(brut)
        return enregistrement

    def enregistrements(self, queryset, taille=2000):
        """Les enregistrements du queryset (filtré, trié), lus en flux par paquets."""
        enregistrement = self.enregistrement
        for ligne in queryset.values_list(*self.chemins).iterator(chunk_size=taille):
            yield enregistrement(ligne)


def _rendu(champ, libelles):
    """Le rendu JSON d'une colonne lue en SQL pour le champ `champ` : None si la valeur lue
    est déjà la représentation (clé d'un objet lié), sinon une fonction de la valeur."""
    if libelles is not None:
        # Libellé d'un choix : le champ (texte) rend le libellé, comme `LibelleChoix`.
        rendre = champ.to_representation
        return lambda brut: rendre(force_str(libelles.get(brut, brut), strings_only=True))
    if getattr(champ, "slug_field", None) is not None:
        return None  # `SlugRelatedField`, `CodeField` : la clé lue est la représentation
    if type(champ).to_representation is serializers.CharField.to_representation:
        return str
    if type(champ) is serializers.DateTimeField:
        return _date_heure(champ)
    return champ.to_representation


def _date_heure(champ):
    """Le rendu d'un `DateTimeField` de DRF, le fuseau lu une fois par liste plutôt qu'à
    chaque date (`enforce_timezone` le relit à chaque appel) : même texte ISO 8601, « Z »
    pour UTC ; tout autre cas (format propre, date naïve) passe par DRF."""
    format_sortie = getattr(champ, "format", api_settings.DATETIME_FORMAT)
    fuseau = getattr(champ, "timezone", None) or champ.default_timezone()
    if format_sortie is None or format_sortie.lower() != ISO_8601 or fuseau is None:
        return champ.to_representation

    def rendre(valeur):
        if valeur.__class__ is not datetime or valeur.tzinfo is None:
            return champ.to_representation(valeur)
        texte = valeur.astimezone(fuseau).isoformat()
        return texte[:-6] + "Z" if texte.endswith("+00:00") else texte

    return rendre


def _adresse(champ):
    """L'adresse d'un objet (`Adresse`, `HyperlinkedIdentityField`) depuis sa seule clé,
    par le champ lui-même (même chemin résolu, même lien). Une clé entière se place dans
    l'adresse d'une clé témoin, rendue une fois par liste."""
    lookup = champ.lookup_field

    class Cle:
        __slots__ = ("pk", lookup) if lookup != "pk" else ("pk",)

    def par_le_champ(cle):
        objet = Cle()
        objet.pk = cle
        setattr(objet, lookup, cle)
        return champ.to_representation(objet)

    morceaux = _A_DECOUPER = object()

    def rendre(cle):
        nonlocal morceaux
        if cle.__class__ is not int:
            return par_le_champ(cle)
        if morceaux is _A_DECOUPER:
            morceaux = decouper_au_temoin(par_le_champ(int(Adresse.TEMOIN)))
        if morceaux is None:  # témoin présent ailleurs dans l'adresse : sans raccourci
            return par_le_champ(cle)
        return f"{morceaux[0]}{cle}{morceaux[1]}"

    return rendre
