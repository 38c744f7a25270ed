"""Pages du référentiel d'évaluation : liste des indicateurs, page d'un indicateur
(métadonnées, graphique d'évolution, tableau, historique) et formulaire des métadonnées."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render

from engagements.models import Contrat, Signataire
from indicateurs.filters import IndicateurFilter
from indicateurs.forms import IndicateurMetadonneesForm
from indicateurs.graphique import donnees_graphique
from indicateurs.historique import CHAMPS_INDICATEUR, CHAMPS_VALEUR, versions
from indicateurs.models import Campagne, Indicateur, Valeur
from socle import acces, roles
from socle.filtres import lignes_filtrees

HISTORIQUE_MAX = 15


# La page de refus du portail (403.html, ou 404.html), avec la raison exacte.
refuser = acces.refuser


def liste(request):
    """Les indicateurs à suivre du contrat, filtrables et paginés par 50, puis les
    indicateurs de contexte ajoutés pour porter les chiffres clés des fiches quartiers."""
    # Le filtre de l'API (`/api/v1/indicateurs/`) : il s'applique aux deux tableaux.
    filtre = IndicateurFilter(request.GET, queryset=Indicateur.objects.with_list_data())
    indicateurs = lignes_filtrees(filtre)
    page = Paginator(indicateurs.du_contrat(), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "indicateurs/liste.html",
        {
            "filtre": filtre,
            "page": page,
            "total": Indicateur.objects.du_contrat().count(),
            "contrat": Contrat.objects.first(),
            "contexte": list(indicateurs.hors_contrat()),
        },
    )


def detail(request, code):
    """Un indicateur : métadonnées ; avec un compte, le graphique d'évolution par territoire
    comparé à Paris, le tableau de ses données et l'historique des valeurs."""
    indicateur = get_object_or_404(
        Indicateur.objects.select_related("engagement__thematique", "producteur"), code=code
    )
    user = request.user
    contexte = {
        "indicateur": indicateur,
        "peut_modifier": roles.peut_modifier_indicateur(user),
        "peut_saisir": roles.peut_saisir_valeur(user, indicateur),
        "voit_valeurs": roles.peut_voir_valeurs(user),
    }
    if contexte["voit_valeurs"]:
        valeurs = list(
            Valeur.objects.for_user(user)
            .filter(indicateur=indicateur)
            .select_related("territoire")
            .order_by("territoire__ordre", "annee")
        )
        for v in valeurs:
            v.indicateur = indicateur  # évite une requête par valeur pour l'affichage
        selection = set(request.GET.getlist("territoire"))
        graphique = donnees_graphique(indicateur, valeurs, selection or None)
        contexte["graphique"] = graphique
        contexte["graphique_json"] = {
            "titre": graphique["titre"],
            "annees": graphique["annees"],
            "suffixe": graphique["suffixe"],
            "series": [
                {k: s[k] for k in ("code", "nom", "paris", "couleur", "donnees")}
                for s in graphique["series"]
            ],
        }
        contexte["selection"] = selection
        ids = [v.pk for v in valeurs]
        historiques = list(
            Valeur.history.filter(id__in=ids)
            .select_related("history_user", "territoire")
            .order_by("-history_date", "-history_id")[: HISTORIQUE_MAX + 1]
        )
        contexte["historique_valeurs"] = versions(historiques, CHAMPS_VALEUR)[:HISTORIQUE_MAX]
        contexte["historique_tronque"] = len(historiques) > HISTORIQUE_MAX
        contexte["campagne_ouverte"] = Campagne.objects.ouvertes().order_by("-annee").first()
    versions_indicateur = list(
        indicateur.history.select_related("history_user").order_by("-history_date")[:11]
    )
    noms = dict(
        Signataire.objects.filter(
            pk__in={h.producteur_id for h in versions_indicateur if h.producteur_id}
        ).values_list("pk", "nom")
    )
    contexte["historique_indicateur"] = versions(versions_indicateur, CHAMPS_INDICATEUR, noms)[:10]
    return render(request, "indicateurs/detail.html", contexte)


@login_required
def modifier(request, code):
    """Les métadonnées d'un indicateur, tenues par le SPV (historisées)."""
    indicateur = get_object_or_404(Indicateur, code=code)
    if not roles.peut_modifier_indicateur(request.user):
        return refuser(
            request, "Seuls les agents DDCT/SPV modifient les métadonnées des indicateurs."
        )
    form = IndicateurMetadonneesForm(request.POST or None, instance=indicateur)
    if request.method == "POST" and form.is_valid():
        indicateur = form.save(commit=False)
        indicateur._change_reason = "Métadonnées modifiées dans le portail"
        indicateur.save()
        messages.success(request, f"Métadonnées de l’indicateur {indicateur.code} enregistrées.")
        return redirect(indicateur)
    return render(request, "indicateurs/modifier.html", {"indicateur": indicateur, "form": form})
