"""La déclaration d'accessibilité (/accessibilite/), liée depuis le pied de chaque page."""

import re

import pytest

from contratville import accessibilite

pytestmark = pytest.mark.django_db


def test_declaration_d_accessibilite(client):
    html = client.get("/accessibilite/").content.decode()
    texte = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\u00a0", " ")
    assert "Accessibilité : partiellement conforme" in texte
    # La date est celle de l'audit automatisé, et la page le dit.
    date = accessibilite.DATE_AUDIT_AUTOMATISE
    assert f'datetime="{date:%Y-%m-%d}"' in html and "audit automatisé" in texte
    assert "Non-conformités connues" in texte
    for non_conformite in accessibilite.NON_CONFORMITES:
        assert non_conformite.split(" : ")[0][:40] in texte
    assert "Défenseur des droits" in texte and "Libre réponse 71120" in texte


@pytest.mark.parametrize("adresse", ["/", "/engagements/", "/page-qui-n-existe-pas/"])
def test_lien_du_pied_de_page(client, adresse):
    html = client.get(adresse).content.decode()
    pied = html[html.index("<footer") :]
    assert '<a href="/accessibilite/">Accessibilité : partiellement conforme</a>' in pied
