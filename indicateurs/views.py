"""Pages du référentiel d'évaluation : liste des indicateurs, page d'un indicateur
(métadonnées, graphique d'évolution, tableau, historique) et formulaire des métadonnées."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render

from engagements.models import Contrat, Signataire
from indicateurs.filters import IndicateurFilter
from indicateurs.forms import IndicateurMetadonneesForm
from indicateurs.graphique import donnees_graphique
from indicateurs.historique import CHAMPS_INDICATEUR, CHAMPS_VALEUR, versions
from indicateurs.models import Campagne, Indicateur, Territoire, Valeur
from socle import acces, roles
from socle.filtres import lignes_filtrees

HISTORIQUE_MAX = 15
TERRITOIRES_PAR_PAGE = 30


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
        selection = set(request.GET.getlist("territoire"))
        valeurs, page = _valeurs_de_la_page(indicateur, user, selection, request.GET.get("page"))
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
        contexte["page"] = page
        # L'historique de toutes les valeurs visibles de l'indicateur (pas seulement de la
        # page) : index de l'indicateur dans la table d'historique, visibilité en sous-requête.
        visibles = Valeur.objects.for_user(user).filter(indicateur=indicateur).values("pk")
        historiques = list(
            Valeur.history.filter(indicateur_id=indicateur.pk, id__in=visibles)
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


def _valeurs_de_la_page(indicateur, user, selection, numero):
    """Les valeurs visibles de l'indicateur sur les territoires montrés, Paris toujours compris,
    en une requête (territoire joint), et la pagination des territoires (None si tous tiennent
    sur une page, ou si l'utilisateur a choisi ses territoires).

    À l'échelle nationale, un indicateur a des valeurs sur des milliers de territoires : la
    page n'en montre que TERRITOIRES_PAR_PAGE à la fois (ordre des territoires), choisis par
    une sous-requête (territoires qui ont une valeur, LIMIT/OFFSET) dans la requête même des
    valeurs ; le nombre de territoires n'est compté qu'au-delà d'une page."""
    visibles = Valeur.objects.for_user(user).filter(indicateur=indicateur)
    requete = visibles.select_related("territoire").order_by("territoire__ordre", "annee")
    # Paris est ajouté à la tranche par UNION : un OU ferait lire toutes les valeurs de
    # l'indicateur (26 000 lignes du tas, 1,5 s) au lieu des seules sondes de l'index unique.
    paris = Territoire.objects.filter(type=Territoire.Type.PARIS).values("pk")
    if selection:
        choisis = Territoire.objects.filter(code__in=selection).values("pk")
        valeurs = list(requete.filter(territoire__in=choisis.union(paris, all=True)))
        return valeurs, None
    avec_valeur = (
        Territoire.objects.exclude(type=Territoire.Type.PARIS)
        .filter(Exists(visibles.filter(territoire=OuterRef("pk"), valeur__isnull=False)))
        .order_by("ordre", "code")
    )
    try:
        rang = max(int(numero or 1), 1)
    except (TypeError, ValueError):
        rang = 1
    debut = (rang - 1) * TERRITOIRES_PAR_PAGE
    tranche = avec_valeur.values("pk")[debut : debut + TERRITOIRES_PAR_PAGE + 1]
    valeurs = list(requete.filter(territoire__in=tranche.union(paris, all=True)))
    autres = {v.territoire_id for v in valeurs if not v.territoire.est_paris}
    if rang == 1 and len(autres) <= TERRITOIRES_PAR_PAGE:
        return valeurs, None
    # Au-delà d'une page : le compte des territoires, puis la tranche sans sa ligne de trop.
    page = Paginator(avec_valeur.values("pk"), TERRITOIRES_PAR_PAGE).get_page(rang)
    if page.number != rang:  # numéro hors limites : la dernière page
        debut = (page.number - 1) * TERRITOIRES_PAR_PAGE
        tranche = avec_valeur.values("pk")[debut : debut + TERRITOIRES_PAR_PAGE]
        valeurs = list(requete.filter(territoire__in=tranche.union(paris, all=True)))
    else:
        ordonnes = sorted(
            {(v.territoire.ordre, v.territoire.code, v.territoire_id) for v in valeurs}
            - {(t.ordre, t.code, t.pk) for t in (v.territoire for v in valeurs) if t.est_paris}
        )
        gardes = {pk for _, _, pk in ordonnes[:TERRITOIRES_PAR_PAGE]}
        valeurs = [v for v in valeurs if v.territoire.est_paris or v.territoire_id in gardes]
    return valeurs, page


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
