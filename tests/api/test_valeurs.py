"""Les valeurs des indicateurs dans l'API : visibilité identique aux pages (brouillons pour le
SPV et le producteur seulement), filtres, création et modification avec les contrôles de la
grille (refus motivés au code stable), ETag / If-Match (412, 428), circuit de validation,
historique des écritures, et jeton révoqué qui ne peut plus écrire."""

from decimal import Decimal

import pytest

from indicateurs.models import Campagne, Indicateur, Valeur
from socle.models import JetonAPI
from tests.api.conftest import ANNEE, client_api, creer_valeur, ouvrir_campagne, verifier_erreur

pytestmark = pytest.mark.django_db

URL = "/api/v1/valeurs/"


def codes(reponse):
    assert reponse.status_code == 200, reponse.content[:300]
    return sorted(
        (v["indicateur"], v["territoire"], v["annee"], v["statut"])
        for v in reponse.json()["results"]
    )


@pytest.fixture
def jeu(ind_caf, ind_autre):
    """Une valeur par statut sur un indicateur de la Caf, et un brouillon de l'Académie."""
    return {
        "brouillon": creer_valeur(ind_caf, "paris", statut="brouillon"),
        "soumise": creer_valeur(ind_caf, "qpv-goutte-dor", statut="soumis"),
        "validee": creer_valeur(ind_caf, "ensemble-qpv", statut="valide"),
        "renvoyee": creer_valeur(
            ind_caf, "qpv-algerie", statut="renvoye", motif_renvoi="Source manquante"
        ),
        "autre": creer_valeur(ind_autre, "paris", statut="brouillon", valeur=Decimal(30)),
        "autre_validee": creer_valeur(
            ind_autre, "ensemble-qpv", statut="valide", valeur=Decimal(31), annee=2023
        ),
    }


# --- lecture et visibilité ---------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["session", "jeton"])
def test_visibilite_comme_les_pages(utilisateurs, jeu, mode):
    """Validées : tout compte ; brouillons, soumises, renvoyées : le SPV et le producteur."""
    tout = Valeur.objects.count()
    spv = client_api(utilisateurs["spv"], mode).get(URL + "?page_size=500").json()
    assert spv["count"] == tout and tout < 500
    partenaire = {v["id"] for v in client_api(utilisateurs["partenaire"], mode).get(
        URL + "?page_size=500").json()["results"]}  # fmt: skip
    attendus = {v.pk for k, v in jeu.items() if k != "autre"}
    assert attendus <= partenaire and jeu["autre"].pk not in partenaire
    for role in ("delegue", "structure"):
        vues = client_api(utilisateurs[role], mode).get(URL + "?page_size=500").json()
        statuts = {v["statut"] for v in vues["results"]}
        assert statuts == {"valide"}, role
        ids = {v["id"] for v in vues["results"]}
        assert {jeu["validee"].pk, jeu["autre_validee"].pk} <= ids
        assert jeu["brouillon"].pk not in ids


def test_anonyme_401(api, jeu):
    verifier_erreur(api.get(URL), 401, "non_authentifie")
    verifier_erreur(api.get(f"{URL}{jeu['validee'].pk}/"), 401, "non_authentifie")


def test_detail_brouillon_invisible_404(utilisateurs, jeu):
    url = f"{URL}{jeu['autre'].pk}/"
    verifier_erreur(client_api(utilisateurs["partenaire"], "jeton").get(url), 404, "introuvable")
    verifier_erreur(client_api(utilisateurs["delegue"], "jeton").get(url), 404, "introuvable")
    assert client_api(utilisateurs["spv"], "jeton").get(url).status_code == 200


def test_detail_avec_etag(utilisateurs, jeu):
    v = jeu["brouillon"]
    reponse = client_api(utilisateurs["partenaire"], "jeton").get(f"{URL}{v.pk}/")
    assert reponse.status_code == 200
    assert reponse["ETag"] == f'"{v.pk}-{v.version}"'
    corps = reponse.json()
    assert corps["etag"] == reponse["ETag"] and corps["version"] == 1
    # L'enregistrement plat : clés naturelles, nombres JSON, booléens, dates ISO 8601.
    assert corps["indicateur"] == "E28-2" and corps["territoire"] == "paris"
    assert corps["producteur"] == v.producteur.slug and corps["unite"] == "nombre"
    assert corps["affichage"] == "12" and corps["valeur"] == 12 and corps["demo"] is False
    assert corps["modifie_le"] and corps["modifie_le"][:4].isdigit()


# --- filtres -----------------------------------------------------------------------------------


def test_filtres(utilisateurs, jeu, ind_caf, caf):
    spv = client_api(utilisateurs["spv"], "jeton")
    creer_valeur(ind_caf, "qpv-goutte-dor", annee=2021, statut="valide")

    def ids(params):
        reponse = spv.get(f"{URL}?page_size=500&{params}")
        assert reponse.status_code == 200, (params, reponse.content[:300])
        corps = reponse.json()
        assert corps["count"] == len(corps["results"])
        return {v["id"] for v in corps["results"]}

    def en_base(**filtres):
        return set(Valeur.objects.filter(**filtres).values_list("pk", flat=True))

    caf_2025 = {jeu[k].pk for k in ("brouillon", "soumise", "validee", "renvoyee")}
    assert ids("indicateur=E28-2&annee=2025") == caf_2025
    assert ids("indicateur=e28-2&annee=2025") == caf_2025  # code sans casse
    assert ids("engagement=1") == en_base(indicateur__engagement__numero=1)
    assert {jeu["autre"].pk, jeu["autre_validee"].pk} <= ids("engagement=1")
    assert ids("territoire=paris") == en_base(territoire__code="paris")
    assert {jeu["brouillon"].pk, jeu["autre"].pk} <= ids("territoire=paris")
    # Le QPV et ses secteurs.
    goutte = ids("quartier=goutte-dor")
    assert goutte == en_base(territoire__quartier__slug="goutte-dor")
    assert jeu["soumise"].pk in goutte
    assert ids("quartier=grand-belleville") == en_base(
        territoire__quartier__slug="grand-belleville"
    )
    assert en_base(territoire__type="secteur", territoire__quartier__slug="grand-belleville")
    assert en_base(territoire__type="secteur") & ids("quartier=grand-belleville")
    assert ids("statut=renvoye") == {jeu["renvoyee"].pk}
    assert ids("statut=brouillon") == {jeu["brouillon"].pk, jeu["autre"].pk}
    assert ids(f"producteur={caf.slug}&annee_min=2025") == caf_2025
    assert ids(f"producteur={caf.pk}&annee_min=2025") == caf_2025  # liens d'avant les slugs
    plage = ids("indicateur=E28-2&annee_min=2020&annee_max=2024")
    assert plage == en_base(indicateur=ind_caf, annee__range=(2020, 2024))
    assert len(plage) == 1
    assert ids("annee_max=2023") == en_base(annee__lte=2023)
    assert ids("annee_min=2024&annee_max=2025") == en_base(annee__in=[2024, 2025])
    # `demo` est un booléen : true/false (aussi 1/0 et oui/non, les liens des pages).
    for vrai in ("true", "1", "oui"):
        assert ids(f"demo={vrai}") == set()
    for faux in ("false", "0", "non"):
        assert ids(f"demo={faux}") == en_base(demo=False)
    assert ids("search=E01-1") == en_base(indicateur__code="E01-1")
    # Une clé bien formée qui ne désigne rien : liste vide ; une valeur mal formée : 400.
    for inconnue in ("territoire=nulle-part", "quartier=nulle-part", "producteur=personne"):
        assert ids(inconnue) == set()
    for invalide in ("statut=x", "annee_min=x", "demo=peut-etre", "page_size=null", "format="):
        verifier_erreur(spv.get(f"{URL}?{invalide}"), 400, "donnees_invalides")


def test_tri_stable_et_pagination(utilisateurs, jeu):
    spv = client_api(utilisateurs["spv"], "jeton")
    vus = []
    page = f"{URL}?page_size=2"
    while page:
        corps = spv.get(page).json()
        vus += [v["id"] for v in corps["results"]]
        page = corps["next"]
    assert len(vus) == len(set(vus)) == Valeur.objects.count()
    annees = [v.annee for v in Valeur.objects.filter(pk__in=vus)]
    assert max(annees) == Valeur.objects.get(pk=vus[0]).annee  # les plus récentes d'abord


def test_valeurs_de_demo_signalees(utilisateurs, ind_caf):
    demo = creer_valeur(ind_caf, "paris", annee=2021, statut="valide", demo=True, origine="demo")
    corps = client_api(utilisateurs["delegue"], "jeton").get(f"{URL}{demo.pk}/").json()
    assert corps["demo"] is True and corps["origine_libelle"] == "Valeur de démonstration"


# --- création ----------------------------------------------------------------------------------


def poster(client, **donnees):
    corps = {"indicateur": "E28-2", "territoire": "qpv-goutte-dor", "annee": ANNEE, **donnees}
    return client.post(URL, corps, format="json")


@pytest.mark.parametrize("mode", ["session", "jeton"])
def test_partenaire_cree_une_valeur(utilisateurs, campagne, ind_caf, mode):
    partenaire = utilisateurs["partenaire"]
    reponse = poster(client_api(partenaire, mode), valeur=120, source="Caf de Paris")
    assert reponse.status_code == 201, reponse.content
    corps = reponse.json()
    valeur = Valeur.objects.get(pk=corps["id"])
    assert valeur.valeur == 120 and valeur.statut == "brouillon" and valeur.version == 1
    assert valeur.saisi_par == partenaire and valeur.producteur_id == ind_caf.producteur_id
    assert valeur.origine == "saisie"
    assert reponse["ETag"] == f'"{valeur.pk}-1"' == corps["etag"]
    assert reponse["Location"].endswith(f"/api/v1/valeurs/{valeur.pk}/")
    historique = valeur.history.get()
    assert historique.history_user == partenaire
    assert historique.history_change_reason.startswith("API, création")


def test_nombre_et_part(utilisateurs, campagne, ind_part_caf):
    client = client_api(utilisateurs["partenaire"], "jeton")
    reponse = poster(client, indicateur="E05-1", nombre=30, base=120)
    assert reponse.status_code == 201, reponse.content
    assert reponse.json()["valeur"] == 25
    corps = verifier_erreur(
        poster(client, indicateur="E05-1", territoire="paris", valeur=26, nombre=30, base=120),
        400,
        "donnees_invalides",
    )
    assert "la part est calculée" in corps["erreurs"]["valeur"][0]
    corps = verifier_erreur(
        poster(client, indicateur="E05-1", territoire="paris", nombre=130, base=120),
        400,
        "donnees_invalides",
    )
    assert "ne peut pas dépasser la base" in corps["erreurs"]["nombre"][0]
    corps = verifier_erreur(
        poster(client, indicateur="E05-1", territoire="paris", nombre=30),
        400,
        "donnees_invalides",
    )
    assert corps["erreurs"]["base"] == ["Renseignez la base."]


@pytest.mark.parametrize(
    "donnees,champ,message",
    [
        ({"valeur": "12.5"}, "valeur", "Un nombre doit être un entier positif ou nul"),
        ({"valeur": -3}, "valeur", "Un nombre doit être un entier positif ou nul"),
        ({}, "valeur", "Renseignez la valeur."),
        ({"valeur": 3, "nombre": 3}, "nombre", "ne se saisissent que pour un indicateur"),
        ({"valeur": "beaucoup"}, "valeur", "nombre"),
        ({"valeur": 3, "source": "x" * 501}, "source", "500"),
    ],
)
def test_controles_de_la_grille(utilisateurs, campagne, ind_caf, donnees, champ, message):
    corps = verifier_erreur(
        poster(client_api(utilisateurs["partenaire"], "jeton"), **donnees),
        400,
        "donnees_invalides",
    )
    assert message in " ".join(corps["erreurs"][champ]), corps
    assert not Valeur.objects.filter(annee=ANNEE).exists()


def test_part_entre_0_et_100(utilisateurs, campagne, ind_autre):
    corps = verifier_erreur(
        poster(client_api(utilisateurs["spv"], "jeton"), indicateur="E01-1", valeur=140),
        400,
        "donnees_invalides",
    )
    assert "entre 0 et 100" in corps["erreurs"]["valeur"][0]


def test_valeur_atypique_a_commenter(utilisateurs, campagne, ind_caf):
    creer_valeur(ind_caf, "paris", annee=ANNEE - 1, valeur=Decimal(1000), statut="valide")
    client = client_api(utilisateurs["partenaire"], "jeton")
    corps = verifier_erreur(
        poster(client, territoire="paris", valeur=1800), 400, "donnees_invalides"
    )
    assert "au-delà de ±50 %" in corps["erreurs"]["commentaire"][0]
    reponse = poster(client, territoire="paris", valeur=1800, commentaire="Nouvelle aide")
    assert reponse.status_code == 201


def test_territoire_non_attendu(utilisateurs, campagne, ind_caf):
    corps = verifier_erreur(
        poster(
            client_api(utilisateurs["partenaire"], "jeton"),
            territoire="arrondissement-19",
            valeur=1,
        ),
        400,
        "donnees_invalides",
    )
    assert "Aucune valeur n’est attendue" in corps["erreurs"]["territoire"][0]


def test_codes_inconnus_et_annee(utilisateurs, campagne, ind_caf):
    client = client_api(utilisateurs["partenaire"], "jeton")
    corps = verifier_erreur(
        poster(client, indicateur="E99-9", territoire="nulle-part", annee=1990, valeur=1),
        400,
        "donnees_invalides",
    )
    assert corps["erreurs"]["indicateur"] == ["Code indicateur inconnu : « E99-9 »."]
    assert corps["erreurs"]["territoire"] == ["Code territoire inconnu : « nulle-part »."]
    assert "annee" in corps["erreurs"]


def test_refus_motives_avec_un_code(utilisateurs, campagne, ind_caf, ind_autre):
    partenaire = client_api(utilisateurs["partenaire"], "jeton")
    corps = verifier_erreur(
        poster(partenaire, indicateur="E01-1", valeur=5), 403, "indicateur_non_produit"
    )
    assert "n’est pas produit par votre organisation" in corps["detail"]
    corps = verifier_erreur(poster(partenaire, annee=2024, valeur=5), 403, "campagne_fermee")
    assert "Aucune campagne n’existe pour l’année 2024" in corps["detail"]
    for role in ("delegue", "structure"):
        corps = verifier_erreur(
            poster(client_api(utilisateurs[role], "jeton"), valeur=5), 403, "role_insuffisant"
        )
    verifier_erreur(poster(client_api(None), valeur=5), 401, "non_authentifie")
    assert not Valeur.objects.filter(annee=ANNEE).exists()


def test_campagne_close(utilisateurs, campagne, ind_caf):
    campagne.cloturer(by=utilisateurs["spv"])
    corps = verifier_erreur(
        poster(client_api(utilisateurs["spv"], "jeton"), valeur=5), 403, "campagne_fermee"
    )
    assert "est clôturée" in corps["detail"]


def test_creer_une_valeur_existante_409(utilisateurs, campagne, ind_caf):
    existante = creer_valeur(ind_caf, "qpv-goutte-dor")
    corps = verifier_erreur(
        poster(client_api(utilisateurs["partenaire"], "jeton"), valeur=5), 409, "conflit"
    )
    assert f"/api/v1/valeurs/{existante.pk}/" in corps["detail"]
    assert f'"{existante.pk}-1"' in corps["detail"]


def test_le_spv_saisit_tous_les_indicateurs(utilisateurs, campagne, ind_autre):
    reponse = poster(client_api(utilisateurs["spv"], "jeton"), indicateur="E01-1", valeur=12.5)
    assert reponse.status_code == 201, reponse.content
    assert reponse.json()["affichage"] == "12,5 %"


# --- modification : ETag / If-Match ------------------------------------------------------------


def modifier(client, cible, if_match=None, methode="patch", **donnees):
    entetes = {} if if_match is None else {"HTTP_IF_MATCH": if_match}
    return getattr(client, methode)(f"{URL}{cible.pk}/", donnees, format="json", **entetes)


def test_modification_avec_if_match(utilisateurs, campagne, ind_caf):
    v = creer_valeur(ind_caf, "paris", source="Caf", statut="soumis")
    client = client_api(utilisateurs["partenaire"], "jeton")
    etag = client.get(f"{URL}{v.pk}/")["ETag"]
    reponse = modifier(client, v, etag, valeur=14)
    assert reponse.status_code == 200, reponse.content
    v.refresh_from_db()
    assert v.valeur == 14 and v.version == 2 and v.statut == "brouillon"
    assert v.source == "Caf"  # PATCH : les champs absents gardent leur valeur
    assert reponse["ETag"] == f'"{v.pk}-2"' == reponse.json()["etag"]
    assert v.history.first().history_change_reason.startswith("API, modification")


def test_modification_perimee_412(utilisateurs, campagne, ind_caf):
    v = creer_valeur(ind_caf, "paris")
    client = client_api(utilisateurs["partenaire"], "jeton")
    etag = client.get(f"{URL}{v.pk}/")["ETag"]
    assert modifier(client, v, etag, valeur=13).status_code == 200
    # Une seconde écriture avec l'ETag d'avant : la valeur a changé entre-temps.
    verifier_erreur(modifier(client, v, etag, valeur=14), 412, "precondition_echouee")
    v.refresh_from_db()
    assert v.valeur == 13 and v.version == 2


def test_modification_concurrente_sous_verrou_412(utilisateurs, campagne, ind_caf, monkeypatch):
    """La version est contrôlée une seconde fois sous verrou, dans `enregistrer_valeur` : une
    écriture arrivée entre la lecture de l'ETag et l'écriture est refusée."""
    import indicateurs.ecriture as module

    v = creer_valeur(ind_caf, "paris")
    original = module.enregistrer_valeur

    def ecriture_concurrente(*args, **kwargs):
        Valeur.objects.filter(pk=v.pk).update(valeur=99, version=2)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, "enregistrer_valeur", ecriture_concurrente)
    client = client_api(utilisateurs["partenaire"], "jeton")
    corps = verifier_erreur(
        modifier(client, v, f'"{v.pk}-1"', valeur=14), 412, "precondition_echouee"
    )
    assert "modifiée entre-temps" in corps["detail"] and "99" in corps["detail"]


def test_modification_sans_if_match_428(utilisateurs, campagne, ind_caf):
    v = creer_valeur(ind_caf, "paris")
    client = client_api(utilisateurs["partenaire"], "jeton")
    verifier_erreur(modifier(client, v, None, valeur=14), 428, "precondition_requise")
    verifier_erreur(
        modifier(client, v, None, methode="put", valeur=14), 428, "precondition_requise"
    )
    assert modifier(client, v, "*", valeur=14).status_code == 200


def test_put_remplace_les_champs_saisis(utilisateurs, campagne, ind_caf):
    v = creer_valeur(ind_caf, "paris", source="Caf", commentaire="ancien")
    client = client_api(utilisateurs["spv"], "jeton")
    reponse = modifier(client, v, f'"{v.pk}-1"', methode="put", valeur=15)
    assert reponse.status_code == 200, reponse.content
    v.refresh_from_db()
    assert (v.valeur, v.source, v.commentaire) == (15, "", "")


def test_la_cle_ne_se_modifie_pas(utilisateurs, campagne, ind_caf):
    v = creer_valeur(ind_caf, "paris")
    client = client_api(utilisateurs["partenaire"], "jeton")
    corps = verifier_erreur(
        modifier(client, v, f'"{v.pk}-1"', territoire="ensemble-qpv", valeur=3),
        400,
        "donnees_invalides",
    )
    assert "ne se modifie pas" in corps["erreurs"]["territoire"][0]
    assert modifier(client, v, f'"{v.pk}-1"', territoire="paris", valeur=3).status_code == 200


def test_modification_refusee(utilisateurs, campagne, ind_caf):
    validee = creer_valeur(ind_caf, "paris", statut="valide")
    partenaire = client_api(utilisateurs["partenaire"], "jeton")
    corps = verifier_erreur(
        modifier(partenaire, validee, f'"{validee.pk}-1"', valeur=3), 403, "valeur_validee"
    )
    assert "déjà validée" in corps["detail"]
    # Un délégué voit la valeur validée, mais ne la modifie pas (même sans If-Match : 403).
    verifier_erreur(
        modifier(client_api(utilisateurs["delegue"], "jeton"), validee, None, valeur=3),
        403,
        "role_insuffisant",
    )
    brouillon = creer_valeur(ind_caf, "ensemble-qpv")
    verifier_erreur(
        modifier(client_api(utilisateurs["delegue"], "jeton"), brouillon, None, valeur=3),
        404,
        "introuvable",
    )
    validee.refresh_from_db()
    assert validee.valeur == 12 and validee.version == 1


def test_modification_sans_changement(utilisateurs, campagne, ind_caf):
    v = creer_valeur(ind_caf, "paris")
    client = client_api(utilisateurs["partenaire"], "jeton")
    reponse = modifier(client, v, f'"{v.pk}-1"', valeur=12)
    assert reponse.status_code == 200 and reponse.json()["version"] == 1
    assert v.history.count() == 1


# --- circuit -----------------------------------------------------------------------------------


def agir(client, cible, action, if_match=None, **donnees):
    entetes = {} if if_match is None else {"HTTP_IF_MATCH": if_match}
    return client.post(f"{URL}{cible.pk}/{action}/", donnees, format="json", **entetes)


def test_circuit_soumettre_valider(utilisateurs, campagne, ind_caf):
    v = creer_valeur(ind_caf, "paris")
    partenaire = client_api(utilisateurs["partenaire"], "jeton")
    reponse = agir(partenaire, v, "soumettre", f'"{v.pk}-1"')
    assert reponse.status_code == 200, reponse.content
    assert reponse.json()["statut"] == "soumis" and reponse["ETag"] == f'"{v.pk}-2"'
    corps = verifier_erreur(agir(partenaire, v, "valider"), 403, "role_insuffisant")
    assert corps["detail"] == "Seuls les agents DDCT/SPV peuvent valider une valeur."
    corps = verifier_erreur(agir(partenaire, v, "soumettre"), 403, "transition_impossible")
    assert "ne peut pas être soumise" in corps["detail"]
    spv = client_api(utilisateurs["spv"], "jeton")
    verifier_erreur(agir(spv, v, "valider", f'"{v.pk}-1"'), 412, "precondition_echouee")
    reponse = agir(spv, v, "valider", f'"{v.pk}-2"')
    assert reponse.status_code == 200 and reponse.json()["statut"] == "valide"
    v.refresh_from_db()
    assert v.statut == "valide" and v.valide_par == utilisateurs["spv"]
    raisons = list(v.history.order_by("history_id").values_list("history_change_reason", flat=True))
    assert raisons[-2:] == ["Valeur soumise (API)", "Valeur validée (API)"]
    # Validée : plus de modification, ni de nouvelle soumission.
    verifier_erreur(agir(partenaire, v, "soumettre"), 403, "valeur_validee")


def test_renvoyer_avec_un_motif(utilisateurs, campagne, ind_caf):
    v = creer_valeur(ind_caf, "paris", statut="soumis")
    spv = client_api(utilisateurs["spv"], "jeton")
    corps = verifier_erreur(agir(spv, v, "renvoyer", motif=" "), 400, "donnees_invalides")
    assert "motif" in corps["erreurs"]
    reponse = agir(spv, v, "renvoyer", motif="Source à préciser")
    assert reponse.status_code == 200, reponse.content
    assert reponse.json()["statut"] == "renvoye"
    assert reponse.json()["motif_renvoi"] == "Source à préciser"
    verifier_erreur(
        agir(client_api(utilisateurs["partenaire"], "jeton"), v, "renvoyer", motif="x"),
        403,
        "role_insuffisant",
    )


def test_circuit_campagne_close(utilisateurs, ind_caf):
    campagne = ouvrir_campagne()
    v = creer_valeur(ind_caf, "paris")
    Campagne.objects.filter(pk=campagne.pk).update(statut="cloturee")
    verifier_erreur(
        agir(client_api(utilisateurs["partenaire"], "jeton"), v, "soumettre"),
        403,
        "campagne_fermee",
    )


def test_ecriture_en_csv_refusee_en_json(utilisateurs, campagne, ind_caf):
    reponse = client_api(utilisateurs["partenaire"], "jeton").post(
        URL + "?format=csv",
        {"indicateur": "E28-2", "territoire": "paris", "annee": ANNEE, "valeur": 1},
        format="json",
    )
    assert reponse["Content-Type"] == "application/json"


# --- jetons ------------------------------------------------------------------------------------


def test_jeton_revoque_ne_peut_plus_ecrire(utilisateurs, campagne, ind_caf):
    jeton, cle = JetonAPI.emettre(utilisateurs["partenaire"], "SI Caf")
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {cle}")
    premiere = poster(client, territoire="paris", valeur=5)
    assert premiere.status_code == 201
    cree = Valeur.objects.get(annee=ANNEE)
    assert cree.history.get().history_change_reason == "API, création (jeton « SI Caf »)"
    jeton.revoquer()
    verifier_erreur(poster(client, valeur=5), 401, "jeton_revoque")
    v = Valeur.objects.get(annee=ANNEE)
    verifier_erreur(modifier(client, v, f'"{v.pk}-1"', valeur=6), 401, "jeton_revoque")
    verifier_erreur(agir(client, v, "soumettre"), 401, "jeton_revoque")
    verifier_erreur(
        client.post(
            URL + "bulk/",
            {"valeurs": [{"indicateur": "E28-2", "territoire": "paris", "annee": ANNEE}]},
            format="json",
        ),
        401,
        "jeton_revoque",
    )
    assert Valeur.objects.filter(annee=ANNEE).count() == 1
    v.refresh_from_db()
    assert v.valeur == 5 and v.version == 1


def test_indicateur_expose_son_producteur(api, ind_caf, caf):
    corps = api.get("/api/v1/indicateurs/E28-2/").json()
    assert corps["producteur"] == {"slug": caf.slug, "nom": caf.nom}
    assert corps["niveaux"] == ["paris", "ensemble_qpv", "qpv"] and corps["du_contrat"] is True
    codes_caf = {i["code"] for i in api.get(f"/api/v1/indicateurs/?producteur={caf.pk}").json()[
        "results"]}  # fmt: skip
    assert codes_caf == set(
        Indicateur.objects.filter(producteur=caf).values_list("code", flat=True)
    )
