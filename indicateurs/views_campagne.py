"""Valeurs (liste, fiche, transitions), campagnes (liste, tableau de bord de complétude,
clôture et réouverture) et « Mes indicateurs » d'un partenaire."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from engagements.models import Engagement, Signataire
from indicateurs.exports import COLONNES_VALEURS, lignes_export
from indicateurs.filters import CampagneFilter, ValeurFilter
from indicateurs.forms import CampagneForm, FiltreModeleForm, RenvoiForm, RouvrirForm
from indicateurs.historique import CHAMPS_VALEUR, versions
from indicateurs.mesures import Perimetre, mesurer
from indicateurs.models import (
    Campagne,
    ConflitDeVersion,
    Indicateur,
    Valeur,
    transition_en_masse,
)
from indicateurs.views import refuser
from socle import roles
from socle.chiffres import compte_fr
from socle.circuits import ETAT, ActionRefusee
from socle.filtres import lignes_filtrees
from socle.lectures import lecture_lourde
from socle.pagination import PaginateurParCles
from socle.provenance import colonnes_provenance
from socle.tableur import reponse_export

# --- valeurs ------------------------------------------------------------------------------------


@login_required
def valeurs(request):
    """Toutes les valeurs visibles par l'utilisateur, filtrables et paginées par 50. Le SPV y
    valide en masse les valeurs soumises."""
    filtre = ValeurFilter(
        request.GET, queryset=Valeur.objects.for_user(request.user).with_list_data()
    )
    page = PaginateurParCles(lignes_filtrees(filtre), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "indicateurs/valeurs.html",
        {
            "filtre": filtre,
            "page": page,
            "peut_valider": roles.peut_valider_valeur(request.user),
        },
    )


@login_required
@lecture_lourde
def export_valeurs(request, format_="xlsx"):
    """Les valeurs filtrées, au format du modèle d'import (colonne « Démo » comprise), en
    xlsx ou en CSV (Excel en français ; `?variante=machine` pour un programme)."""
    filtre = ValeurFilter(
        request.GET, queryset=Valeur.objects.for_user(request.user).with_list_data()
    )
    valeurs = lignes_export(lignes_filtrees(filtre), request.user)
    # La provenance suit la valeur (issue 12) ; le modèle de saisie, lui, ne la propose pas :
    # elle n'est pas saisie par les producteurs (colonnes ignorées à l'import).
    colonnes = COLONNES_VALEURS + colonnes_provenance()
    return reponse_export(request, valeurs, colonnes, "valeurs-indicateurs", "Valeurs", format_)


@login_required
@require_POST
def valeurs_en_masse(request):
    """Valider (SPV) les valeurs cochées dans la liste : une écriture groupée historisée."""
    if not roles.peut_valider_valeur(request.user):
        return refuser(request, "Seuls les agents DDCT/SPV peuvent valider des valeurs.")
    ids = [int(i) for i in request.POST.getlist("valeur") if i.isdigit()]
    choisies = list(Valeur.objects.filter(pk__in=ids))
    faites, refusees = transition_en_masse(choisies, "valider", request.user)
    if faites:
        messages.success(
            request, f"{compte_fr(len(faites), 'valeur validée', 'valeurs validées')}."
        )
    for valeur, raison in refusees:
        messages.error(request, f"{valeur.indicateur.code} · {valeur.annee} : {raison}")
    if not choisies:
        messages.info(request, "Cochez les valeurs à valider.")
    retour = request.POST.get("retour", "")
    # Retour vers la liste filtrée d'où l'on vient, jamais vers un autre site.
    if not url_has_allowed_host_and_scheme(retour, allowed_hosts={request.get_host()}):
        retour = ""
    return redirect(retour or "indicateurs:valeurs")


@login_required
def valeur(request, pk):
    """La fiche d'une valeur : ce qu'elle vaut, qui l'a saisie, soumise, validée ou
    renvoyée, son historique complet et les actions possibles (ou pourquoi elles ne le sont
    pas)."""
    v = get_object_or_404(Valeur.objects.for_user(request.user).with_detail_data(), pk=pk)
    campagne = Campagne.objects.filter(annee=v.annee).first()
    actions = []
    # Les transitions du circuit, chacune permise ou expliquée ; valider et renvoyer ne sont
    # montrées qu'à qui en a le droit, soumettre à tous (un refus y dit pourquoi). Une
    # transition que le seul statut interdit n'est pas montrée : le statut est affiché plus
    # haut, et « Soumettre : une valeur soumise ne peut pas être soumise » n'apprend rien.
    contexte = v._contexte(campagne, True)
    for t in Valeur.circuit.transitions.values():
        if t.nom != "submit" and not t.regle(request.user, v):
            continue
        refus = Valeur.circuit.refus(v, t.nom, request.user, contexte)
        if refus and refus.etape == ETAT:
            continue
        actions.append(
            {
                "action": t.nom,
                "libelle": t.verbe.capitalize(),
                "verbe": t.verbe,
                "refus": refus.message if refus else None,
            }
        )
    historique = list(v.history.select_related("history_user").order_by("history_date"))
    precedente = (
        Valeur.objects.for_user(request.user)
        .filter(indicateur=v.indicateur, territoire=v.territoire, annee=v.annee - 1)
        .first()
    )
    if precedente:
        precedente.indicateur = v.indicateur
    return render(
        request,
        "indicateurs/valeur.html",
        {
            "v": v,
            "campagne": campagne,
            "actions": actions,
            "historique": versions(historique, CHAMPS_VALEUR),
            "precedente": precedente,
            "refus_saisie": v.motif_refus_saisie(request.user, campagne, campagne_connue=True),
            "form_renvoi": RenvoiForm(),
        },
    )


@login_required
@require_POST
def transition(request, pk, action):
    """Soumettre, valider ou renvoyer une valeur ; tout refus est expliqué."""
    if action not in Valeur.circuit.transitions:
        return refuser(request, "Action inconnue.", 404)
    v = get_object_or_404(Valeur.objects.for_user(request.user).with_detail_data(), pk=pk)
    version = request.POST.get("version", "")
    if version.isdigit():
        v.version = int(version)  # celle que la page affichait : contrôle de concurrence
    try:
        if action == "renvoyer":
            v.renvoyer(request.user, request.POST.get("motif", ""))
        else:
            getattr(v, action)(request.user)
    except (ActionRefusee, ConflitDeVersion) as refus:
        messages.error(request, str(refus))
    except ValidationError as erreur:
        messages.error(request, " ".join(erreur.messages))
    else:
        messages.success(request, f"Valeur {Valeur.circuit.transition(action).participe}.")
    return redirect("indicateurs:valeur", pk=pk)


# --- campagnes ----------------------------------------------------------------------------------


@login_required
def campagnes(request):
    """Les campagnes, leur état et leur complétude globale ; le SPV en ouvre une nouvelle."""
    if not roles.peut_gerer_campagnes(request.user):
        return refuser(request, "Le suivi des campagnes est réservé aux agents DDCT/SPV.")
    form = CampagneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        campagne = form.save(commit=False)
        campagne._history_user = request.user
        campagne.save()
        messages.success(request, f"Campagne {campagne.annee} créée.")
        return redirect(campagne)
    filtre = CampagneFilter(
        request.GET, queryset=Campagne.objects.select_related("cloturee_par", "rouverte_par")
    )
    liste = list(lignes_filtrees(filtre))
    mesures = mesurer([c.annee for c in liste])
    for c in liste:
        c.completude = mesures.total(c.annee, libelle=str(c.annee))
    return render(
        request, "indicateurs/campagnes.html", {"campagnes": liste, "form": form, "filtre": filtre}
    )


@login_required
def campagne(request, annee):
    """Tableau de bord d'une campagne (SPV) : complétude (indicateurs/mesures.py) par
    engagement, par producteur, par arrondissement, par QPV et par indicateur, modèle à
    télécharger, import, clôture ou réouverture."""
    if not roles.peut_gerer_campagnes(request.user):
        return refuser(request, "Le suivi des campagnes est réservé aux agents DDCT/SPV.")
    c = get_object_or_404(
        Campagne.objects.select_related("cloturee_par", "rouverte_par"), annee=annee
    )
    mesures = mesurer(annee, par_quartier=True, par_arrondissement=True)
    return render(
        request,
        "indicateurs/campagne.html",
        {
            "campagne": c,
            "par_indicateur": mesures.par_indicateur(annee),
            "par_engagement": mesures.par_engagement(annee),
            "par_producteur": mesures.par_producteur(annee),
            "par_arrondissement": mesures.par_arrondissement(annee),
            "par_qpv": mesures.par_quartier(annee),
            "total": mesures.total(annee),
            "filtre_modele": FiltreModeleForm(
                engagements=Engagement.objects.order_by("numero"),
                producteurs=Signataire.objects.filter(indicateurs_produits__isnull=False)
                .distinct()
                .order_by("nom"),
            ),
            "form_rouvrir": RouvrirForm(),
        },
    )


@login_required
@require_POST
def cloturer(request, annee):
    c = get_object_or_404(Campagne, annee=annee)
    try:
        c.cloturer(request.user)
    except ActionRefusee as refus:
        messages.error(request, refus.message)
    else:
        messages.success(request, f"Campagne {annee} clôturée : ses valeurs sont verrouillées.")
    return redirect(c)


@login_required
@require_POST
def rouvrir(request, annee):
    c = get_object_or_404(Campagne, annee=annee)
    form = RouvrirForm(request.POST)
    if not form.is_valid():
        for erreur in form.errors.get("date_cloture", []):
            messages.error(request, erreur)
        return redirect(c)
    try:
        c.rouvrir(request.user, form.cleaned_data["date_cloture"])
    except ActionRefusee as refus:
        messages.error(request, refus.message)
    else:
        messages.success(
            request, f"Campagne {annee} rouverte jusqu’au {c.date_cloture.strftime('%d/%m/%Y')}."
        )
    return redirect(c)


# --- mes indicateurs ----------------------------------------------------------------------------


@login_required
def mes_indicateurs(request):
    """Pour un partenaire : les indicateurs que son organisation produit et la complétude de
    chaque campagne. Le SPV est renvoyé vers les campagnes (complétude de tous)."""
    if roles.peut_gerer_campagnes(request.user):
        return redirect("indicateurs:campagnes")
    organisation = roles.organisation_de(request.user)
    if organisation is None:
        return refuser(
            request,
            "« Mes indicateurs » sert aux partenaires producteurs de données, rattachés à une "
            "organisation signataire.",
        )
    indicateurs = list(Indicateur.objects.produits_par(organisation).with_list_data())
    liste = list(Campagne.objects.order_by("-annee"))
    # Les indicateurs de contexte produits par l'organisation sont listés, sans valeur attendue
    # (mesure None) : seuls les indicateurs attendus comptent dans la complétude.
    mesures = mesurer(
        [c.annee for c in liste], Perimetre(producteur=organisation), indicateurs=indicateurs
    )
    # Les valeurs renvoyées pour correction, avec leur motif, par indicateur et année (une
    # requête) : ce que le partenaire doit reprendre en premier.
    renvoyees = {}
    for v in (
        Valeur.objects.filter(
            indicateur__in=indicateurs,
            annee__in=[c.annee for c in liste],
            statut=Valeur.Statut.RENVOYE,
        )
        .select_related("territoire")
        .order_by("territoire__ordre", "pk")
    ):
        renvoyees.setdefault((v.indicateur_id, v.annee), []).append(v)
    lignes = [
        {
            "indicateur": ind,
            "campagnes": [
                (c, mesures.indicateur(c.annee, ind), renvoyees.get((ind.pk, c.annee), []))
                for c in liste
            ],
        }
        for ind in indicateurs
    ]
    ouverte = next((c for c in liste if c.est_ouverte), None)
    return render(
        request,
        "indicateurs/mes_indicateurs.html",
        {
            # L'organisation est le producteur des indicateurs, déjà chargé avec eux.
            "organisation": indicateurs[0].producteur
            if indicateurs
            else Signataire.objects.get(pk=organisation),
            "lignes": lignes,
            "nb_renvoyees": sum(len(r) for r in renvoyees.values()),
            "totaux": [(c, mesures.total(c.annee)) for c in liste],
            "campagnes": liste,
            "ouverte": ouverte,
            "aujourd_hui": timezone.localdate(),
        },
    )
