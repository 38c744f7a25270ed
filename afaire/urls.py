from django.urls import path

from afaire import views

app_name = "afaire"

urlpatterns = [
    path("", views.a_faire, name="index"),
    path("valeurs/", views.traiter_valeurs, name="valeurs"),
]
