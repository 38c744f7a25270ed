"""Structures et fiches-actions dans l'API : contenu, clés naturelles, filtres (FilterSets
des pages, avec slugs et numéros), visibilité par rôle, territoires et campagnes."""

import datetime

import pytest
from django.utils import timezone

from engagements.models import Engagement
from quartiers.models import Quartier
from structures.models import FicheAction, FinancementFiche, Structure
from tests.api.conftest import client_api, ouvrir_campagne, verifier_erreur

pytestmark = pytest.mark.django_db


def resultats(client, url):
    reponse = client.get(url)
    assert reponse.status_code == 200, (url, reponse.content[:300])
    corps = reponse.json()
    return corps["results"]


@pytest.fixture
def fiches(utilisateurs):
    """Des fiches de J2P à chaque statut, dans le premier QPV (confié au délégué)."""
    j2p = Structure.objects.get(slug="j2p")
    qpv = Quartier.objects.order_by("ordre").first()
    creees = {}
    for statut in ("brouillon", "soumise", "validee", "renvoyee"):
        f = FicheAction.objects.create(
            structure=j2p, titre=f"Atelier {statut}", annee=2024, statut=statut
        )
        f.quartiers.add(qpv)
        f.engagements.add(Engagement.objects.get(numero=26))
        creees[statut] = f
    FinancementFiche.objects.create(fiche=creees["validee"], financeur="etat", montant=1200)
    FinancementFiche.objects.create(fiche=creees["validee"], financeur="caf", montant=300)
    return creees


# --- structures ----------------------------------------------------------------------------


def test_structure_par_slug(utilisateurs):
    s = client_api(utilisateurs["delegue"], "jeton").get("/api/v1/structures/j2p/").json()
    j2p = Structure.objects.get(slug="j2p")
    assert s["id"] == j2p.pk and s["nom"] == j2p.nom and s["url"].endswith("/structures/j2p/")
    assert s["type"] == j2p.type and s["type_libelle"] == j2p.get_type_display()
    assert s["nb_fiches"] == FicheAction.objects.filter(structure=j2p, statut="validee").count()
    assert {q["slug"] for q in s["quartiers"]} == set(j2p.quartiers.values_list("slug", flat=True))


def test_nb_fiches_selon_le_compte(utilisateurs, fiches):
    url = "/api/v1/structures/j2p/"
    pour = {
        role: client_api(utilisateurs[role], "jeton").get(url).json()["nb_fiches"]
        for role in ("spv", "delegue", "partenaire", "structure")
    }
    validees = FicheAction.objects.filter(structure__slug="j2p", statut="validee").count()
    assert pour["spv"] == pour["structure"] == validees + 3
    assert pour["delegue"] == validees + 1  # + la fiche soumise de son QPV
    assert pour["partenaire"] == validees


def test_filtres_des_structures(utilisateurs):
    client = client_api(utilisateurs["spv"], "jeton")
    j2p = Structure.objects.get(slug="j2p")
    quartier = Quartier.objects.filter(structures__isnull=False).first()
    slugs = {s["slug"] for s in resultats(client, f"/api/v1/structures/?quartier={quartier.slug}")}
    assert slugs and slugs == set(quartier.structures.values_list("slug", flat=True))
    numero = j2p.arrondissement.numero
    par_arr = resultats(client, f"/api/v1/structures/?arrondissement={numero}&page_size=500")
    assert {s["arrondissement"] for s in par_arr} == {numero}
    hors = resultats(client, "/api/v1/structures/?hors_paris=true&page_size=500")
    assert hors and all(s["hors_paris"] for s in hors)
    assert len(hors) == Structure.objects.filter(hors_paris=True).count()
    centres = resultats(client, "/api/v1/structures/?type=centre_social&page_size=500")
    assert {s["type"] for s in centres} == {"centre_social"}
    assert [s["slug"] for s in resultats(client, "/api/v1/structures/?search=J2P")] == ["j2p"]
    assert client.get("/api/v1/structures/?quartier=nulle-part").json()["count"] == 0


def test_structure_d_un_autre_compte_404(utilisateurs):
    client = client_api(utilisateurs["structure"], "jeton")
    verifier_erreur(client.get("/api/v1/structures/centre-social-danube/"), 404, "introuvable")
    assert [s["slug"] for s in resultats(client, "/api/v1/structures/")] == ["j2p"]


# --- fiches-actions -------------------------------------------------------------------------


def test_fiche_avec_son_contenu(utilisateurs, fiches):
    f = fiches["validee"]
    corps = (
        client_api(utilisateurs["partenaire"], "jeton")
        .get(f"/api/v1/fiches-actions/{f.pk}/")
        .json()
    )
    assert corps["structure"] == {"slug": "j2p", "nom": f.structure.nom}
    assert corps["engagements"] == [26] and corps["statut_libelle"] == "Validée"
    assert corps["quartiers"][0]["slug"] == f.quartiers.get().slug
    assert corps["budget_total"] == 1500  # un nombre JSON
    assert [x["financeur"] for x in corps["financements"]] == ["etat", "caf"]
    assert corps["url"].endswith(f"/api/v1/fiches-actions/{f.pk}/")


def test_visibilite_des_fiches(utilisateurs, fiches):
    def titres(role):
        client = client_api(utilisateurs[role], "jeton")
        return {
            f["titre"]
            for f in resultats(client, "/api/v1/fiches-actions/?structure=j2p&annee=2024")
        }

    assert titres("spv") == {f.titre for f in fiches.values()}
    assert titres("structure") == {f.titre for f in fiches.values()}
    assert titres("delegue") == {"Atelier validee", "Atelier soumise"}
    assert titres("partenaire") == {"Atelier validee"}


def test_filtres_des_fiches(utilisateurs, fiches):
    client = client_api(utilisateurs["spv"], "jeton")
    qpv = Quartier.objects.order_by("ordre").first()

    def ids(params):
        return {
            f["id"] for f in resultats(client, f"/api/v1/fiches-actions/?page_size=500&{params}")
        }

    def en_base(**filtres):
        return set(FicheAction.objects.filter(**filtres).values_list("pk", flat=True))

    assert ids(f"quartier={qpv.slug}") == en_base(quartiers=qpv)
    assert ids("engagement=26") == en_base(engagements__numero=26)
    assert ids("annee=2024") == en_base(annee=2024)
    assert ids("statut=soumise") == en_base(statut="soumise")
    assert ids(f"quartier={qpv.slug}&engagement=26&annee=2024&statut=brouillon") == {
        fiches["brouillon"].pk
    }
    assert ids("structure=j2p") == en_base(structure__slug="j2p")
    numero = qpv.arrondissements.first().numero
    assert {fiches[s].pk for s in fiches} <= ids(f"arrondissement={numero}")
    assert ids("q=Atelier") >= {f.pk for f in fiches.values()}
    assert ids("annee=1999") == set()
    # Une clé qui ne désigne rien : liste vide ; une valeur mal formée : 400.
    for inconnue in ("quartier=nulle-part", "engagement=99", "structure=inconnue"):
        assert ids(inconnue) == set()
    for invalide in ("statut=x", "engagement=x", "annee=x"):
        verifier_erreur(client.get(f"/api/v1/fiches-actions/?{invalide}"), 400, "donnees_invalides")


def test_filtre_structure_limite_aux_structures_visibles(utilisateurs):
    client = client_api(utilisateurs["structure"], "jeton")
    # Une structure invisible est traitée comme une clé inconnue : liste vide (ni 400, qui
    # dirait qu'elle n'existe pas, ni ses fiches).
    reponse = client.get("/api/v1/fiches-actions/?structure=centre-social-danube")
    assert reponse.status_code == 200 and reponse.json()["count"] == 0


def test_tri_stable_des_fiches(utilisateurs, fiches):
    client = client_api(utilisateurs["spv"], "jeton")
    vus, page = [], "/api/v1/fiches-actions/?page_size=7"
    while page:
        corps = client.get(page).json()
        vus += [f["id"] for f in corps["results"]]
        page = corps["next"]
    assert len(vus) == len(set(vus)) == FicheAction.objects.count()


def test_fiches_par_curseur(utilisateurs, fiches):
    """Pagination par clé sur `-id` (les clés de DRF, comme les valeurs) : une fiche créée
    pendant la lecture ne décale pas les pages suivantes ; retour en arrière identique."""
    client = client_api(utilisateurs["spv"], "jeton")
    total = FicheAction.objects.count()
    premiere = client.get("/api/v1/fiches-actions/?page_size=5").json()
    assert set(premiere) == {"count", "next", "previous", "results"}
    assert premiere["count"] == total and premiere["previous"] is None
    assert "cursor=" in premiere["next"] and "page=" not in premiere["next"]
    # Une fiche ajoutée en tête de liste entre deux pages : ni doublon ni ligne sautée.
    FicheAction.objects.create(
        structure=Structure.objects.get(slug="j2p"), titre="Ajoutée en route", statut="validee"
    )
    pages, adresse = [premiere], premiere["next"]
    while adresse:
        pages.append(client.get(adresse).json())
        adresse = pages[-1]["next"]
    vus = [f["id"] for p in pages for f in p["results"]]
    assert vus == sorted(vus, reverse=True) and len(vus) == total
    assert vus == list(
        FicheAction.objects.filter(pk__lte=vus[0]).order_by("-pk").values_list("pk", flat=True)
    )
    retour = client.get(pages[2]["previous"]).json()
    assert retour["results"] == pages[1]["results"]
    # Le numéro de page n'a plus cours ; un curseur des valeurs (deux positions) n'en est pas un.
    verifier_erreur(client.get("/api/v1/fiches-actions/?page=2"), 400, "parametre_inconnu")
    curseur_valeurs = "eyJwIjpbMjAyNSw4MTJdLCJzIjoiYXByZXMifQ"
    adresse = f"/api/v1/fiches-actions/?cursor={curseur_valeurs}"
    verifier_erreur(client.get(adresse), 404, "introuvable")
    verifier_erreur(client.get(adresse + "&format=csv"), 404, "introuvable")
    bon = client.get("/api/v1/fiches-actions/?cursor=eyJwIjpbNV0sInMiOiJhcHJlcyJ9&format=csv")
    assert bon.status_code == 200  # un curseur d'une position est bien formé ici


# --- territoires et campagnes ------------------------------------------------------------------


def test_territoires(api):
    t = api.get("/api/v1/territoires/qpv-goutte-dor/").json()
    assert t["type"] == "qpv" and t["quartier"]["slug"] == "goutte-dor" and t["secteur"] is None
    secteurs = resultats(api, "/api/v1/territoires/?quartier=grand-belleville&type=secteur")
    assert secteurs and all(s["secteur"] for s in secteurs)
    arr = resultats(api, "/api/v1/territoires/?type=arrondissement")
    assert all(a["arrondissement"] for a in arr) and arr
    assert [t["code"] for t in resultats(api, "/api/v1/territoires/?page_size=3")] == [
        "paris",
        "ensemble-qpv",
        "qpv-petit-belleville",
    ]
    verifier_erreur(api.get("/api/v1/territoires/nulle-part/"), 404, "introuvable")


def test_campagnes(utilisateurs):
    jour = timezone.localdate()
    ouvrir_campagne(2025)
    ouvrir_campagne(2024, cloture=jour - datetime.timedelta(days=1))
    ouvrir_campagne(
        2026, ouverture=jour + datetime.timedelta(days=5), cloture=jour + datetime.timedelta(days=9)
    )
    client = client_api(utilisateurs["partenaire"], "jeton")
    liste = resultats(client, "/api/v1/campagnes/")
    assert [c["annee"] for c in liste] == [2026, 2025, 2024]
    assert [c["etat"] for c in liste] == ["a_venir", "ouverte", "cloturee"]
    c = client.get("/api/v1/campagnes/2025/").json()
    assert c["ouverte"] is True and c["motif_verrouillage"] is None
    assert c["url"].endswith("/api/v1/campagnes/2025/")
    fermee = client.get("/api/v1/campagnes/2024/").json()
    assert "est clôturée" in fermee["motif_verrouillage"]
    assert [c["annee"] for c in resultats(client, "/api/v1/campagnes/?etat=ouverte")] == [2025]
    assert [c["annee"] for c in resultats(client, "/api/v1/campagnes/?etat=a_venir")] == [2026]
    assert [c["annee"] for c in resultats(client, "/api/v1/campagnes/?annee_max=2024")] == [2024]
    verifier_erreur(client.get("/api/v1/campagnes/2023/"), 404, "introuvable")
