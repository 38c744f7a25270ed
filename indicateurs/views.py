"""Pages du référentiel d'évaluation."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from engagements.models import Contrat
from indicateurs.filters import IndicateurFilter
from indicateurs.models import Indicateur


def liste(request):
    """Tous les indicateurs à suivre, filtrables, paginés par 50."""
    filtre = IndicateurFilter(request.GET, queryset=Indicateur.objects.with_list_data())
    page = Paginator(filtre.qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "indicateurs/liste.html",
        {
            "filtre": filtre,
            "page": page,
            "total": Indicateur.objects.count(),
            "contrat": Contrat.objects.first(),
        },
    )


def detail(request, code):
    indicateur = get_object_or_404(
        Indicateur.objects.select_related("engagement__thematique"), code=code
    )
    return render(request, "indicateurs/detail.html", {"indicateur": indicateur})
