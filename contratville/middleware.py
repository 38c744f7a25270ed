"""Intergiciels du projet : 405 expliqué, refus des caractères nuls, durée des sessions,
réponses authentifiées jamais mises en cache."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.template import loader

from contratville.connexion import CLE_ACTIVITE_SESSION, CLE_DEBUT_SESSION


class MethodeNonAutoriseeMiddleware:
    """Une adresse qui n'accepte que l'envoi d'un formulaire (POST), ouverte comme une page :
    Django répond 405 avec un corps vide. On explique plutôt, en français et dans la mise en
    page du portail (l'API garde sa réponse JSON)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reponse = self.get_response(request)
        if (
            reponse.status_code == 405
            and not reponse.content
            and not request.path.startswith("/api/")
        ):
            page = render(
                request,
                "403.html",
                {
                    "titre": "Action impossible depuis cette adresse",
                    "raison": "Cette adresse reçoit l’envoi d’un formulaire du portail ; elle ne "
                    "s’ouvre pas directement. Revenez à la page précédente et utilisez son bouton.",
                },
                status=405,
            )
            page["Allow"] = reponse.get("Allow", "")
            return page
        return reponse


# --- caractères nuls -------------------------------------------------------------------------


def _contient_nul(valeurs):
    return any("\x00" in v for v in valeurs if isinstance(v, str))


class RefusCaracteresNulsMiddleware:
    """Un caractère nul (U+0000) dans l'adresse, ses paramètres ou un champ de formulaire n'a
    aucun usage légitime, et PostgreSQL refuse de le stocker ou de le comparer : la recherche,
    le glossaire ou un filtre de l'admin échoueraient en erreur 500. On répond 400, en
    français, avant toute vue (l'API, qui lit elle-même ses corps JSON, répond déjà 400 en
    JSON : elle n'est pas concernée)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/") and self._suspecte(request):
            return reponse_requete_invalide(
                "La requête contient un caractère nul (U+0000), qui n’a pas sa place dans une "
                "adresse ou un formulaire : rien n’a été fait. Vérifiez le texte saisi ou collé."
            )
        return self.get_response(request)

    @staticmethod
    def _suspecte(request):
        if "\x00" in request.path_info:
            return True
        for donnees in (request.GET, request.POST if request.method == "POST" else None):
            if donnees is None:
                continue
            if _contient_nul(donnees.keys()):
                return True
            if any(_contient_nul(valeurs) for _, valeurs in donnees.lists()):
                return True
        return False


def reponse_requete_invalide(message):
    """Page 400 autonome (sans contexte de requête : elle sert aussi au gestionnaire 400 de
    Django, appelé sur une requête qu'il juge suspecte)."""
    return HttpResponseBadRequest(loader.get_template("400.html").render({"message": message}))


# --- durée des sessions ------------------------------------------------------------------------


class DureeSessionMiddleware:
    """Déconnecte un compte inactif depuis SESSION_INACTIVITE secondes, ou connecté depuis
    plus de SESSION_COOKIE_AGE secondes (durée absolue : la session ne se prolonge pas à
    l'usage). L'heure d'activité n'est réécrite qu'une fois par minute, pour ne pas enregistrer
    la session à chaque requête. La requête continue ensuite en anonyme : une page qui demande
    un compte renvoie vers la connexion, et un formulaire de fiche garde ce qui a été saisi."""

    ECRITURE_ACTIVITE = 60  # secondes entre deux mises à jour de l'heure d'activité

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            self.verifier(request)
        return self.get_response(request)

    def verifier(self, request):
        maintenant = int(time.time())
        session = request.session
        debut = session.get(CLE_DEBUT_SESSION)
        activite = session.get(CLE_ACTIVITE_SESSION)
        if debut is None or activite is None:
            # Session ouverte avant ce contrôle : on commence à compter maintenant.
            session[CLE_DEBUT_SESSION] = session[CLE_ACTIVITE_SESSION] = maintenant
            return
        if maintenant - debut > settings.SESSION_COOKIE_AGE:
            raison = (
                f"Votre session a duré plus de {settings.SESSION_COOKIE_AGE // 3600} h : vous "
                "avez été déconnecté par sécurité. Reconnectez-vous pour continuer."
            )
        elif maintenant - activite > settings.SESSION_INACTIVITE:
            raison = (
                f"Sans activité depuis plus de {settings.SESSION_INACTIVITE // 60} min, vous "
                "avez été déconnecté par sécurité. Reconnectez-vous pour continuer."
            )
        else:
            if maintenant - activite >= self.ECRITURE_ACTIVITE:
                session[CLE_ACTIVITE_SESSION] = maintenant
            return
        logout(request)
        if hasattr(request, "_messages"):
            messages.info(request, raison)


# --- cache des réponses authentifiées --------------------------------------------------------


class SansCacheSiAuthentifieMiddleware:
    """Une réponse destinée à un compte (session ou jeton d'API) ne doit être gardée par aucun
    cache, ni du navigateur ni d'un proxy : `Cache-Control: no-store`. Les pages publiques du
    référentiel, vues sans compte, restent cachables."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reponse = self.get_response(request)
        user = getattr(request, "user", None)
        authentifiee = (
            "HTTP_AUTHORIZATION" in request.META
            or request.path.startswith("/admin/")
            or (user is not None and user.is_authenticated)
        )
        if authentifiee:
            reponse["Cache-Control"] = "no-store, private"
            reponse.headers.pop("Expires", None)
        return reponse
