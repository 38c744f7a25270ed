from django.urls import path

from comptes import views

app_name = "comptes"

urlpatterns = [
    path("", views.index, name="index"),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/<str:jeton>/", views.invitation_accepter, name="invitation_accepter"),
    path("delegues/", views.delegues, name="delegues"),
    path("delegues/<int:pk>/quartiers/", views.quartiers_du_delegue, name="quartiers_delegue"),
]
