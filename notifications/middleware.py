"""Le compte connecté, son profil et son nombre de notifications non lues, lus en une requête.

Chaque page du portail lit le profil (rôle, navigation) et l'en-tête affiche le nombre de
notifications non lues : plutôt que deux requêtes (le profil à la première règle d'accès, puis
le compte des non lues pour l'en-tête), une seule, faite à la première lecture de
`request.user`, qui joint le profil et compte les non lues (index partiel
`notification_non_lue`). Le profil est rangé dans le cache de l'utilisateur comme si Django
l'avait chargé ; le nombre est posé sur `user.notifications_non_lues`.

L'API (/api/) n'affiche pas d'en-tête : elle garde le chargement paresseux habituel."""

from django.contrib.auth import get_user_model
from django.contrib.auth.middleware import get_user
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.functional import SimpleLazyObject

from notifications.models import Notification


def nombre_non_lues():
    """Le nombre de notifications non lues de l'utilisateur de la ligne (sous-requête)."""
    return Coalesce(
        Subquery(
            Notification.objects.filter(destinataire=OuterRef("pk"), lue_le__isnull=True)
            .order_by()
            .values("destinataire")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def precharger(user):
    """Charge sur `user` (connecté) son profil et son nombre de notifications non lues."""
    if not user.is_authenticated or hasattr(user, "notifications_non_lues"):
        return user
    User = get_user_model()
    ligne = (
        User.objects.filter(pk=user.pk)
        .select_related("profil")
        .annotate(_non_lues=nombre_non_lues())
        .first()
    )
    if ligne is None:
        return user
    profil = ligne._state.fields_cache.get("profil")
    User.profil.related.set_cached_value(user, profil)
    if profil is not None:
        type(profil).user.field.set_cached_value(profil, user)
    user.notifications_non_lues = ligne._non_lues
    return user


class PrechargementCompteMiddleware:
    """Après AuthenticationMiddleware : `request.user` reste paresseux, mais sa première
    lecture charge aussi le profil et le nombre de notifications non lues (une requête)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            request.user = SimpleLazyObject(lambda: precharger(get_user(request)))
        return self.get_response(request)
