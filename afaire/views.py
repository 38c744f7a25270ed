"""La page « À faire » de chaque rôle (aussi servie à l'accueil, après la connexion) et la
validation ou le renvoi groupés des valeurs soumises par le SPV."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from afaire import donnees
from afaire.models import Visite
from indicateurs.models import Valeur, transition_en_masse
from socle import acces, roles
from socle.roles import Role

# Au-delà, une seule demande ne coche pas tout le portail : une page compte au plus
# GROUPES_PAR_PAGE groupes de quelques dizaines de valeurs.
VALEURS_PAR_ENVOI_MAX = 500
LONGUEUR_MOTIF_MAX = 2000
ACTIONS = {"valider": "validée", "renvoyer": "renvoyée"}


def _contexte_spv(request):
    groupes = donnees.paginer(
        request, donnees.groupes_soumis(request.user), "p_valeurs", donnees.GROUPES_PAR_PAGE
    )
    imports = donnees.paginer(request, donnees.imports_refuses(request.user), "p_imports")
    return {
        "groupes": groupes,
        "groupes_soumis": donnees.valeurs_soumises(request.user, groupes.object_list),
        "fiches_soumises": donnees.paginer(
            request, donnees.fiches_soumises(request.user), "p_fiches"
        ),
        "campagnes": donnees.paginer(request, donnees.campagnes_a_fermer(), "p_campagnes"),
        "invitations": donnees.paginer(request, donnees.invitations_en_attente(), "p_invitations"),
        "imports": imports,
        "imports_refuses": donnees.ImportRefuse.lire(imports.object_list),
        "jours_cloture": donnees.JOURS_CLOTURE,
        "jours_imports": donnees.JOURS_IMPORTS,
    }


def _contexte_partenaire(request):
    organisation = roles.organisation_de(request.user)
    ouvertes = donnees.campagnes_ouvertes()
    return {
        "organisation": organisation,
        "ouvertes": [(c, donnees.jours_restants(c.date_cloture)) for c in ouvertes],
        "a_saisir": donnees.paginer(
            request, donnees.valeurs_a_saisir(organisation, ouvertes), "p_saisir"
        ),
        "renvoyees": donnees.paginer(
            request, donnees.valeurs_renvoyees(request.user), "p_renvoyees"
        ),
    }


def _contexte_structure(request):
    profil = getattr(request.user, "profil", None)
    return {
        "structure_id": profil.structure_id if profil else None,
        "fiches_renvoyees": donnees.paginer(
            request, donnees.fiches_renvoyees(request.user), "p_renvoyees"
        ),
        "brouillons": donnees.paginer(
            request, donnees.brouillons_de_fiches(request.user), "p_brouillons"
        ),
    }


def _contexte_delegue(request, depuis):
    suivi = donnees.suivi_du_delegue(request.user, depuis)
    return {
        "suivi": suivi,
        "evenements": donnees.paginer(request, suivi.evenements, "p_evenements"),
        "premiere_visite": depuis is None,
        "jours_premiere_visite": donnees.JOURS_PREMIERE_VISITE,
    }


@login_required
def a_faire(request):
    """Le travail du jour selon le rôle : pour le SPV, les valeurs soumises à valider ou
    renvoyer (par indicateur et producteur), les fiches-actions soumises, les campagnes qui
    ferment, les invitations en attente et les imports refusés ; pour un partenaire, les
    valeurs à saisir, les valeurs renvoyées et l'échéance ; pour une structure, ses fiches
    renvoyées et ses brouillons ; pour un délégué, ce qui a changé dans ses QPV depuis sa
    dernière visite, classé. La visite est notée : la suivante comptera depuis celle-ci."""
    role = donnees.role_a_faire(request.user)
    if role is None:
        # Un compte sans rôle (pas encore rattaché) n'a rien à faire : la page du contrat.
        messages.info(
            request,
            "Votre compte n’a pas encore de rôle : demandez au Service Politique de la Ville de "
            "vous en attribuer un pour retrouver ici votre travail du jour.",
        )
        return redirect(reverse("accueil") + "?vue=contrat")
    depuis = Visite.noter(request.user)
    if role == Role.SPV:
        contexte = _contexte_spv(request)
    elif role == Role.PARTENAIRE:
        contexte = _contexte_partenaire(request)
    elif role == Role.STRUCTURE:
        contexte = _contexte_structure(request)
    else:
        contexte = _contexte_delegue(request, depuis)
    contexte.update({"role": str(role), "depuis": depuis, "aujourd_hui": timezone.localdate()})
    return render(request, "afaire/a_faire.html", contexte)


def _ids(request):
    """Les identifiants cochés, ou None s'il y en a d'illisibles ou trop."""
    bruts = request.POST.getlist("valeur")
    if len(bruts) > VALEURS_PAR_ENVOI_MAX or not all(b.isdigit() for b in bruts):
        return None
    return sorted({int(b) for b in bruts})


@login_required
@require_POST
def traiter_valeurs(request):
    """Valider ou renvoyer (avec un motif) les valeurs soumises cochées dans un groupe, par le
    circuit des valeurs (`transition_en_masse` : mêmes contrôles, écriture groupée historisée,
    journal, notification). Les refus du circuit sont dits valeur par valeur ; un motif
    manquant ou une demande illisible n'écrit rien."""
    retour = reverse("afaire:index") + "#valeurs-soumises"
    if not roles.peut_valider_valeur(request.user):
        return acces.refuser(
            request, "Seuls les agents DDCT/SPV valident ou renvoient des valeurs soumises."
        )
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        messages.error(request, "Choisissez « Valider » ou « Renvoyer » : rien n’a été modifié.")
        return redirect(retour)
    ids = _ids(request)
    if ids is None:
        messages.error(
            request,
            f"La sélection est illisible ou dépasse {VALEURS_PAR_ENVOI_MAX} valeurs : rien n’a "
            "été modifié.",
        )
        return redirect(retour)
    if not ids:
        verbe = "valider" if action == "valider" else "renvoyer"
        messages.info(request, f"Cochez les valeurs à {verbe} : rien n’a été modifié.")
        return redirect(retour)
    motif = request.POST.get("motif", "").strip() if action == "renvoyer" else ""
    if len(motif) > LONGUEUR_MOTIF_MAX:
        messages.error(
            request,
            f"Le motif du renvoi dépasse {LONGUEUR_MOTIF_MAX} caractères : rien n’a été modifié.",
        )
        return redirect(retour)
    valeurs = list(
        Valeur.objects.for_user(request.user)
        .filter(pk__in=ids)
        .select_related("indicateur", "territoire")
    )
    lues = {v.pk: v for v in valeurs}  # pour nommer un refus sans relire la valeur
    try:
        faites, refusees = transition_en_masse(valeurs, action, request.user, motif)
    except ValidationError as erreur:
        # Motif obligatoire manquant : le circuit refuse le lot entier, rien n'est écrit.
        messages.error(request, " ".join(erreur.messages) + " Rien n’a été modifié.")
        return redirect(retour)
    if faites:
        n = len(faites)
        pluriel = "s" if n > 1 else ""
        messages.success(request, f"{n} valeur{pluriel} {ACTIONS[action]}{pluriel}.")
    for refusee, raison in sorted(refusees, key=lambda paire: paire[0].pk):
        v = lues[refusee.pk]
        messages.error(request, f"{v.indicateur.code} · {v.territoire} · {v.annee} : {raison}")
    introuvables = len(ids) - len(valeurs)
    if introuvables:
        messages.error(
            request,
            f"{introuvables} valeur{'s' if introuvables > 1 else ''} cochée"
            f"{'s' if introuvables > 1 else ''} n’existe{'nt' if introuvables > 1 else ''} "
            "plus : rechargez la page.",
        )
    return redirect(retour)
