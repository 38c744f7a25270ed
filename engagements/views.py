"""Pages publiques des engagements et du glossaire."""

from itertools import groupby

from django.shortcuts import get_object_or_404, render

from engagements.filters import EngagementFilter, SigleFilter
from engagements.models import Contrat, Engagement, Sigle
from socle.filtres import lignes_filtrees


def liste(request):
    """Les 30 engagements groupés par thématique (une requête, compteurs annotés), filtrables
    par les clés de l'API (`?thematique=4`, `?pilote=…`, `?q=…`)."""
    filtre = EngagementFilter(request.GET, queryset=Engagement.objects.with_list_data())
    engagements = lignes_filtrees(filtre)
    groupes = [
        (theme, list(items)) for theme, items in groupby(engagements, key=lambda e: e.thematique)
    ]
    return render(request, "engagements/liste.html", {"groupes": groupes, "filtre": filtre})


def detail(request, numero):
    """Toutes les sections d'un engagement, actions numérotées comme imprimées."""
    engagement = get_object_or_404(Engagement.objects.with_detail_data(), numero=numero)
    dernier = Engagement.objects.order_by("-numero").values_list("numero", flat=True).first()
    return render(
        request,
        "engagements/detail.html",
        {
            "engagement": engagement,
            "precedent": numero - 1 if numero > 1 else None,
            "suivant": numero + 1 if dernier and numero < dernier else None,
            "contrat": Contrat.objects.first(),
        },
    )


def glossaire(request):
    """Le glossaire du contrat, par lettre, filtrable par sigle ou définition."""
    filtre = SigleFilter(request.GET, queryset=Sigle.objects.order_by("sigle"))
    sigles = lignes_filtrees(filtre)
    q = request.GET.get("q", "").strip()
    lettres = [
        (lettre, list(items)) for lettre, items in groupby(sigles, key=lambda s: s.sigle[0].upper())
    ]
    return render(
        request, "engagements/glossaire.html", {"lettres": lettres, "q": q, "filtre": filtre}
    )
