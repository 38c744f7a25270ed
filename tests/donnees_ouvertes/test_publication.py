"""Publication des données ouvertes (issue 12, point 4) : paquet Frictionless valide, valeurs
validées et réelles avec leur provenance, fiches-actions des seules structures consentantes,
aucune donnée personnelle ; page publique, fichiers, page du SPV et commande."""

import csv
import io
import json

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from frictionless import Package, system

from donnees_ouvertes import publication
from donnees_ouvertes.models import JeuPublie
from indicateurs.models import Indicateur, Territoire, Valeur
from structures.models import FicheAction, Structure
from tests.conftest import client_pour

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _stockage_jetable(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def lire_csv(contenu):
    return list(csv.DictReader(io.StringIO(contenu.decode("utf-8"))))


def fichiers_du_jeu(jeu, settings):
    dossier = settings.MEDIA_ROOT / jeu.dossier
    return {nom: (dossier / nom).read_bytes() for nom in jeu.fichiers}


def test_la_commande_publie_un_paquet_que_frictionless_valide(settings):
    sortie = io.StringIO()
    call_command("publier_donnees_ouvertes", stdout=sortie)
    jeu = JeuPublie.objects.get()
    assert "valeurs.csv" in sortie.getvalue()
    dossier = settings.MEDIA_ROOT / jeu.dossier
    assert sorted(p.name for p in dossier.iterdir()) == sorted(jeu.fichiers)
    with system.use_context(trusted=True):
        rapport = Package(str(dossier / "datapackage.json")).validate()
    assert rapport.valid, rapport.flatten(["type", "message"])
    paquet = json.loads((dossier / "datapackage.json").read_text(encoding="utf-8"))
    assert paquet["licenses"][0]["name"] == "etalab-2.0"
    assert paquet["sources"]
    assert [r["name"] for r in paquet["resources"]] == [
        "thematiques", "engagements", "indicateurs", "territoires", "valeurs",
        "projets_structurants", "fiches_actions",
    ]  # fmt: skip
    valeurs = next(r for r in paquet["resources"] if r["name"] == "valeurs")
    assert {"reserve_perimetre", "deduite", "motif_deduction"} <= {
        f["name"] for f in valeurs["schema"]["fields"]
    }


def test_valeurs_validees_reelles_avec_provenance(settings, utilisateurs):
    indicateur = Indicateur.objects.get(code="CTX-CHOMAGE")
    goutte = Territoire.objects.get(code="qpv-goutte-dor")
    Valeur.objects.create(
        indicateur=indicateur, territoire=goutte, annee=2024, valeur=99, statut="valide",
        demo=True, origine=Valeur.Origine.DEMO,
    )  # fmt: skip
    Valeur.objects.create(
        indicateur=indicateur, territoire=goutte, annee=2023, valeur=77, statut="soumis"
    )
    jeu = publication.publier()
    lignes = lire_csv(fichiers_du_jeu(jeu, settings)["valeurs.csv"])
    assert not [x for x in lignes if x["territoire"] == "qpv-goutte-dor" and x["annee"] in
                ("2023", "2024")]  # fmt: skip
    petit = next(
        x for x in lignes
        if x["territoire"] == "qpv-petit-belleville" and x["indicateur"] == "CTX-PAUVRETE"
    )  # fmt: skip
    assert petit["reserve_perimetre"] == "chiffre du Grand Belleville (10e, 11e, 20e)"
    assert petit["deduite"] == "true" and petit["valeur"] == "30.0"
    bedier = {x["territoire"]: x["valeur"] for x in lignes if x["indicateur"] == "CTX-PAUVRETE"}
    assert bedier["partie-bedier-boutroux"] == "32.0" and bedier["partie-villa-deste"] == "36.0"
    assert len(lignes) == Valeur.objects.validees().reelles().count()


def test_fiches_seulement_avec_le_consentement_de_la_structure(settings):
    jeu = publication.publier()
    assert lire_csv(fichiers_du_jeu(jeu, settings)["fiches_actions.csv"]) == []
    structure = Structure.objects.get(slug="centre-social-eclate-andre-malraux")
    structure.publication_consentie = True
    structure.save()
    jeu = publication.publier()
    fiches = lire_csv(fichiers_du_jeu(jeu, settings)["fiches_actions.csv"])
    attendues = FicheAction.objects.validees().filter(structure=structure)
    assert sorted(f["identifiant"] for f in fiches) == sorted(f.cle for f in attendues)
    assert len(fiches) == 4


def test_jamais_de_donnees_personnelles(settings):
    agent = User.objects.create_user(
        "quentin.xylophe", email="quentin.xylophe@paris.fr", first_name="Quentin",
        last_name="Zorglub",
    )  # fmt: skip
    v = Valeur.objects.filter(statut="valide", demo=False).first()
    v.valide_par = v.saisi_par = agent
    v.commentaire = "Appeler Quentin Zorglub au 01 23 45 67 89"
    v.save()
    structure = Structure.objects.get(slug="j2p")
    structure.publication_consentie = True
    structure.siret = "73282932000074"
    structure.save()
    jeu = publication.publier(by=agent)
    tout = b"".join(fichiers_du_jeu(jeu, settings).values()).decode("utf-8")
    for interdit in ("xylophe", "Zorglub", "@paris.fr", "01 23 45 67 89", "19-24-32 rue Petit",
                     "73282932000074", "75019"):  # fmt: skip
        assert interdit.lower() not in tout.lower(), interdit
    assert "J2P" in tout  # la fiche consentie est bien publiée


def test_paquet_invalide_rien_n_est_publie(monkeypatch):
    monkeypatch.setattr(publication, "valider", lambda fichiers: ["erreur de test"])
    with pytest.raises(publication.PublicationRefusee, match="rien n’a été publié"):
        publication.publier()
    with pytest.raises(CommandError, match="erreur de test"):
        call_command("publier_donnees_ouvertes", stdout=io.StringIO())
    assert not JeuPublie.objects.exists()


def test_page_publique_et_fichiers(client, settings):
    jeu = publication.publier()
    html = client.get("/donnees-ouvertes/").content.decode()
    assert f"Publié le {jeu.publie_le.astimezone().strftime('%d/%m/%Y')}" in html
    assert f'href="/donnees-ouvertes/{jeu.pk}/datapackage.json"' in html
    assert f'href="/donnees-ouvertes/{jeu.pk}/valeurs.csv"' in html
    assert "Licence Ouverte" in html
    reponse = client.get(f"/donnees-ouvertes/{jeu.pk}/valeurs.csv")
    assert reponse.status_code == 200
    assert b"".join(reponse.streaming_content).startswith(b"indicateur,territoire,annee")
    assert client.get(f"/donnees-ouvertes/{jeu.pk}/settings.py").status_code == 404
    assert client.get(f"/donnees-ouvertes/{jeu.pk + 1}/valeurs.csv").status_code == 404


def test_page_du_spv(client, utilisateurs):
    reponse = client_pour(client, utilisateurs["delegue"]).post("/donnees-ouvertes/publier/")
    assert reponse.status_code == 403 and not JeuPublie.objects.exists()
    client.logout()
    c = client_pour(client, utilisateurs["spv"])
    assert c.get("/donnees-ouvertes/publier/").status_code == 200
    reponse = c.post("/donnees-ouvertes/publier/", follow=True)
    jeu = JeuPublie.objects.get()
    assert jeu.publie_par == utilisateurs["spv"]
    assert "Jeu publié" in reponse.content.decode()
