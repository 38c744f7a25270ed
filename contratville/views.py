"""Accueil, recherche transversale, point de santé et pages d'erreur du projet (403, 404, 500,
503 et échec CSRF), en français, avec la raison du refus."""

import sys
from urllib.parse import urlencode

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.db.models import Count, Sum
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader

from afaire import donnees as afaire_donnees
from afaire import views as afaire_views
from contratville import accessibilite as declaration
from engagements.models import Action, Contrat, Engagement, Sigle, Signataire, Thematique
from indicateurs.models import Indicateur
from quartiers.models import ProjetStructurant, Quartier, Secteur
from recherche import moteur
from recherche import texte as texte_recherche
from socle.acces import raison
from socle.api import erreurs as erreurs_api


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


def accessibilite(request):
    """La déclaration d'accessibilité (modèle RGAA), liée depuis le pied de chaque page."""
    return render(
        request,
        "accessibilite.html",
        {
            "etat": declaration.ETAT,
            "referentiel": declaration.REFERENTIEL,
            "date_audit": declaration.DATE_AUDIT_AUTOMATISE,
            "non_conformites": declaration.NON_CONFORMITES,
            "contact": settings.CONTACT_ACCESSIBILITE,
        },
    )


def recherche(request):
    """La recherche transversale (recherche/moteur.py) : sans rubrique, un aperçu de chaque
    rubrique et son nombre de résultats, avec « voir plus » ; avec `?type=`, la rubrique
    entière, paginée. Structures et fiches-actions suivent la visibilité de l'utilisateur. Une
    saisie refusée (caractère nul, trop longue, rubrique inconnue) reçoit son message, en 400."""
    q = request.GET.get("q", "")
    type_ = request.GET.get("type") or None
    try:
        page = min(max(1, int(request.GET.get("page") or 1)), 100_000)
    except ValueError:
        page = 1
    contexte = {
        # Le champ de recherche réaffiche la saisie, sans caractère nul, bornée.
        "q": q.replace("\x00", "").strip()[: texte_recherche.LONGUEUR_MAX],
        "type": type_,
        "recherche": None,
        "resultats": [],
        "trop_court": False,
        "erreur": None,
    }
    statut = 200
    if q.strip() or "\x00" in q:
        try:
            resultat = moteur.rechercher(q, request.user, type=type_, page=page, apercu=not type_)
        except texte_recherche.SaisieInvalide as refus:
            contexte["erreur"] = refus.message
            contexte["trop_court"] = refus.code == "trop_courte"
            statut = 200 if refus.code == "trop_courte" else 400
        else:
            contexte["recherche"] = resultat
            contexte["resultats"] = resultat.rubriques
            contexte["rubriques"] = _liens_rubriques(resultat)
            contexte["pages"] = _liens_pages(resultat) if type_ else []
    return render(request, "recherche.html", contexte, status=statut)


def _lien_recherche(q, **params):
    return "?" + urlencode({"q": q, **{k: v for k, v in params.items() if v}})


def _liens_rubriques(resultat):
    """Le filtre par rubrique : « Toutes » puis chaque rubrique trouvée, avec son nombre."""
    liens = [
        {
            "libelle": "Toutes les rubriques",
            "nombre": sum(r.nombre for r in resultat.rubriques),
            "url": _lien_recherche(resultat.q),
            "courante": not resultat.type,
        }
    ]
    for rubrique in resultat.rubriques:
        rubrique.url = _lien_recherche(resultat.q, type=rubrique.type)
        liens.append(
            {
                "libelle": rubrique.libelle,
                "nombre": rubrique.nombre,
                "url": rubrique.url,
                "courante": rubrique.type == resultat.type,
            }
        )
    return liens


def _liens_pages(resultat):
    """Les numéros de page de la rubrique (tous : une rubrique compte au plus quelques
    centaines de résultats)."""
    return [
        {
            "numero": n,
            "url": _lien_recherche(resultat.q, type=resultat.type, page=n if n > 1 else None),
            "courante": n == resultat.page,
        }
        for n in range(1, resultat.pages + 1)
    ]


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
