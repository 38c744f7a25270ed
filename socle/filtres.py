"""Les briques des FilterSets du portail (`*/filters.py`).

Une liste a un seul FilterSet, partagé par sa page, son point d'accès de l'API et ses
exports : les mêmes clés, désignées par leurs clés naturelles (slug d'un QPV ou d'une
structure, numéro d'un arrondissement ou d'un engagement, code d'un indicateur ou d'un
territoire), avec le même sens partout.

Une valeur de filtre invalide n'est jamais ignorée en silence : django-filter abandonne un
champ invalide (la liste revient entière) ; ces filtres refusent ce qu'ils ne savent pas lire,
la page l'affiche en erreur et l'API répond 400. D'où :

- `FiltreEntier` / `FiltreAnnee` plutôt que `NumberFilter` : « 2.5 » ou « 1e400 » ne sont pas
  des entiers (un NumberFilter arrondirait le premier et passerait le second à la base) ;
- `FiltreOuiNon` plutôt que `BooleanFilter`, qui lit « peut-être » comme « pas de filtre » ;
- `FiltreTexte` : une recherche bornée en longueur (et sans caractère nul, comme tout
  `CharField`).

Une clé bien formée qui ne désigne aucun objet (`?indicateur=E99-9`, `?quartier=inconnu`) donne
une liste vide, comme une année sans données : c'est une question valide dont la réponse est
« rien » (le contrat de l'API, schemathesis à l'appui : une donnée conforme au schéma n'est
jamais refusée) ; une clé mal formée (texte pour un numéro, caractère nul, trop longue) reste
refusée.

Les choix d'un menu déroulant tirés des données (`FiltreAnnee(choix=…)`) ne sont lus qu'au
rendu de la page : l'API, qui ne rend pas le formulaire, ne paie pas cette requête."""

import copy

import django_filters
from django import forms
from django.core.exceptions import MultipleObjectsReturned, ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

ENTIER_MAX = 2_147_483_647  # le plus grand entier d'une colonne « integer » de PostgreSQL
ANNEE_MIN, ANNEE_MAX = 1900, 2100
LONGUEUR_MAX_TEXTE = 200


def aucun(queryset):
    """L'objet qu'une clé inconnue désigne : aucun (un identifiant qu'aucune ligne ne porte ;
    le filtre rend une liste vide)."""
    return queryset.model(pk=-1)


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": ENTIER_MAX})
class FiltreEntier(django_filters.Filter):
    """Un nombre entier borné (0 à 2 147 483 647 par défaut)."""

    field_class = forms.IntegerField

    def __init__(self, *args, min_value=0, max_value=ENTIER_MAX, **kwargs):
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)


class MenuDesDonnees(forms.Select):
    """Un menu déroulant dont les options sont tirées des données par `choix()` : lues une
    seule fois, au premier rendu (le contrôle de « required » et les options les lisent tous
    deux), et jamais quand le formulaire n'est pas rendu (l'API)."""

    def __init__(self, choix, vide="Toutes", attrs=None):
        self.source, self.vide, self._options = choix, vide, None
        super().__init__(attrs)

    @property
    def choices(self):
        if self._options is None:
            self._options = [("", self.vide), *self.source()]
        return self._options

    @choices.setter
    def choices(self, value):
        """Les options viennent toujours de la source."""

    def __deepcopy__(self, memo):
        # Chaque formulaire a sa copie, encore à lire (Select copierait les options lues).
        copie = copy.copy(self)
        copie.attrs, copie._options = self.attrs.copy(), None
        memo[id(self)] = copie
        return copie


@extend_schema_field({"type": "integer", "minimum": ANNEE_MIN, "maximum": ANNEE_MAX})
class FiltreAnnee(FiltreEntier):
    """Une année (1900 à 2100), quelle qu'elle soit : une année sans données donne une liste
    vide, pas une erreur. `choix` (une fonction qui rend [(année, libellé)]) fait de la page un
    menu déroulant des années présentes, lu seulement au rendu (`MenuDesDonnees`)."""

    def __init__(self, *args, choix=None, vide="Toutes", **kwargs):
        kwargs.setdefault("min_value", ANNEE_MIN)
        kwargs.setdefault("max_value", ANNEE_MAX)
        if choix is not None:
            kwargs.setdefault("widget", MenuDesDonnees(choix, vide))
        super().__init__(*args, **kwargs)


class ChampOuiNon(forms.Field):
    """Oui ou non : `true`/`false` (aussi `1`/`0`, `oui`/`non`) ; vide : pas de filtre ; toute
    autre valeur est une erreur."""

    VRAI = {"true", "1", "oui"}
    FAUX = {"false", "0", "non"}
    default_error_messages = {
        "invalid": "« %(valeur)s » n’est pas une valeur possible : true ou false.",
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        texte = str(value).strip().lower()
        if texte in self.VRAI:
            return True
        if texte in self.FAUX:
            return False
        raise ValidationError(
            self.error_messages["invalid"], code="invalid", params={"valeur": value}
        )


@extend_schema_field(OpenApiTypes.BOOL)
class FiltreOuiNon(django_filters.BooleanFilter):
    """Un filtre oui/non, rendu sur les pages en menu (« Tous », « Oui », « Non » ou des
    libellés propres : `choix=[("", "Toutes"), ("false", "Paris"), ("true", "Hors Paris")]`)."""

    field_class = ChampOuiNon

    def __init__(self, *args, choix=None, **kwargs):
        choix = choix or [("", "Tous"), ("true", "Oui"), ("false", "Non")]
        kwargs.setdefault("widget", forms.Select(choices=choix))
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "string", "maxLength": LONGUEUR_MAX_TEXTE})
class FiltreTexte(django_filters.CharFilter):
    """Un texte recherché, borné en longueur."""

    def __init__(self, *args, max_length=LONGUEUR_MAX_TEXTE, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)


class ChoixParIdentifiant(django_filters.fields.ModelChoiceField):
    """Un objet désigné par une clé texte : une clé trop longue ou porteuse d'un caractère nul
    est refusée avant d'interroger la base (PostgreSQL refuse le caractère nul : ce serait une
    erreur 500)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        verifier_cle_texte(value)
        try:
            return super().to_python(value)
        except ValidationError as erreur:
            if erreur.code != "invalid_choice":
                raise
            return aucun(self.queryset)


def verifier_cle_texte(value):
    texte = str(value)
    if "\x00" in texte:
        raise ValidationError("Le caractère nul n’est pas autorisé.", code="null_characters")
    if len(texte) > LONGUEUR_MAX_TEXTE:
        raise ValidationError(
            f"Identifiant trop long ({len(texte)} caractères ; {LONGUEUR_MAX_TEXTE} au plus).",
            code="max_length",
        )


@extend_schema_field({"type": "string", "maxLength": LONGUEUR_MAX_TEXTE})
class FiltreParIdentifiant(django_filters.ModelChoiceFilter):
    """Un objet désigné par une clé texte (slug, code) ; le type est déclaré pour le schéma
    OpenAPI, qui ne le devine pas d'un filtre à méthode."""

    field_class = ChoixParIdentifiant


class ChoixParNumero(django_filters.fields.ModelChoiceField):
    """Un objet désigné par un numéro : « abc » ou « 2.5 » ne sont pas des numéros (le message
    le dit, plutôt que « choix invalide »)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            numero = int(str(value).strip())
        except ValueError:
            raise ValidationError("Saisissez un nombre entier.", code="invalid") from None
        if not 0 <= numero <= ENTIER_MAX:
            raise ValidationError(
                f"Saisissez un nombre entier entre 0 et {ENTIER_MAX}.", code="invalid"
            )
        try:
            return super().to_python(str(numero))
        except ValidationError as erreur:
            if erreur.code != "invalid_choice":
                raise
            return aucun(self.queryset)


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": ENTIER_MAX})
class FiltreParNumero(django_filters.ModelChoiceFilter):
    """Un objet désigné par un numéro (arrondissement, engagement, thématique) ou par son
    identifiant (signataire, action) ; le type est déclaré pour le schéma OpenAPI."""

    field_class = ChoixParNumero


class ChoixSansCasse(django_filters.fields.ModelChoiceField):
    """Un objet désigné par une clé texte comparée sans tenir compte de la casse
    (`e28-2` désigne E28-2)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        verifier_cle_texte(value)
        try:
            return self.queryset.get(**{f"{self.to_field_name}__iexact": str(value).strip()})
        except (ValueError, TypeError, MultipleObjectsReturned, self.queryset.model.DoesNotExist):
            return aucun(self.queryset)


@extend_schema_field({"type": "string", "maxLength": LONGUEUR_MAX_TEXTE})
class FiltreParCode(django_filters.ModelChoiceFilter):
    """Un objet désigné par son code, sans casse, saisi dans un champ texte (pas de menu de
    centaines d'options, ni de requête pour le construire)."""

    field_class = ChoixSansCasse

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


class ChoixParSlug(ChoixParIdentifiant):
    """Un objet désigné par son slug ; un nombre désigne encore l'objet de cet identifiant
    (les liens d'avant les slugs restent valables)."""

    def to_python(self, value):
        objet = super().to_python(value)
        texte = str(value).strip() if value not in self.empty_values else ""
        if objet is not None and objet.pk == -1 and texte.isdigit() and len(texte) < 10:
            return self.queryset.filter(pk=int(texte)).first() or objet
        return objet


@extend_schema_field({"type": "string", "maxLength": LONGUEUR_MAX_TEXTE})
class FiltreParSlug(django_filters.ModelChoiceFilter):
    """Un objet désigné par son slug (un signataire : `caisse-dallocations-familiales`),
    ou, pour les liens anciens, par son identifiant numérique."""

    field_class = ChoixParSlug

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "slug")
        super().__init__(*args, **kwargs)


def lignes_filtrees(filtre):
    """Les lignes que retient un FilterSet lié ; aucune si un filtre est invalide. django-filter
    laisserait tomber le seul filtre fautif et rendrait le reste : la page montrerait « tout »
    là où l'API répond 400. La page affiche l'erreur (includes/erreurs_filtre.html)."""
    return filtre.qs if filtre.is_valid() else filtre.queryset.none()


MENU_MAX = 300


def borner_menus(filtre, *noms, maximum=None):
    """Sur une page, les menus déroulants `noms` d'un FilterSet tirés d'une table (QPV,
    structures, arrondissements) : au-delà de `maximum` options (échelle nationale : 1 600
    QPV, 5 000 structures), le menu devient un champ texte où l'on saisit l'identifiant
    (la page pèserait des centaines de Ko) ; en deçà, ses options sont lues ici une fois, dans
    la requête même qui les compte (LIMIT maximum + 1), sans requête de plus au rendu.
    Le filtrage et ses erreurs ne changent pas."""
    maximum = MENU_MAX if maximum is None else maximum
    for nom in noms:
        champ = filtre.form.fields.get(nom)
        if champ is None or not isinstance(champ.widget, forms.Select):
            continue
        objets = list(champ.queryset[: maximum + 1])
        if len(objets) > maximum:
            champ.widget = forms.TextInput(attrs={"placeholder": "identifiant"})
            champ.help_text = "Saisissez l’identifiant (la liste est trop longue pour un menu)."
            continue
        cle = champ.to_field_name or "pk"
        options = [(getattr(o, cle), champ.label_from_instance(o)) for o in objets]
        if champ.empty_label is not None:
            options.insert(0, ("", champ.empty_label))
        champ.widget.choices = options
    return filtre
