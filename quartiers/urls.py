from django.urls import path

from quartiers import views

app_name = "quartiers"

urlpatterns = [
    path("", views.liste, name="liste"),
    path("<slug:slug>/", views.fiche, name="fiche"),
]
