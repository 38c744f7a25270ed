from django.apps import AppConfig


class ContratvilleConfig(AppConfig):
    name = "contratville"
    verbose_name = "Portail du contrat de ville"

    def ready(self):
        # Récepteur de connexion (horodatage de la session, voir connexion.py).
        from contratville import connexion  # noqa: F401
