from django.urls import path

from structures import views

app_name = "structures"

urlpatterns = [
    path("", views.liste, name="liste"),
    path("fiches/<int:pk>/", views.fiche, name="fiche"),
    path("<slug:slug>/", views.detail, name="detail"),
]
