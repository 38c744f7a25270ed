from django.apps import AppConfig


class TerritoireConfig(AppConfig):
    """Les pages de territoire : Mon territoire, fiche quartier enrichie et PDF, comparaison des
    QPV, vue par arrondissement, suivi des projets structurants."""

    name = "territoire"
    verbose_name = "Territoires"
