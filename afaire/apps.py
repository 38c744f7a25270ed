from django.apps import AppConfig


class AfaireConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "afaire"
    verbose_name = "À faire"
