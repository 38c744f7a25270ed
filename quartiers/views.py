"""Pages publiques des quartiers prioritaires. La fiche d'un QPV (qui croise indicateurs et
structures) est dans contratville/territoire."""

from django.db.models import Sum
from django.shortcuts import render

from quartiers.filters import QuartierFilter
from quartiers.models import Quartier
from socle.filtres import lignes_filtrees


def liste(request):
    """Les 21 QPV avec arrondissements et population (décret)."""
    filtre = QuartierFilter(request.GET, queryset=Quartier.objects.with_list_data())
    quartiers = lignes_filtrees(filtre)
    total = Quartier.objects.aggregate(total=Sum("population"))["total"]
    return render(
        request,
        "quartiers/liste.html",
        {"filtre": filtre, "quartiers": quartiers, "total_population": total},
    )
