"""Pages des structures et de leurs fiches-actions : espace structure (profil, fiches),
formulaire de fiche, circuit de validation, listes et export, couverture. Les invitations à
créer un compte (structures comprises) sont dans comptes/.

Qui voit quoi : `Structure.objects.for_user` et `FicheAction.objects.for_user` ; qui
peut agir : les règles de socle/roles.py. Les vues ne recodent aucune condition."""

import json
import secrets
from datetime import timedelta
from functools import wraps
from itertools import groupby
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import BigIntegerField, CharField, Count, F, Prefetch, Value
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from engagements.models import Action, Engagement
from quartiers.models import Quartier
from socle import roles
from socle.circuits import REGLE, ActionRefusee
from socle.filtres import borner_menus, lignes_filtrees
from socle.pagination import page_sans_comptage
from socle.roles import Role
from socle.tableur import reponse_export
from structures.exports import COLONNES_FICHES
from structures.filters import FicheActionFilter, StructureFilter
from structures.forms import (
    FicheActionForm,
    FinancementsFicheFormSet,
    FinancementsStructureFormSet,
    RenvoiForm,
    StructureForm,
)
from structures.models import FicheAction, PieceJointe, Structure, TransitionFiche

COUVERTURE_QPV_PAR_PAGE = 25

# --- structures ------------------------------------------------------------------------------


@login_required
def liste(request):
    """Structures visibles par l'utilisateur, filtrables, paginées par 25."""
    base = (
        Structure.objects.for_user(request.user).with_list_data(request.user).order_by("nom", "pk")
    )
    filtre = StructureFilter(request.GET, queryset=base)
    page = Paginator(lignes_filtrees(filtre), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "structures/liste.html",
        {"filtre": filtre, "page": page, "peut_inviter": roles.peut_inviter(request.user)},
    )


@login_required
def mon_espace(request):
    """L'espace d'un compte de structure : la page de sa structure."""
    profil = getattr(request.user, "profil", None)
    if roles.role_de(request.user) != Role.STRUCTURE or not profil.structure_id:
        messages.info(request, "Votre compte n’est rattaché à aucune structure.")
        return redirect("structures:liste")
    return redirect("structures:detail", slug=profil.structure.slug)


# Ordre d'affichage des statuts dans l'espace structure : ce qui demande une action d'abord.
ORDRE_STATUTS = [
    FicheAction.Statut.RENVOYEE,
    FicheAction.Statut.BROUILLON,
    FicheAction.Statut.SOUMISE,
    FicheAction.Statut.VALIDEE,
]


def grouper_par_annee_et_statut(fiches):
    """[(année, [(statut, [fiches])])], années récentes d'abord, fiches sans année à la fin."""
    fiches = sorted(
        fiches,
        key=lambda f: (
            -(f.annee or 0),
            ORDRE_STATUTS.index(f.statut) if f.statut in ORDRE_STATUTS else 9,
            f.titre,
            f.pk,
        ),
    )
    resultat = []
    for annee, dans_annee in groupby(fiches, key=lambda f: f.annee):
        statuts = [
            (FicheAction.Statut(statut), list(items))
            for statut, items in groupby(dans_annee, key=lambda f: f.statut)
        ]
        resultat.append((annee, statuts))
    return resultat


@login_required
def detail(request, slug):
    """La page d'une structure ; pour ses membres, c'est leur espace (profil, fiches par année
    et par statut, création de fiches)."""
    structure = get_object_or_404(
        Structure.objects.for_user(request.user)
        .select_related("arrondissement")
        .prefetch_related("quartiers", "financements"),
        slug=slug,
    )
    fiches = (
        FicheAction.objects.for_user(request.user)
        .filter(structure=structure)
        .with_list_data()
        .order_by("-annee", "titre", "pk")
    )
    fiches = list(fiches)
    for f in fiches:
        f.modifiable = roles.peut_modifier_fiche(request.user, f)
    return render(
        request,
        "structures/detail.html",
        {
            "structure": structure,
            "groupes": grouper_par_annee_et_statut(fiches),
            "peut_modifier": roles.peut_modifier_structure(request.user, structure),
            "peut_creer_fiche": roles.peut_creer_fiche(request.user, structure),
            "peut_inviter": roles.peut_inviter(request.user),
        },
    )


@login_required
def modifier_structure(request, slug):
    """Le profil de la structure (adresse, QPV, SIRET/RNA, effectifs, budget et financements),
    modifiable par ses membres et par le SPV."""
    structure = get_object_or_404(Structure.objects.for_user(request.user), slug=slug)
    if not roles.peut_modifier_structure(request.user, structure):
        raise PermissionDenied("Vous ne pouvez pas modifier le profil de cette structure.")
    donnees = request.POST if request.method == "POST" else None
    form = StructureForm(donnees, instance=structure)
    financements = FinancementsStructureFormSet(donnees, instance=structure, prefix="financements")
    if request.method == "POST":
        valide = form.is_valid() & financements.is_valid()  # les deux, pour toutes les erreurs
        if valide:
            with transaction.atomic():
                form.save()
                financements.save()
            messages.success(request, "Le profil de la structure est enregistré.")
            return redirect(structure)
        messages.error(request, "Le profil n’est pas enregistré : corrigez les champs signalés.")
    return render(
        request,
        "structures/structure_form.html",
        {"structure": structure, "form": form, "financements": financements},
    )


# --- fiches : listes, export, couverture -----------------------------------------------------


def fiches_filtrees(request, donnees=None):
    """Le FilterSet des fiches appliqué aux fiches visibles ; aucune fiche si un filtre est
    invalide (on n'exporte pas « tout » par erreur)."""
    base = FicheAction.objects.for_user(request.user)
    filtre = FicheActionFilter(
        request.GET if donnees is None else donnees, queryset=base, request=request
    )
    return filtre, lignes_filtrees(filtre)


def _exiger(regle, user):
    if not regle(user):
        raise PermissionDenied("Cette page n’est pas accessible avec votre compte.")


@login_required
def fiches(request):
    """Toutes les fiches-actions visibles, filtrables, paginées par 25, exportables."""
    _exiger(roles.peut_consulter_fiches, request.user)
    filtre, qs = fiches_filtrees(request)
    borner_menus(filtre, "quartier", "arrondissement", "structure")
    page = Paginator(qs.with_list_data().order_by("-annee", "titre", "pk"), 25).get_page(
        request.GET.get("page")
    )
    parametres = request.GET.copy()
    parametres.pop("page", None)
    return render(
        request,
        "structures/fiches.html",
        {
            "filtre": filtre,
            "page": page,
            "parametres": parametres.urlencode(),
            "peut_voir_couverture": roles.peut_voir_couverture(request.user),
            "action_filtree": filtre.form.cleaned_data.get("action")
            if filtre.form.is_valid()
            else None,
        },
    )


@login_required
def fiches_export(request, format_="xlsx"):
    """Les fiches de la liste (mêmes filtres), en tableur .xlsx ou en CSV (Excel en
    français ; `?variante=machine` pour un programme), lues par paquets."""
    _exiger(roles.peut_consulter_fiches, request.user)
    _, qs = fiches_filtrees(request)
    fiches = qs.with_export_data().order_by("-annee", "titre", "pk")
    return reponse_export(
        request, fiches, COLONNES_FICHES, "fiches-actions", "Fiches-actions", format_
    )


def _lien_liste(parametres, **ajouts):
    valeurs = {k: v for k, v in parametres.items() if v not in ("", None)}
    valeurs.update({k: v for k, v in ajouts.items() if v is not None})
    return f"{reverse('structures:fiches')}?{urlencode(valeurs)}"


def comptes_de_couverture(qs, quartiers=None):
    """Les comptes de la matrice engagement × QPV en une requête (UNION ALL d'agrégats) :
    fiches distinctes par (engagement, QPV), (action, QPV), engagement, action, QPV, et au
    total. `quartiers` : les seules colonnes de QPV comptées (celles de la page) ; les totaux
    par engagement et par action restent ceux de toutes les fiches. Renvoie un dict
    {(type, a, b): nombre}."""
    qs = qs.order_by()
    nul = Value(None, output_field=BigIntegerField())
    par_qpv = qs if quartiers is None else qs.filter(quartiers__in=quartiers)

    def compte(type_, a, b, base=qs):
        return (
            base.annotate(t=Value(type_, output_field=CharField()), a=a, b=b)
            .values("t", "a", "b")
            .annotate(n=Count("pk", distinct=True))
            .values_list("t", "a", "b", "n")
        )

    parties = [
        compte("eq", F("engagements"), F("quartiers"), par_qpv),
        compte("aq", F("actions"), F("quartiers"), par_qpv),
        compte("e", F("engagements"), nul),
        compte("a", F("actions"), nul),
        compte("q", nul, F("quartiers"), par_qpv),
        compte("t", nul, nul),
    ]
    requete = parties[0].union(*parties[1:], all=True)
    return {(t, a, b): n for t, a, b, n in requete}


@login_required
def couverture(request):
    """Quels engagements et quelles actions numérotées ont des fiches-actions dans chaque QPV,
    pour une année : matrice engagement × QPV avec les comptes, liens vers la liste filtrée.
    Par défaut, seules les fiches validées comptent."""
    _exiger(roles.peut_voir_couverture, request.user)
    donnees = request.GET.copy()
    if "statut" not in donnees:
        donnees["statut"] = FicheAction.Statut.VALIDEE
    filtre, qs = fiches_filtrees(request, donnees)
    borner_menus(filtre, "structure")
    # Une colonne par QPV : à l'échelle nationale (1 600 QPV), COUVERTURE_QPV_PAR_PAGE
    # colonnes à la fois, et seuls leurs comptes sont calculés (les 21 QPV parisiens tiennent
    # sur une page, sans comptage).
    page = page_sans_comptage(
        Quartier.objects.order_by("ordre", "nom", "pk"),
        request.GET.get("page"),
        COUVERTURE_QPV_PAR_PAGE,
    )
    quartiers = list(page.object_list)
    comptes = comptes_de_couverture(
        qs, quartiers=quartiers if page.paginator.num_pages > 1 else None
    )
    statut = filtre.form.cleaned_data.get("statut") if filtre.form.is_valid() else ""

    # Les paramètres de filtre propagés aux liens (sans ceux que la cellule fixe).
    parametres = {
        k: v for k, v in donnees.items() if k not in ("engagement", "quartier", "action", "page")
    }
    ids_actions = {a for (t, a, _b) in comptes if t == "a" and a is not None}
    actions_par_engagement = {}
    for action in Action.objects.filter(pk__in=ids_actions).order_by("ordre"):
        actions_par_engagement.setdefault(action.engagement_id, []).append(action)

    def cellules(type_, cle, params):
        return [
            {
                "quartier": q,
                "n": comptes.get((type_, cle, q.pk), 0),
                "lien": _lien_liste(parametres, quartier=q.slug, **params),
            }
            for q in quartiers
        ]

    lignes = []
    for engagement in Engagement.objects.select_related("thematique").order_by("numero"):
        params = {"engagement": engagement.numero}
        lignes.append(
            {
                "engagement": engagement,
                "cellules": cellules("eq", engagement.pk, params),
                "total": comptes.get(("e", engagement.pk, None), 0),
                "lien": _lien_liste(parametres, **params),
                "actions": [
                    {
                        "action": action,
                        "cellules": cellules("aq", action.pk, {"action": action.pk}),
                        "total": comptes.get(("a", action.pk, None), 0),
                        "lien": _lien_liste(parametres, action=action.pk),
                    }
                    for action in actions_par_engagement.get(engagement.pk, [])
                ],
            }
        )
    totaux_qpv = [
        {
            "quartier": q,
            "n": comptes.get(("q", None, q.pk), 0),
            "lien": _lien_liste(parametres, quartier=q.slug),
        }
        for q in quartiers
    ]
    return render(
        request,
        "structures/couverture.html",
        {
            "filtre": filtre,
            "page": page,
            "quartiers": quartiers,
            "lignes": lignes,
            "totaux_qpv": totaux_qpv,
            "total": comptes.get(("t", None, None), 0),
            "statut_compte": FicheAction.Statut(statut).label if statut else "",
            "lien_total": _lien_liste(parametres),
        },
    )


# --- fiche : lecture, historique, circuit ----------------------------------------------------

CHAMPS_HORS_HISTORIQUE = {"modifie_le", "cree_le", "id"}
TYPES_HISTORIQUE = {"+": "Création", "~": "Modification", "-": "Suppression"}
RAFALE_HISTORIQUE = timedelta(seconds=5)


def historique_lisible(fiche, limite=50):
    """Les dernières versions de la fiche (django-simple-history) avec, pour chacune, les
    champs qui ont changé par rapport à la précédente. Une seule requête : la comparaison
    se fait en mémoire (pas de `diff_against`, qui relit les relations).

    Un enregistrement du formulaire produit plusieurs versions en rafale (la fiche, puis
    chaque relation : engagements, actions, QPV) : les versions d'un même auteur à quelques
    secondes d'écart et de même nature sont fusionnées en une ligne."""
    champs = [
        f
        for f in FicheAction._meta.concrete_fields
        if f.name not in CHAMPS_HORS_HISTORIQUE and not f.is_relation
    ] + [FicheAction._meta.get_field("structure")]
    versions = list(
        fiche.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limite * 4
        ]
    )
    lignes = []
    for version, precedente in zip(versions, [*versions[1:], None], strict=True):
        if precedente is None or version.history_type == "+":
            changes = []
        else:
            changes = [
                str(f.verbose_name)
                for f in champs
                if getattr(version, f.attname) != getattr(precedente, f.attname)
            ]
        libelle = version.history_change_reason or TYPES_HISTORIQUE.get(version.history_type, "")
        derniere = lignes[-1] if lignes else None
        if (
            derniere
            and derniere["version"].history_user_id == version.history_user_id
            and derniere["libelle"] == libelle
            and derniere["debut"] - version.history_date <= RAFALE_HISTORIQUE
        ):
            # Même enregistrement : on garde la ligne la plus récente, datée du début.
            derniere["changes"] = [c for c in changes if c not in derniere["changes"]] + derniere[
                "changes"
            ]
            derniere["debut"] = version.history_date
            continue
        if len(lignes) == limite:
            break
        lignes.append(
            {
                "version": version,
                "changes": changes,
                "libelle": libelle,
                "debut": version.history_date,
            }
        )
    return lignes


@login_required
def fiche(request, pk):
    """La fiche en lecture seule, avec ses pièces jointes, son circuit de validation et
    l'historique de ses modifications ; les boutons suivent les règles de roles.py."""
    fiche = get_object_or_404(
        FicheAction.objects.for_user(request.user)
        .select_related("structure", "structure__arrondissement")
        .prefetch_related(
            "engagements",
            "quartiers",
            Prefetch("actions", queryset=Action.objects.select_related("engagement")),
            "financements",
            "pieces_jointes",
            Prefetch(
                "transitions",
                queryset=TransitionFiche.objects.select_related("par").order_by("le", "pk"),
            ),
        ),
        pk=pk,
    )
    user = request.user
    # Les boutons suivent le circuit : la règle de roles.py, puis le statut de la fiche.
    circuit = FicheAction.circuit
    peut_soumettre = circuit.est_permise(fiche, "submit", user)
    return render(
        request,
        "structures/fiche.html",
        {
            "fiche": fiche,
            "historique": historique_lisible(fiche),
            "peut_modifier": roles.peut_modifier_fiche(user, fiche),
            "peut_soumettre": peut_soumettre,
            "peut_valider": circuit.est_permise(fiche, "valider", user),
            "peut_renvoyer": circuit.est_permise(fiche, "renvoyer", user),
            "form_renvoi": RenvoiForm(),
            "manques": fiche.manques_pour_soumettre() if peut_soumettre else [],
        },
    )


def _fiche_visible(request, pk):
    return get_object_or_404(
        FicheAction.objects.for_user(request.user).select_related("structure"), pk=pk
    )


def _appliquer(request, fiche, transition, succes):
    """Applique une transition ; une transition impossible (statut, saisie manquante) est
    expliquée sur la fiche, un refus de la règle (pas le bon rôle) donne une erreur 403."""
    try:
        transition()
    except ActionRefusee as refus:
        if refus.etape == REGLE:
            raise
        messages.error(request, refus.message)
    except ValidationError as erreur:
        messages.error(request, " ".join(erreur.messages))
    else:
        messages.success(request, succes)
    return redirect(fiche)


@login_required
@require_POST
def fiche_soumettre(request, pk):
    fiche = _fiche_visible(request, pk)
    return _appliquer(
        request,
        fiche,
        lambda: fiche.submit(by=request.user),
        "La fiche est soumise au Service Politique de la Ville, qui en est prévenu par courriel.",
    )


@login_required
@require_POST
def fiche_valider(request, pk):
    fiche = _fiche_visible(request, pk)
    return _appliquer(
        request,
        fiche,
        lambda: fiche.valider(by=request.user),
        "La fiche est validée ; la structure en est prévenue par courriel.",
    )


@login_required
@require_POST
def fiche_renvoyer(request, pk):
    fiche = _fiche_visible(request, pk)
    form = RenvoiForm(request.POST)
    commentaire = form.cleaned_data["commentaire"] if form.is_valid() else ""
    return _appliquer(
        request,
        fiche,
        lambda: fiche.renvoyer(by=request.user, motif=commentaire),
        "La fiche est renvoyée à la structure avec votre commentaire.",
    )


@login_required
def piece_jointe(request, pk):
    """Télécharge une pièce jointe, seulement si l'on voit la fiche. Toujours en
    téléchargement (jamais affichée dans le navigateur), avec le type contrôlé à l'envoi."""
    piece = get_object_or_404(
        PieceJointe.objects.filter(fiche__in=FicheAction.objects.for_user(request.user)),
        pk=pk,
    )
    try:
        contenu = piece.fichier.open("rb")
    except FileNotFoundError:
        raise Http404("Ce fichier n’est plus disponible.") from None
    return FileResponse(
        contenu, as_attachment=True, filename=piece.nom, content_type=piece.type_mime
    )


# --- fiche : formulaire, avec reprise de la saisie après expiration de session --------------

CLE_REPRISE = "saisies_a_reprendre"
REPRISES_GARDEES = 5


def taille_de(reprise):
    """La place (octets) qu'une saisie gardée prend dans la session."""
    return len(json.dumps(reprise, ensure_ascii=False).encode())


def garder_dans_la_borne(reprises, taille_max):
    """Les saisies les plus récentes (au plus REPRISES_GARDEES) qui tiennent ensemble dans
    `taille_max` octets ; les plus anciennes sont oubliées."""
    gardees, total = [], 0
    for jeton, reprise in reversed(list(reprises.items())[-REPRISES_GARDEES:]):
        total += taille_de(reprise)
        if total > taille_max:
            break
        gardees.append((jeton, reprise))
    return dict(reversed(gardees))


def conserver_la_saisie(vue):
    """Comme `login_required`, mais un formulaire envoyé alors que la session a expiré n'est
    pas perdu : les données sont gardées dans la session (anonyme) sous un jeton, la personne
    est envoyée vers la connexion, puis revient sur le formulaire rempli (`?reprise=jeton`).
    La session anonyme survit à la connexion (Django change sa clé sans la vider)."""

    @wraps(vue)
    def enveloppe(request, *args, **kwargs):
        if request.user.is_authenticated:
            return vue(request, *args, **kwargs)
        if request.method != "POST":
            return redirect_to_login(request.get_full_path())
        jeton = secrets.token_urlsafe(16)
        reprise = {
            "chemin": request.path,
            "donnees": {
                cle: valeurs
                for cle, valeurs in request.POST.lists()
                if cle != "csrfmiddlewaretoken"
            },
            "avec_fichiers": bool(request.FILES),
            "le": timezone.now().isoformat(),
        }
        # N'importe qui peut envoyer ce formulaire sans compte : ce qui est gardé dans la
        # session est borné (REPRISE_SAISIE_TAILLE_MAX octets pour toutes les saisies d'une
        # session), sinon chaque envoi anonyme ferait grossir la table des sessions.
        taille_max = settings.REPRISE_SAISIE_TAILLE_MAX
        if taille_de(reprise) > taille_max:
            messages.warning(
                request,
                "Votre session a expiré avant l’enregistrement, et vos saisies sont trop "
                f"volumineuses pour être conservées (plus de {taille_max // 1024} Ko) : "
                "reconnectez-vous, puis saisissez-les à nouveau.",
            )
            return redirect_to_login(request.path)
        reprises = {**request.session.get(CLE_REPRISE, {}), jeton: reprise}
        request.session[CLE_REPRISE] = garder_dans_la_borne(reprises, taille_max)
        messages.warning(
            request,
            "Votre session a expiré avant l’enregistrement. Vos saisies sont conservées : "
            "reconnectez-vous pour les retrouver, puis enregistrez.",
        )
        return redirect_to_login(f"{request.path}?reprise={jeton}")

    return enveloppe


def reprendre_la_saisie(request):
    """Les données gardées par `conserver_la_saisie` pour ce formulaire (QueryDict), ou None.
    Une reprise ne sert qu'une fois."""
    jeton = request.GET.get("reprise")
    if not jeton:
        return None
    reprises = request.session.get(CLE_REPRISE, {})
    reprise = reprises.pop(jeton, None)
    request.session[CLE_REPRISE] = reprises
    if not reprise or reprise["chemin"] != request.path:
        messages.warning(request, "Aucune saisie à reprendre pour ce formulaire.")
        return None
    donnees = QueryDict(mutable=True)
    for cle, valeurs in reprise["donnees"].items():
        donnees.setlist(cle, valeurs)
    texte = "Vos saisies ont été rétablies. Vérifiez-les puis enregistrez."
    if reprise["avec_fichiers"]:
        texte += " Les fichiers choisis n’ont pas pu être gardés : ajoutez-les à nouveau."
    messages.info(request, texte)
    return donnees


def _formulaire_fiche(request, structure, fiche=None):
    instance = fiche or FicheAction(structure=structure)
    if request.method == "POST":
        donnees, fichiers = request.POST, request.FILES
    else:
        donnees, fichiers = reprendre_la_saisie(request), None
    form = FicheActionForm(donnees, fichiers, instance=instance)
    financements = FinancementsFicheFormSet(donnees, instance=instance, prefix="financements")
    if request.method == "POST":
        if form.is_valid() & financements.is_valid():
            with transaction.atomic():
                nouvelle = instance.pk is None
                fiche = form.save(commit=False)
                if nouvelle:
                    fiche.cree_par = request.user
                fiche._change_reason = "Création" if nouvelle else "Modification"
                fiche.save()
                form.save_m2m()
                form.enregistrer_pieces(fiche, request.user)
                financements.instance = fiche
                financements.save()
            if request.POST.get("action") == "soumettre":
                try:
                    fiche.submit(by=request.user)
                except (ActionRefusee, ValidationError) as erreur:
                    raison = (
                        erreur.message
                        if isinstance(erreur, ActionRefusee)
                        else " ".join(erreur.messages)
                    )
                    messages.error(
                        request, "Le brouillon est enregistré mais pas soumis. " + raison
                    )
                    return redirect("structures:fiche_modifier", pk=fiche.pk)
                messages.success(
                    request,
                    "La fiche est enregistrée et soumise au Service Politique de la Ville.",
                )
                return redirect(fiche)
            messages.success(request, "Le brouillon est enregistré.")
            return redirect("structures:fiche_modifier", pk=fiche.pk)
        messages.error(
            request, "La fiche n’est pas enregistrée : corrigez les champs signalés en rouge."
        )
        # Un navigateur ne remplit jamais un champ fichier renvoyé par le serveur : les fichiers
        # choisis sont perdus, on le dit (résumé des erreurs et champ) plutôt que de les
        # laisser disparaître en silence.
        a_rejoindre = [f.name for f in request.FILES.getlist("fichiers")]
    else:
        a_rejoindre = []
    return render(
        request,
        "structures/fiche_form.html",
        {
            "form": form,
            "financements": financements,
            "structure": structure,
            "fiche": fiche,
            "dernier_renvoi": fiche.dernier_renvoi if fiche else None,
            "fichiers_a_rejoindre": a_rejoindre,
        },
    )


@conserver_la_saisie
def fiche_nouvelle(request):
    """Nouvelle fiche-action, pour la structure du compte connecté."""
    profil = getattr(request.user, "profil", None)
    structure = profil.structure if profil and profil.structure_id else None
    if structure is None or not roles.peut_creer_fiche(request.user, structure):
        raise PermissionDenied("Seuls les comptes de structure rédigent des fiches-actions.")
    return _formulaire_fiche(request, structure)


@conserver_la_saisie
def fiche_modifier(request, pk):
    """Modifier une fiche en brouillon ou renvoyée (membres de sa structure seulement)."""
    fiche = _fiche_visible(request, pk)
    if not roles.peut_modifier_fiche(request.user, fiche):
        if roles.est_membre_de(request.user, fiche.structure_id):
            messages.info(
                request,
                f"Cette fiche est « {fiche.get_statut_display()} » : elle ne peut plus être "
                "modifiée.",
            )
            return redirect(fiche)
        raise PermissionDenied("Vous ne pouvez pas modifier cette fiche.")
    return _formulaire_fiche(request, fiche.structure, fiche)
