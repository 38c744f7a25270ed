from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class SocleConfig(AppConfig):
    """Le socle du portail : rôles et règles d'accès, profil et jetons, infrastructure de l'API
    et mécanismes partagés (tableur, imports, circuits, chiffres, travaux de fond)."""

    name = "socle"
    verbose_name = "Comptes et accès"

    def ready(self):
        # Les types de travaux de fond sont déclarés par chaque app dans son `taches.py`
        # (socle/travaux.py) : chargés ici, dans le web comme dans l'exécutant, sans que le
        # socle nomme une app.
        autodiscover_modules("taches")

        from socle import admin_titres

        admin_titres.installer()
