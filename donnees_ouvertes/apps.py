from django.apps import AppConfig


class DonneesOuvertesConfig(AppConfig):
    """Les jeux de données publiés en données ouvertes (paquet Frictionless, Licence Ouverte)."""

    name = "donnees_ouvertes"
    verbose_name = "Données ouvertes"
