from django.urls import path

from indicateurs import views

app_name = "indicateurs"

urlpatterns = [
    path("", views.liste, name="liste"),
    path("<str:code>/", views.detail, name="detail"),
]
