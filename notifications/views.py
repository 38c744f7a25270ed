"""La boîte de réception : la liste paginée et filtrable des notifications du compte connecté,
les marquer lues (une, ou toutes), les ouvrir (marquée lue, puis la page concernée), et la
préférence d'envoi par courriel."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from notifications.filters import NotificationFilter
from notifications.forms import PreferenceForm
from notifications.models import Notification, PreferenceNotification

PAR_PAGE = 20


def _retour(request):
    """La page d'où l'on vient (liste filtrée, page suivante…), jamais un autre site."""
    retour = request.POST.get("retour", "")
    if url_has_allowed_host_and_scheme(retour, allowed_hosts={request.get_host()}):
        return retour
    return "notifications:liste"


@login_required
def liste(request):
    """Les notifications du compte, les plus récentes d'abord, 20 par page."""
    filtre = NotificationFilter(
        request.GET, queryset=Notification.objects.for_user(request.user).with_list_data()
    )
    page = Paginator(filtre.qs, PAR_PAGE).get_page(request.GET.get("page"))
    return render(request, "notifications/liste.html", {"filtre": filtre, "page": page})


@login_required
def ouvrir(request, pk):
    """Ouvre une notification : elle est marquée lue, puis on suit son lien."""
    notification = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    if notification.lue_le is None:
        Notification.objects.filter(pk=pk).marquer_lues()
    lien = notification.lien
    # Un lien de notification est un chemin du portail ; tout autre chose ramène à la boîte.
    if not lien.startswith("/") or lien.startswith("//"):
        return redirect("notifications:liste")
    return redirect(lien)


@login_required
@require_POST
def marquer_lue(request, pk):
    notification = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    if notification.lue_le is None:
        notification.lue_le = timezone.now()
        notification.save(update_fields=["lue_le"])
        messages.success(request, f"Notification « {notification.titre} » marquée comme lue.")
    return redirect(_retour(request))


@login_required
@require_POST
def tout_lire(request):
    nombre = Notification.objects.for_user(request.user).marquer_lues()
    if nombre:
        messages.success(
            request,
            f"{nombre} notification{'s' if nombre > 1 else ''} marquée{'s' if nombre > 1 else ''} "
            "comme lue" + ("s." if nombre > 1 else "."),
        )
    else:
        messages.info(request, "Aucune notification non lue.")
    return redirect(_retour(request))


@login_required
def preferences(request):
    """Un courriel à chaque notification (par défaut) ou un résumé quotidien."""
    preference = PreferenceNotification.objects.filter(user=request.user).first()
    form = PreferenceForm(
        request.POST or None,
        instance=preference or PreferenceNotification(user=request.user),
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(
            request, f"Préférence enregistrée : {form.instance.get_frequence_display().lower()}."
        )
        return redirect("notifications:liste")
    return render(request, "notifications/preferences.html", {"form": form})
