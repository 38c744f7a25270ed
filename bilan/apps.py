from django.apps import AppConfig


class BilanConfig(AppConfig):
    """Le bilan annuel du comité de pilotage : crédits, études qualitatives, classeur et rapport."""

    name = "bilan"
    verbose_name = "Bilan annuel"
