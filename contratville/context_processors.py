"""Variables communes à tous les gabarits."""

import functools

from notifications.models import Notification
from socle.roles import est_spv, role_de


def portail(request):
    """Rôle de l'utilisateur courant, pour la navigation."""
    user = getattr(request, "user", None)
    return {
        "role_courant": role_de(user) if user else None,
        "est_spv": est_spv(user) if user else False,
    }


def notifications(request):
    """Le nombre de notifications non lues du compte connecté, pour l'en-tête. Il est déjà
    chargé avec le profil (notifications.middleware) : sinon, une requête, faite seulement
    si le gabarit l'affiche."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @functools.cache
    def compter():
        deja = getattr(user, "notifications_non_lues", None)
        if deja is not None:
            return deja
        return Notification.objects.for_user(user).non_lues().count()

    # Un appelable : le gabarit l'appelle à l'affichage, une fois (mémorisé).
    return {"notifications_non_lues": compter}
