"""Les adresses /bilan/… : production du bilan annuel, crédits et études qualitatives."""

from django.urls import path

from bilan import views

app_name = "bilan"

urlpatterns = [
    path("", views.index, name="index"),
    path("rapport/", views.rapport, name="rapport"),
    path("rapport.pdf", views.pdf, name="pdf"),
    path("classeur.xlsx", views.classeur, name="classeur"),
    path("credits/", views.credits, name="credits"),
    path("credits/nouveau/", views.credit_form, name="credit_nouveau"),
    path("credits/<int:pk>/modifier/", views.credit_form, name="credit_modifier"),
    path("credits/<int:pk>/supprimer/", views.credit_supprimer, name="credit_supprimer"),
    path("credits/modele.xlsx", views.credits_modele, name="credits_modele"),
    path("credits/import/", views.import_deposer, name="import_credits"),
    path("credits/imports/", views.imports_historique, name="imports_credits"),
    path("credits/imports/<int:pk>/", views.import_detail, name="import_credits_detail"),
    path(
        "credits/imports/<int:pk>/confirmer/",
        views.import_confirmer,
        name="import_credits_confirmer",
    ),
    path(
        "credits/imports/<int:pk>/abandonner/",
        views.import_abandonner,
        name="import_credits_abandonner",
    ),
    path("credits/imports/<int:pk>/fichier/", views.import_fichier, name="import_credits_fichier"),
    path("etudes/", views.etudes, name="etudes"),
    path("etudes/nouvelle/", views.etude_form, name="etude_nouvelle"),
    path("etudes/<int:pk>/", views.etude, name="etude"),
    path("etudes/<int:pk>/modifier/", views.etude_form, name="etude_modifier"),
    path("etudes/<int:pk>/supprimer/", views.etude_supprimer, name="etude_supprimer"),
    path("etudes/<int:pk>/rapport/", views.etude_fichier, name="etude_fichier"),
]
