from django.urls import path

from structures import views

app_name = "structures"

# Les chemins fixes avant `<slug:slug>/`, qui attraperait « fiches » ou « invitations ».
urlpatterns = [
    path("", views.liste, name="liste"),
    path("mon-espace/", views.mon_espace, name="mon_espace"),
    path("fiches/", views.fiches, name="fiches"),
    path("fiches/export.xlsx", views.fiches_export, name="fiches_export"),
    path("fiches/export.csv", views.fiches_export, {"format_": "csv"}, name="fiches_export_csv"),
    path("fiches/couverture/", views.couverture, name="couverture"),
    path("fiches/nouvelle/", views.fiche_nouvelle, name="fiche_nouvelle"),
    path("fiches/<int:pk>/", views.fiche, name="fiche"),
    path("fiches/<int:pk>/modifier/", views.fiche_modifier, name="fiche_modifier"),
    path("fiches/<int:pk>/soumettre/", views.fiche_soumettre, name="fiche_soumettre"),
    path("fiches/<int:pk>/valider/", views.fiche_valider, name="fiche_valider"),
    path("fiches/<int:pk>/renvoyer/", views.fiche_renvoyer, name="fiche_renvoyer"),
    path("pieces-jointes/<int:pk>/", views.piece_jointe, name="piece_jointe"),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/<str:jeton>/", views.invitation_accepter, name="invitation_accepter"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/modifier/", views.modifier_structure, name="modifier"),
]
