"""Pages des données ouvertes : la liste publique des jeux publiés et leurs fichiers, et la
page du SPV qui lance une publication (travail de fond, donnees_ouvertes/taches.py)."""

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from donnees_ouvertes.models import JeuPublie
from donnees_ouvertes.publication import LICENCE, RESSOURCES
from socle import roles, vues_travaux
from socle.acces import refuser

TYPES = {".csv": "text/csv; charset=utf-8", ".json": "application/json; charset=utf-8"}


def liste(request):
    """Les jeux publiés, du plus récent au plus ancien, avec leurs fichiers (page publique)."""
    return render(
        request,
        "donnees_ouvertes/liste.html",
        {"jeux": JeuPublie.objects.recents(), "licence": LICENCE, "ressources": RESSOURCES},
    )


def fichier(request, pk, nom):
    """Un fichier d'un jeu publié (descripteur ou ressource CSV), lu dans le stockage."""
    jeu = get_object_or_404(JeuPublie, pk=pk)
    if nom not in jeu.fichiers:
        raise Http404("Ce fichier ne fait pas partie de ce jeu de données.")
    chemin = f"{jeu.dossier}/{nom}"
    if not default_storage.exists(chemin):
        raise Http404("Ce fichier n’est plus dans le stockage.")
    extension = nom[nom.rfind(".") :]
    return FileResponse(
        default_storage.open(chemin, "rb"),
        as_attachment=True,
        filename=nom,
        content_type=TYPES.get(extension, "application/octet-stream"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def publier_vue(request):
    """Le SPV voit les jeux déjà publiés et lance une publication (POST) : un travail de fond
    (construction des tables, validation frictionless, écriture), suivi sur sa page et dans
    « Mes exports » ; la requête ne fait que le mettre en file."""
    if not roles.est_spv(request.user):
        return refuser(
            request,
            "Seuls les agents DDCT/SPV publient les données ouvertes. Les jeux publiés sont "
            "en libre accès sur la page Données ouvertes.",
        )
    if request.method == "POST":
        return vues_travaux.lancer_et_suivre(
            request, "donnees_ouvertes.publier", {}, "Publication des données ouvertes"
        )
    return render(
        request,
        "donnees_ouvertes/publier.html",
        {"jeux": JeuPublie.objects.recents().select_related("publie_par"), "licence": LICENCE},
    )
