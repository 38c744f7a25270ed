"""Connexion : limitation des échecs (django-axes), page de verrouillage, durée des sessions
et réinitialisation du mot de passe.

- Verrouillage par compte après `AXES_FAILURE_LIMIT` échecs (quelle que soit l'adresse) et par
  adresse IP après `CONNEXION_ECHECS_MAX_PAR_ADRESSE` échecs (quel que soit le compte), pendant
  `AXES_COOLOFF_TIME`. Vaut pour /connexion/ et /admin/login/ : tout passe par
  `django.contrib.auth.authenticate`, que le moteur d'axes garde.
- Les échecs sont journalisés (admin : « Connexions », lisible par le SPV).
- « Mot de passe oublié » ne dit jamais si un compte existe : même réponse, même durée
  minimale, courriel envoyé seulement à un compte actif.
"""

import time

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import render
from django.urls import reverse_lazy

# Clés de session de DureeSessionMiddleware (horodatages en secondes depuis l'époque).
CLE_DEBUT_SESSION = "_connexion_debut"
CLE_ACTIVITE_SESSION = "_connexion_activite"


def adresse_client(request):
    """L'adresse IP du client : REMOTE_ADDR, ou derrière NOMBRE_PROXYS proxys de confiance,
    l'adresse ajoutée par le plus proche d'entre eux dans X-Forwarded-For (même règle que les
    débits de l'API, voir rest_framework.throttling.SimpleRateThrottle.get_ident)."""
    adresse = request.META.get("REMOTE_ADDR")
    proxys = settings.NOMBRE_PROXYS
    transmises = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxys and transmises:
        adresses = [a.strip() for a in transmises.split(",") if a.strip()]
        if adresses:
            adresse = adresses[-min(proxys, len(adresses))]
    return adresse


def _somme_echecs(tentatives):
    return sum(t.failures_since_start for t in tentatives)


class GestionnaireTentatives(AxesDatabaseHandler):
    """Le gestionnaire en base d'axes, avec deux seuils : un compte est verrouillé après
    `AXES_FAILURE_LIMIT` échecs, une adresse IP après `CONNEXION_ECHECS_MAX_PAR_ADRESSE` (plus
    haut : plusieurs agents d'une même administration sortent par la même adresse, et une
    faute de frappe de chacun ne doit pas bloquer tout le service).

    axes compare le nombre d'échecs rendu par `get_failures` à un seul seuil ; on rend donc
    le nombre d'échecs du compte, porté au seuil quand l'adresse a atteint le sien."""

    def get_failures(self, request, credentials=None):
        # AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"] : une requête par critère.
        par_compte, par_adresse = (
            _somme_echecs(tentatives) for tentatives in self.get_user_attempts(request, credentials)
        )
        if par_adresse >= settings.CONNEXION_ECHECS_MAX_PAR_ADRESSE:
            return max(par_compte, get_failure_limit(request, credentials))
        return par_compte


def minutes_de_verrouillage():
    return max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))


def reponse_verrouillage(request, reponse_originale=None, credentials=None):
    """Trop d'échecs : page du portail (429) qui dit quoi faire, sans dire si le compte existe.
    Retry-After donne la durée du verrouillage."""
    minutes = minutes_de_verrouillage()
    reponse = render(
        request,
        "registration/verrouillage.html",
        {"minutes": minutes, "admin": request.path.startswith("/admin/")},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    reponse["Retry-After"] = str(minutes * 60)
    return reponse


@receiver(user_logged_in, dispatch_uid="contratville_horodater_session")
def horodater_session(sender, request, user, **kwargs):
    """Note l'heure de connexion : DureeSessionMiddleware en déduit l'inactivité et la durée
    absolue de la session."""
    session = getattr(request, "session", None)
    if session is not None:
        maintenant = int(time.time())
        session[CLE_DEBUT_SESSION] = maintenant
        session[CLE_ACTIVITE_SESSION] = maintenant


# --- mot de passe oublié ---------------------------------------------------------------------


class FormulaireMotDePasseOublie(PasswordResetForm):
    """L'adresse électronique du compte. Le formulaire de Django n'écrit qu'aux comptes actifs
    dotés d'un mot de passe utilisable, et ne lève rien pour une adresse inconnue."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Adresse électronique de votre compte"
        self.fields["email"].widget.attrs.update({"autocomplete": "email"})


class FormulaireNouveauMotDePasse(SetPasswordForm):
    """Le nouveau mot de passe, deux fois ; les validateurs (12 caractères au moins, pas un
    mot de passe courant…) s'appliquent."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "Nouveau mot de passe"
        self.fields["new_password2"].label = "Confirmation du nouveau mot de passe"


class MotDePasseOublieView(auth_views.PasswordResetView):
    """Demande d'un lien de réinitialisation. La réponse est la même, et prend au moins
    MOT_DE_PASSE_OUBLIE_DUREE_MIN secondes, que l'adresse corresponde à un compte ou non :
    ni le texte ni le temps de réponse ne révèlent l'existence d'un compte."""

    form_class = FormulaireMotDePasseOublie
    template_name = "registration/mot_de_passe_oublie.html"
    subject_template_name = "registration/mot_de_passe_oublie_objet.txt"
    email_template_name = "registration/mot_de_passe_oublie_courriel.txt"
    html_email_template_name = "registration/mot_de_passe_oublie_courriel.html"
    success_url = reverse_lazy("password_reset_done")

    @property
    def extra_email_context(self):
        # Le lien part de l'adresse publique configurée, jamais de l'en-tête Host de la
        # requête (qu'un attaquant choisirait parmi les hôtes admis).
        return {
            "portail_url": settings.PORTAIL_URL,
            "duree_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        }

    def post(self, request, *args, **kwargs):
        debut = time.monotonic()
        reponse = super().post(request, *args, **kwargs)
        reste = settings.MOT_DE_PASSE_OUBLIE_DUREE_MIN - (time.monotonic() - debut)
        if reste > 0:
            time.sleep(reste)
        return reponse


class MotDePasseOublieEnvoyeView(auth_views.PasswordResetDoneView):
    """Le message qui suit toute demande, sans dire si un courriel est parti."""

    template_name = "registration/mot_de_passe_oublie_envoye.html"


class NouveauMotDePasseView(auth_views.PasswordResetConfirmView):
    """Le lien reçu : choix du nouveau mot de passe. Le lien ne sert qu'une fois (le jeton
    dépend du mot de passe, qui change) et expire après PASSWORD_RESET_TIMEOUT."""

    form_class = FormulaireNouveauMotDePasse
    template_name = "registration/nouveau_mot_de_passe.html"
    success_url = reverse_lazy("password_reset_complete")


class MotDePasseChangeView(auth_views.PasswordResetCompleteView):
    template_name = "registration/mot_de_passe_change.html"
