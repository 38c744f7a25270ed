"""/donnees-ouvertes/ : la liste publique, les fichiers, et la publication (SPV)."""

from django.urls import path

from donnees_ouvertes import views

app_name = "donnees_ouvertes"

urlpatterns = [
    path("", views.liste, name="liste"),
    path("publier/", views.publier_vue, name="publier"),
    path("<int:pk>/<str:nom>", views.fichier, name="fichier"),
]
