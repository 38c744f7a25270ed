"""Authentification de l'API : jeton (`Authorization: Bearer <clé>`, ou `Token <clé>`) pour
les systèmes d'information des partenaires, session du portail pour un navigateur connecté.

Un jeton agit avec l'utilisateur auquel il a été émis : son rôle, ses droits et sa
visibilité, rien de plus. Un jeton inconnu, révoqué ou expiré reçoit une 401 en JSON avec un
code stable (`jeton_invalide`, `jeton_revoque`, `jeton_expire`…)."""

from django.conf import settings
from rest_framework import authentication, exceptions
from rest_framework.authentication import SessionAuthentication  # noqa: F401 (réglages)

from socle.models import JetonAPI


class JetonAuthentication(authentication.BaseAuthentication):
    """Lit `Authorization: Bearer <clé>` (ou `Token <clé>`) ; sans cet en-tête, laisse la
    main à l'authentification suivante (session, puis anonyme)."""

    mots_cles = (b"bearer", b"token")

    def authenticate(self, request):
        morceaux = authentication.get_authorization_header(request).split()
        if not morceaux or morceaux[0].lower() not in self.mots_cles:
            return None
        if len(morceaux) != 2:
            raise exceptions.AuthenticationFailed(
                "En-tête Authorization mal formé : « Bearer <clé> » attendu.",
                code="jeton_mal_forme",
            )
        try:
            cle = morceaux[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(
                "La clé du jeton ne contient que des caractères ASCII.", code="jeton_mal_forme"
            ) from None
        return self.authentifier(cle)

    def authentifier(self, cle):
        # Le profil vient avec l'utilisateur : les règles d'accès (role_de) le lisent ensuite
        # sans requête de plus.
        jeton = (
            JetonAPI.objects.select_related("user", "user__profil")
            .filter(empreinte=JetonAPI.hacher(cle))
            .first()
        )
        if jeton is None:
            raise exceptions.AuthenticationFailed("Jeton d’API inconnu.", code="jeton_invalide")
        if jeton.est_revoque:
            raise exceptions.AuthenticationFailed(
                "Ce jeton d’API a été révoqué.", code="jeton_revoque"
            )
        if jeton.est_expire:
            raise exceptions.AuthenticationFailed("Ce jeton d’API a expiré.", code="jeton_expire")
        if not jeton.user.is_active:
            raise exceptions.AuthenticationFailed(
                "Le compte associé à ce jeton est désactivé.", code="compte_inactif"
            )
        jeton.noter_utilisation(settings.API_JETON_INTERVALLE_UTILISATION)
        return jeton.user, jeton

    def authenticate_header(self, request):
        # Présent : une requête non authentifiée reçoit 401 (et non 403).
        return 'Bearer realm="api"'
