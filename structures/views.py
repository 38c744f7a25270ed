"""Pages des structures et de leurs fiches-actions (lecture)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from structures.filters import StructureFilter
from structures.models import FicheAction, Structure


@login_required
def liste(request):
    """Structures visibles par l'utilisateur, filtrables, paginées par 25."""
    base = Structure.objects.visible_par(request.user).with_list_data().order_by("nom", "pk")
    filtre = StructureFilter(request.GET, queryset=base)
    page = Paginator(filtre.qs, 25).get_page(request.GET.get("page"))
    return render(request, "structures/liste.html", {"filtre": filtre, "page": page})


@login_required
def detail(request, slug):
    structure = get_object_or_404(
        Structure.objects.visible_par(request.user)
        .select_related("arrondissement")
        .prefetch_related("quartiers", "financements"),
        slug=slug,
    )
    fiches = (
        FicheAction.objects.visible_par(request.user)
        .filter(structure=structure)
        .with_list_data()
        .order_by("-annee", "titre", "pk")
    )
    return render(request, "structures/detail.html", {"structure": structure, "fiches": fiches})


@login_required
def fiche(request, pk):
    fiche = get_object_or_404(
        FicheAction.objects.visible_par(request.user)
        .select_related("structure")
        .prefetch_related("engagements", "quartiers"),
        pk=pk,
    )
    return render(request, "structures/fiche.html", {"fiche": fiche})
