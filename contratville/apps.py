from django.apps import AppConfig


class ContratvilleConfig(AppConfig):
    name = "contratville"
    verbose_name = "Portail du contrat de ville"
