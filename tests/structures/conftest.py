"""Fixtures des tests des structures et fiches-actions : fichiers joints dans un dossier
temporaire, comptes avec adresse électronique, fiches complètes prêtes à soumettre."""

import io
import zipfile

import pytest

from engagements.models import Engagement
from quartiers.models import Quartier
from socle.roles import Role
from structures.models import FicheAction, Structure
from tests.conftest import creer_utilisateur

PDF_MINIMAL = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG_MINIMAL = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE_MINIMAL = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56


def docx_minimal(macros=False):
    """Un .docx réduit à ses parties obligatoires (avec, au besoin, un projet de macros)."""
    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
        if macros:
            archive.writestr("word/vbaProject.bin", b"\x00")
    return tampon.getvalue()


def odt_minimal():
    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office/>")
    return tampon.getvalue()


@pytest.fixture(autouse=True)
def _medias_temporaires(settings, tmp_path):
    """Les pièces jointes des tests vont dans un dossier jetable."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PORTAIL_URL = "https://portail.exemple"


@pytest.fixture
def comptes(utilisateurs):
    """Les comptes de tests/conftest.py, avec des adresses, plus un second SPV, un membre
    d'une autre structure parisienne et un second membre de J2P."""
    for user in utilisateurs.values():
        if user is not None:
            user.email = f"{user.username}@exemple.invalid"
            user.save(update_fields=["email"])
    autre = Structure.objects.get(slug="centre-social-danube")
    comptes = dict(utilisateurs)
    comptes["spv2"] = creer_utilisateur("agent-spv-2", Role.SPV)
    comptes["spv2"].email = "agent-spv-2@exemple.invalid"
    comptes["spv2"].save()
    comptes["autre_structure"] = creer_utilisateur("membre-danube", Role.STRUCTURE, structure=autre)
    comptes["autre_structure"].email = "membre-danube@exemple.invalid"
    comptes["autre_structure"].save()
    comptes["structure2"] = creer_utilisateur(
        "membre-j2p-2", Role.STRUCTURE, structure=Structure.objects.get(slug="j2p")
    )
    comptes["structure2"].email = "membre-j2p-2@exemple.invalid"
    comptes["structure2"].save()
    return comptes


@pytest.fixture
def j2p():
    return Structure.objects.get(slug="j2p")


@pytest.fixture
def qpv_delegue():
    """Le premier QPV (par ordre) : il est confié au délégué de tests/conftest.py."""
    return Quartier.objects.order_by("ordre").first()


@pytest.fixture
def qpv_hors_delegue():
    return Quartier.objects.order_by("ordre")[5]


def fiche_complete(structure, quartier, engagement_numero=5, statut="brouillon", **champs):
    """Une fiche qui a tout ce qu'il faut pour être soumise."""
    valeurs = {
        "titre": "Ateliers sociolinguistiques",
        "annee": 2025,
        "dimension": "solidarite",
        "resume": "Des ateliers de français pour les parents du quartier.",
        "territoire": "un_quartier",
        "publics": ["familles"],
        "mots_cles": ["parentalite", "integration"],
        "statut": statut,
    }
    valeurs.update(champs)
    fiche = FicheAction.objects.create(structure=structure, **valeurs)
    fiche.engagements.add(Engagement.objects.get(numero=engagement_numero))
    fiche.quartiers.add(quartier)
    return fiche


@pytest.fixture
def brouillon(j2p, qpv_delegue):
    return fiche_complete(j2p, qpv_delegue)
