from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from comptes import views as comptes_views
from contratville import connexion, views
from engagements import views as engagements_views
from territoire import views as territoire_views

admin.site.site_header = "Administration du contrat de ville parisien"
admin.site.site_title = "Contrat de ville parisien"
admin.site.index_title = "Référentiel et comptes"

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("recherche/", views.recherche, name="recherche"),
    path("sante/", views.sante, name="sante"),
    path("accessibilite/", views.accessibilite, name="accessibilite"),
    path("glossaire/", engagements_views.glossaire, name="glossaire"),
    path("engagements/", include("engagements.urls")),
    path("indicateurs/", include("indicateurs.urls")),
    path("a-faire/", include("afaire.urls")),
    path("mon-territoire/", territoire_views.mon_territoire, name="mon_territoire"),
    # La liste des QPV (app quartiers) et les pages du territoire (fiche enrichie, PDF,
    # comparaison, arrondissement, projets) : territoire/urls.py.
    path("quartiers/", include("territoire.urls")),
    # Les adresses des premières invitations (comptes de structure), servies par comptes/ :
    # la page du SPV et les liens déjà envoyés par courriel.
    path("structures/invitations/", comptes_views.invitations),
    path("structures/invitations/<str:jeton>/", comptes_views.invitation_accepter),
    path("structures/", include("structures.urls")),
    path("comptes/", include("comptes.urls")),
    path("bilan/", include("bilan.urls")),
    path("donnees-ouvertes/", include("donnees_ouvertes.urls")),
    path("notifications/", include("notifications.urls")),
    path("mes-exports/", include("socle.urls")),
    path("api/v1/", include("contratville.urls_api")),
    path(
        "connexion/",
        auth_views.LoginView.as_view(template_name="registration/connexion.html"),
        name="login",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    # Mot de passe oublié : lien de réinitialisation par courriel (contratville/connexion.py).
    path(
        "connexion/mot-de-passe-oublie/",
        connexion.MotDePasseOublieView.as_view(),
        name="password_reset",
    ),
    path(
        "connexion/mot-de-passe-oublie/envoye/",
        connexion.MotDePasseOublieEnvoyeView.as_view(),
        name="password_reset_done",
    ),
    path(
        "connexion/nouveau-mot-de-passe/<uidb64>/<token>/",
        connexion.NouveauMotDePasseView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "connexion/nouveau-mot-de-passe/enregistre/",
        connexion.MotDePasseChangeView.as_view(),
        name="password_reset_complete",
    ),
    # Adresses de l'admin d'avant le découpage en apps (profils, jetons et invitations dans
    # `socle`, crédits et études dans `bilan`) : redirigées, pour les favoris et les liens déjà envoyés.
    re_path(
        r"^admin/contratville/(?P<modele>profil|jetonapi)/(?P<reste>.*)$",
        RedirectView.as_view(url="/admin/socle/%(modele)s/%(reste)s", query_string=True),
    ),
    re_path(
        r"^admin/structures/(?P<modele>invitation)/(?P<reste>.*)$",
        RedirectView.as_view(url="/admin/socle/%(modele)s/%(reste)s", query_string=True),
    ),
    re_path(
        r"^admin/contratville/(?P<modele>credit|etudequalitative|importcredits)/(?P<reste>.*)$",
        RedirectView.as_view(url="/admin/bilan/%(modele)s/%(reste)s", query_string=True),
    ),
    # Le lien « mot de passe oublié » de la page de connexion de l'admin (qui le montre dès
    # que ce nom d'adresse existe) mène au même formulaire.
    path(
        "admin/mot-de-passe-oublie/",
        RedirectView.as_view(pattern_name="password_reset"),
        name="admin_password_reset",
    ),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Pages d'erreur du portail, en français et dans sa mise en page (JSON sous /api/).
handler403 = "contratville.views.refus"
handler404 = "contratville.views.introuvable"
handler500 = "contratville.views.erreur_serveur"
