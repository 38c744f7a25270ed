"""Aller-retour tableur sur le portail : télécharger le modèle d'une campagne, déposer un
fichier, prévisualiser (créations, modifications, erreurs numérotées par ligne), confirmer.
Chaque dépôt est gardé dans l'historique des imports avec son fichier et ses comptes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST
from import_export.formats.base_formats import XLSX

from engagements.models import Engagement, Signataire
from indicateurs.forms import FiltreModeleForm, ImportForm
from indicateurs.models import Campagne, ImportValeurs
from indicateurs.resources import importer, modele_xlsx, resumer
from indicateurs.views import refuser
from socle import roles

REFUS_IMPORT = (
    "L’import de valeurs est réservé au SPV et aux partenaires rattachés à une organisation "
    "productrice de données."
)


def _enregistrer_rapport(imp, rapport):
    imp.nb_lignes = rapport.lignes
    imp.nb_nouvelles, imp.nb_modifiees = rapport.nouvelles, rapport.modifiees
    imp.nb_inchangees = rapport.inchangees
    imp.nb_erreurs = rapport.nb_lignes_en_erreur
    imp.erreurs, imp.apercu = rapport.erreurs, rapport.apercu


@login_required
def modele(request, annee):
    """Le classeur pré-rempli de la campagne, restreint aux indicateurs de l'utilisateur
    (partenaire) et, au choix, à un engagement ou à un producteur."""
    if not roles.peut_importer_valeurs(request.user):
        return refuser(request, REFUS_IMPORT)
    get_object_or_404(Campagne, annee=annee)
    est_spv = roles.peut_gerer_campagnes(request.user)
    filtre = FiltreModeleForm(
        request.GET,
        engagements=Engagement.objects.order_by("numero"),
        producteurs=Signataire.objects.all() if est_spv else None,
    )
    criteres = filtre.cleaned_data if filtre.is_valid() else {}
    contenu, _lignes = modele_xlsx(
        annee,
        request.user,
        engagement=criteres.get("engagement"),
        producteur=criteres.get("producteur"),
    )
    reponse = HttpResponse(contenu, content_type=XLSX.CONTENT_TYPE)
    suffixe = f"-engagement-{criteres['engagement']}" if criteres.get("engagement") else ""
    reponse["Content-Disposition"] = f'attachment; filename="modele-valeurs-{annee}{suffixe}.xlsx"'
    return reponse


@login_required
def deposer(request, annee):
    """Déposer un classeur : il est contrôlé sans rien écrire, puis la prévisualisation
    attend la confirmation."""
    if not roles.peut_importer_valeurs(request.user):
        return refuser(request, REFUS_IMPORT)
    campagne = get_object_or_404(Campagne, annee=annee)
    form = ImportForm(request.POST or None, request.FILES or None)
    verrou = campagne.motif_verrouillage()
    if request.method == "POST" and form.is_valid():
        fichier = form.cleaned_data["fichier"]
        contenu = fichier.read()
        imp = ImportValeurs(
            annee=annee,
            utilisateur=request.user,
            organisation_id=roles.organisation_de(request.user),
            nom_fichier=fichier.name[:255],
            contenu=contenu,
        )
        try:
            rapport = importer(contenu, annee, request.user, dry_run=True, nom_fichier=fichier.name)
        except ValueError as erreur:
            form.add_error("fichier", str(erreur))
        else:
            _enregistrer_rapport(imp, rapport)
            imp.statut = (
                ImportValeurs.Statut.PREVISUALISE
                if rapport.valide
                else ImportValeurs.Statut.ERREURS
            )
            imp.save()
            return redirect(imp)
    return render(
        request,
        "indicateurs/import_deposer.html",
        {
            "campagne": campagne,
            "form": form,
            "verrou": verrou,
            "filtre_modele": FiltreModeleForm(
                engagements=Engagement.objects.order_by("numero"),
                producteurs=None,
            ),
        },
    )


def _import_visible(request, pk):
    return get_object_or_404(ImportValeurs.objects.for_user(request.user).with_list_data(), pk=pk)


@login_required
def detail(request, pk):
    """Prévisualisation (ou compte rendu) d'un import : ce qui sera ou a été créé et modifié,
    et chaque erreur avec sa ligne et sa colonne."""
    imp = _import_visible(request, pk)
    return render(request, "indicateurs/import_detail.html", {"imp": imp})


@login_required
@require_POST
def confirmer(request, pk):
    """Applique l'import prévisualisé. Le fichier est contrôlé de nouveau (les valeurs ont pu
    changer entre-temps) : s'il reste une erreur, rien n'est écrit."""
    imp = _import_visible(request, pk)
    if imp.statut != ImportValeurs.Statut.PREVISUALISE:
        messages.error(request, "Cet import n’attend plus de confirmation.")
        return redirect(imp)
    if imp.utilisateur_id != request.user.pk:
        messages.error(request, "Seule la personne qui a déposé le fichier peut le confirmer.")
        return redirect(imp)
    contenu = bytes(ImportValeurs.objects.values_list("contenu", flat=True).get(pk=imp.pk))
    rapport = importer(contenu, imp.annee, request.user, dry_run=False, nom_fichier=imp.nom_fichier)
    _enregistrer_rapport(imp, rapport)
    if rapport.valide:
        imp.statut = ImportValeurs.Statut.APPLIQUE
        imp.applique_le = timezone.now()
        messages.success(request, "Import appliqué. " + resumer(rapport))
    else:
        imp.statut = ImportValeurs.Statut.ERREURS
        messages.error(
            request,
            "Le fichier ne passe plus les contrôles (des valeurs ont changé depuis la "
            "prévisualisation) : rien n’a été écrit.",
        )
    imp.save(update_fields=[
        "statut", "applique_le", "nb_lignes", "nb_nouvelles", "nb_modifiees", "nb_inchangees",
        "nb_erreurs", "erreurs", "apercu",
    ])  # fmt: skip
    return redirect(imp)


@login_required
@require_POST
def abandonner(request, pk):
    imp = _import_visible(request, pk)
    if imp.statut == ImportValeurs.Statut.PREVISUALISE:
        imp.statut = ImportValeurs.Statut.ABANDONNE
        imp.save(update_fields=["statut"])
        messages.info(request, "Import abandonné : rien n’a été écrit.")
    return redirect(imp)


@login_required
def fichier(request, pk):
    """Le fichier tel qu'il a été déposé."""
    imp = _import_visible(request, pk)
    contenu = bytes(ImportValeurs.objects.values_list("contenu", flat=True).get(pk=imp.pk))
    reponse = HttpResponse(contenu, content_type=XLSX.CONTENT_TYPE)
    reponse["Content-Disposition"] = content_disposition_header(True, imp.nom_fichier)
    return reponse


@login_required
def historique(request):
    """L'historique des imports : qui, quand, quel fichier, combien de lignes et avec quel
    résultat (tous pour le SPV, ceux de son organisation pour un partenaire)."""
    if not roles.peut_importer_valeurs(request.user):
        return refuser(request, REFUS_IMPORT)
    imports = ImportValeurs.objects.for_user(request.user).with_list_data()
    page = Paginator(imports, 50).get_page(request.GET.get("page"))
    return render(request, "indicateurs/imports.html", {"page": page})
