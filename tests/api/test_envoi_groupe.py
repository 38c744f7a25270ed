"""L'envoi groupé `POST /api/v1/valeurs/bulk/` : upsert par clé naturelle, tout ou rien dans
une transaction, erreurs par indice d'élément et par champ, historique de chaque écriture,
versions périmées (412), soumission dans la foulée, limites et débits."""

from decimal import Decimal

import pytest
from simple_history.utils import get_history_model_for_model

from indicateurs.models import Valeur
from tests.api.conftest import ANNEE, client_api, creer_valeur, verifier_erreur

pytestmark = pytest.mark.django_db

URL = "/api/v1/valeurs/bulk/"
Historique = get_history_model_for_model(Valeur)


def element(territoire="qpv-goutte-dor", indicateur="E28-2", annee=ANNEE, **champs):
    return {"indicateur": indicateur, "territoire": territoire, "annee": annee, **champs}


def envoyer(client, elements, **options):
    return client.post(URL, {"valeurs": elements, **options}, format="json")


def etat_des_valeurs():
    return sorted(
        Valeur.objects.values_list("pk", "indicateur__code", "territoire__code", "annee",
                                   "valeur", "nombre", "base", "statut", "version")
    )  # fmt: skip


@pytest.mark.parametrize("mode", ["session", "jeton"])
def test_upsert_tout_bon(utilisateurs, campagne, ind_caf, ind_part_caf, mode):
    partenaire = utilisateurs["partenaire"]
    existante = creer_valeur(ind_caf, "paris", valeur=Decimal(5000), source="Caf")
    inchangee = creer_valeur(ind_caf, "ensemble-qpv", valeur=Decimal(900))
    historique_avant = Historique.objects.count()
    reponse = envoyer(
        client_api(partenaire, mode),
        [
            element(valeur=120, source="Caf de Paris"),
            element("paris", valeur=5400, source="Caf", version=1),
            element("ensemble-qpv", valeur=900, version=1),
            element("qpv-algerie", indicateur="E05-1", nombre=30, base=120),
        ],
    )
    assert reponse.status_code == 200, reponse.content
    rapport = reponse.json()
    assert (rapport["nombre"], rapport["creees"], rapport["modifiees"], rapport["inchangees"]) == (
        4,
        2,
        1,
        1,
    )
    assert [ligne["index"] for ligne in rapport["valeurs"]] == [0, 1, 2, 3]
    assert [ligne["resultat"] for ligne in rapport["valeurs"]] == [
        "creee",
        "modifiee",
        "inchangee",
        "creee",
    ]
    existante.refresh_from_db()
    assert existante.valeur == 5400 and existante.version == 2 and existante.origine == "import"
    assert rapport["valeurs"][1]["etag"] == f'"{existante.pk}-2"'
    assert rapport["valeurs"][1]["url"].endswith(f"/api/v1/valeurs/{existante.pk}/")
    inchangee.refresh_from_db()
    assert inchangee.version == 1
    part = Valeur.objects.get(indicateur__code="E05-1", territoire__code="qpv-algerie")
    assert part.valeur == Decimal("25.00") and part.saisi_par == partenaire
    # Historique : une ligne par valeur écrite (3), aucune pour la valeur inchangée, avec
    # l'auteur et la raison de l'envoi.
    nouvelles = Historique.objects.order_by("history_id")[historique_avant:]
    assert len(nouvelles) == 3
    assert {h.history_user for h in nouvelles} == {partenaire}
    raison = "API, envoi groupé " + ("(session)" if mode == "session" else "(jeton « Jeton")
    assert all(h.history_change_reason.startswith(raison) for h in nouvelles)
    assert {h.history_type for h in nouvelles} == {"+", "~"}


def test_tout_ou_rien_erreurs_par_indice_et_champ(utilisateurs, campagne, ind_caf, ind_autre):
    existante = creer_valeur(ind_caf, "paris", valeur=Decimal(5000))
    avant, historique_avant = etat_des_valeurs(), Historique.objects.count()
    reponse = envoyer(
        client_api(utilisateurs["partenaire"], "jeton"),
        [
            element(valeur=120),  # bon
            element("paris", valeur=5100, version=1),  # bon (mise à jour)
            element("ensemble-qpv", valeur="12.5"),  # unité
            element("qpv-algerie", indicateur="E01-1", valeur=5),  # autre organisation
            element("qpv-algerie", annee=2024, valeur=5),  # pas de campagne
            element("nulle-part", indicateur="E99-9", valeur=1),  # codes inconnus
            element("arrondissement-19", valeur=1),  # territoire non attendu
            element("qpv-la-chapelle-evangile", source="sans valeur"),  # valeur manquante
            "pas un objet",
            element(valeur=130),  # doublon de l'élément 0
        ],
    )
    corps = verifier_erreur(reponse, 400, "donnees_invalides")
    erreurs = corps["erreurs"]
    assert list(erreurs) == ["2", "3", "4", "5", "6", "7", "8", "9"]
    assert "entier positif" in erreurs["2"]["valeur"][0]
    assert "n’est pas produit par votre organisation" in erreurs["3"]["indicateur"][0]
    assert "Aucune campagne n’existe pour l’année 2024" in erreurs["4"]["annee"][0]
    assert erreurs["5"] == {
        "indicateur": ["Code indicateur inconnu : « E99-9 »."],
        "territoire": ["Code territoire inconnu : « nulle-part »."],
    }
    assert "Aucune valeur n’est attendue" in erreurs["6"]["territoire"][0]
    assert erreurs["7"] == {"valeur": ["Renseignez la valeur."]}
    assert erreurs["8"] == {"general": ["Chaque élément est un objet JSON."]}
    assert "que l’élément 0" in erreurs["9"]["general"][0]
    assert "8 éléments sur 10 en erreur" in corps["detail"]
    # Rien n'a été écrit, pas même les éléments valides, ni dans l'historique.
    assert etat_des_valeurs() == avant
    assert Historique.objects.count() == historique_avant
    existante.refresh_from_db()
    assert existante.valeur == 5000


def test_une_seule_erreur_annule_tout(utilisateurs, campagne, ind_caf):
    """Les écritures valides qui précèdent l'élément fautif sont annulées (transaction)."""
    avant = Valeur.objects.count()
    elements = [element(code, valeur=10 + i) for i, code in enumerate(["paris", "ensemble-qpv"])]
    elements.append(element("qpv-goutte-dor", valeur=-1))
    corps = verifier_erreur(
        envoyer(client_api(utilisateurs["spv"], "jeton"), elements), 400, "donnees_invalides"
    )
    assert list(corps["erreurs"]) == ["2"] and list(corps["erreurs"]["2"]) == ["valeur"]
    assert Valeur.objects.count() == avant


def test_valeur_validee_et_atypique(utilisateurs, campagne, ind_caf):
    creer_valeur(ind_caf, "paris", statut="valide")
    creer_valeur(ind_caf, "ensemble-qpv", annee=ANNEE - 1, valeur=Decimal(100), statut="valide")
    corps = verifier_erreur(
        envoyer(
            client_api(utilisateurs["partenaire"], "jeton"),
            [element("paris", valeur=3), element("ensemble-qpv", valeur=300)],
        ),
        400,
        "donnees_invalides",
    )
    assert "déjà validée" in corps["erreurs"]["0"]["general"][0]
    assert "au-delà de ±50 %" in corps["erreurs"]["1"]["commentaire"][0]
    reponse = envoyer(
        client_api(utilisateurs["partenaire"], "jeton"),
        [element("ensemble-qpv", valeur=300, commentaire="Nouveau dispositif")],
    )
    assert reponse.status_code == 200


def test_versions_perimees_412(utilisateurs, campagne, ind_caf):
    v = creer_valeur(ind_caf, "paris", valeur=Decimal(10))
    Valeur.objects.filter(pk=v.pk).update(version=3)
    client = client_api(utilisateurs["partenaire"], "jeton")
    avant = etat_des_valeurs()
    corps = verifier_erreur(
        envoyer(client, [element(valeur=5), element("paris", valeur=11, version=2)]),
        412,
        "precondition_echouee",
    )
    assert list(corps["erreurs"]) == ["1"]
    assert "modifiée entre-temps" in corps["erreurs"]["1"]["version"][0]
    # Version 0 : « la valeur ne doit pas encore exister ».
    corps = verifier_erreur(
        envoyer(client, [element("paris", valeur=11, version=0)]), 412, "precondition_echouee"
    )
    # Une version périmée et une autre erreur : 400 (corriger d'abord les données).
    corps = verifier_erreur(
        envoyer(client, [element(valeur=-5), element("paris", valeur=11, version=2)]),
        400,
        "donnees_invalides",
    )
    assert set(corps["erreurs"]) == {"0", "1"}
    assert etat_des_valeurs() == avant
    reponse = envoyer(client, [element("paris", valeur=11, version=3)])
    assert reponse.status_code == 200 and reponse.json()["valeurs"][0]["version"] == 4


def test_soumettre_dans_la_foulee(utilisateurs, campagne, ind_caf):
    renvoyee = creer_valeur(ind_caf, "paris", statut="renvoye", motif_renvoi="Source ?")
    reponse = envoyer(
        client_api(utilisateurs["partenaire"], "jeton"),
        [element(valeur=7), element("paris", valeur=12, source="Caf", version=1)],
        soumettre=True,
    )
    assert reponse.status_code == 200, reponse.content
    rapport = reponse.json()
    assert rapport["soumises"] == 2
    assert {ligne["statut"] for ligne in rapport["valeurs"]} == {"soumis"}
    renvoyee.refresh_from_db()
    assert renvoyee.statut == "soumis" and renvoyee.soumis_par == utilisateurs["partenaire"]
    assert rapport["valeurs"][1]["version"] == renvoyee.version == 3
    assert renvoyee.history.first().history_change_reason.startswith("Soumise en masse")


@pytest.mark.parametrize(
    "corps,champ",
    [
        ([element(valeur=1)], "general"),
        ({"valeurs": []}, "valeurs"),
        ({"valeurs": "x"}, "valeurs"),
        ({"valeurs": [element(valeur=1)], "autre": 1}, "autre"),
        ({"valeurs": [element(valeur=1)], "soumettre": "peut-être"}, "soumettre"),
    ],
)
def test_forme_du_corps(utilisateurs, campagne, ind_caf, corps, champ):
    reponse = client_api(utilisateurs["spv"], "jeton").post(URL, corps, format="json")
    assert champ in verifier_erreur(reponse, 400, "donnees_invalides")["erreurs"]


def test_nombre_d_elements_borne(utilisateurs, campagne, ind_caf, monkeypatch):
    import indicateurs.api.envoi

    monkeypatch.setattr(indicateurs.api.envoi, "MAX_ELEMENTS_ENVOI", 2)
    corps = verifier_erreur(
        envoyer(client_api(utilisateurs["spv"], "jeton"), [element(valeur=1)] * 3),
        400,
        "donnees_invalides",
    )
    assert "au plus 2" in corps["erreurs"]["valeurs"][0]


def test_corps_trop_volumineux_413(settings, utilisateurs, campagne, ind_caf, monkeypatch):
    import indicateurs.api.envoi

    monkeypatch.setattr(indicateurs.api.envoi, "TAILLE_MAX_ENVOI", 500)
    elements = [element(valeur=1, commentaire="x" * 600)]
    verifier_erreur(
        envoyer(client_api(utilisateurs["spv"], "jeton"), elements),
        413,
        "requete_trop_volumineuse",
    )


def test_envoi_groupe_plus_large_que_la_limite_commune(settings, utilisateurs, campagne, ind_caf):
    """L'envoi groupé a sa propre limite (5 Mo), au-dessus de la limite commune de l'API."""
    settings.API_TAILLE_MAX_REQUETE = 300
    elements = [element(valeur=1, commentaire="x" * 400)]
    reponse = envoyer(client_api(utilisateurs["spv"], "jeton"), elements)
    assert reponse.status_code == 200, reponse.content


@pytest.mark.parametrize("role", ["delegue", "structure"])
def test_roles_sans_saisie_403(utilisateurs, campagne, ind_caf, role):
    corps = verifier_erreur(
        envoyer(client_api(utilisateurs[role], "jeton"), [element(valeur=1)]),
        403,
        "role_insuffisant",
    )
    assert "partenaires producteurs" in corps["detail"]


def test_anonyme_401(api, campagne, ind_caf):
    verifier_erreur(envoyer(api, [element(valeur=1)]), 401, "non_authentifie")


def test_debit_applique_a_l_envoi_groupe(settings, utilisateurs, campagne, ind_caf):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anonyme": "100/min", "utilisateur": "2/min"},
    }
    client = client_api(utilisateurs["partenaire"], "jeton")
    for i in range(2):
        assert envoyer(client, [element(valeur=10 + i, version=i)]).status_code == 200
    corps = verifier_erreur(envoyer(client, [element(valeur=20)]), 429, "trop_de_requetes")
    assert corps["attente"] > 0
    assert Valeur.objects.get(annee=ANNEE).valeur == 11
