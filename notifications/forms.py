"""Le choix de la fréquence des courriels de notification."""

from django import forms

from notifications.models import PreferenceNotification


class PreferenceForm(forms.ModelForm):
    """Un courriel à chaque notification, ou un résumé quotidien."""

    class Meta:
        model = PreferenceNotification
        fields = ["frequence"]
        widgets = {"frequence": forms.RadioSelect}
        labels = {"frequence": "Recevoir par courriel"}
        help_texts = {
            "frequence": "Dans les deux cas, toutes les notifications restent dans votre boîte "
            "de réception du portail."
        }
