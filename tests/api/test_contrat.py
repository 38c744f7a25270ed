"""Le contrat de l'API (issue 12) : de vraies réponses de chaque liste et de chaque détail
validées contre le schéma OpenAPI publié (types, nombres JSON, champs nullables), la
pagination standard (`count`, `next`, `previous`, `results`) et par curseur, les booléens,
les paramètres énumérés stricts, `modifie_depuis` sur chaque liste, les clés naturelles
(slug des signataires, `code_qpv`) et l'enregistrement plat d'une valeur, lu puis renvoyé
tel quel."""

import datetime
import json
from decimal import Decimal
from urllib.parse import quote

import jsonschema
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from engagements.models import Engagement, Signataire, slug_signataire
from indicateurs.models import Valeur
from quartiers.models import Quartier
from structures.models import FicheAction, Structure
from tests.api.conftest import (
    ANNEE,
    client_api,
    creer_valeur,
    ouvrir_campagne,
    verifier_erreur,
)

pytestmark = pytest.mark.django_db


# --- validation d'une réponse par le schéma -----------------------------------------------------


def en_json_schema(noeud, composants, profondeur=0):
    """Un schéma OpenAPI 3.0 en JSON Schema : références résolues, `nullable` traduit."""
    assert profondeur < 40, "schéma trop profond (référence circulaire ?)"
    if isinstance(noeud, list):
        return [en_json_schema(n, composants, profondeur + 1) for n in noeud]
    if not isinstance(noeud, dict):
        return noeud
    if "$ref" in noeud:
        nom = noeud["$ref"].rsplit("/", 1)[-1]
        return en_json_schema(composants[nom], composants, profondeur + 1)
    copie = {
        cle: en_json_schema(valeur, composants, profondeur + 1)
        for cle, valeur in noeud.items()
        if cle not in ("nullable", "example", "examples", "readOnly", "writeOnly")
    }
    # OpenAPI 3.0 : bornes exclusives booléennes ; JSON Schema : la borne elle-même.
    for borne, exclusive in (("maximum", "exclusiveMaximum"), ("minimum", "exclusiveMinimum")):
        if copie.get(exclusive) is True:
            copie[exclusive] = copie.pop(borne)
        elif copie.get(exclusive) is False:
            del copie[exclusive]
    if noeud.get("nullable"):
        return {"anyOf": [copie, {"type": "null"}]}
    return copie


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        return APIClient().get("/api/v1/schema/?format=json").json()


def schema_de_reponse(schema, chemin, methode="get", statut="200"):
    operation = schema["paths"][chemin][methode]
    contenu = operation["responses"][statut]["content"]["application/json"]["schema"]
    return en_json_schema(contenu, schema["components"]["schemas"])


def valider(schema, chemin, reponse, methode="get"):
    assert reponse.status_code == 200, (chemin, reponse.status_code, reponse.content[:300])
    assert reponse["Content-Type"].startswith("application/json")
    corps = reponse.json()
    jsonschema.validate(corps, schema_de_reponse(schema, chemin, methode))
    return corps


@pytest.fixture
def donnees(utilisateurs, ind_caf, ind_part_caf, ind_autre):
    """De quoi remplir chaque liste : valeurs de chaque statut et unité (nulls compris),
    campagnes ouverte et close (motif de verrouillage null ou non), fiches-actions."""
    ouvrir_campagne()
    ouvrir_campagne(
        2024,
        ouverture=datetime.date(2025, 1, 1),
        cloture=datetime.date(2025, 3, 31),
    )
    creer_valeur(ind_caf, "paris", statut="brouillon", source="Caf")
    creer_valeur(ind_part_caf, "paris", statut="valide", nombre=30, base=120)
    creer_valeur(ind_autre, "paris", statut="renvoye", motif_renvoi="Source ?")
    creer_valeur(ind_autre, "ensemble-qpv", statut="valide", valeur=Decimal("30.5"), annee=2023)
    fiche = FicheAction.objects.create(
        structure=Structure.objects.get(slug="j2p"), titre="Atelier", annee=2024
    )
    fiche.quartiers.add(Quartier.objects.order_by("ordre").first())
    fiche.engagements.add(Engagement.objects.get(numero=26))
    return utilisateurs


def operations_get(schema):
    return sorted(
        chemin
        for chemin, operations in schema["paths"].items()
        if "get" in operations and not chemin.endswith("/schema/")
    )


def test_chaque_liste_et_chaque_detail_conformes_au_schema(schema, donnees):
    """Chaque GET de l'API, liste puis détail (le premier objet de la liste), avec le jeton
    d'un agent du SPV : la réponse réelle respecte le schéma publié (un `null` non déclaré
    nullable, un nombre rendu en texte ou une clé manquante font échouer le test)."""
    client = client_api(donnees["spv"], "jeton")
    listes = [c for c in operations_get(schema) if "{" not in c and "recherche" not in c]
    details = [c for c in operations_get(schema) if "{" in c]
    assert len(listes) >= 12 and len(details) >= 12
    premiers = {}
    for chemin in listes:
        corps = valider(schema, chemin, client.get(chemin))
        assert set(corps) == {"count", "next", "previous", "results"}, chemin
        assert corps["results"], f"{chemin} : liste vide, rien n’est vérifié"
        premiers[chemin] = corps["results"][0]
    for chemin in details:
        liste, _, reste = chemin.partition("{")
        parametre = reste.split("}", 1)[0]
        objet = premiers[liste]
        adresse = chemin.replace(f"{{{parametre}}}", quote(str(objet[parametre]), safe=""))
        valider(schema, chemin, client.get(adresse))
    corps = valider(schema, "/api/v1/recherche/", client.get("/api/v1/recherche/?q=Caf"))
    assert {"count", "next", "previous", "results"} <= set(corps)


def test_nombres_booleens_et_nullables_declares(schema):
    valeur = schema["components"]["schemas"]["Valeur"]["properties"]
    for champ in ("valeur", "nombre", "base"):
        assert valeur[champ]["type"] in ("number", "integer") and valeur[champ]["nullable"]
    assert valeur["demo"]["type"] == "boolean"
    assert valeur["modifie_le"]["format"] == "date-time"
    campagne = schema["components"]["schemas"]["Campagne"]["properties"]
    assert campagne["motif_verrouillage"]["nullable"]
    parametres = {
        p["name"]: p["schema"] for p in schema["paths"]["/api/v1/valeurs/"]["get"]["parameters"]
    }
    assert parametres["demo"] == {"type": "boolean"}
    assert parametres["modifie_depuis"] == {"type": "string", "format": "date-time"}
    assert parametres["page_size"] == {"type": "integer", "minimum": 1, "maximum": 500}
    assert parametres["cursor"]["pattern"] and "page" not in parametres
    assert set(parametres["format"]["enum"]) == {"json", "csv", "csv-excel", "xlsx"}
    for chemin, operations in schema["paths"].items():
        if "get" in operations and "{" not in chemin and "recherche" not in chemin:
            noms = {p["name"] for p in operations["get"]["parameters"]}
            assert "modifie_depuis" in noms, chemin


# --- paramètres stricts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "requete",
    [
        "/api/v1/valeurs/?format=",
        "/api/v1/valeurs/?format=pdf",
        "/api/v1/engagements/?format=",
        "/api/v1/engagements/5/?format=txt",
        "/api/v1/valeurs/?page_size=null",
        "/api/v1/valeurs/?page_size=0",
        "/api/v1/valeurs/?page_size=501",
        "/api/v1/engagements/?page_size=null",
        "/api/v1/engagements/?page=abc",
        "/api/v1/engagements/?page=0",
        "/api/v1/valeurs/?demo=peut-etre",
        "/api/v1/valeurs/?modifie_depuis=hier",
        "/api/v1/valeurs/?modifie_depuis=2026-03-01T09:30:00",
        "/api/v1/engagements/?modifie_depuis=2026-13-01T00:00:00Z",
        "/api/v1/engagements/?engagement=99999999999999999999",
        "/api/v1/valeurs/?engagement=1e400",
    ],
)
def test_valeurs_mal_formees_400(utilisateurs, requete):
    reponse = client_api(utilisateurs["spv"], "jeton").get(requete)
    verifier_erreur(reponse, 400, reponse.json().get("code", "?"))
    assert reponse.json()["code"] in ("donnees_invalides", "parametre_inconnu")


def test_curseur_abime_404(utilisateurs):
    reponse = client_api(utilisateurs["spv"], "jeton").get("/api/v1/valeurs/?cursor=nimporte")
    verifier_erreur(reponse, 404, "introuvable")


@pytest.mark.parametrize("format_", ["json", "csv", "csv-excel", "xlsx"])
@pytest.mark.parametrize("chemin", ["/api/v1/valeurs/", "/api/v1/engagements/", "/api/v1/"])
def test_options_et_formats_sans_erreur_serveur(utilisateurs, chemin, format_):
    client = client_api(utilisateurs["spv"], "jeton")
    options = client.options(f"{chemin}?format={format_}")
    assert options.status_code < 500 and options["Content-Type"].startswith("application/json")
    if chemin != "/api/v1/":  # la racine (DRF) ne décrit que du JSON : 404 pour un tableur
        assert options.status_code == 200
    assert client.get(f"{chemin}?format={format_}").status_code < 500


def test_booleens_true_false(utilisateurs, ind_caf):
    reelle = creer_valeur(ind_caf, "paris", statut="valide")
    demo = creer_valeur(ind_caf, "ensemble-qpv", statut="valide", demo=True, origine="demo")
    client = client_api(utilisateurs["spv"], "jeton")
    for texte, attendu in [("true", demo), ("1", demo), ("false", reelle), ("0", reelle)]:
        corps = client.get(f"/api/v1/valeurs/?indicateur=E28-2&demo={texte}").json()
        ids = [v["id"] for v in corps["results"]]
        assert ids == [attendu.pk], texte


# --- pagination par curseur ----------------------------------------------------------------------


def test_valeurs_par_curseur(utilisateurs, ind_caf, ind_autre):
    codes = ["paris", "ensemble-qpv", "qpv-goutte-dor", "qpv-algerie"]
    for annee in (2022, 2023, 2024):
        for code in codes:
            creer_valeur(ind_caf, code, annee=annee, statut="valide")
    client = client_api(utilisateurs["spv"], "jeton")
    pages, vus, adresse = [], [], "/api/v1/valeurs/?indicateur=E28-2&page_size=5"
    while adresse:
        corps = client.get(adresse).json()
        assert corps["count"] == 12
        pages.append(corps)
        vus += [(v["annee"], v["id"]) for v in corps["results"]]
        adresse = corps["next"]
    assert len(pages) == 3 and "cursor=" in pages[1]["previous"]
    assert vus == sorted(vus, reverse=True) and len(set(vus)) == 12  # -annee, -id
    # En arrière depuis la dernière page : les mêmes lignes.
    retour = client.get(pages[2]["previous"]).json()
    assert retour["results"] == pages[1]["results"]
    premiere = client.get(retour["previous"]).json()
    assert premiere["results"] == pages[0]["results"] and premiere["previous"] is None


def test_compte_borne_des_listes_longues(utilisateurs, ind_caf, monkeypatch):
    from socle.api import pagination

    monkeypatch.setattr(pagination, "COMPTE_MAX", 2)
    for code in ("paris", "ensemble-qpv", "qpv-goutte-dor"):
        creer_valeur(ind_caf, code, statut="valide")
    client = client_api(utilisateurs["spv"], "jeton")
    assert client.get("/api/v1/valeurs/?indicateur=E28-2").json()["count"] is None
    corps = client.get("/api/v1/valeurs/?indicateur=E28-2&territoire=paris").json()
    assert corps["count"] == 1


# --- synchronisation incrémentale ----------------------------------------------------------------


def test_modifie_depuis_sur_les_valeurs_et_le_referentiel(utilisateurs, ind_caf):
    ancienne = creer_valeur(ind_caf, "paris", statut="valide")
    Valeur.objects.filter(pk=ancienne.pk).update(
        modifie_le=timezone.now() - datetime.timedelta(days=3)
    )
    recente = creer_valeur(ind_caf, "ensemble-qpv", statut="valide")
    client = client_api(utilisateurs["spv"], "jeton")
    depuis = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    corps = client.get("/api/v1/valeurs/", {"modifie_depuis": depuis, "indicateur": "E28-2"}).json()
    assert [v["id"] for v in corps["results"]] == [recente.pk]
    # Un « + » non encodé arrive en espace : la date reste lisible.
    brut = (timezone.now() - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    corps = client.get(f"/api/v1/valeurs/?indicateur=E28-2&modifie_depuis={brut}").json()
    assert [v["id"] for v in corps["results"]] == [recente.pk]
    # Le référentiel aussi : un signataire modifié remonte seul.
    caf = ind_caf.producteur
    Signataire.objects.update(modifie_le=timezone.now() - datetime.timedelta(days=3))
    caf.save()
    slugs = [
        s["slug"]
        for s in client.get("/api/v1/signataires/", {"modifie_depuis": depuis}).json()["results"]
    ]
    assert slugs == [caf.slug]


# --- clés naturelles ------------------------------------------------------------------------------


def test_signataires_par_slug(api, ind_caf):
    caf = ind_caf.producteur
    assert caf.slug == slug_signataire(caf.nom) == "caisse-dallocations-familiales"
    assert len(set(Signataire.objects.values_list("slug", flat=True))) == Signataire.objects.count()
    corps = api.get(f"/api/v1/signataires/{caf.slug}/").json()
    assert corps["slug"] == caf.slug and corps["url"].endswith(f"/signataires/{caf.slug}/")
    assert api.get(f"/api/v1/signataires/{caf.pk}/").json()["slug"] == caf.slug  # ancien lien
    indicateur = api.get(f"/api/v1/indicateurs/{ind_caf.code}/").json()
    assert indicateur["producteur"] == {"slug": caf.slug, "nom": caf.nom}
    par_slug = api.get(f"/api/v1/engagements/?signataire={caf.slug}").json()["results"]
    par_id = api.get(f"/api/v1/engagements/?signataire={caf.pk}").json()["results"]
    assert par_slug and par_slug == par_id
    codes = {i["code"] for i in api.get(f"/api/v1/indicateurs/?producteur={caf.slug}").json()[
        "results"]}  # fmt: skip
    assert ind_caf.code in codes


def test_code_qpv_vide_au_chargement_puis_saisi_et_filtrable(api):
    assert not Quartier.objects.exclude(code_qpv="").exists()  # jamais inventé
    goutte = Quartier.objects.get(slug="goutte-dor")
    goutte.code_qpv = "QN07501M"
    goutte.save()
    corps = api.get("/api/v1/quartiers/", {"code_qpv": "qn07501m"}).json()
    assert [q["slug"] for q in corps["results"]] == ["goutte-dor"]
    assert corps["results"][0]["code_qpv"] == "QN07501M"
    assert api.get("/api/v1/quartiers/", {"code_qpv": "QN00000X"}).json()["count"] == 0


# --- un enregistrement plat, lu puis renvoyé ----------------------------------------------------


@pytest.mark.parametrize("indicateur", ["ind_caf", "ind_part_caf"])
def test_get_puis_put_a_l_identique(utilisateurs, campagne, indicateur, request):
    ind = request.getfixturevalue(indicateur)
    valeur = creer_valeur(ind, "paris", statut="brouillon", source="Caf de Paris")
    client = client_api(utilisateurs["partenaire"], "jeton")
    lu = client.get(f"/api/v1/valeurs/{valeur.pk}/").json()
    assert lu["indicateur"] == ind.code and lu["territoire"] == "paris"
    # Sans If-Match : la version de l'enregistrement sert de précondition.
    reponse = client.put(f"/api/v1/valeurs/{valeur.pk}/", lu, format="json")
    assert reponse.status_code == 200, reponse.content
    assert reponse.json() == lu  # rien n'a changé, pas même la version
    # Le même enregistrement dans l'envoi groupé : inchangé aussi.
    envoi = client.post("/api/v1/valeurs/bulk/", {"valeurs": [lu]}, format="json")
    assert envoi.status_code == 200, envoi.content
    assert envoi.json()["inchangees"] == 1
    # Modifié puis renvoyé : version + 1 ; renvoyé avec l'ancienne version : 412.
    modifie = {**lu, "source": "Caf de Paris, 2025"}
    apres = client.put(f"/api/v1/valeurs/{valeur.pk}/", modifie, format="json").json()
    assert apres["version"] == lu["version"] + 1 and apres["source"] == "Caf de Paris, 2025"
    perime = client.put(f"/api/v1/valeurs/{valeur.pk}/", modifie, format="json")
    verifier_erreur(perime, 412, "precondition_echouee")


def test_enregistrement_plat_sans_longs_textes(utilisateurs, ind_caf):
    creer_valeur(ind_caf, "paris", statut="valide")
    client = client_api(utilisateurs["spv"], "jeton")
    with CaptureQueriesContext(connection) as requetes:
        corps = client.get("/api/v1/valeurs/").json()
    ligne = corps["results"][0]
    assert not any(isinstance(v, (dict, list)) for v in ligne.values())
    assert ligne["annee"] == ANNEE
    sql = " ".join(q["sql"] for q in requetes.captured_queries if "indicateurs_valeur" in q["sql"])
    assert '"indicateurs_indicateur"."libelle"' not in sql
    assert '"indicateurs_indicateur"."definition"' not in sql
    json.dumps(corps)
