"""Formulaires de la campagne des indicateurs : métadonnées d'un indicateur, ligne de la
grille de saisie, campagne, renvoi d'une valeur et filtre du modèle à télécharger."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from engagements.models import Signataire
from indicateurs.models import ANNEE_MAX, ANNEE_MIN, Campagne, Indicateur, Territoire
from indicateurs.saisie import controler_saisie
from socle import imports


class IndicateurMetadonneesForm(forms.ModelForm):
    """Ce que le SPV tient à jour sur un indicateur ; le code et le libellé viennent du
    contrat et ne se modifient pas ici."""

    niveaux = forms.MultipleChoiceField(
        label="Niveaux territoriaux attendus",
        choices=Territoire.Type.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        required=False,
        help_text=Indicateur._meta.get_field("niveaux").help_text,
    )

    class Meta:
        model = Indicateur
        fields = [
            "nature",
            "unite",
            "producteur",
            "niveaux",
            "definition",
            "methode",
            "cible_valeur",
            "cible_annee",
        ]
        widgets = {
            "definition": forms.Textarea(attrs={"rows": 3}),
            "methode": forms.Textarea(attrs={"rows": 3}),
        }
        localized_fields = ["cible_valeur"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["producteur"].queryset = Signataire.objects.order_by("ordre", "nom")
        self.fields["producteur"].empty_label = "— Non désigné —"
        self.fields["nature"].choices = [("", "— Non précisée —"), *Indicateur.Nature.choices]

    def clean_niveaux(self):
        ordre = list(Territoire.Type.values)
        return sorted(self.cleaned_data["niveaux"], key=ordre.index)

    def clean(self):
        donnees = super().clean()
        unite = donnees.get("unite")
        change_unite = self.instance.pk and unite and unite != self.instance.unite
        if change_unite and self.instance.valeurs.exists():
            self.add_error(
                "unite",
                "Des valeurs sont déjà saisies dans l’unité actuelle : changer d’unité les "
                "rendrait incohérentes.",
            )
        return donnees


def _lire(lecteur, valeur):
    """Lit une saisie avec le lecteur de cellule de l'import (socle/imports.py) : « 12 100,5 »,
    « 30 % » à la française, et le même message qu'un tableur pour ce qui ne se lit pas
    (« « douze » n’est pas un nombre. »)."""
    if valeur is None or (isinstance(valeur, str) and not valeur.strip()):
        return None
    try:
        return lecteur(valeur)
    except ValueError as erreur:
        raise ValidationError(str(erreur), code="invalid") from None


class NombreFrField(forms.DecimalField):
    def to_python(self, value):
        return _lire(imports.nombre, value)


class EntierFrField(forms.IntegerField):
    def to_python(self, value):
        return _lire(imports.entier, value)


class LigneSaisieForm(forms.Form):
    """Une ligne de la grille : la valeur d'un territoire pour l'année de la campagne.

    Pour un « nombre et part », seuls le nombre et la base se saisissent. Les contrôles
    suivent l'ordre de `saisie.controler_saisie`, le même que l'import et l'API : ce qui ne se
    lit pas, puis les valeurs impossibles (part hors de 0 à 100, nombre négatif, nombre
    supérieur à la base), puis la règle métier (`refus`, passé par la grille), et seulement
    ensuite le commentaire qu'exige une valeur atypique (écart de plus de ±50 % avec l'année
    précédente, ou hors de la plage observée). Toutes les erreurs sont rendues ensemble."""

    valeur = NombreFrField(label="Valeur", required=False, max_digits=14, decimal_places=2)
    # Entiers positifs ou nuls (lecteur de l'import) ; une base nulle est refusée par
    # Valeur.clean, comme dans l'import.
    nombre = EntierFrField(label="Nombre", required=False)
    base = EntierFrField(label="Base", required=False)
    source = forms.CharField(label="Source", required=False, max_length=500)
    commentaire = forms.CharField(label="Commentaire", required=False, max_length=2000)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, indicateur, annee, precedente=None, plage=None, refus=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicateur, self.annee = indicateur, annee
        self.precedente, self.plage, self.refus = precedente, plage, refus
        self.anomalie = None
        for nom in ("valeur", "nombre", "base", "source", "commentaire"):
            self.fields[nom].widget.attrs.update({"form": self.form_id})
        self.fields["version"].widget.attrs.update({"form": self.form_id})
        if indicateur.est_nombre_part:
            del self.fields["valeur"]
        else:
            del self.fields["nombre"]
            del self.fields["base"]
            self.fields["valeur"].widget.attrs.update({"inputmode": "decimal"})

    @property
    def form_id(self):
        return f"f-{self.prefix}"

    def clean(self):
        donnees = super().clean()
        controle = controler_saisie(
            self.indicateur,
            donnees,
            annee=self.annee,
            precedente=self.precedente,
            plage=self.plage,
            invalides=set(self.errors),
            refus=self.refus,
        )
        self.anomalie = controle.anomalie
        for _rang, champ, message in controle.erreurs:
            self.add_error(champ, message)
        return donnees


class CampagneForm(forms.ModelForm):
    """Ouvrir la campagne d'une année."""

    class Meta:
        model = Campagne
        fields = ["annee", "date_ouverture", "date_cloture"]
        widgets = {
            "date_ouverture": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "date_cloture": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["annee"].widget.attrs.update({"min": ANNEE_MIN, "max": ANNEE_MAX})
        self.fields["annee"].error_messages["unique"] = "Une campagne existe déjà pour cette année."


class RouvrirForm(forms.Form):
    """Rouvrir une campagne jusqu'à une nouvelle date de clôture."""

    date_cloture = forms.DateField(
        label="Nouvelle date de clôture", widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_date_cloture(self):
        date = self.cleaned_data["date_cloture"]
        if date < timezone.localdate():
            raise ValidationError("La nouvelle date de clôture ne peut pas être déjà passée.")
        return date


class RenvoiForm(forms.Form):
    motif = forms.CharField(
        label="Motif du renvoi",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Ce que le producteur doit vérifier ou corriger.",
        max_length=2000,
    )


class FiltreModeleForm(forms.Form):
    """Restreindre le modèle à télécharger à un engagement ou à un producteur."""

    engagement = forms.TypedChoiceField(
        label="Engagement", required=False, coerce=int, empty_value=None
    )
    producteur = forms.ModelChoiceField(
        label="Producteur", required=False, queryset=Signataire.objects.none()
    )

    def __init__(self, *args, engagements=(), producteurs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["engagement"].choices = [("", "Tous")] + [
            (e.numero, f"{e.numero}. {e.titre[:70]}") for e in engagements
        ]
        if producteurs is None:
            del self.fields["producteur"]
        else:
            self.fields["producteur"].queryset = producteurs
            self.fields["producteur"].empty_label = "Tous"
