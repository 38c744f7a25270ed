"""Études qualitatives : saisie par le SPV avec son rapport joint (PDF ou bureautique,
contrôlé comme les pièces jointes des fiches), suppression confirmée, historique,
téléchargement réservé."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bilan.models import EtudeQualitative
from engagements.models import Engagement
from quartiers.models import Quartier
from tests.conftest import client_pour

from .conftest import PDF_MINIMAL

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56


def donnees(**champs):
    e1 = Engagement.objects.get(numero=1)
    q = Quartier.objects.get(slug="goutte-dor")
    return {
        "titre": "Enquête auprès des familles",
        "annee": "2025",
        "realisee_par": "Université Paris Cité",
        "engagements": [str(e1.pk)],
        "quartiers": [str(q.pk)],
        "arrondissement": "",
        "resume": "Les familles décrivent…",
        **champs,
    }


def test_creation_avec_rapport_pdf(client, utilisateurs):
    spv = utilisateurs["spv"]
    client = client_pour(client, spv)
    rapport = SimpleUploadedFile("rapport final.pdf", PDF_MINIMAL, "application/pdf")
    reponse = client.post("/bilan/etudes/nouvelle/", donnees(fichier=rapport))
    assert reponse.status_code == 302
    etude = EtudeQualitative.objects.get()
    assert etude.nom_fichier == "rapport final.pdf"
    assert etude.type_mime == "application/pdf"
    assert etude.taille == len(PDF_MINIMAL)
    assert [e.numero for e in etude.engagements.all()] == [1]
    assert etude.cree_par == spv
    assert etude.history.first().history_user == spv
    fiche = client.get(etude.get_absolute_url())
    assert "Université Paris Cité" in fiche.content.decode()
    telechargement = client.get(f"/bilan/etudes/{etude.pk}/rapport/")
    assert telechargement.status_code == 200
    assert b"".join(telechargement.streaming_content) == PDF_MINIMAL
    assert "attachment" in telechargement["Content-Disposition"]


@pytest.mark.parametrize(
    ("nom", "contenu", "message"),
    [
        ("photo.png", PNG, "n’est pas accepté : seuls les fichiers PDF et documents bureautiques"),
        ("rapport.pdf", EXE, "n’est pas un fichier PDF valide : son contenu ne correspond pas"),
        ("vide.pdf", b"", "est vide"),
    ],
)
def test_rapport_refuse(client, utilisateurs, nom, contenu, message):
    client = client_pour(client, utilisateurs["spv"])
    reponse = client.post(
        "/bilan/etudes/nouvelle/", donnees(fichier=SimpleUploadedFile(nom, contenu))
    )
    assert reponse.status_code == 200
    assert message in reponse.content.decode()
    assert not EtudeQualitative.objects.exists()


def test_rapport_trop_volumineux(client, utilisateurs, settings):
    settings.PIECES_JOINTES_TAILLE_MAX = 100
    client = client_pour(client, utilisateurs["spv"])
    fichier = SimpleUploadedFile("gros.pdf", PDF_MINIMAL + b"0" * 200)
    reponse = client.post("/bilan/etudes/nouvelle/", donnees(fichier=fichier))
    assert "est trop volumineux" in reponse.content.decode()


def test_champs_obligatoires_en_francais(client, utilisateurs):
    client = client_pour(client, utilisateurs["spv"])
    reponse = client.post("/bilan/etudes/nouvelle/", donnees(titre="", realisee_par="", resume=""))
    html = reponse.content.decode()
    assert "Renseignez le titre de l’étude." in html
    assert "Indiquez qui a conduit l’étude." in html
    assert "Résumez les résultats de l’étude." in html


def test_modification_retrait_du_rapport_et_suppression(client, utilisateurs):
    client = client_pour(client, utilisateurs["spv"])
    client.post(
        "/bilan/etudes/nouvelle/",
        donnees(fichier=SimpleUploadedFile("r.pdf", PDF_MINIMAL)),
    )
    etude = EtudeQualitative.objects.get()
    reponse = client.post(
        f"/bilan/etudes/{etude.pk}/modifier/",
        donnees(titre="Enquête (version finale)", retirer_fichier="on"),
    )
    assert reponse.status_code == 302
    etude.refresh_from_db()
    assert etude.titre == "Enquête (version finale)" and not etude.fichier
    assert client.get(f"/bilan/etudes/{etude.pk}/rapport/").status_code == 404
    versions = list(etude.history.all())
    assert versions[0].titre == "Enquête (version finale)" and not versions[0].fichier
    assert versions[-1].titre == "Enquête auprès des familles" and versions[-1].fichier
    assert {v.history_user for v in versions} == {utilisateurs["spv"]}
    confirmation = client.get(f"/bilan/etudes/{etude.pk}/supprimer/").content.decode()
    assert "Supprimer l’étude « Enquête (version finale) » ?" in confirmation
    client.post(f"/bilan/etudes/{etude.pk}/supprimer/")
    assert not EtudeQualitative.objects.exists()
    assert EtudeQualitative.history.filter(id=etude.pk).first().history_type == "-"


def test_rapport_refuse_aux_autres_roles(client, utilisateurs):
    etude = EtudeQualitative.objects.create(
        titre="T", annee=2025, realisee_par="X", resume="R", nom_fichier="r.pdf"
    )
    for role in ("delegue", "partenaire", "structure"):
        reponse = client_pour(client, utilisateurs[role]).get(f"/bilan/etudes/{etude.pk}/rapport/")
        assert reponse.status_code == 403, role
