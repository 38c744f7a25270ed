from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Les notifications du portail : chaque transition d'un circuit de validation (valeurs,
    fiches-actions) prévient les personnes concernées, dans la boîte de réception du portail
    et par courriel (immédiat ou résumé quotidien)."""

    name = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        # Abonnement au signal des circuits (socle.circuits.transition_effectuee).
        from notifications import recepteurs  # noqa: F401
