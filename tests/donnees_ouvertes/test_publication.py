"""Publication des données ouvertes (issue 12, point 4) : paquet Frictionless valide, valeurs
validées et réelles avec leur provenance, fiches-actions des seules structures consentantes,
aucune donnée personnelle ; page publique, fichiers, page du SPV et commande."""

import csv
import io
import json
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from frictionless import Package, system

from donnees_ouvertes import publication
from donnees_ouvertes.models import JeuPublie
from indicateurs.models import Indicateur, Territoire, Valeur
from socle import travaux
from socle.models import Travail
from structures.models import FicheAction, Structure
from tests.conftest import client_pour
from tests.travaux.outils import travail_lance

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
    assert not Travail.objects.exists()
    client.logout()
    c = client_pour(client, utilisateurs["spv"])
    page = c.get("/donnees-ouvertes/publier/")
    assert page.status_code == 200
    assert '<form method="post" data-travail>' in page.content.decode()
    # La publication est un travail de fond (exécuté sur-le-champ en test) : la requête mène à
    # la page du travail, qui dit ce qui a été publié.
    travail = travail_lance(c.post("/donnees-ouvertes/publier/"))
    assert travail.type == "donnees_ouvertes.publier"
    assert travail.proprietaire == utilisateurs["spv"]
    assert travail.etat == Travail.Etat.TERMINE, travail.message
    jeu = JeuPublie.objects.get()
    assert jeu.publie_par == utilisateurs["spv"]
    assert travail.message == f"Jeu publié : {jeu.nb_lignes} lignes dans 7 ressources."
    assert travail.lien == jeu.get_absolute_url()
    html = c.get(f"/mes-exports/{travail.pk}/").content.decode()
    assert "Jeu publié" in html and "Voir les jeux publiés" in html


def test_publication_en_file_seulement(client, utilisateurs, settings):
    """La requête ne fait que mettre en file : rien n'est construit tant qu'aucun exécutant n'a
    pris le travail."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    c = client_pour(client, utilisateurs["spv"])
    with mock.patch("donnees_ouvertes.publication.construire") as construire:
        travail = travail_lance(c.post("/donnees-ouvertes/publier/"))
    construire.assert_not_called()
    assert travail.etat == Travail.Etat.EN_ATTENTE and not JeuPublie.objects.exists()
    travaux.executer(travail.pk)
    travail.refresh_from_db()
    assert travail.etat == Travail.Etat.TERMINE, travail.message
    assert JeuPublie.objects.count() == 1


def _jeu_precedent(settings):
    jeu = publication.publier()
    return jeu, fichiers_du_jeu(jeu, settings)


def test_paquet_invalide_le_travail_echoue_en_francais(client, utilisateurs, settings, monkeypatch):
    precedent, fichiers = _jeu_precedent(settings)
    monkeypatch.setattr(publication, "valider", lambda fichiers: ["erreur de test"])
    c = client_pour(client, utilisateurs["spv"])
    travail = travail_lance(c.post("/donnees-ouvertes/publier/"))
    assert travail.etat == Travail.Etat.ECHOUE
    assert travail.message.startswith("Le paquet de données ouvertes n’est pas valide, rien")
    assert "erreur de test" in travail.message
    assert "erreur de test" in c.get(f"/mes-exports/{travail.pk}/").content.decode()
    assert list(JeuPublie.objects.all()) == [precedent]
    assert fichiers_du_jeu(precedent, settings) == fichiers


def test_stockage_en_panne_rien_n_est_garde(client, utilisateurs, settings, monkeypatch):
    precedent, fichiers = _jeu_precedent(settings)
    enregistrer = default_storage.save
    appels = []

    def enregistrer_puis_panne(nom, contenu, **kwargs):
        appels.append(nom)
        if len(appels) == 3:
            raise OSError(28, "No space left on device")
        return enregistrer(nom, contenu, **kwargs)

    monkeypatch.setattr(default_storage, "save", enregistrer_puis_panne)
    travail = travail_lance(
        client_pour(client, utilisateurs["spv"]).post("/donnees-ouvertes/publier/")
    )
    assert travail.etat == Travail.Etat.ECHOUE
    assert travail.message.startswith("L’écriture du paquet a échoué (stockage des fichiers")
    assert "No space" not in travail.message  # le détail technique va au journal
    # Le jeu précédent reste entier ; les deux fichiers du jeu interrompu sont retirés.
    assert list(JeuPublie.objects.all()) == [precedent]
    assert fichiers_du_jeu(precedent, settings) == fichiers
    dossiers = list((settings.MEDIA_ROOT / publication.DOSSIER).iterdir())
    assert [d.name for d in dossiers if any(d.iterdir())] == [precedent.dossier.split("/")[-1]]


def test_droits_retires_avant_l_execution(client, utilisateurs, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    spv = utilisateurs["spv"]
    travail = travail_lance(client_pour(client, spv).post("/donnees-ouvertes/publier/"))
    spv.profil.role = "delegue"
    spv.profil.save()
    travaux.executer(travail.pk)
    travail.refresh_from_db()
    assert travail.etat == Travail.Etat.ECHOUE
    assert travail.message.startswith("Seuls les agents DDCT/SPV publient")
    assert not JeuPublie.objects.exists()


def test_erreur_inattendue_aucun_fichier_ne_reste(client, utilisateurs, settings, monkeypatch):
    precedent, fichiers = _jeu_precedent(settings)

    def panne(**kwargs):
        raise ValueError("détail technique")

    monkeypatch.setattr(JeuPublie.objects, "create", panne)
    travail = travail_lance(
        client_pour(client, utilisateurs["spv"]).post("/donnees-ouvertes/publier/")
    )
    assert travail.etat == Travail.Etat.ECHOUE
    assert travail.message.startswith("Le travail n’a pas abouti à cause d’une erreur inattendue")
    assert "détail technique" not in travail.message
    assert list(JeuPublie.objects.all()) == [precedent]
    assert fichiers_du_jeu(precedent, settings) == fichiers
    dossiers = list((settings.MEDIA_ROOT / publication.DOSSIER).iterdir())
    assert [d.name for d in dossiers if any(d.iterdir())] == [precedent.dossier.split("/")[-1]]
