from django.apps import AppConfig


class RechercheConfig(AppConfig):
    """La recherche transversale du portail : un index tenu à jour à chaque écriture
    (signaux) et un moteur plein texte en français (PostgreSQL), avec un repli simple sur
    SQLite."""

    name = "recherche"
    verbose_name = "Recherche"

    def ready(self):
        # Les signaux branchent l'index sur les modèles des autres apps, sans que ces apps
        # sachent qu'il existe (elles n'importent pas `recherche`).
        from recherche import signaux

        signaux.brancher()
