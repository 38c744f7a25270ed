"""Les adresses /mes-exports/… : les travaux de fond du compte connecté (socle/vues_travaux.py)."""

from django.urls import path

from socle import vues_travaux

app_name = "travaux"

urlpatterns = [
    path("", vues_travaux.liste, name="liste"),
    path("<int:pk>/", vues_travaux.detail, name="detail"),
    path("<int:pk>/etat/", vues_travaux.etat, name="etat"),
    path("<int:pk>/fichier/", vues_travaux.fichier, name="fichier"),
]
