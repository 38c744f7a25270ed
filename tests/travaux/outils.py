"""Aides des tests qui lancent un travail de fond : le bouton d'une page de lancement (POST),
puis le téléchargement du fichier produit depuis la page du travail. En test, les travaux
s'exécutent dans la requête (ImmediateBackend, contratville/settings_test.py)."""

from django.urls import resolve

from socle.models import Travail


def travail_lance(reponse):
    """Le travail vers la page duquel `reponse` (la redirection du lancement) mène."""
    assert reponse.status_code == 302, reponse.status_code
    correspondance = resolve(reponse["Location"])
    assert correspondance.view_name == "travaux:detail", reponse["Location"]
    return Travail.objects.get(pk=correspondance.kwargs["pk"])


def telecharger(client, url, donnees=None):
    """Lance le travail de `url` (POST de `donnees`) et rend la réponse du téléchargement de son
    fichier (le travail doit avoir réussi)."""
    travail = travail_lance(client.post(url, donnees or {}))
    assert travail.etat == Travail.Etat.TERMINE, travail.message
    reponse = client.get(f"/mes-exports/{travail.pk}/fichier/")
    assert reponse.status_code == 200, reponse.status_code
    # Lu jusqu'au bout : le client de test ferme alors le fichier (sans fermer la connexion).
    reponse.contenu = b"".join(reponse.streaming_content)
    return reponse
