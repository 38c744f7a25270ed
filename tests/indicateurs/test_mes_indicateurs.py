"""« Mes indicateurs » montre, par indicateur et par année, les valeurs renvoyées pour
correction (« 1 renvoyée »), avec le motif et le lien pour les corriger, sans requête de plus
par valeur renvoyée."""

import re

import pytest
from django.utils.html import escape

from indicateurs.models import Valeur

from .conftest import ANNEE, creer_valeur

pytestmark = pytest.mark.django_db

URL = "/indicateurs/mes-indicateurs/"


def test_valeur_renvoyee_avec_motif_et_lien(client, utilisateurs, campagne, ind_caf, ind_part_caf):
    valeur = creer_valeur(ind_caf, "qpv-goutte-dor", statut="soumis")
    valeur.renvoyer(utilisateurs["spv"], "La source n’est pas indiquée.")
    creer_valeur(ind_part_caf, "paris", statut="valide")
    client.force_login(utilisateurs["partenaire"])
    html = client.get(URL).content.decode()
    assert "1 valeur renvoyée pour correction" in html
    cellule = re.search(r"E28-2</a>.*?</tr>", html, re.S).group(0)
    assert "1 renvoyée" in cellule
    assert f"{escape(valeur.territoire.nom)}</a> : La source n’est pas indiquée." in cellule
    assert f'href="/indicateurs/valeurs/{valeur.pk}/"' in cellule
    assert f'href="/indicateurs/E28-2/saisie/{ANNEE}/">Corriger' in cellule
    # Rien pour l'indicateur sans renvoi.
    ligne_part = re.search(r"E05-1</a>.*?</tr>", html, re.S).group(0)
    assert "renvoyée" not in ligne_part


def test_plusieurs_renvoyees_et_requetes_constantes(
    client, utilisateurs, campagne, ind_caf, compter_requetes
):
    client.force_login(utilisateurs["partenaire"])
    premiere = creer_valeur(ind_caf, "paris", statut="renvoye", motif_renvoi="Trop élevée.")
    client.get(URL)
    avant, _ = compter_requetes(lambda: client.get(URL))
    for code in ("qpv-goutte-dor", "ensemble-qpv", "qpv-algerie"):
        creer_valeur(ind_caf, code, statut="renvoye", motif_renvoi=f"À revoir ({code}).")
    apres, reponse = compter_requetes(lambda: client.get(URL))
    html = reponse.content.decode()
    assert avant == apres
    assert "4 renvoyées" in html and "4 valeurs renvoyées pour correction" in html
    assert "Trop élevée." in html and "À revoir (qpv-algerie)." in html
    # Corrigée et soumise de nouveau : elle n'est plus comptée.
    Valeur.objects.filter(pk=premiere.pk).update(statut="soumis")
    assert "3 renvoyées" in client.get(URL).content.decode()


def test_les_renvois_d_une_autre_organisation_ne_s_affichent_pas(
    client, utilisateurs, campagne, ind_caf, ind_autre
):
    creer_valeur(ind_autre, "paris", statut="renvoye", motif_renvoi="Secret de l’Académie.")
    client.force_login(utilisateurs["partenaire"])
    html = client.get(URL).content.decode()
    assert "Secret de l’Académie." not in html and "renvoyée" not in html
