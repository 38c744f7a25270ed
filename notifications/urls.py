from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.liste, name="liste"),
    path("tout-lire/", views.tout_lire, name="tout_lire"),
    path("preferences/", views.preferences, name="preferences"),
    path("<int:pk>/", views.ouvrir, name="ouvrir"),
    path("<int:pk>/lue/", views.marquer_lue, name="marquer_lue"),
]
