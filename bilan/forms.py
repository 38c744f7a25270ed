"""Formulaires du bilan : paramètres du bilan, crédit, étude qualitative (le dépôt d'un import
est le formulaire commun de socle/vues_import.py)."""

from decimal import Decimal
from pathlib import PurePath

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats

from bilan.imports import MontantWidget
from bilan.models import (
    ANNEE_MAX,
    ANNEE_MIN,
    DISPOSITIFS_SUGGERES,
    Credit,
    EtudeQualitative,
)
from engagements.models import Engagement, Signataire
from quartiers.models import Arrondissement, Quartier
from structures.fichiers import FORMATS, taille_lisible, taille_max, valider_piece_jointe


class AnneeField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            coerce=int,
            choices=[(a, str(a)) for a in range(ANNEE_MAX, ANNEE_MIN - 1, -1)],
            **kwargs,
        )


class EngagementChoix(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        titre = obj.titre if len(obj.titre) <= 90 else obj.titre[:89] + "…"
        return f"{obj.numero}. {titre}"


class EngagementsChoix(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.numero}. {obj.titre}"


# --- paramètres du bilan ----------------------------------------------------------------------


class BilanForm(forms.Form):
    """L'année, le périmètre (Paris ou un arrondissement) et la portée des données."""

    annee = AnneeField(label="Année du bilan")
    arrondissement = forms.ModelChoiceField(
        label="Périmètre",
        queryset=Arrondissement.objects.all(),
        to_field_name="numero",
        required=False,
        empty_label="Paris (comité de pilotage parisien)",
        help_text="Un arrondissement : ses QPV et leurs secteurs seulement (comité "
        "d’arrondissement).",
    )
    toutes_valeurs = forms.BooleanField(
        label="Inclure les valeurs non validées (brouillons, soumises, renvoyées)",
        required=False,
        help_text="Par défaut, seules les valeurs validées figurent dans le bilan.",
    )
    avec_demo = forms.BooleanField(
        label="Inclure les valeurs de démonstration (marquées « Démo »)",
        required=False,
        help_text="Par défaut exclues : ce ne sont pas des données réelles.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["arrondissement"].label_from_instance = lambda a: a.libelle

    def parametres(self):
        """Les arguments de `calculer_bilan`."""
        d = self.cleaned_data
        return {
            "annee": d["annee"],
            "arrondissement": d.get("arrondissement"),
            "toutes_valeurs": d.get("toutes_valeurs", False),
            "avec_demo": d.get("avec_demo", False),
        }


# --- crédits ---------------------------------------------------------------------------------


class MontantField(forms.CharField):
    """Un montant en euros : « 12500 », « 12 500,50 », « 12 500,50 € » ; positif ou nul."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return MontantWidget().clean(value)
        except ValueError as erreur:
            raise ValidationError(
                str(erreur).replace("Montant manquant.", "Renseignez le montant."),
                code="invalid",
            ) from None

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return formats.number_format(value, 2, use_l10n=True, force_grouping=True)
        return value


class CreditForm(forms.ModelForm):
    montant = MontantField(
        label="Montant (€)",
        help_text="En euros, positif ou nul, au centime près (par exemple « 12 500,00 »).",
    )
    engagement = EngagementChoix(
        queryset=Engagement.objects.order_by("numero"),
        required=False,
        label="Engagement",
        empty_label="— Aucun engagement précis —",
    )

    class Meta:
        model = Credit
        fields = [
            "annee",
            "signataire",
            "type",
            "montant",
            "engagement",
            "quartier",
            "arrondissement",
            "dispositif",
            "commentaire",
        ]
        widgets = {
            "commentaire": forms.Textarea(attrs={"rows": 3}),
            "dispositif": forms.TextInput(attrs={"list": "dispositifs-suggeres"}),
        }

    dispositifs_suggeres = DISPOSITIFS_SUGGERES

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["annee"] = AnneeField(label="Année", initial=self.initial.get("annee"))
        self.fields["signataire"].queryset = Signataire.objects.all()
        self.fields["quartier"].queryset = Quartier.objects.order_by("ordre", "nom")
        self.fields["quartier"].empty_label = "— Aucun QPV précis —"
        self.fields["arrondissement"].label_from_instance = lambda a: a.libelle
        self.fields["arrondissement"].empty_label = "— Aucun arrondissement —"
        self.fields["type"].choices = [("", "— Choisissez —"), *Credit.Type.choices]
        for nom, champ in self.fields.items():
            if nom in ("annee", "signataire", "type", "montant"):
                champ.error_messages["required"] = {
                    "annee": "Choisissez l’année.",
                    "signataire": "Choisissez le signataire.",
                    "type": "Choisissez le type de crédit.",
                    "montant": "Renseignez le montant.",
                }[nom]
            if hasattr(champ, "error_messages") and "invalid_choice" in champ.error_messages:
                champ.error_messages["invalid_choice"] = "Choisissez une valeur de la liste."


# --- études qualitatives ---------------------------------------------------------------------

# Un rapport d'étude est un document : PDF ou bureautique, pas une image.
EXTENSIONS_ETUDE = (
    ".pdf",
    ".doc",
    ".docx",
    ".odt",
    ".xls",
    ".xlsx",
    ".ods",
    ".ppt",
    ".pptx",
    ".odp",
)
FORMATS_ETUDE = "PDF et documents bureautiques (Word, Excel, PowerPoint, OpenDocument)"


def valider_rapport_etude(fichier):
    """Vérifie le rapport joint à une étude (extension, taille, contenu réel, comme les pièces
    jointes des fiches-actions : structures/fichiers.py) et renvoie son type MIME."""
    nom = PurePath(fichier.name or "").name
    extension = PurePath(nom).suffix.lower()
    if extension not in EXTENSIONS_ETUDE:
        raise ValidationError(
            f"« {nom} » n’est pas accepté : seuls les fichiers {FORMATS_ETUDE} peuvent être "
            "joints à une étude.",
            code="extension",
        )
    try:
        return valider_piece_jointe(fichier)
    except ValidationError as erreur:
        if erreur.code == "contenu":
            raise ValidationError(
                f"« {nom} » n’est pas un fichier {FORMATS[extension].libelle} valide : son "
                f"contenu ne correspond pas à son extension. Seuls les fichiers {FORMATS_ETUDE} "
                "peuvent être joints à une étude.",
                code="contenu",
            ) from None
        raise


class EtudeForm(forms.ModelForm):
    engagements = EngagementsChoix(
        queryset=Engagement.objects.order_by("numero"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Engagements étudiés",
    )
    quartiers = forms.ModelMultipleChoiceField(
        queryset=Quartier.objects.order_by("ordre", "nom"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Quartiers prioritaires",
        help_text="Aucun : l’étude porte sur l’ensemble des QPV parisiens.",
    )
    fichier = forms.FileField(
        label="Rapport de l’étude",
        required=False,
        widget=forms.FileInput(attrs={"accept": ",".join(EXTENSIONS_ETUDE)}),
    )
    retirer_fichier = forms.BooleanField(label="Retirer le rapport joint", required=False)

    class Meta:
        model = EtudeQualitative
        fields = [
            "titre",
            "annee",
            "realisee_par",
            "engagements",
            "quartiers",
            "arrondissement",
            "resume",
        ]
        widgets = {"resume": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["annee"] = AnneeField(label="Année", initial=self.initial.get("annee"))
        self.fields["arrondissement"].label_from_instance = lambda a: a.libelle
        self.fields["arrondissement"].empty_label = "— Aucun —"
        self.fields[
            "fichier"
        ].help_text = f"{FORMATS_ETUDE}, {taille_lisible(taille_max())} au plus. Facultatif."
        messages = {
            "titre": "Renseignez le titre de l’étude.",
            "annee": "Choisissez l’année.",
            "realisee_par": "Indiquez qui a conduit l’étude.",
            "resume": "Résumez les résultats de l’étude.",
        }
        for nom, message in messages.items():
            self.fields[nom].error_messages["required"] = message

    def clean_fichier(self):
        fichier = self.cleaned_data.get("fichier")
        if fichier:
            self.type_mime = valider_rapport_etude(fichier)
        return fichier

    def save(self, commit=True):
        etude = super().save(commit=False)
        fichier = self.cleaned_data.get("fichier")
        # Un rapport remplacé ou retiré reste sur le disque : l'historique de l'étude y renvoie.
        if fichier:
            etude.fichier = fichier
            etude.nom_fichier = PurePath(fichier.name).name[:255]
            etude.type_mime = self.type_mime
            etude.taille = fichier.size
        elif self.cleaned_data.get("retirer_fichier"):
            etude.fichier = ""
            etude.nom_fichier, etude.type_mime, etude.taille = "", "", None
        if commit:
            etude.save()
            self.save_m2m()
        return etude
