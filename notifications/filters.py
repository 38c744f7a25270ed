"""Le FilterSet de la boîte de réception."""

import django_filters

from notifications.models import Notification


class NotificationFilter(django_filters.FilterSet):
    """Toutes, non lues ou lues ; par type de notification."""

    etat = django_filters.ChoiceFilter(
        choices=[("non_lues", "Non lues"), ("lues", "Lues")],
        method="filtrer_etat",
        label="État",
        empty_label="Toutes",
    )
    type = django_filters.ChoiceFilter(
        choices=Notification.Type.choices, label="Type", empty_label="Tous"
    )

    class Meta:
        model = Notification
        fields = ["etat", "type"]

    def filtrer_etat(self, queryset, name, value):
        return queryset.non_lues() if value == "non_lues" else queryset.lues()
