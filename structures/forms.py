"""Formulaires de l'espace structure : profil de la structure, fiche-action (par sections,
listes contrôlées en cases à cocher), budget par financeur, pièces jointes et renvoi. Les
invitations à créer un compte sont dans comptes/."""

from decimal import Decimal
from itertools import groupby

from django import forms
from django.core.exceptions import ValidationError
from django.forms import inlineformset_factory

from engagements.models import Action, Engagement
from quartiers.models import Arrondissement, Quartier
from socle.chiffres import pourcentage_fr
from structures import listes
from structures.fichiers import EXTENSIONS_ACCEPTEES, taille_max, valider_piece_jointe
from structures.models import (
    FicheAction,
    FinancementFiche,
    FinancementStructure,
    PieceJointe,
    Structure,
)
from structures.validators import (
    EXEMPLE_RNA,
    EXEMPLE_SIRET,
    normaliser_identifiant,
    valider_rna,
    valider_siret,
)

# Le contrat de ville couvre 2024-2030 : une nouvelle fiche porte sur une de ces années.
ANNEES_CONTRAT = list(range(2024, 2031))


class CasesACocher(forms.CheckboxSelectMultiple):
    """Cases à cocher rendues une à une par les gabarits (classe Bootstrap posée ici)."""

    def __init__(self, attrs=None, choices=()):
        super().__init__(attrs={"class": "form-check-input", **(attrs or {})}, choices=choices)


class Boutons(forms.RadioSelect):
    def __init__(self, attrs=None, choices=()):
        super().__init__(attrs={"class": "form-check-input", **(attrs or {})}, choices=choices)


def _liste(liste, label, aide=""):
    return forms.MultipleChoiceField(
        choices=liste, widget=CasesACocher, required=False, label=label, help_text=aide
    )


# --- profil de la structure ------------------------------------------------------------------


class StructureForm(forms.ModelForm):
    """Le profil d'une structure, modifiable par ses membres et par le SPV. Le nom, le type et
    le drapeau « hors Paris » restent à l'admin du SPV (ils identifient la structure)."""

    siret = forms.CharField(
        label="SIRET",
        required=False,
        max_length=20,
        help_text=f"14 chiffres ; les espaces sont acceptés (par exemple {EXEMPLE_SIRET}).",
    )
    rna = forms.CharField(
        label="Numéro RNA",
        required=False,
        max_length=14,
        help_text=f"Pour une association : W suivi de 9 chiffres (par exemple {EXEMPLE_RNA}).",
    )
    quartiers = forms.ModelMultipleChoiceField(
        queryset=Quartier.objects.order_by("ordre", "nom"),
        widget=CasesACocher,
        required=False,
        label="Quartiers prioritaires où la structure agit",
    )
    arrondissement = forms.ModelChoiceField(
        queryset=Arrondissement.objects.all(), required=False, label="Arrondissement"
    )

    class Meta:
        model = Structure
        fields = [
            "adresse",
            "code_postal",
            "commune",
            "arrondissement",
            "quartiers",
            "siret",
            "rna",
            "annee_creation",
            "salaries",
            "benevoles",
            "adherents",
            "budget",
            "description",
            "publication_consentie",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}
        # Saisie à la française : « 12 500,50 ».
        localized_fields = ["budget"]

    def clean_siret(self):
        siret = normaliser_identifiant(self.cleaned_data["siret"])
        if siret:
            valider_siret(siret)
        return siret

    def clean_rna(self):
        rna = normaliser_identifiant(self.cleaned_data["rna"])
        if rna:
            valider_rna(rna)
        return rna


class FinancementsStructureBase(forms.BaseInlineFormSet):
    """La répartition du financement d'une structure : les parts ne dépassent pas 100 %."""

    def clean(self):
        super().clean()
        total = Decimal(0)
        for form in self.forms:
            if not getattr(form, "cleaned_data", None) or form.cleaned_data.get("DELETE"):
                continue
            total += form.cleaned_data.get("part") or 0
        if total > 100:
            raise ValidationError(
                f"La somme des parts du budget atteint {pourcentage_fr(total)}\u00a0: elle ne peut "
                "pas dépasser 100\u00a0%."
            )

    def save(self, commit=True):
        objets = super().save(commit=False)
        # L'ordre d'affichage suit l'ordre de saisie ; les nouvelles lignes vont à la fin.
        suivant = max([f.ordre for f in self.instance.financements.all()] + [0]) + 1
        for objet in objets:
            if not objet.pk:
                objet.ordre = suivant
                suivant += 1
            if commit:
                objet.save()
        if commit:
            for objet in self.deleted_objects:
                objet.delete()
        return objets


FinancementsStructureFormSet = inlineformset_factory(
    Structure,
    FinancementStructure,
    formset=FinancementsStructureBase,
    fields=["financeur", "part", "texte"],
    labels={"financeur": "Financeur", "part": "Part du budget (%)", "texte": "Précisions"},
    widgets={"texte": forms.TextInput()},
    localized_fields=["part"],
    extra=2,
    can_delete=True,
)


# --- fiche-action ----------------------------------------------------------------------------


class FichiersMultiples(forms.FileInput):
    allow_multiple_selected = True


class ChampFichiers(forms.FileField):
    """Plusieurs fichiers dans un seul champ ; chacun est contrôlé (extension, taille,
    signature) et toutes les erreurs sont rapportées d'un coup."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", FichiersMultiples(attrs={"accept": EXTENSIONS_ACCEPTEES}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        fichiers = data if isinstance(data, list | tuple) else ([data] if data else [])
        erreurs, propres = [], []
        for fichier in fichiers:
            try:
                propre = super().clean(fichier, initial)
                propre.type_mime = valider_piece_jointe(propre)
                propres.append(propre)
            except ValidationError as erreur:
                erreurs.extend(erreur.messages)
        if erreurs:
            raise ValidationError(erreurs)
        return propres


class FicheActionForm(forms.ModelForm):
    """Tous les champs de la fiche de l'observatoire (GUIDE §2.3) et du rapport J2P, plus le
    rattachement au contrat (engagements, actions numérotées, QPV) et l'année.

    Un brouillon s'enregistre avec le seul titre et l'année ; ce qui est exigé pour soumettre
    est vérifié par `FicheAction.manques_pour_soumettre`."""

    annee = forms.TypedChoiceField(
        label="Année de l’action",
        coerce=int,
        help_text="L’année sur laquelle porte ce compte rendu (une fiche par action et par an).",
    )
    etat = forms.ChoiceField(
        label="Statut de l’action", choices=FicheAction.Etat.choices, widget=Boutons
    )
    dimension = forms.ChoiceField(
        label="Dimension",
        choices=listes.DIMENSIONS,
        widget=Boutons,
        required=False,
    )
    territoire = forms.ChoiceField(
        label="Territoire concerné", choices=listes.TERRITOIRES, widget=Boutons, required=False
    )
    mots_cles = _liste(listes.MOTS_CLES, "Mots clés associés à l’action")
    initiative = _liste(listes.INITIATIVES, "Qui est à l’initiative de l’action ?")
    publics = _liste(listes.PUBLICS, "Public")
    partenaires = _liste(
        listes.PARTENAIRES_TYPES,
        "Partenaires d’action",
        "Les autres partenaires se décrivent dans « Partenariats ».",
    )
    engagements = forms.ModelMultipleChoiceField(
        queryset=Engagement.objects.order_by("numero"),
        widget=CasesACocher,
        required=False,
        label="Engagements du contrat de ville",
    )
    actions = forms.ModelMultipleChoiceField(
        queryset=Action.objects.order_by("engagement__numero", "ordre"),
        widget=CasesACocher,
        required=False,
        label="Actions numérotées (facultatif)",
    )
    quartiers = forms.ModelMultipleChoiceField(
        queryset=Quartier.objects.order_by("ordre", "nom"),
        widget=CasesACocher,
        required=False,
        label="Quartiers prioritaires où l’action a lieu",
    )
    fichiers = ChampFichiers(
        label="Ajouter des fichiers",
        required=False,
        help_text="",
    )
    supprimer_pieces = forms.ModelMultipleChoiceField(
        queryset=PieceJointe.objects.none(),
        widget=CasesACocher,
        required=False,
        label="Retirer ces fichiers",
    )

    class Meta:
        model = FicheAction
        fields = [
            "titre",
            "annee",
            "etat",
            "motif_fin",
            "resume",
            "engagements",
            "actions",
            "quartiers",
            "territoire",
            "dimension",
            "mots_cles",
            "initiative",
            "initiative_precision",
            "publics",
            "partenaires",
            "description",
            "objectifs",
            "actions_menees",
            "description_generale",
            "partenariats",
            "ressources_financieres",
            "nb_salaries",
            "nb_benevoles",
            "nb_autres",
            "personnes_mobilisees",
            "nb_beneficiaires",
            "nb_beneficiaires_qpv",
            "resultats_quantitatifs",
            "resultats_territoire",
            "resultats_structure",
            "resultats_habitants",
            "difficultes",
            "solutions",
            "facteurs_reussite",
            "limites",
            "perspectives",
        ]
        labels = {
            "initiative_precision": "Précision (si « Autre »)",
            "motif_fin": "Raisons pour lesquelles l’action est terminée",
            "resultats_structure": "Résultats pour la structure (le centre social)",
            "personnes_mobilisees": "Personnes mobilisées (détail)",
        }
        help_texts = {
            "resume": "Quelques lignes qui présentent l’action.",
            "description": "L’expérience, ses objectifs, ses acteurs et ses différentes phases.",
            "ressources_financieres": "Postes de dépenses et leur montant (achats, personnel…).",
            "personnes_mobilisees": "Détail libre, par exemple « Centre social : 10 "
            "professionnels ; bailleurs sociaux : 5 ».",
            "resultats_quantitatifs": "Participants, séances, ateliers… avec leurs chiffres.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        annees = list(ANNEES_CONTRAT)
        if self.instance.annee and self.instance.annee not in annees:
            annees.insert(0, self.instance.annee)  # fiche plus ancienne (sources)
        self.fields["annee"].choices = [("", "Choisir l’année")] + [(a, str(a)) for a in annees]
        self.fields["fichiers"].help_text = (
            "PDF, images (PNG, JPEG, GIF, WebP) ou documents bureautiques (Word, Excel, "
            f"PowerPoint, OpenDocument), {taille_max() // (1024 * 1024)} Mo au plus par fichier. "
            "Vous pouvez en choisir plusieurs."
        )
        self.pieces_existantes = []
        if self.instance.pk:
            self.fields["supprimer_pieces"].queryset = self.instance.pieces_jointes.all()
            # Lues une fois pour l'affichage ; la validation relit la base (à l'envoi).
            self.pieces_existantes = list(self.instance.pieces_jointes.all())
        for nom, champ in self.fields.items():
            if isinstance(champ.widget, forms.Textarea):
                champ.widget.attrs["rows"] = 4
            if nom.startswith("nb_"):
                champ.widget.attrs.setdefault("min", 0)

    # Données pour le gabarit : engagements groupés par thématique avec leurs actions, et
    # valeurs cochées (données envoyées ou valeurs de la fiche).
    def groupes_engagements(self):
        actions = Action.objects.select_related("engagement__thematique").order_by(
            "engagement__numero", "ordre"
        )
        engagements = {}
        for action in actions:
            engagements.setdefault(action.engagement, []).append(action)
        for engagement in Engagement.objects.select_related("thematique").order_by("numero"):
            engagements.setdefault(engagement, [])
        tries = sorted(engagements.items(), key=lambda item: item[0].numero)
        return [
            (thematique, list(items))
            for thematique, items in groupby(tries, key=lambda item: item[0].thematique)
        ]

    def coches(self, nom):
        valeurs = self[nom].value() or []
        return {str(getattr(v, "pk", v)) for v in valeurs}

    @property
    def engagements_coches(self):
        return self.coches("engagements")

    @property
    def actions_cochees(self):
        return self.coches("actions")

    @property
    def pieces_a_retirer(self):
        return self.coches("supprimer_pieces")

    def clean(self):
        donnees = super().clean()
        engagements = set(donnees.get("engagements") or [])
        orphelines = [a for a in donnees.get("actions") or [] if a.engagement not in engagements]
        if orphelines:
            self.add_error(
                "actions",
                "Cochez aussi l’engagement des actions choisies, ou décochez-les : "
                + ", ".join(f"{a.engagement.numero}.{a.numero}" for a in orphelines)
                + ".",
            )
        if donnees.get("etat") != FicheAction.Etat.TERMINEE:
            donnees["motif_fin"] = ""  # un motif de fin n'a de sens que pour une action terminée
        if "autre" not in (donnees.get("initiative") or []):
            donnees["initiative_precision"] = ""
        return donnees

    def save(self, commit=True, par=None):
        fiche = super().save(commit=commit)
        if commit:
            self.enregistrer_pieces(fiche, par)
        return fiche

    def enregistrer_pieces(self, fiche, par):
        for piece in self.cleaned_data.get("supprimer_pieces") or []:
            piece.fichier.delete(save=False)
            piece.delete()
        for fichier in self.cleaned_data.get("fichiers") or []:
            PieceJointe.objects.create(
                fiche=fiche,
                fichier=fichier,
                nom=fichier.name[:255],
                type_mime=fichier.type_mime,
                taille=fichier.size,
                ajoutee_par=par,
            )


class FinancementFicheForm(forms.ModelForm):
    """Une ligne du budget de l'action : financeur (liste), précision et montant."""

    financeur = forms.ChoiceField(
        label="Financeur", choices=[("", "Choisir un financeur")] + list(listes.FINANCEURS)
    )

    class Meta:
        model = FinancementFiche
        fields = ["financeur", "precision", "montant"]


FinancementsFicheFormSet = inlineformset_factory(
    FicheAction,
    FinancementFiche,
    form=FinancementFicheForm,
    fields=["financeur", "precision", "montant"],
    labels={"financeur": "Financeur", "precision": "Précision", "montant": "Montant (€)"},
    localized_fields=["montant"],
    extra=2,
    can_delete=True,
)


class RenvoiForm(forms.Form):
    """Le commentaire du SPV qui renvoie une fiche à sa structure."""

    commentaire = forms.CharField(
        label="Commentaire pour la structure",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Ce qu’il faut compléter ou corriger ; la structure le reçoit par courriel.",
    )
