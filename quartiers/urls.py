"""Les pages propres à l'app quartiers. La fiche d'un QPV, qui croise indicateurs et
structures, est servie par contratville/territoire (même espace de noms `quartiers`)."""

from django.urls import path

from quartiers import views

app_name = "quartiers"

urlpatterns = [
    path("", views.liste, name="liste"),
]
