"""L'accueil des comptes : le SPV invite une personne (délégué du Préfet, partenaire, membre
d'une structure) et suit les invitations ; la personne invitée crée son compte par le lien
reçu ; le SPV confie leurs QPV aux délégués du Préfet.

Les anciennes adresses des invitations de structure (/structures/invitations/…) mènent aux
mêmes vues (contratville/urls.py) : les liens déjà envoyés restent valides."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from comptes.forms import FORMULAIRES, AcceptationInvitationForm, QuartiersDelegueForm
from quartiers.models import Quartier
from socle import invitations as mecanisme
from socle import roles
from socle.liens import lien_absolu
from socle.models import Invitation
from socle.roles import Role

INVITATIONS_LISTEES = 50
ROLE_INCONNU = (
    "Rôle inconnu : le SPV invite un délégué du Préfet, un partenaire producteur de données ou "
    "le membre d’une structure."
)


def _exiger(regle, user, raison):
    if not regle(user):
        raise PermissionDenied(raison)


@login_required
def index(request):
    _exiger(roles.peut_inviter, request.user, "La gestion des comptes est réservée au SPV.")
    return redirect("comptes:invitations")


def _etat(invitation, maintenant):
    if invitation.acceptee_le:
        return "acceptee"
    echeance = invitation.creee_le + timedelta(days=settings.INVITATION_DUREE_JOURS)
    return "expiree" if echeance <= maintenant else "en_attente"


@login_required
def invitations(request):
    """Inviter une personne (un onglet par rôle) et suivre les invitations récentes."""
    _exiger(
        roles.peut_inviter,
        request.user,
        "Seuls les agents DDCT/SPV invitent une personne à créer son compte.",
    )
    role = (request.POST if request.method == "POST" else request.GET).get("role") or "structure"
    Formulaire = FORMULAIRES.get(role)
    statut = 200
    if Formulaire is None:
        messages.error(request, ROLE_INCONNU)
        form, statut = None, 400
    else:
        form = Formulaire(
            request.POST or None,
            initial={
                "structure": request.GET.get("structure"),
                "signataire": request.GET.get("signataire"),
            },
        )
        if request.method == "POST" and form.is_valid():
            invitation = form.save(invitee_par=request.user)
            lien = lien_absolu(
                reverse("comptes:invitation_accepter", args=[mecanisme.jeton(invitation)])
            )
            if mecanisme.envoyer_courriel(invitation, lien):
                messages.success(
                    request,
                    f"Invitation envoyée à {invitation.email} "
                    f"({invitation.get_role_display().lower()} : {invitation.rattachement}).",
                )
            else:
                messages.error(
                    request,
                    "L’invitation est enregistrée mais le courriel n’a pas pu partir ; "
                    f"transmettez ce lien à la personne : {lien}",
                )
            return redirect(f"{reverse('comptes:invitations')}?role={role}")
    maintenant = timezone.now()
    recentes = list(
        Invitation.objects.for_user(request.user).with_list_data()[:INVITATIONS_LISTEES]
    )
    for invitation in recentes:
        invitation.etat = _etat(invitation, maintenant)
    return render(
        request,
        "comptes/invitations.html",
        {
            "form": form,
            "role": role,
            "roles": [(r, FORMULAIRES[r].role.label) for r in FORMULAIRES],
            "invitations": recentes,
            "duree": settings.INVITATION_DUREE_JOURS,
        },
        status=statut,
    )


def _destination(invitation):
    """La première page d'un compte créé, selon son rôle."""
    if invitation.role == Role.STRUCTURE:
        return invitation.structure.get_absolute_url()
    if invitation.role == Role.DELEGUE:
        return reverse("mon_territoire")
    return reverse("indicateurs:mes_indicateurs")


def invitation_accepter(request, jeton):
    """La personne invitée choisit son identifiant et son mot de passe ; le compte est créé
    avec le rôle et le rattachement de l'invitation, puis connecté."""
    try:
        invitation = mecanisme.invitation_du_jeton(jeton)
    except mecanisme.InvitationInvalide as erreur:
        return render(
            request, "comptes/invitation_invalide.html", {"erreur": str(erreur)}, status=400
        )
    if request.user.is_authenticated:
        messages.warning(
            request,
            "Vous êtes déjà connecté : déconnectez-vous pour créer le compte de l’invitation.",
        )
    form = AcceptationInvitationForm(request.POST or None)
    if request.method == "POST" and not request.user.is_authenticated and form.is_valid():
        try:
            user = mecanisme.creer_compte(invitation, form.save(commit=False))
        except mecanisme.InvitationInvalide as erreur:
            return render(
                request, "comptes/invitation_invalide.html", {"erreur": str(erreur)}, status=400
            )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request, f"Bienvenue ! Votre compte est rattaché à {invitation.rattachement}."
        )
        return redirect(_destination(invitation))
    return render(
        request, "comptes/invitation_accepter.html", {"form": form, "invitation": invitation}
    )


# --- délégués du Préfet et leurs QPV ----------------------------------------------------------


def _delegues():
    return (
        get_user_model()
        .objects.filter(profil__role=Role.DELEGUE)
        .select_related("profil")
        .prefetch_related(
            Prefetch(
                "profil__quartiers",
                queryset=Quartier.objects.order_by("ordre"),
            )
        )
        .order_by("last_name", "first_name", "username")
    )


@login_required
def delegues(request):
    """Les délégués du Préfet, leurs QPV, et les invitations de délégués en attente."""
    _exiger(
        roles.peut_affecter_quartiers,
        request.user,
        "Seuls les agents DDCT/SPV confient des QPV aux délégués du Préfet.",
    )
    en_attente = (
        Invitation.objects.for_user(request.user)
        .en_attente()
        .filter(role=Role.DELEGUE)
        .with_list_data()
    )
    return render(
        request,
        "comptes/delegues.html",
        {"delegues": list(_delegues()), "invitations": list(en_attente)},
    )


@login_required
def quartiers_du_delegue(request, pk):
    """Les QPV confiés à un délégué du Préfet : le SPV en ajoute ou en retire (historisé)."""
    _exiger(
        roles.peut_affecter_quartiers,
        request.user,
        "Seuls les agents DDCT/SPV confient des QPV aux délégués du Préfet.",
    )
    delegue = get_object_or_404(_delegues(), pk=pk)
    profil = delegue.profil
    # Toutes les cases décochées : un envoi sans donnée, qui doit être refusé (pas ignoré).
    form = QuartiersDelegueForm(
        request.POST if request.method == "POST" else None,
        initial={"quartiers": list(profil.quartiers.all())},
    )
    if request.method == "POST" and form.is_valid():
        profil._change_reason = "QPV confiés modifiés dans le portail"
        profil.quartiers.set(form.cleaned_data["quartiers"])
        noms = ", ".join(q.nom for q in form.cleaned_data["quartiers"])
        messages.success(
            request,
            f"QPV de {delegue.get_full_name() or delegue.username} enregistrés : {noms}.",
        )
        return redirect("comptes:delegues")
    return render(request, "comptes/quartiers_delegue.html", {"delegue": delegue, "form": form})
