"""Pages publiques des engagements et du glossaire."""

import re
from itertools import groupby

from django.shortcuts import get_object_or_404, render

from engagements.filters import EngagementFilter, SigleFilter
from engagements.models import Contrat, Engagement, Sigle, Signataire
from engagements.signataires import rechercher
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


IDENTIFIANT = re.compile(r"^[A-Za-z][\w-]{0,80}$")
RECHERCHE_MAX = 100


def signataires_options(request):
    """Les options d'une liste de signataires filtrée par la recherche (nom ou sigle), pour le
    champ de recherche des formulaires (engagements/forms.py, htmx). L'option choisie reste
    proposée ; la zone de statut annonce le nombre de résultats. Les signataires sont publics,
    comme le reste du référentiel."""
    recherche = request.GET.get("q", "").strip()[:RECHERCHE_MAX]
    champ = request.GET.get("champ", "")
    statut = request.GET.get("statut", "")
    choisi = request.GET.get(champ, "") if IDENTIFIANT.match(champ) else ""
    tous = list(Signataire.objects.order_by("ordre", "nom"))
    trouves = rechercher(tous, recherche)
    choisi = int(choisi) if choisi.isdigit() else None
    n = len(trouves)
    if not recherche:
        message = f"{n} organisations signataires."
    elif n == 0:
        message = (
            f"Aucune organisation ne correspond à « {recherche} » : vérifiez l’orthographe ou "
            "essayez le sigle."
        )
    elif n == 1:
        message = f"1 organisation correspond à « {recherche} »."
    else:
        message = f"{n} organisations correspondent à « {recherche} »."
    if choisi is not None and all(s.pk != choisi for s in trouves):
        # L'option choisie reste dans la liste : filtrer ne change jamais le choix en silence.
        trouves = [s for s in tous if s.pk == choisi] + trouves
    return render(
        request,
        "engagements/_options_signataires.html",
        {
            "signataires": trouves,
            "choisi": choisi,
            "vide": request.GET.get("vide", "")[:80],
            "statut": statut if IDENTIFIANT.match(statut) else "resultat-recherche",
            "message": message,
        },
    )
