from django.apps import AppConfig


class SocleConfig(AppConfig):
    """Le socle du portail : rôles et règles d'accès, profil et jetons, infrastructure de l'API
    et mécanismes partagés (tableur, imports, circuits, chiffres)."""

    name = "socle"
    verbose_name = "Comptes et accès"

    def ready(self):
        from socle import admin_titres

        admin_titres.installer()
