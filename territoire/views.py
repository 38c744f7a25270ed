"""Pages du territoire : fiche quartier enrichie (et son PDF), « Mon territoire » des délégués,
tableau comparatif des 21 QPV, vue par arrondissement, liste et suivi des projets.

Les règles d'accès sont celles de socle/roles.py : la fiche quartier est publique (le
texte du contrat), ses valeurs d'indicateurs, structures et fiches-actions demandent un compte
(`peut_lire_chiffres_territoire`, `for_user`), le suivi des projets se lit et s'écrit selon
`peut_voir_suivi_projets` et `peut_suivre_projet`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from indicateurs.models import Indicateur, Territoire
from quartiers.filters import QuartierFilter
from quartiers.forms import SuiviProjetForm
from quartiers.models import Arrondissement, ChiffreCle, ProjetStructurant, Quartier, Secteur
from socle import acces, roles, vues_travaux
from socle.filtres import borner_menus, lignes_filtrees
from socle.lectures import lecture_lourde
from socle.models import Profil
from socle.tableur import Colonne, Format, reponse_export
from territoire import donnees
from territoire.filters import ProjetFilter
from territoire.pdf import rendre_pdf

T = Territoire.Type
PROJETS_PAR_PAGE = 50
INDICATEURS_COMPARES_MAX = 6


# La page de refus du portail (403.html, ou 404.html), avec la raison exacte.
refuser = acces.refuser


def _exiger_chiffres(request):
    """None si l'utilisateur lit les chiffres du territoire ; sinon la réponse à renvoyer
    (connexion pour un anonyme)."""
    if roles.peut_lire_chiffres_territoire(request.user):
        return None
    return redirect_to_login(request.get_full_path())


# --- fiche quartier ---------------------------------------------------------------------------


def _quartier_pour_fiche(slug):
    secteurs = Secteur.objects.order_by("ordre")
    chiffres = ChiffreCle.objects.order_by("ordre")
    return get_object_or_404(
        Quartier.objects.prefetch_related(
            "arrondissements",
            Prefetch("secteurs", queryset=secteurs),
            Prefetch("chiffres_cles", queryset=chiffres),
        ).annotate(nb_projets_total=Count("projets")),
        slug=slug,
    )


def contexte_fiche(request, quartier, filtrer=True):
    """Tout ce que montre la fiche (page et PDF) pour la requête : voir `contexte_quartier`."""
    return contexte_quartier(request.user, quartier, request.GET if filtrer else {})


def contexte_quartier(user, quartier, filtres=None):
    """Tout ce que montre la fiche (page et PDF) à `user`, en un nombre fixe de requêtes ;
    `filtres` : ceux de la liste des projets.

    Sans compte : le texte du contrat (chiffres imprimés, descriptif, projets). Avec un
    compte : les chiffres clés comparés (QPV, ensemble des QPV, Paris), les indicateurs par
    engagement, les structures et fiches-actions visibles, le suivi des projets selon le
    rôle."""
    projets_qs = donnees.projets_avec_portage(ProjetStructurant.objects.filter(quartier=quartier))
    filtre = ProjetFilter(filtres or {}, queryset=projets_qs)
    projets = donnees.preparer_projets(list(lignes_filtrees(filtre).order_by("ordre")))
    voit_suivi = roles.peut_voir_suivi_projets(user)
    for p in projets:
        p.peut_suivre = roles.peut_suivre_projet(user, p)
    chiffres = list(quartier.chiffres_cles.all())
    secteurs = list(quartier.secteurs.all())
    voit_chiffres = roles.peut_lire_chiffres_territoire(user)
    contexte = {
        "quartier": quartier,
        "filtre": filtre,
        "nb_projets": len(projets),
        "nb_projets_total": quartier.nb_projets_total,
        "chiffres": [c for c in chiffres if c.secteur_id is None],
        "projets": [p for p in projets if p.secteur_id is None],
        "voit_chiffres": voit_chiffres,
        "voit_suivi": voit_suivi,
        "peut_suivre_un_projet": any(p.peut_suivre for p in projets),
        "nb_en_retard": sum(1 for p in projets if p.echeance_est_depassee),
        "note_population": donnees.note_population(quartier, chiffres),
    }
    blocs = [
        {
            "secteur": s,
            "chiffres": [c for c in chiffres if c.secteur_id == s.pk],
            "projets": [p for p in projets if p.secteur_id == s.pk],
        }
        for s in secteurs
    ]
    if voit_chiffres:
        cles, contrat, par_id = donnees.charger_indicateurs()
        # Les parties nommées d'un chiffre clé double (Bédier Boutroux / Villa d’Este) viennent
        # dans la même requête que le QPV et ses secteurs.
        territoires, paris, ensemble = donnees.territoires_et_references(
            Q(quartier=quartier, type__in=[T.QPV, T.SECTEUR, T.PARTIE])
        )
        index = donnees.IndexValeurs.charger(user, [*territoires, paris, ensemble], par_id)
        territoire_qpv = next((t for t in territoires if t.type == T.QPV), None)
        par_secteur = {t.secteur_id: t for t in territoires if t.type == T.SECTEUR}
        parties = [t for t in territoires if t.type == T.PARTIE]
        contexte["chiffres_compares"] = donnees.chiffres_compares(
            index,
            cles,
            territoire_qpv,
            ensemble,
            paris,
            contexte["chiffres"],
            parties,
        )
        # Un QPV dont les chiffres ne sont donnés que par secteur (Grand Belleville) : pas de
        # tableau de « — », un renvoi aux secteurs.
        contexte["chiffres_par_secteur"] = bool(secteurs) and not any(
            ligne.locale or ligne.texte_fiche for ligne in contexte["chiffres_compares"]
        )
        contexte["ensemble_a_des_valeurs"] = index.a_des_valeurs(ensemble)
        contexte["engagements"] = donnees.indicateurs_par_engagement(
            index, contrat, territoire_qpv, paris
        )
        for b in blocs:
            lignes = donnees.chiffres_compares(
                index,
                cles,
                par_secteur.get(b["secteur"].pk),
                ensemble,
                paris,
                b["chiffres"],
                parties,
            )
            b["chiffres_compares"] = lignes
            # Un secteur sans chiffre (ni valeur ni texte de fiche) n'a pas de tableau vide.
            b["a_des_chiffres"] = any(ligne.locale or ligne.texte_fiche for ligne in lignes)
        structures, fiches, plus = donnees.structures_et_fiches(user, quartier)
        contexte.update(
            {
                "structures": structures,
                "fiches": fiches,
                "fiches_plus": plus,
                "peut_consulter_fiches": roles.peut_consulter_fiches(user),
                "delegues": list(profils_delegues().filter(quartiers=quartier)),
                "demo": any(ligne.demo for ligne in contexte["chiffres_compares"])
                or any(t.demo for _, lignes in contexte["engagements"] for t in lignes),
            }
        )
    contexte["blocs_secteurs"] = blocs
    return contexte


def fiche(request, slug):
    """Fiche d'un QPV : chiffres clés (comparés à l'ensemble des QPV et à Paris avec un
    compte), indicateurs du contrat par engagement, projets structurants et leur suivi,
    secteurs et micro-quartiers, structures et fiches-actions."""
    quartier = _quartier_pour_fiche(slug)
    return render(request, "territoire/fiche.html", contexte_fiche(request, quartier))


def fiche_annees(request, slug, code):
    """Les valeurs validées d'un indicateur du contrat sur un QPV, année par année, face à
    Paris : le tableau « Valeurs par année » de la fiche, chargé à son ouverture (htmx), ou une
    page pour qui n'a pas JavaScript. Avec un compte."""
    refus = _exiger_chiffres(request)
    if refus:
        return refus
    quartier = get_object_or_404(Quartier, slug=slug)
    indicateur = get_object_or_404(Indicateur.objects.select_related("engagement"), code=code)
    territoires, paris, _ensemble = donnees.territoires_et_references(
        Q(quartier=quartier, type=T.QPV)
    )
    qpv = territoires[0] if territoires else None
    index = donnees.IndexValeurs.charger(
        request.user, [qpv, paris], {indicateur.pk: indicateur}, seulement=[indicateur]
    )
    tendance = donnees.TendanceIndicateur(
        indicateur, index.serie(indicateur, qpv), index.serie(indicateur, paris)
    )
    if not tendance.serie:
        raise Http404("Aucune valeur validée de cet indicateur pour ce quartier.")
    gabarit = (
        "territoire/_annees.html" if request.headers.get("HX-Request") else "territoire/annees.html"
    )
    return render(request, gabarit, {"quartier": quartier, "t": tendance})


@lecture_lourde
def fiche_pdf(request, slug):
    """La fiche du QPV en PDF (A4), pour les comités de pilotage. Avec un compte. Le rendu
    (plusieurs secondes) est un travail de fond : la page présente le PDF, le bouton le met en
    file (POST) et mène à la page du travail, d'où il se télécharge."""
    refus = _exiger_chiffres(request)
    if refus:
        return refus
    quartier = get_object_or_404(Quartier.objects.only("pk", "slug", "nom"), slug=slug)
    if request.method == "POST":
        return vues_travaux.lancer_et_suivre(
            request,
            "territoire.fiche_pdf",
            {"quartier": quartier.slug},
            f"Fiche PDF du quartier {quartier.nom}",
        )
    return vues_travaux.page_de_lancement(
        request,
        titre=f"Fiche PDF du quartier {quartier.nom}",
        description=[("Quartier", quartier.nom), ("Format", "PDF, A4")],
        champs=[],
        bouton="Préparer le PDF",
        retour=("Retour à la fiche", reverse("quartiers:fiche", args=[quartier.slug])),
        explication="La fiche reprend les chiffres clés, les indicateurs du contrat, les "
        "projets structurants et les fiches-actions que vous voyez sur la page du quartier.",
    )


def contenu_fiche_pdf(user, slug, etape=None):
    """(octets du PDF de la fiche du QPV `slug` telle que `user` la voit, nom du fichier) ;
    `etape(nom)` est appelée à chaque étape du rendu."""
    quartier = _quartier_pour_fiche(slug)
    contexte = contexte_quartier(user, quartier)
    for _, lignes in contexte.get("engagements", []):
        for t in lignes:
            t.svg = donnees.sparkline_svg(t)
    contenu = rendre_pdf("territoire/fiche_pdf.html", contexte, etape=etape)
    return contenu, f"fiche-{quartier.slug}-{timezone.localdate():%Y-%m-%d}.pdf"


# --- « Mon territoire » -----------------------------------------------------------------------


@login_required
def mon_territoire(request):
    """La page d'accueil d'un délégué du Préfet : ses QPV et leurs alertes (indicateurs sans
    valeur validée pour la campagne courante, projets à l'échéance dépassée, fiches-actions
    récemment soumises ou traitées)."""
    if not roles.a_un_territoire(request.user):
        return refuser(
            request,
            "« Mon territoire » est la page des délégués du Préfet : elle montre les quartiers "
            "qui leur sont confiés. Les fiches de tous les quartiers sont dans la rubrique "
            "Quartiers.",
        )
    return render(request, "territoire/mon_territoire.html", contexte_mon_territoire(request))


def contexte_mon_territoire(request):
    quartiers = list(
        Quartier.objects.filter(pk__in=roles.quartiers_suivis(request.user))
        .with_list_data()
        .order_by("ordre", "nom")
    )
    campagne = donnees.campagne_courante()
    return {
        "quartiers": quartiers,
        "campagne": campagne,
        "alertes": donnees.alertes_territoire(request.user, quartiers, campagne),
        "jours_recents": donnees.JOURS_FICHES_RECENTES,
    }


# --- comparaison des 21 QPV -------------------------------------------------------------------


def _comparaison(request, paginer=True):
    """Lignes, références, colonnes d'indicateurs et tri du tableau comparatif.

    Le périmètre est celui du filtre des QPV (arrondissement, nom : `QuartierFilter`, comme
    la liste des quartiers) ; la page montre COMPARAISON_PAR_PAGE QPV à la fois (les 21 QPV
    parisiens tiennent sur une page), l'export tout le périmètre. Le tri se fait en SQL sur
    le périmètre entier (une requête qui ne lit que la clé de tri) ; les valeurs ne sont lues
    que pour les QPV affichés, les indicateurs des colonnes et la dernière année de chacun."""
    cles, contrat, _par_id = donnees.charger_indicateurs(valeurs_qpv_de=request.user)
    demandes = request.GET.getlist("indicateur")
    par_code = {i.code: i for i in contrat}
    choisis = [par_code[c] for c in dict.fromkeys(demandes) if c in par_code]
    choisis = choisis[:INDICATEURS_COMPARES_MAX]
    indicateurs = cles + choisis
    filtre = QuartierFilter(request.GET, queryset=Quartier.objects.all())
    ids, tri = donnees.qpv_ordonnes(
        lignes_filtrees(filtre),
        request.GET.get("tri", ""),
        {i.code: i for i in indicateurs},
        request.user,
    )
    page = None
    if paginer:
        page = Paginator(ids, donnees.COMPARAISON_PAR_PAGE).get_page(request.GET.get("page"))
        ids = list(page.object_list)
    rang = {pk: n for n, pk in enumerate(ids)}
    quartiers = sorted(
        Quartier.objects.filter(pk__in=ids)
        .with_list_data()
        .annotate(nb_en_retard=donnees.nombre_en_retard()),
        key=lambda q: rang[q.pk],
    )
    territoires, paris, ensemble = donnees.territoires_et_references(
        Q(type=T.QPV, quartier__in=ids)
    )
    territoires_qpv = {t.quartier_id: t for t in territoires}
    index = donnees.IndexValeurs.charger(
        request.user,
        [*territoires_qpv.values(), paris, ensemble],
        {i.pk: i for i in indicateurs},
        seulement=indicateurs,
        dernieres=True,
    )
    comptes = {q.pk: (q.nb_projets, q.nb_en_retard) for q in quartiers}
    lignes, references = donnees.lignes_comparaison(
        index, quartiers, territoires_qpv, indicateurs, paris, ensemble, comptes
    )
    # Les indicateurs proposés au choix : ceux du contrat qui ont au moins une valeur de QPV.
    proposes = [i for i in contrat if i.a_valeurs_qpv]
    return {
        "filtre": filtre,
        "page": page,
        "nb_quartiers": len(rang) if page is None else page.paginator.count,
        "lignes": lignes,
        "references": references,
        "indicateurs": indicateurs,
        "cles": cles,
        "choisis": choisis,
        "proposes": proposes,
        "tri": tri,
        "demo": any(r.codes_demo for r in [*lignes, *references]),
    }


@login_required
@lecture_lourde
def comparaison(request):
    """Les 21 QPV côte à côte : population, projets, chiffres clés et indicateurs choisis,
    triables (?tri=), avec Paris (et l'ensemble des QPV) en référence."""
    contexte = _comparaison(request)
    params = request.GET.copy()
    params.pop("tri", None)
    params.pop("page", None)  # un nouveau tri repart de la première page
    tri = contexte["tri"]

    def colonne(cle, libelle, indicateur=None):
        """Un en-tête triable : lien qui inverse le sens si la colonne est déjà triée."""
        actif = tri.lstrip("-") == cle
        descendant = tri.startswith("-")
        params["tri"] = f"-{cle}" if actif and not descendant else cle
        return {
            "cle": cle,
            "libelle": libelle,
            "indicateur": indicateur,
            "lien": "?" + params.urlencode(),
            "aria_sort": ("descending" if descendant else "ascending") if actif else "",
        }

    contexte["colonnes"] = [colonne(c, lib) for c, lib in donnees.COLONNES_FIXES.items()] + [
        colonne(i.code, i.libelle, i) for i in contexte["indicateurs"]
    ]
    export = request.GET.copy()
    export.pop("page", None)
    contexte["params"] = export.urlencode()
    # Le choix du périmètre n'est offert qu'au-delà d'une page (les 21 QPV parisiens n'en
    # ont pas besoin) ou quand il est déjà utilisé.
    filtre = contexte["filtre"]
    contexte["perimetre_offert"] = contexte["page"].paginator.num_pages > 1 or any(
        filtre.data.get(cle) for cle in filtre.filters
    )
    contexte["perimetre"] = [(cle, filtre.data.get(cle)) for cle in filtre.filters]
    if contexte["perimetre_offert"]:
        borner_menus(filtre, "arrondissement")
    return render(request, "territoire/comparaison.html", contexte)


@login_required
@lecture_lourde
def comparaison_export(request, format_="xlsx"):
    """Le tableau comparatif en xlsx (ou en CSV) : mêmes colonnes, même tri, lignes de
    référence à la fin, et une colonne qui nomme les valeurs de démonstration."""
    contexte = _comparaison(request, paginer=False)
    colonnes = [
        Colonne("Territoire", "nom"),
        Colonne("Arrondissements", "arrondissements"),
        Colonne(
            "Population (décret)",
            "population",
            Format.ENTIER,
            largeur=12,
            definition="Population du quartier prioritaire.",
            source="Décret n° 2023-1314 (Insee, Filosofi 2019)",
        ),
        Colonne("Projets structurants", "nb_projets", Format.ENTIER, largeur=12),
        Colonne("Projets à l’échéance dépassée", "nb_en_retard", Format.ENTIER, largeur=12),
    ]
    for ind in contexte["indicateurs"]:
        format_valeur = Format.POURCENTAGE if ind.est_pourcentage else Format.DECIMAL
        colonnes += [
            Colonne(
                f"{ind.code} – {ind.libelle[:80]}",
                lambda ligne, code=ind.code: ligne.valeur(code),
                format_valeur,
                largeur=16,
                definition=f"{ind.libelle} : valeur la plus récente affichée par le "
                "tableau comparatif (année dans la colonne suivante).",
            ),
            Colonne(
                f"{ind.code} – année",
                lambda ligne, code=ind.code: ligne.annee(code),
                Format.ENTIER,
                largeur=8,
            ),
            Colonne(
                f"{ind.code} – provenance",
                lambda ligne, code=ind.code: ligne.provenance(code),
                largeur=30,
                definition="Réserve de périmètre de la valeur (« chiffre du Grand Belleville "
                "(10e, 11e, 20e) ») et, s’il y a lieu, « déduit par le chargement » avec son "
                "motif. Vide : la valeur porte sur le territoire de la ligne, telle que la "
                "source la donne.",
            ),
        ]
    colonnes.append(
        Colonne(
            "Valeurs de démonstration (non réelles)",
            lambda ligne: ligne.codes_demo,
            Format.LISTE,
            definition="Codes des indicateurs dont la valeur de la ligne est synthétique "
            "(démonstration) : ce ne sont pas des données réelles.",
        )
    )
    return reponse_export(
        request,
        [*contexte["lignes"], *contexte["references"]],
        colonnes,
        "comparaison-qpv",
        "Comparaison des QPV",
        format_,
    )


# --- arrondissement ---------------------------------------------------------------------------


@login_required
def arrondissement(request, numero):
    """Les QPV d'un arrondissement ensemble, pour le comité d'arrondissement : chiffres clés
    côte à côte (avec l'arrondissement et Paris quand ils ont des valeurs), projets par
    statut, projets à l'échéance dépassée, délégués."""
    arr = get_object_or_404(Arrondissement, numero=numero)
    quartiers = list(
        Quartier.objects.filter(arrondissements=arr)
        .prefetch_related(
            "arrondissements",
            Prefetch("delegues", queryset=profils_delegues()),
        )
        .order_by("ordre", "nom")
    )
    if not quartiers:
        raise Http404("Aucun quartier prioritaire dans cet arrondissement.")
    cles, _contrat, par_id = donnees.charger_indicateurs()
    territoires, paris, ensemble = donnees.territoires_et_references(
        Q(type__in=[T.QPV, T.SECTEUR], quartier__in=quartiers)
        | Q(type=T.ARRONDISSEMENT, arrondissement=arr)
    )
    territoire_arr = next((t for t in territoires if t.type == T.ARRONDISSEMENT), None)
    index = donnees.IndexValeurs.charger(request.user, [*territoires, paris, ensemble], par_id)
    # Une colonne par QPV, puis par secteur qui a ses propres valeurs : les chiffres du Grand
    # Belleville, par exemple, ne sont donnés que pour ses parties 11e et 20e.
    # Le QPV lui-même n'a sa colonne que s'il a des valeurs ou qu'aucun secteur n'en a.
    colonnes = []
    for q in quartiers:
        qpv = next((t for t in territoires if t.type == T.QPV and t.quartier_id == q.pk), None)
        secteurs = [
            (f"{q.nom} · {t.secteur.nom}", t, q)
            for t in territoires
            if t.type == T.SECTEUR and t.quartier_id == q.pk and index.a_des_valeurs(t)
        ]
        if qpv is None or index.a_des_valeurs(qpv) or not secteurs:
            colonnes.append((q.nom, qpv, q))
        colonnes += secteurs
    if territoire_arr is not None and index.a_des_valeurs(territoire_arr):
        colonnes.append((arr.libelle, territoire_arr, None))
    if ensemble is not None and index.a_des_valeurs(ensemble):
        colonnes.append(("Ensemble des QPV", ensemble, None))
    colonnes.append(("Paris", paris, None))
    lignes = [
        {"indicateur": ind, "cellules": [index.derniere(ind, t) for _, t, _ in colonnes]}
        for ind in cles
    ]
    statuts = ProjetStructurant.objects.statuts_par_quartier(quartiers)
    en_retard = dict(
        ProjetStructurant.objects.filter(quartier__in=quartiers)
        .echeance_depassee()
        .values("quartier_id")
        .annotate(n=Count("pk"))
        .values_list("quartier_id", "n")
    )
    return render(
        request,
        "territoire/arrondissement.html",
        {
            "arrondissement": arr,
            "quartiers": quartiers,
            "colonnes": colonnes,
            "lignes": lignes,
            "lignes_statuts": statuts["lignes"],
            "totaux": statuts["totaux"],
            "total": statuts["total"],
            "en_retard": [en_retard.get(q.pk, 0) for q in quartiers],
            "total_en_retard": sum(en_retard.values()),
            "demo": any(v is not None and v.demo for ligne in lignes for v in ligne["cellules"]),
        },
    )


def profils_delegues():
    """Les profils de délégués (utilisateur joint), pour nommer les délégués d'un QPV."""
    return (
        Profil.objects.filter(role=roles.Role.DELEGUE)
        .select_related("user")
        .order_by("user__last_name", "user__username")
    )


# --- projets structurants ---------------------------------------------------------------------


def _filtre_projets(request):
    queryset = donnees.projets_avec_portage(ProjetStructurant.objects.all()).order_by(
        "quartier__ordre", "ordre"
    )
    return ProjetFilter(request.GET, queryset=queryset)


def projets(request):
    """Tous les projets structurants, filtrables (QPV, arrondissement, statut, engagement,
    échéance), paginés par 50, avec leur dernier suivi pour le SPV et les délégués."""
    filtre = borner_menus(_filtre_projets(request), "quartier", "arrondissement")
    page = Paginator(lignes_filtrees(filtre), PROJETS_PAR_PAGE).get_page(request.GET.get("page"))
    donnees.preparer_projets(page.object_list)
    return render(
        request,
        "territoire/projets.html",
        {
            "filtre": filtre,
            "page": page,
            "voit_suivi": roles.peut_voir_suivi_projets(request.user),
            "params": request.GET.urlencode(),
        },
    )


def _colonnes_projets(voit_suivi):
    colonnes = [
        Colonne("Projet", "nom"),
        Colonne("Quartier prioritaire", "quartier.nom"),
        Colonne("Arrondissements", "quartier.arrondissements_libelle"),
        Colonne("Secteur ou micro-quartier", "secteur.nom"),
        Colonne("Statut", "get_statut_display", largeur=18),
        Colonne(
            "Statut imprimé dans le contrat",
            "statut_brut",
            largeur=18,
            definition="Le statut tel qu’écrit dans la fiche quartier du contrat.",
            source="Contrat de ville parisien 2024-2030, fiches quartiers",
        ),
        Colonne("Année d’échéance", "annee_echeance", Format.ENTIER),
        Colonne(
            "Échéance dépassée",
            "echeance_est_depassee",
            Format.BOOLEEN,
            definition="« Oui » : l’année d’échéance est passée et le projet n’est pas réalisé.",
        ),
        Colonne("Porteur", lambda p: str(p.porteur) if p.porteur else None),
        Colonne(
            "Engagements servis",
            lambda p: [f"Engagement {e.numero}" for e in p.engagements_servis],
            Format.LISTE,
        ),
        Colonne("Adresse", "adresse"),
        Colonne("Descriptif", "descriptif"),
    ]
    if voit_suivi:
        colonnes += [
            Colonne("Dernier suivi : date", "dernier_suivi.date", Format.DATE),
            Colonne("Dernier suivi : commentaire", "dernier_suivi.commentaire"),
            Colonne(
                "Dernier suivi : auteur",
                lambda p: (
                    (p.dernier_suivi.auteur.get_full_name() or p.dernier_suivi.auteur.username)
                    if p.dernier_suivi and p.dernier_suivi.auteur
                    else None
                ),
            ),
        ]
    return colonnes


def projets_export(request, format_="xlsx"):
    """Les projets filtrés (toutes les pages) en xlsx ou en CSV ; le suivi pour ceux qui le
    lisent."""
    filtre = _filtre_projets(request)
    if not filtre.is_valid():
        return refuser(
            request, "Les filtres ne sont pas valides : corrigez-les avant d’exporter.", 400
        )
    projets = donnees.preparer_projets(list(filtre.qs))
    return reponse_export(
        request,
        projets,
        _colonnes_projets(roles.peut_voir_suivi_projets(request.user)),
        "projets-structurants",
        "Projets structurants",
        format_,
    )


def projet(request, pk):
    """Un projet structurant : statut, porteur, engagements, échéance et, pour le SPV et les
    délégués, l'historique daté de son suivi ; le formulaire d'une nouvelle étape pour ceux
    qui peuvent suivre le projet."""
    p = get_object_or_404(donnees.projets_avec_portage(ProjetStructurant.objects.all()), pk=pk)
    return _page_projet(request, p, SuiviProjetForm(projet=p))


def _page_projet(request, p, form, statut=200):
    donnees.preparer_projets([p])
    voit_suivi = roles.peut_voir_suivi_projets(request.user)
    suivis = []
    if voit_suivi:
        suivis = list(p.suivis.select_related("auteur").order_by("-date", "-pk"))
    return render(
        request,
        "territoire/projet.html",
        {
            "projet": p,
            "voit_suivi": voit_suivi,
            "suivis": suivis,
            "peut_suivre": roles.peut_suivre_projet(request.user, p),
            "form": form,
        },
        status=statut,
    )


@require_POST
def projet_suivi(request, pk):
    """Ajoute une étape de suivi (SPV ; délégué du Préfet sur les QPV qui lui sont confiés).
    Refus motivé en français pour les autres (403), connexion demandée à un anonyme."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("quartiers:projet", args=[pk]))
    p = get_object_or_404(donnees.projets_avec_portage(ProjetStructurant.objects.all()), pk=pk)
    refus = p.motif_refus_suivi(request.user)
    if refus:
        return refuser(request, refus)
    form = SuiviProjetForm(request.POST, projet=p)
    if form.is_valid():
        try:
            p.ajouter_suivi(
                by=request.user,
                statut=form.cleaned_data["statut"],
                commentaire=form.cleaned_data["commentaire"],
                date=form.cleaned_data["date"],
            )
        except PermissionDenied as exc:
            return refuser(request, str(exc))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                f"Étape de suivi enregistrée : le projet « {p.nom} » est « "
                f"{p.get_statut_display()} ».",
            )
            return redirect(p)
    return _page_projet(request, p, form, statut=400)
