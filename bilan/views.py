"""Pages du bilan annuel, réservées au SPV : production du bilan (rapport HTML, PDF,
classeur), saisie et import des crédits, études qualitatives.

Les règles d'accès sont celles de socle/roles.py (`peut_produire_bilan`,
`peut_gerer_credits`, `peut_gerer_etudes`) : un anonyme est renvoyé vers la connexion, un
compte connecté sans le droit reçoit une page 403 qui dit pourquoi."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header

from bilan import imports
from bilan.donnees import euros_fr
from bilan.filters import CreditFilter, EtudeFilter
from bilan.forms import BilanForm, CreditForm, EtudeForm
from bilan.models import Credit, EtudeQualitative, ImportCredits
from bilan.rapport import calculer_rapport, contexte_rapport
from indicateurs.models import Campagne
from socle import acces, roles, vues_travaux
from socle.filtres import lignes_filtrees
from socle.lectures import lecture_lourde
from socle.tableur import TYPE_XLSX
from socle.vues_import import VuesImport

REFUS = {
    "bilan": "Le bilan annuel du comité de pilotage est produit par les agents DDCT/SPV.",
    "credits": "Les crédits mobilisés dans les QPV sont saisis et importés par les agents "
    "DDCT/SPV.",
    "etudes": "Les études qualitatives sont tenues par les agents DDCT/SPV.",
}
REGLES = {
    "bilan": roles.peut_produire_bilan,
    "credits": roles.peut_gerer_credits,
    "etudes": roles.peut_gerer_etudes,
}
PAR_PAGE = 50


def reserve_au_spv(rubrique):
    """Anonyme : vers la connexion ; connecté sans le droit de la rubrique : 403 expliqué."""

    def decorateur(vue):
        @wraps(vue)
        def enveloppe(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not REGLES[rubrique](request.user):
                return acces.refuser(request, REFUS[rubrique])
            return vue(request, *args, **kwargs)

        return enveloppe

    return decorateur


def annee_par_defaut():
    """L'année de la dernière campagne, à défaut l'année dernière."""
    derniere = Campagne.objects.order_by("-annee").values_list("annee", flat=True).first()
    return derniere or timezone.localdate().year - 1


# --- production du bilan ----------------------------------------------------------------------


@reserve_au_spv("bilan")
def index(request):
    """Choisir l'année, le périmètre et la portée, puis voir le rapport ou télécharger le
    classeur ou le PDF."""
    form = BilanForm(initial={"annee": annee_par_defaut()})
    return render(
        request,
        "bilan/index.html",
        {
            "form": form,
            "nb_credits": Credit.objects.count(),
            "nb_etudes": EtudeQualitative.objects.count(),
        },
    )


def _bilan_demande(request):
    """(bilan du rapport, formulaire) pour les paramètres de la requête ; bilan None s'ils
    sont faux."""
    form = BilanForm(request.GET or {"annee": annee_par_defaut()})
    if not form.is_valid():
        return None, form
    auteur = request.user.get_full_name() or request.user.username
    return calculer_rapport(**form.parametres(), user=request.user, auteur=auteur), form


def _parametres_invalides(request, form):
    return render(
        request,
        "bilan/index.html",
        {
            "form": form,
            "nb_credits": Credit.objects.count(),
            "nb_etudes": EtudeQualitative.objects.count(),
        },
        status=400,
    )


@reserve_au_spv("bilan")
@lecture_lourde
def rapport(request):
    """Le rapport imprimable (A4) : même contenu que le PDF."""
    bilan, form = _bilan_demande(request)
    if bilan is None:
        return _parametres_invalides(request, form)
    contexte = contexte_rapport(bilan)
    contexte["parametres"] = request.GET.urlencode()
    return render(request, "bilan/rapport.html", contexte)


def parametres_travail(form):
    """Les paramètres d'un bilan valide, tels que le travail de fond les relit (formulaire
    `BilanForm`, re-validé à l'exécution)."""
    d = form.cleaned_data
    return {
        "annee": d["annee"],
        "arrondissement": d["arrondissement"].numero if d.get("arrondissement") else None,
        "toutes_valeurs": bool(d.get("toutes_valeurs")),
        "avec_demo": bool(d.get("avec_demo")),
    }


def _description(form):
    d = form.cleaned_data
    arrondissement = d.get("arrondissement")
    perimetre = arrondissement.libelle if arrondissement else "Paris"
    portee = (
        "toutes les valeurs (non validées comprises)"
        if d.get("toutes_valeurs")
        else "valeurs validées seulement"
    )
    demo = "incluses" if d.get("avec_demo") else "exclues"
    return perimetre, [
        ("Année", str(d["annee"])),
        ("Périmètre", perimetre),
        ("Valeurs", portee),
        ("Valeurs de démonstration", demo),
    ]


def _production(request, type_, quoi, bouton):
    """GET : la page qui présente le fichier du bilan et le lance ; POST : le travail de fond
    qui le produit (quelques secondes à une minute), puis sa page."""
    if request.method == "POST":
        form = BilanForm(request.POST)
        if not form.is_valid():
            return _parametres_invalides(request, form)
        perimetre, _ = _description(form)
        libelle = f"{quoi} du bilan {form.cleaned_data['annee']} — {perimetre}"
        return vues_travaux.lancer_et_suivre(request, type_, parametres_travail(form), libelle)
    form = BilanForm(request.GET or {"annee": annee_par_defaut()})
    if not form.is_valid():
        return _parametres_invalides(request, form)
    perimetre, description = _description(form)
    parametres = parametres_travail(form)
    return vues_travaux.page_de_lancement(
        request,
        titre=f"{quoi} du bilan {parametres['annee']} — {perimetre}",
        description=description,
        champs=[(nom, valeur) for nom, valeur in parametres.items() if valeur not in (None, False)],
        bouton=bouton,
        retour=("Retour au bilan", reverse("bilan:index")),
    )


@reserve_au_spv("bilan")
@lecture_lourde
def classeur(request):
    """Le classeur Excel du bilan (une feuille par tableau, graphiques natifs), en travail de fond."""
    return _production(request, "bilan.classeur", "Classeur Excel", "Préparer le classeur")


@reserve_au_spv("bilan")
@lecture_lourde
def pdf(request):
    """Le rapport en PDF (WeasyPrint), pour le comité, en travail de fond."""
    return _production(request, "bilan.pdf", "Rapport PDF", "Préparer le PDF")


# --- crédits -----------------------------------------------------------------------------------


@reserve_au_spv("credits")
def credits(request):
    """Les crédits, filtrables, avec leurs totaux par type (sur les filtres appliqués)."""
    filtre = CreditFilter(
        request.GET,
        queryset=Credit.objects.with_list_data().order_by("-annee", "signataire__ordre", "pk"),
    )
    qs = lignes_filtrees(filtre)
    totaux = {
        ligne["type"]: ligne["total"]
        for ligne in qs.order_by().values("type").annotate(total=Sum("montant"), n=Count("pk"))
    }
    page = Paginator(qs, PAR_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "bilan/credits.html",
        {
            "filtre": filtre,
            "page": page,
            "totaux": [
                (libelle, euros_fr(totaux.get(code))) for code, libelle in Credit.Type.choices
            ],
            "total": euros_fr(sum(totaux.values())) if totaux else euros_fr(None),
            "annee_modele": request.GET.get("annee") or annee_par_defaut(),
        },
    )


def _retour_credits(credit):
    return f"{reverse('bilan:credits')}?annee={credit.annee}"


@reserve_au_spv("credits")
def credit_form(request, pk=None):
    """Saisir ou modifier un crédit ; une saisie invalide est réaffichée, rien n'est écrit."""
    credit = get_object_or_404(Credit, pk=pk) if pk else None
    initial = {} if credit else {"annee": request.GET.get("annee") or annee_par_defaut()}
    form = CreditForm(request.POST or None, instance=credit, initial=initial)
    if request.method == "POST" and form.is_valid():
        nouveau = form.instance.pk is None
        credit = form.save(commit=False)
        if nouveau:
            credit.cree_par = request.user
        credit.save()
        messages.success(
            request,
            f"Crédit {'enregistré' if nouveau else 'modifié'} : {credit.signataire}, "
            f"{credit.get_type_display().lower()}, {euros_fr(credit.montant)} ({credit.annee}).",
        )
        return redirect(_retour_credits(credit))
    return render(
        request,
        "bilan/credit_form.html",
        {"form": form, "credit": credit, "formulaires_en_erreur": [form] if form.errors else []},
    )


@reserve_au_spv("credits")
def credit_supprimer(request, pk):
    credit = get_object_or_404(Credit.objects.with_list_data(), pk=pk)
    if request.method == "POST":
        retour = _retour_credits(credit)
        description = f"{credit.signataire}, {euros_fr(credit.montant)} ({credit.annee})"
        credit.delete()
        messages.success(request, f"Crédit supprimé : {description}.")
        return redirect(retour)
    return render(request, "bilan/credit_supprimer.html", {"credit": credit})


@reserve_au_spv("credits")
def credits_modele(request):
    """Le modèle d'import, pré-rempli avec les crédits d'une année (modifiables)."""
    try:
        annee = int(request.GET.get("annee") or 0) or None
    except ValueError:
        annee = None
    contenu, _ = imports.modele_xlsx(annee)
    reponse = HttpResponse(contenu, content_type=TYPE_XLSX)
    nom = f"credits-{annee}.xlsx" if annee else "credits-modele.xlsx"
    reponse["Content-Disposition"] = content_disposition_header(True, nom)
    return reponse


class VuesCredits(VuesImport):
    """Les imports de crédits (pages de socle/vues_import.py), réservés au SPV."""

    modele = ImportCredits
    urls = {
        "deposer": "bilan:import_credits",
        "historique": "bilan:imports_credits",
        "detail": "bilan:import_credits_detail",
        "confirmer": "bilan:import_credits_confirmer",
        "abandonner": "bilan:import_credits_abandonner",
        "fichier": "bilan:import_credits_fichier",
    }
    titre_depot = "Importer des crédits depuis un tableur"
    titre_historique = "Historique des imports de crédits"
    aide_fichier = "Le modèle de crédits téléchargé dans le portail, complété"
    gabarit_aide = "bilan/_import_aide.html"
    gabarit_entete = "bilan/_nav_imports.html"
    type_travail = "bilan.import_credits"
    colonnes_apercu = (
        ("Année", "annee", ""),
        ("Signataire", "signataire", ""),
        ("Type", "type", ""),
        ("Montant", "montant", "text-end text-nowrap"),
        ("Montant avant", "montant_avant", "text-end text-nowrap"),
        ("QPV ou arrondissement", "lieu", ""),
    )

    def nouvel_import(self, request, **kwargs):
        return ImportCredits(utilisateur=request.user), {"annee_modele": annee_par_defaut()}

    def fil_ariane(self, imp):
        return [
            ("Bilan annuel", reverse("bilan:index")),
            ("Imports de crédits", reverse(self.urls["historique"])),
        ]

    def titre_detail(self, imp):
        return f"Import de crédits « {imp.nom_fichier} »"


# L'accès (SPV seulement, refus expliqué) est celui de toutes les pages des crédits.
VUES_IMPORT = VuesCredits()
import_deposer = reserve_au_spv("credits")(VUES_IMPORT.deposer)
import_detail = reserve_au_spv("credits")(VUES_IMPORT.detail)
import_confirmer = reserve_au_spv("credits")(VUES_IMPORT.confirmer)
import_abandonner = reserve_au_spv("credits")(VUES_IMPORT.abandonner)
import_fichier = reserve_au_spv("credits")(VUES_IMPORT.fichier)
imports_historique = reserve_au_spv("credits")(VUES_IMPORT.historique)


# --- études qualitatives -------------------------------------------------------------------------


@reserve_au_spv("etudes")
def etudes(request):
    filtre = EtudeFilter(
        request.GET, queryset=EtudeQualitative.objects.with_list_data().order_by("-annee", "titre")
    )
    page = Paginator(lignes_filtrees(filtre), PAR_PAGE).get_page(request.GET.get("page"))
    return render(request, "bilan/etudes.html", {"filtre": filtre, "page": page})


@reserve_au_spv("etudes")
def etude(request, pk):
    etude = get_object_or_404(
        EtudeQualitative.objects.select_related("arrondissement", "cree_par").prefetch_related(
            "engagements", "quartiers"
        ),
        pk=pk,
    )
    return render(request, "bilan/etude.html", {"etude": etude})


@reserve_au_spv("etudes")
def etude_form(request, pk=None):
    etude = get_object_or_404(EtudeQualitative, pk=pk) if pk else None
    initial = {} if etude else {"annee": request.GET.get("annee") or annee_par_defaut()}
    form = EtudeForm(request.POST or None, request.FILES or None, instance=etude, initial=initial)
    if request.method == "POST" and form.is_valid():
        nouvelle = form.instance.pk is None
        etude = form.save(commit=False)
        if nouvelle:
            etude.cree_par = request.user
        etude.save()
        form.save_m2m()
        messages.success(
            request, f"Étude {'enregistrée' if nouvelle else 'modifiée'} : « {etude.titre} »."
        )
        return redirect(etude)
    return render(
        request,
        "bilan/etude_form.html",
        {"form": form, "etude": etude, "formulaires_en_erreur": [form] if form.errors else []},
    )


@reserve_au_spv("etudes")
def etude_supprimer(request, pk):
    etude = get_object_or_404(EtudeQualitative, pk=pk)
    if request.method == "POST":
        titre = etude.titre
        etude.delete()
        messages.success(request, f"Étude supprimée : « {titre} ».")
        return redirect("bilan:etudes")
    return render(request, "bilan/etude_supprimer.html", {"etude": etude})


@reserve_au_spv("etudes")
def etude_fichier(request, pk):
    """Le rapport joint, en téléchargement, au SPV seulement."""
    etude = get_object_or_404(EtudeQualitative, pk=pk)
    if not etude.fichier:
        raise Http404("Aucun rapport n’est joint à cette étude.")
    try:
        contenu = etude.fichier.open("rb")
    except FileNotFoundError:
        raise Http404("Ce fichier n’est plus disponible.") from None
    return FileResponse(
        contenu,
        as_attachment=True,
        filename=etude.nom_fichier or "rapport",
        content_type=etude.type_mime or "application/octet-stream",
    )
