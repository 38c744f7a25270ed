from django.urls import path

from indicateurs import views, views_campagne, views_import, views_saisie

app_name = "indicateurs"

urlpatterns = [
    path("", views.liste, name="liste"),
    # Les chemins fixes d'abord : un code d'indicateur ne prend jamais ces noms.
    path("valeurs/", views_campagne.valeurs, name="valeurs"),
    path("valeurs/export.xlsx", views_campagne.export_valeurs, name="valeurs_export"),
    path(
        "valeurs/export.csv",
        views_campagne.export_valeurs,
        {"format_": "csv"},
        name="valeurs_export_csv",
    ),
    path("valeurs/valider/", views_campagne.valeurs_en_masse, name="valeurs_en_masse"),
    path("valeurs/<int:pk>/", views_campagne.valeur, name="valeur"),
    path("valeurs/<int:pk>/<str:action>/", views_campagne.transition, name="transition"),
    path("campagnes/", views_campagne.campagnes, name="campagnes"),
    path("campagnes/<int:annee>/", views_campagne.campagne, name="campagne"),
    path("campagnes/<int:annee>/cloturer/", views_campagne.cloturer, name="cloturer"),
    path("campagnes/<int:annee>/rouvrir/", views_campagne.rouvrir, name="rouvrir"),
    path("campagnes/<int:annee>/modele.xlsx", views_import.modele, name="modele"),
    path("campagnes/<int:annee>/import/", views_import.deposer, name="import"),
    path("imports/", views_import.historique, name="imports"),
    path("imports/<int:pk>/", views_import.detail, name="import_detail"),
    path("imports/<int:pk>/confirmer/", views_import.confirmer, name="import_confirmer"),
    path("imports/<int:pk>/abandonner/", views_import.abandonner, name="import_abandonner"),
    path("imports/<int:pk>/fichier/", views_import.fichier, name="import_fichier"),
    path("mes-indicateurs/", views_campagne.mes_indicateurs, name="mes_indicateurs"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/modifier/", views.modifier, name="modifier"),
    path("<str:code>/saisie/", views_saisie.grille_par_defaut, name="grille_defaut"),
    path("<str:code>/saisie/<int:annee>/", views_saisie.grille, name="grille"),
    path(
        "<str:code>/saisie/<int:annee>/tout/<str:action>/",
        views_saisie.grille_en_masse,
        name="grille_en_masse",
    ),
    path(
        "<str:code>/saisie/<int:annee>/<slug:territoire>/",
        views_saisie.enregistrer_ligne,
        name="ligne",
    ),
]
