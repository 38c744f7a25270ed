"""Pages publiques des quartiers prioritaires."""

from django.db.models import Sum
from django.shortcuts import get_object_or_404, render

from quartiers.filters import ProjetFilter, QuartierFilter
from quartiers.models import Quartier


def liste(request):
    """Les 21 QPV avec arrondissements et population (décret)."""
    filtre = QuartierFilter(request.GET, queryset=Quartier.objects.with_list_data())
    quartiers = filtre.qs
    total = Quartier.objects.aggregate(total=Sum("population"))["total"]
    return render(
        request,
        "quartiers/liste.html",
        {"filtre": filtre, "quartiers": quartiers, "total_population": total},
    )


def fiche(request, slug):
    """Fiche d'un QPV : secteurs, chiffres clés face à Paris, descriptif et projets
    structurants filtrables par statut."""
    quartier = get_object_or_404(Quartier.objects.with_fiche_data(), slug=slug)
    filtre = ProjetFilter(request.GET, queryset=quartier.projets.select_related("secteur"))
    projets = list(filtre.qs.order_by("ordre"))
    chiffres = list(quartier.chiffres_cles.all())
    secteurs = list(quartier.secteurs.all())
    blocs_secteurs = [
        {
            "secteur": s,
            "chiffres": [c for c in chiffres if c.secteur_id == s.pk],
            "projets": [p for p in projets if p.secteur_id == s.pk],
        }
        for s in secteurs
    ]
    return render(
        request,
        "quartiers/fiche.html",
        {
            "quartier": quartier,
            "chiffres": [c for c in chiffres if c.secteur_id is None],
            "projets": [p for p in projets if p.secteur_id is None],
            "blocs_secteurs": blocs_secteurs,
            "filtre": filtre,
            "nb_projets": len(projets),
            "nb_projets_total": len(quartier.projets.all()),
        },
    )
