"""Formulaire d'une étape de suivi d'un projet structurant.

Le formulaire ne fait que lire la saisie : l'enregistrement passe par
`ProjetStructurant.ajouter_suivi`, qui vérifie qui peut suivre le projet, contrôle l'étape et
met à jour le statut du projet."""

from django import forms
from django.utils import timezone

from quartiers.models import ProjetStructurant, SuiviProjet


class SuiviProjetForm(forms.ModelForm):
    """Date, statut constaté et commentaire d'une étape de suivi."""

    class Meta:
        model = SuiviProjet
        fields = ["date", "statut", "commentaire"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "commentaire": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "date": "La date du constat (aujourd’hui par défaut) ; jamais dans le futur.",
            "statut": "Le statut du projet à cette date : il devient celui du projet si l’étape "
            "est la plus récente.",
            "commentaire": "Ce qui a changé, ce qui a été constaté ou décidé.",
        }

    def __init__(self, *args, projet=None, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("date", timezone.localdate())
        if projet is not None:
            initial.setdefault("statut", projet.statut)
        super().__init__(*args, **kwargs)
        self.fields["statut"].choices = ProjetStructurant.Statut.choices
