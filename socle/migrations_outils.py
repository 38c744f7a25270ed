"""Outils partagés par les migrations des apps (le socle n'importe aucune app : les modèles
sont ceux de l'état historique des migrations, passés par `apps`)."""

from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone


def remplir_modifie_le(*modeles):
    """Une opération RunPython qui donne à `modifie_le` une valeur sensée sur les lignes
    existantes : la date de leur dernière version historisée (django-simple-history), à
    défaut l'heure de la migration ; dans l'historique, la date de chaque version.
    `modeles` : des couples (app, modèle)."""

    def remplir(apps, schema_editor):
        maintenant = timezone.now()
        for app_label, nom in modeles:
            modele = apps.get_model(app_label, nom)
            historique = apps.get_model(app_label, f"Historical{nom}")
            historique.objects.update(modifie_le=F("history_date"))
            derniere = (
                historique.objects.filter(id=OuterRef("pk"))
                .order_by("-history_date")
                .values("history_date")[:1]
            )
            modele.objects.update(modifie_le=Coalesce(Subquery(derniere), Value(maintenant)))

    return remplir
