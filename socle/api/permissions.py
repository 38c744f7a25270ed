"""Permissions de l'API : de fines enveloppes autour des règles de `socle.roles`, pour
que l'API applique exactement les mêmes règles que les pages.

La visibilité ligne à ligne (qui voit quelles valeurs, quelles fiches) n'est pas ici : elle
est dans les querysets (`for_user(user)`), que `VueLectureAPI`
applique d'office."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from socle import roles


class LectureLibre(BasePermission):
    """Le référentiel du contrat (thématiques, engagements, quartiers, projets, définitions
    des indicateurs, signataires, sigles) est un document public : tout le monde le lit,
    avec ou sans compte (`roles.peut_lire_referentiel`). Aucune écriture par l'API."""

    # Lu par le schéma OpenAPI : l'authentification y est facultative.
    public = True

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS and roles.peut_lire_referentiel(request.user)


class Connecte(BasePermission):
    """Un compte (session ou jeton) est nécessaire ; ce qu'il voit dépend ensuite de son
    rôle, par le queryset."""

    message = "Authentification requise : connectez-vous ou fournissez un jeton d’API."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated)


def selon_regle(regle, message=None, code=None):
    """Une classe de permission tirée d'une règle de `socle.roles` qui ne prend que
    l'utilisateur (`peut_consulter_fiches`, `peut_voir_couverture`…). Un anonyme reçoit 401,
    un compte sans le droit 403 avec `code` (par défaut `acces_refuse`).

        permission_classes = [Connecte, selon_regle(roles.peut_consulter_fiches)]"""

    class Regle(BasePermission):
        def has_permission(self, request, view):
            return bool(regle(request.user))

    Regle.__name__ = f"Regle_{regle.__name__}"
    Regle.__doc__ = regle.__doc__
    Regle.message = message or "Votre rôle ne donne pas accès à cette ressource."
    if code:
        Regle.code = code
    return Regle


def selon_regle_objet(regle, message=None, code=None):
    """Idem pour une règle qui porte sur un objet (`peut_modifier_fiche(user, fiche)`…) :
    appliquée par `get_object()` aux vues de détail et aux écritures."""

    class RegleObjet(BasePermission):
        def has_object_permission(self, request, view, obj):
            return bool(regle(request.user, obj))

    RegleObjet.__name__ = f"RegleObjet_{regle.__name__}"
    RegleObjet.__doc__ = regle.__doc__
    RegleObjet.message = message or "Votre rôle ne permet pas cette opération sur cet objet."
    if code:
        RegleObjet.code = code
    return RegleObjet


def peut_emettre_jeton_pour(emetteur, titulaire):
    """Un superutilisateur émet un jeton pour n'importe quel compte. Un autre membre de
    l'équipe (agent SPV) en émet pour les comptes sans accès à l'admin et pour lui-même,
    jamais pour un autre membre de l'équipe ni pour un superutilisateur : un jeton agit avec
    tous les droits de son titulaire."""
    if emetteur.is_superuser:
        return True
    if titulaire.pk == emetteur.pk:
        return True
    return not (titulaire.is_staff or titulaire.is_superuser)
