"""Pages publiques des quartiers prioritaires. La fiche d'un QPV (qui croise indicateurs et
structures) est dans contratville/territoire."""

from django.db.models import Sum
from django.shortcuts import render

from quartiers.filters import QuartierFilter
from quartiers.models import Quartier
from socle.filtres import lignes_filtrees
from socle.pagination import page_sans_comptage

QUARTIERS_PAR_PAGE = 50


def liste(request):
    """Les 21 QPV avec arrondissements et population (décret) ; paginée par 50 au-delà
    (échelle nationale), sans barre de pagination ni comptage pour Paris."""
    filtre = QuartierFilter(
        request.GET, queryset=Quartier.objects.with_list_data().order_by("ordre", "nom", "pk")
    )
    page = page_sans_comptage(lignes_filtrees(filtre), request.GET.get("page"), QUARTIERS_PAR_PAGE)
    total = Quartier.objects.aggregate(total=Sum("population"))["total"]
    return render(
        request,
        "quartiers/liste.html",
        {
            "filtre": filtre,
            "page": page,
            "quartiers": page.object_list,
            "total_population": total,
        },
    )
