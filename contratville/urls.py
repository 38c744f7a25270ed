from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from contratville import views
from contratville.territoire import views as territoire_views
from engagements import views as engagements_views

admin.site.site_header = "Administration du contrat de ville parisien"
admin.site.site_title = "Contrat de ville parisien"
admin.site.index_title = "Référentiel et comptes"

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("recherche/", views.recherche, name="recherche"),
    path("sante/", views.sante, name="sante"),
    path("glossaire/", engagements_views.glossaire, name="glossaire"),
    path("engagements/", include("engagements.urls")),
    path("indicateurs/", include("indicateurs.urls")),
    path("mon-territoire/", territoire_views.mon_territoire, name="mon_territoire"),
    # La liste des QPV (app quartiers) et les pages du territoire (fiche enrichie, PDF,
    # comparaison, arrondissement, projets) : contratville/territoire/urls.py.
    path("quartiers/", include("contratville.territoire.urls")),
    path("structures/", include("structures.urls")),
    path("bilan/", include("contratville.bilan.urls")),
    path("api/v1/", include("contratville.api.urls")),
    path(
        "connexion/",
        auth_views.LoginView.as_view(template_name="registration/connexion.html"),
        name="login",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
