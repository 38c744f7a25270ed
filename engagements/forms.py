"""Le choix d'une organisation signataire dans un formulaire : une liste déroulante ordinaire
(elle marche sans JavaScript), précédée d'une recherche par nom ou par sigle qui la filtre au
fil de la frappe (htmx, sans script dans la page ; « Caf » trouve « Caisse d’Allocations
Familiales »). Sert au producteur d'un indicateur et à l'organisation d'un partenaire invité."""

import json

from django import forms
from django.urls import reverse

from engagements.models import Signataire


class RechercheSignataireSelect(forms.Select):
    """La liste des signataires et son champ de recherche (voir le module). La réponse de la
    recherche remplace les options de la liste, en gardant l'option choisie, et annonce le
    nombre de résultats dans une zone de statut (RGAA : messages de statut)."""

    template_name = "engagements/widgets/recherche_signataire.html"

    def get_context(self, name, value, attrs):
        contexte = super().get_context(name, value, attrs)
        identifiant = contexte["widget"]["attrs"].get("id") or f"id_{name}"
        vide = next((str(libelle) for v, libelle in self.choices if v == ""), "")
        contexte["widget"]["recherche"] = {
            "id": identifiant,
            "url": reverse("engagements:signataires_options"),
            "vals": json.dumps(
                {"champ": name, "vide": vide, "statut": f"{identifiant}-resultat"},
                ensure_ascii=False,
            ),
        }
        return contexte


class SignataireChoiceField(forms.ModelChoiceField):
    """Une organisation signataire, nommée avec son sigle, choisie avec la recherche."""

    widget = RechercheSignataireSelect

    def __init__(self, queryset=None, **kwargs):
        super().__init__(queryset if queryset is not None else Signataire.objects.all(), **kwargs)

    def label_from_instance(self, obj):
        return obj.libelle
