"""Les adresses /quartiers/… : la liste des QPV (app quartiers) et les pages du territoire,
sous l'espace de noms `quartiers` (`quartiers:fiche` reste le nom de la fiche d'un QPV).

La fiche enrichie croise indicateurs et structures : sa vue est ici, pas dans quartiers, qui
n'importe aucune autre app. Les chemins fixes avant `<slug:slug>/`, qui les attraperait."""

from django.urls import path

from quartiers.urls import urlpatterns as urls_quartiers
from territoire import views

app_name = "quartiers"

urlpatterns = [
    *urls_quartiers,
    path("comparaison/", views.comparaison, name="comparaison"),
    path("comparaison/export.xlsx", views.comparaison_export, name="comparaison_export"),
    path(
        "comparaison/export.csv",
        views.comparaison_export,
        {"format_": "csv"},
        name="comparaison_export_csv",
    ),
    path("projets/", views.projets, name="projets"),
    path("projets/export.xlsx", views.projets_export, name="projets_export"),
    path("projets/export.csv", views.projets_export, {"format_": "csv"}, name="projets_export_csv"),
    path("projets/<int:pk>/", views.projet, name="projet"),
    path("projets/<int:pk>/suivi/", views.projet_suivi, name="projet_suivi"),
    path("arrondissement/<int:numero>/", views.arrondissement, name="arrondissement"),
    path("<slug:slug>/", views.fiche, name="fiche"),
    path("<slug:slug>/fiche.pdf", views.fiche_pdf, name="fiche_pdf"),
    path("<slug:slug>/annees/<str:code>/", views.fiche_annees, name="fiche_annees"),
]
