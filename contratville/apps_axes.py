"""L'application django-axes sous un nom français dans l'admin (« Journal des connexions »)."""

from axes.apps import AppConfig as AxesConfig


class JournalConnexionsConfig(AxesConfig):
    """axes, renommée : ses modèles (échecs, tentatives, connexions) se lisent dans l'admin
    sous « Journal des connexions »."""

    verbose_name = "Journal des connexions"
