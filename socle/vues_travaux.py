"""Les pages des travaux de fond : la page d'un travail (état, avancement, téléchargement),
son fragment d'état relu par htmx toutes les deux secondes, « Mes exports » (les travaux du
compte) et le téléchargement du fichier produit. Chacun ne voit que ses propres travaux : ceux
d'un autre compte n'existent pas pour lui (404).

Pour les apps qui lancent un travail : `lancer_et_suivre()` (la requête POST qui met en file puis
redirige vers la page du travail) et `page_de_lancement()` (la page GET qui décrit le travail et
porte le bouton qui le lance)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render

from socle import travaux
from socle.models import Travail

PAR_PAGE = 50
ACTUALISATION_SECONDES = 2


def lancer_et_suivre(request, type_, parametres, libelle):
    """Met le travail en file et redirige vers sa page ; une demande refusée (trop de travaux
    en cours) revient sur « Mes exports » avec la raison."""
    try:
        travail = travaux.lancer(request.user, type_, parametres, libelle)
    except travaux.LancementRefuse as refus:
        messages.error(request, str(refus))
        return redirect("travaux:liste")
    return redirect(travail)


def page_de_lancement(
    request, *, titre, description, champs, bouton, retour, explication="", status=200
):
    """La page qui présente un travail long et le lance (formulaire POST vers la même adresse).

    - `description` : (libellé, valeur) des paramètres, lisibles ;
    - `champs` : (nom, valeur) des champs cachés renvoyés tels quels au lancement ;
    - `retour` : (texte, adresse) du lien d'abandon."""
    return render(
        request,
        "socle/travail_lancer.html",
        {
            "titre": titre,
            "description": description,
            "champs": [(nom, "" if valeur is None else valeur) for nom, valeur in champs],
            "bouton": bouton,
            "retour": retour,
            "explication": explication,
            "conservation": settings.TRAVAUX_CONSERVATION_JOURS,
        },
        status=status,
    )


def _annonce(travail):
    """La phrase lue par les lecteurs d'écran quand l'état change."""
    if travail.etat == Travail.Etat.TERMINE:
        return "Travail terminé." + (" Le fichier est prêt." if travail.fichier else "")
    if travail.etat == Travail.Etat.ECHOUE:
        return "Le travail a échoué."
    if travail.etat == Travail.Etat.EN_COURS:
        return "Travail en cours."
    return "Travail en attente."


def _contexte(travail, vu=None):
    return {
        "travail": travail,
        "annonce": _annonce(travail),
        # L'annonce n'est renvoyée (hors de la zone relue) que si l'état a changé depuis le
        # dernier affichage : pas de répétition toutes les deux secondes.
        "annonce_changee": vu is not None and vu != travail.etat,
        "actualisation": ACTUALISATION_SECONDES,
        "conservation": settings.TRAVAUX_CONSERVATION_JOURS,
    }


def _travail(request, pk):
    travaux.marquer_depasses()
    return get_object_or_404(Travail.objects.for_user(request.user), pk=pk)


@login_required
def detail(request, pk):
    """La page d'un travail : état, avancement (barre native, relue par htmx ; sans
    JavaScript, la page se recharge), puis le fichier à télécharger ou la raison de l'échec."""
    return render(request, "socle/travail.html", _contexte(_travail(request, pk)))


@login_required
def etat(request, pk):
    """Le fragment d'état de la page d'un travail (htmx) ; `vu` : l'état affiché jusqu'ici."""
    travail = _travail(request, pk)
    return render(request, "socle/_travail_etat.html", _contexte(travail, request.GET.get("vu")))


@login_required
def liste(request):
    """« Mes exports » : les travaux du compte, du plus récent au plus ancien, avec leur état,
    leur avancement et le fichier tant qu'il est gardé."""
    travaux.marquer_depasses()
    page = Paginator(Travail.objects.for_user(request.user).with_list_data(), PAR_PAGE).get_page(
        request.GET.get("page")
    )
    types = {code: t.libelle for code, t in travaux.TYPES.items()}
    for travail in page:
        travail.libelle_type = types.get(travail.type, travail.type)
    return render(
        request,
        "socle/travaux.html",
        {"page": page, "conservation": settings.TRAVAUX_CONSERVATION_JOURS},
    )


@login_required
def fichier(request, pk):
    """Le fichier produit, à son seul propriétaire, tant qu'il est gardé."""
    travail = _travail(request, pk)
    if travail.etat != Travail.Etat.TERMINE or not travail.nom_fichier:
        raise Http404("Ce travail n’a pas produit de fichier.")
    if travail.fichier_expire or not travail.fichier:
        contexte = _contexte(travail)
        contexte["expire"] = True
        return render(request, "socle/travail.html", contexte, status=410)
    try:
        contenu = travail.fichier.open("rb")
    except FileNotFoundError:
        raise Http404("Ce fichier n’est plus disponible : relancez le travail.") from None
    return FileResponse(
        contenu,
        as_attachment=True,
        filename=travail.nom_fichier,
        content_type=travail.type_mime or "application/octet-stream",
    )
