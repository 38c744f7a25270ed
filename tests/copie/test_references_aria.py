"""Chaque `aria-describedby`, `aria-labelledby` et `label for` des formulaires désigne un
élément qui existe dans la page (issue 14 : aides des financements d'une fiche et du
formulaire du bilan qui pointaient vers des identifiants absents ; axe ne le signale pas, il
classe ce cas « à revoir »)."""

import re

import pytest

from tests.conftest import client_pour

pytestmark = pytest.mark.django_db

PAGES = [
    ("structure", "/structures/fiches/nouvelle/"),
    ("structure", "/structures/j2p/modifier/"),
    ("spv", "/bilan/"),
    ("spv", "/bilan/rapport/?annee=1800"),
    ("spv", "/bilan/credits/nouveau/"),
    ("spv", "/bilan/etudes/nouvelle/"),
    ("spv", "/structures/invitations/"),
    ("spv", "/indicateurs/campagnes/"),
    ("anonyme", "/connexion/"),
]


@pytest.mark.parametrize(("role", "adresse"), PAGES)
def test_references_aria_vers_des_elements_presents(client, utilisateurs, role, adresse):
    html = client_pour(client, utilisateurs[role]).get(adresse, follow=True).content.decode()
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    references = re.findall(r'\baria-(?:describedby|labelledby)="([^"]+)"', html)
    manquants = {i for r in references for i in r.split() if i not in ids}
    manquants |= {i for i in re.findall(r'<label[^>]*\bfor="([^"]+)"', html) if i not in ids}
    assert not manquants, f"{adresse} : identifiants absents {sorted(manquants)}"


@pytest.mark.parametrize(
    ("role", "adresse", "donnees"),
    [
        ("structure", "/structures/fiches/nouvelle/", {"titre": "", "annee": "1800"}),
        ("spv", "/bilan/credits/nouveau/", {"annee": "1800", "montant": "-1"}),
        ("spv", "/indicateurs/campagnes/", {"annee": "1800"}),
        ("anonyme", "/connexion/mot-de-passe-oublie/", {"email": "pas-une-adresse"}),
    ],
)
def test_references_aria_apres_un_envoi_refuse(client, utilisateurs, role, adresse, donnees):
    """Un champ en erreur est relié à son message (« <id>_error ») qui existe dans la page."""
    if "fiches" in adresse:
        donnees = {**donnees, "financements-TOTAL_FORMS": "0", "financements-INITIAL_FORMS": "0"}
    html = client_pour(client, utilisateurs[role]).post(adresse, donnees).content.decode()
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    references = re.findall(r'\baria-(?:describedby|labelledby)="([^"]+)"', html)
    assert any("_error" in r for r in references), adresse  # l'envoi a bien été refusé
    manquants = {i for r in references for i in r.split() if i not in ids}
    assert not manquants, f"{adresse} : identifiants absents {sorted(manquants)}"
