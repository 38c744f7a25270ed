"""Accueil, recherche transversale, point de santé et pages d'erreur du projet (403, 404, 500,
503 et échec CSRF), en français, avec la raison du refus."""

import sys

from django.db import InterfaceError, OperationalError, connection
from django.db.models import Count, Q, Sum
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader

from afaire import donnees as afaire_donnees
from afaire import views as afaire_views
from engagements.models import Action, Contrat, Engagement, Sigle, Signataire, Thematique
from indicateurs.models import Indicateur
from quartiers.models import ProjetStructurant, Quartier, Secteur
from socle.acces import raison
from socle.api import erreurs as erreurs_api
from structures.models import Structure

LIMITE_RECHERCHE = 20


def accueil(request):
    """Le contrat d'un coup d'œil : chiffres, thématiques et liens. Un compte qui a un rôle
    (SPV, délégué du Préfet, partenaire, structure) arrive sur son « À faire » (afaire/) ; la
    présentation du contrat lui reste accessible par /?vue=contrat."""
    vue_contrat = request.GET.get("vue") == "contrat"
    if not vue_contrat and afaire_donnees.role_a_faire(request.user) is not None:
        return afaire_views.a_faire(request)
    thematiques = Thematique.objects.annotate(nb=Count("engagements")).order_by("numero")
    quartiers = Quartier.objects.aggregate(nb=Count("pk"), population=Sum("population"))
    contexte = {
        "contrat": Contrat.objects.first(),
        "thematiques": thematiques,
        "nb_engagements": Engagement.objects.count(),
        "nb_actions": Action.objects.count(),
        "nb_indicateurs": Indicateur.objects.du_contrat().count(),
        "nb_quartiers": quartiers["nb"],
        "population": quartiers["population"],
        "nb_secteurs": Secteur.objects.count(),
        "nb_projets": ProjetStructurant.objects.count(),
        "nb_signataires": Signataire.objects.count(),
        "nb_sigles": Sigle.objects.count(),
    }
    return render(request, "accueil.html", contexte)


def recherche(request):
    """Recherche dans les engagements, actions, indicateurs, quartiers, projets et structures
    (ces dernières selon la visibilité de l'utilisateur). Au plus 20 résultats par rubrique."""
    q = request.GET.get("q", "").strip()
    resultats = []
    if len(q) >= 2:
        rubriques = [
            (
                "Engagements",
                Engagement.objects.filter(Q(titre__icontains=q) | Q(problematiques__icontains=q)),
            ),
            ("Actions", Action.objects.select_related("engagement").filter(texte__icontains=q)),
            (
                "Indicateurs",
                Indicateur.objects.select_related("engagement").filter(
                    Q(libelle__icontains=q) | Q(code__iexact=q)
                ),
            ),
            (
                "Quartiers prioritaires",
                Quartier.objects.filter(
                    Q(nom__icontains=q) | Q(nom_fiche__icontains=q) | Q(secteurs__nom__icontains=q)
                ).distinct(),
            ),
            (
                "Projets structurants",
                ProjetStructurant.objects.select_related("quartier").filter(
                    Q(nom__icontains=q) | Q(descriptif__icontains=q) | Q(adresse__icontains=q)
                ),
            ),
            (
                "Structures",
                Structure.objects.for_user(request.user).filter(
                    Q(nom__icontains=q) | Q(description__icontains=q)
                ),
            ),
        ]
        for titre, qs in rubriques:
            objets = list(qs.order_by("pk")[: LIMITE_RECHERCHE + 1])
            if objets:
                resultats.append(
                    {
                        "titre": titre,
                        "objets": objets[:LIMITE_RECHERCHE],
                        "plus": len(objets) > LIMITE_RECHERCHE,
                    }
                )
    return render(
        request,
        "recherche.html",
        {"q": q, "resultats": resultats, "trop_court": 0 < len(q) < 2},
    )


def sante(request):
    """Point de santé pour les sondes (docker-compose, répartiteur) : base joignable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"statut": "ok"})


# --- pages d'erreur ---------------------------------------------------------------------------


def _api(request):
    return request.path.startswith("/api/")


def refus(request, exception=None):
    """403 : la raison donnée par la règle qui a refusé (PermissionDenied(« raison »))."""
    return render(request, "403.html", {"raison": raison(exception, 403)}, status=403)


def introuvable(request, exception=None):
    """404 : une page du portail ; sous /api/, du JSON."""
    if _api(request):
        return JsonResponse(
            erreurs_api.corps_erreur("introuvable", "Cette ressource n’existe pas."),
            status=404,
            json_dumps_params={"ensure_ascii": False},
        )
    return render(request, "404.html", {"raison": raison(exception, 404)}, status=404)


def erreur_serveur(request):
    """500, ou 503 quand la base est injoignable (panne, redémarrage) : le gabarit est rendu
    sans contexte de requête ni accès à la base, qui peut être la cause de l'erreur. Sous
    /api/, du JSON au format des autres erreurs, avec Retry-After pour le 503."""
    exception = sys.exc_info()[1]
    indisponible = isinstance(exception, OperationalError | InterfaceError)
    if _api(request):
        if indisponible:
            return erreurs_api.reponse_json_indisponible()
        return erreurs_api.reponse_json_erreur_serveur()
    gabarit, statut = ("503.html", 503) if indisponible else ("500.html", 500)
    reponse = HttpResponse(loader.get_template(gabarit).render(), status=statut)
    if indisponible:
        reponse["Retry-After"] = str(erreurs_api.ATTENTE_INDISPONIBLE)
    return reponse


def echec_csrf(request, reason=""):
    """Le jeton CSRF manque ou a expiré : on le dit en français, sans jargon."""
    return render(
        request,
        "403.html",
        {
            "raison": "Le formulaire a expiré ou a été envoyé depuis une autre page : rien n’a été "
            "enregistré. Rechargez la page, puis recommencez."
        },
        status=403,
    )
