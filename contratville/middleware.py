"""Intergiciels du projet."""

from django.shortcuts import render


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
