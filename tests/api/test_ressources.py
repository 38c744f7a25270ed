"""Contenu des ressources : clés naturelles dans les adresses, données imbriquées,
filtres (FilterSets partagés avec les pages), recherche, pagination et tri stable."""

import pytest

from engagements.models import Engagement, Signataire
from indicateurs.models import Indicateur
from quartiers.models import ProjetStructurant, Quartier
from tests.api.conftest import verifier_erreur

pytestmark = pytest.mark.django_db


def resultats(api, url):
    reponse = api.get(url)
    assert reponse.status_code == 200, reponse.content[:300]
    return reponse.json()["results"]


# --- engagements et thématiques ------------------------------------------------------------


def test_engagement_par_numero_avec_tout_son_contenu(api):
    e = api.get("/api/v1/engagements/1/").json()
    attendu = Engagement.objects.get(numero=1)
    assert e["id"] == attendu.pk and e["numero"] == 1
    assert e["url"].endswith("/api/v1/engagements/1/")
    assert e["thematique"] == {"numero": 1, "titre": "", "libelle": "Thématique N°1"}
    assert e["parole_source"] == "Conférence citoyenne, juin-juillet 2023"
    assert [a["ordre"] for a in e["actions"]] == sorted(a["ordre"] for a in e["actions"])
    assert {a["type"] for a in e["actions"]} == {"consolider", "developper"}
    assert e["actions"][0]["type_libelle"] == "À consolider"
    assert {a["groupe"] for a in e["acteurs"]} == {"pilote", "partenaire", "lieu_ressource"}
    assert any(a["signataire"] for a in e["acteurs"])
    assert e["axes"] and e["financements"] and e["plans"]
    assert e["indicateurs"][0] == {
        "code": "E01-1",
        "libelle": Indicateur.objects.get(code="E01-1").libelle,
    }


def test_actions_numerotees_comme_imprimees(api):
    actions = api.get("/api/v1/engagements/16/").json()["actions"]
    assert [a["numero"] for a in actions].count("5") == 2
    assert [a["ordre"] for a in actions] == sorted(a["ordre"] for a in actions)


def test_engagement_sans_indicateur(api):
    assert api.get("/api/v1/engagements/22/").json()["indicateurs"] == []


def test_liste_des_engagements_complete_et_triee(api):
    reponse = api.get("/api/v1/engagements/").json()
    assert reponse["count"] == 30 and set(reponse) == {"count", "next", "previous", "results"}
    assert [e["numero"] for e in reponse["results"]] == list(range(1, 31))
    assert reponse["next"] is None and reponse["previous"] is None


def test_engagements_filtres_par_thematique(api):
    assert [e["numero"] for e in resultats(api, "/api/v1/engagements/?thematique=4")] == [16, 17]


def test_engagements_filtres_par_signataire(api):
    caf = Signataire.objects.get(nom__icontains="allocations familiales")
    numeros = [e["numero"] for e in resultats(api, f"/api/v1/engagements/?signataire={caf.pk}")]
    attendus = sorted(set(caf.acteurs.values_list("engagement__numero", flat=True)))
    assert numeros == attendus and numeros
    pilotes = [e["numero"] for e in resultats(api, f"/api/v1/engagements/?pilote={caf.pk}")]
    assert set(pilotes) <= set(numeros)
    assert pilotes == sorted(
        set(caf.acteurs.filter(groupe="pilote").values_list("engagement__numero", flat=True))
    )


def test_engagements_recherche(api):
    numeros = [e["numero"] for e in resultats(api, "/api/v1/engagements/?search=santé")]
    attendus = (
        Engagement.objects.filter(titre__icontains="santé")
        | Engagement.objects.filter(problematiques__icontains="santé")
        | Engagement.objects.filter(parole_habitant__icontains="santé")
    )
    assert numeros == sorted(set(attendus.values_list("numero", flat=True)))
    assert numeros


def test_thematique_par_numero(api):
    t = api.get("/api/v1/thematiques/4/").json()
    assert t["engagements"] == [16, 17] and t["libelle"] == "Thématique N°4"
    t2 = api.get("/api/v1/thematiques/2/").json()
    assert t2["titre"] == "Se former, travailler ou entreprendre"


def test_filtre_invalide_400_en_francais(api):
    corps = verifier_erreur(
        api.get("/api/v1/engagements/?thematique=abc"), 400, "donnees_invalides"
    )
    assert "thematique" in corps["erreurs"]
    assert "nombre" in corps["erreurs"]["thematique"][0]


# --- signataires et sigles -----------------------------------------------------------------


def test_signataires_par_type(api):
    bailleurs = resultats(api, "/api/v1/signataires/?type=bailleur&page_size=100")
    assert bailleurs and {s["type"] for s in bailleurs} == {"bailleur"}
    assert len(bailleurs) == Signataire.objects.filter(type="bailleur").count()
    assert bailleurs[0]["type_libelle"] == "Bailleur social"


def test_signataire_engagements(api):
    caf = Signataire.objects.get(nom__icontains="allocations familiales")
    s = api.get(f"/api/v1/signataires/{caf.pk}/").json()
    assert s["id"] == caf.pk and s["nom"] == caf.nom
    assert s["engagements"] == sorted(set(caf.acteurs.values_list("engagement__numero", flat=True)))


def test_sigle_par_sigle(api):
    assert api.get("/api/v1/sigles/REP%2B/").json()["sigle"] == "REP+"
    assert api.get("/api/v1/sigles/GIP%20RE/").json()["sigle"] == "GIP RE"
    assert api.get("/api/v1/sigles/Caf/").json()["definition"]
    verifier_erreur(api.get("/api/v1/sigles/INCONNU/"), 404, "introuvable")


def test_sigles_filtre_et_recherche(api):
    sigles = [s["sigle"] for s in resultats(api, "/api/v1/sigles/?q=urbanisme")]
    assert "APUR" in sigles
    assert [s["sigle"] for s in resultats(api, "/api/v1/sigles/?search=urbanisme")] == sigles


# --- quartiers et projets ------------------------------------------------------------------


def test_quartier_par_slug(api):
    q = api.get("/api/v1/quartiers/grand-belleville/").json()
    attendu = Quartier.objects.get(slug="grand-belleville")
    assert q["id"] == attendu.pk and q["nom"] == attendu.nom
    assert q["arrondissements"] == [11, 20]
    assert len(q["secteurs"]) == 2
    assert q["nb_projets"] == attendu.projets.count()
    secteurs = {s["slug"] for s in q["secteurs"]}
    assert {c["secteur"] for c in q["chiffres_cles"]} <= secteurs | {None}


def test_chiffres_cles_gardent_le_qualificatif(api):
    chiffres = api.get("/api/v1/quartiers/petit-belleville/").json()["chiffres_cles"]
    pauvrete = [c for c in chiffres if c["libelle"] == "Taux de pauvreté"]
    assert pauvrete and pauvrete[0]["qualificatif"] == "Grand Belleville 10e 11e 20e"


def test_quartiers_par_arrondissement(api):
    slugs = {q["slug"] for q in resultats(api, "/api/v1/quartiers/?arrondissement=20")}
    attendus = set(
        Quartier.objects.filter(arrondissements__numero=20).values_list("slug", flat=True)
    )
    assert slugs == attendus and "grand-belleville" in slugs
    # Un numéro qui ne désigne rien : liste vide ; un numéro mal formé : 400.
    assert api.get("/api/v1/quartiers/?arrondissement=99").json()["count"] == 0
    verifier_erreur(api.get("/api/v1/quartiers/?arrondissement=x"), 400, "donnees_invalides")


def test_liste_des_quartiers(api):
    reponse = api.get("/api/v1/quartiers/").json()
    assert reponse["count"] == 21
    assert [q["slug"] for q in reponse["results"]] == list(
        Quartier.objects.order_by("ordre", "nom", "pk").values_list("slug", flat=True)
    )


def test_projets_filtres(api):
    projets = resultats(api, "/api/v1/projets/?quartier=petit-belleville&statut=a_venir")
    attendus = ProjetStructurant.objects.filter(quartier__slug="petit-belleville", statut="a_venir")
    assert {p["id"] for p in projets} == set(attendus.values_list("pk", flat=True))
    assert projets and all(p["statut_libelle"] == "À venir" for p in projets)
    assert all(p["quartier"]["slug"] == "petit-belleville" for p in projets)

    du_20e = resultats(api, "/api/v1/projets/?arrondissement=20&page_size=500")
    assert {p["id"] for p in du_20e} == set(
        ProjetStructurant.objects.filter(quartier__arrondissements__numero=20).values_list(
            "pk", flat=True
        )
    )
    assert all(20 in p["arrondissements"] for p in du_20e)

    secteur = ProjetStructurant.objects.filter(secteur__isnull=False).first().secteur
    par_secteur = resultats(api, f"/api/v1/projets/?secteur={secteur.slug}")
    assert {p["secteur"]["slug"] for p in par_secteur} == {secteur.slug}


def test_projets_statut_inconnu_refuse(api):
    corps = verifier_erreur(api.get("/api/v1/projets/?statut=nimporte"), 400, "donnees_invalides")
    assert "Sélectionnez un choix valide" in corps["erreurs"]["statut"][0]
    assert api.get("/api/v1/projets/?quartier=nulle-part").json()["count"] == 0


def test_projets_pagination_et_tri_stable(api):
    total = ProjetStructurant.objects.count()
    page1 = api.get("/api/v1/projets/?page_size=20").json()
    assert page1["count"] == total
    assert "page=2" in page1["next"]
    vus = []
    page = 1
    while True:
        reponse = api.get(f"/api/v1/projets/?page_size=20&page={page}").json()
        vus += [p["id"] for p in reponse["results"]]
        if not reponse["next"]:
            break
        page += 1
    assert len(vus) == len(set(vus)) == total
    assert vus == list(
        ProjetStructurant.objects.order_by(
            "quartier__ordre", "quartier__nom", "ordre", "pk"
        ).values_list("pk", flat=True)
    )


def test_page_size_plafonne(api):
    reponse = api.get("/api/v1/projets/?page_size=500").json()
    assert len(reponse["results"]) == min(500, ProjetStructurant.objects.count())
    # Au-delà du plafond : 400 plutôt qu'une page tronquée en silence.
    verifier_erreur(api.get("/api/v1/projets/?page_size=100000"), 400, "donnees_invalides")


def test_page_invalide_404(api):
    corps = verifier_erreur(api.get("/api/v1/projets/?page=9999"), 404, "introuvable")
    assert "Page invalide" in corps["detail"]


# --- indicateurs ---------------------------------------------------------------------------


def test_indicateur_par_code(api):
    i = api.get("/api/v1/indicateurs/E05-2/").json()
    attendu = Indicateur.objects.get(code="E05-2")
    assert i["id"] == attendu.pk and i["libelle"] == attendu.libelle
    assert i["engagement"]["numero"] == 5
    assert i["unite"] == attendu.unite and i["unite_libelle"] == attendu.get_unite_display()


def test_indicateurs_filtres(api):
    codes = [i["code"] for i in resultats(api, "/api/v1/indicateurs/?engagement=5")]
    assert codes == ["E05-1", "E05-2", "E05-3", "E05-4"]
    par_theme = resultats(api, "/api/v1/indicateurs/?thematique=4&page_size=500")
    assert {i["engagement"]["numero"] for i in par_theme} <= {16, 17}
    assert len(par_theme) == Indicateur.objects.filter(engagement__thematique__numero=4).count()
    assert [i["code"] for i in resultats(api, "/api/v1/indicateurs/?q=E05-2")] == ["E05-2"]


def test_indicateurs_pagines(api):
    reponse = api.get("/api/v1/indicateurs/").json()
    total = Indicateur.objects.count()
    assert reponse["count"] == total > 50
    assert len(reponse["results"]) == 50 and "page=2" in reponse["next"]


def test_indicateur_inconnu(api):
    verifier_erreur(api.get("/api/v1/indicateurs/E99-9/"), 404, "introuvable")
