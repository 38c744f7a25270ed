from django.urls import path

from engagements import views

app_name = "engagements"

urlpatterns = [
    path("", views.liste, name="liste"),
    path("<int:numero>/", views.detail, name="detail"),
    path("signataires/options/", views.signataires_options, name="signataires_options"),
]
