"""L'adresse complète d'une page du portail, pour ce qui se lit hors du portail : courriels
(notifications, invitations, résumé quotidien) et exports. Construite sur le réglage
PORTAIL_URL (obligatoire en production) : les courriels partent hors de toute requête."""

from django.conf import settings


def lien_absolu(chemin):
    """« /indicateurs/valeurs/12/ » → « https://portail.example.org/indicateurs/valeurs/12/ »."""
    return f"{settings.PORTAIL_URL}{chemin}"
