"""La fiche quartier en PDF (WeasyPrint) : générée, téléchargée, avec le nom du QPV et ses
chiffres clés (texte extrait par pypdf), sans aucun accès réseau ; et la feuille d'impression
A4 de la page HTML."""

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from pypdf import PdfReader

from territoire import pdf
from tests.conftest import client_pour
from tests.travaux.outils import telecharger

from .conftest import valeur

pytestmark = pytest.mark.django_db


def texte_pdf(contenu):
    lecteur = PdfReader(io.BytesIO(contenu))
    return " ".join((page.extract_text() or "") for page in lecteur.pages), len(lecteur.pages)


@pytest.mark.parametrize("role", ["delegue", "spv", "partenaire"])
def test_pdf_genere_avec_nom_et_chiffres_cles(client, utilisateurs, role):
    # Le PDF est un travail de fond : lancé par le bouton de sa page, téléchargé depuis celle du
    # travail (socle/travaux.py).
    reponse = telecharger(client_pour(client, utilisateurs[role]), "/quartiers/amandiers/fiche.pdf")
    assert reponse["Content-Type"] == "application/pdf"
    assert reponse["Content-Disposition"].startswith('attachment; filename="fiche-amandiers-')
    assert reponse.contenu.startswith(b"%PDF")
    texte, pages = texte_pdf(reponse.contenu)
    assert pages >= 1
    assert "Amandiers" in texte
    assert "20e arrondissement" in texte
    # Chiffres clés : le QPV face à Paris, avec l'année, l'écart et la source. L'extraction
    # coupe parfois un mot au crénage (« T aux ») : on compare sans espaces.
    compact = re.sub(r"\s", "", texte)
    # Issue 12 : chaque valeur porte sa marque de provenance (l'attribution de la source des
    # chiffres clés est déduite par le chargement).
    assert "Tauxdechômage16%2020(déduit)11%2020(déduit)+5pts" in compact
    assert "PartdeNEET9%2020(déduit)8%2020(déduit)+1pt" in compact
    assert "Insee,recensementdelapopulation2020" in compact
    assert "Projetsstructurants" in compact


def test_pdf_signale_les_valeurs_de_demonstration(client, utilisateurs):
    valeur("E01-1", "qpv-amandiers", annee=2023, nombre=18, demo=True)
    client.force_login(utilisateurs["delegue"])
    texte, _ = texte_pdf(telecharger(client, "/quartiers/amandiers/fiche.pdf").contenu)
    assert "E01-1" in texte and "18 %" in texte
    assert "démo" in texte and "Démonstration" in texte


def test_pdf_demande_un_compte(client):
    reponse = client.get("/quartiers/amandiers/fiche.pdf")
    assert reponse.status_code == 302 and "/connexion/" in reponse["Location"]
    reponse = client.post("/quartiers/amandiers/fiche.pdf")
    assert reponse.status_code == 302 and "/connexion/" in reponse["Location"]


def test_fichiers_statiques_lus_sur_disque_sans_reseau():
    chemin = pdf.chemin_statique(f"{pdf.BASE_INTERNE}/static/css/fiche-pdf.css")
    assert chemin is not None and chemin.read_text(encoding="utf-8").startswith("/*")
    assert pdf.chemin_statique(f"{pdf.BASE_INTERNE}/static/../settings.py") is None
    assert pdf.chemin_statique("https://cdn.exemple.org/static/css/fiche-pdf.css") is None
    fetcher = pdf._fetcher()
    reponse = fetcher.fetch(f"{pdf.BASE_INTERNE}/static/css/fiche-pdf.css")
    assert reponse.content_type == "text/css"
    reponse.close()
    with pytest.raises(ValueError, match="aucun accès réseau"):
        fetcher.fetch("http://exemple.invalid/image.png")


def test_page_imprimable_en_a4(client, utilisateurs):
    client.force_login(utilisateurs["delegue"])
    html = client.get("/quartiers/amandiers/").content.decode()
    assert "css/territoire.css" in html
    assert "data-imprimer" in html and 'href="/quartiers/amandiers/fiche.pdf"' in html
    css = (Path(settings.BASE_DIR) / "static" / "css" / "territoire.css").read_text()
    impression = css.split("@media print")[1]
    assert "size: A4" in impression
    assert "break-inside: avoid" in impression and "tr" in impression
    # La barre de navigation est masquée à l'impression (portail.css).
    portail = (Path(settings.BASE_DIR) / "static" / "css" / "portail.css").read_text()
    assert "header, footer, .no-print" in portail.split("@media print")[1]
