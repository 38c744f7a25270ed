"""Listes transversales des fiches-actions : visibilité par rôle, filtres (un seul FilterSet
pour la page, l'export et la couverture), recherche plein texte, export tableur et matrice de
couverture."""

from io import BytesIO

import pytest
from django.db import connection
from openpyxl import load_workbook

from engagements.models import Action, Engagement
from quartiers.models import Quartier
from structures.filters import FicheActionFilter, filtrer_code_json
from structures.models import FicheAction, FinancementFiche, Structure

from .conftest import fiche_complete

pytestmark = pytest.mark.django_db


@pytest.fixture
def jeu(j2p, qpv_delegue, qpv_hors_delegue):
    """Des fiches saisies dans le portail, de statuts, années, QPV et engagements variés."""
    danube = Structure.objects.get(slug="centre-social-danube")
    e5 = Engagement.objects.get(numero=5)
    action_e5 = Action.objects.filter(engagement=e5).order_by("ordre")[1]
    fiches = {
        "validee_2025": fiche_complete(
            j2p,
            qpv_delegue,
            titre="Café des parents",
            statut="validee",
            mots_cles=["parentalite"],
            publics=["familles"],
        ),
        "validee_2024_danube": fiche_complete(
            danube,
            qpv_hors_delegue,
            engagement_numero=16,
            titre="Marche santé",
            annee=2024,
            statut="validee",
            dimension="services",
            mots_cles=["sante", "intergenerationnel"],
            publics=["seniors"],
            resume="Une marche hebdomadaire pour les seniors isolés.",
        ),
        "soumise_qpv_delegue": fiche_complete(
            j2p, qpv_delegue, titre="Jardin partagé", statut="soumise", mots_cles=["environnement"]
        ),
        "soumise_autre_qpv": fiche_complete(
            danube, qpv_hors_delegue, titre="Repair café", statut="soumise", mots_cles=["culture"]
        ),
        "brouillon": fiche_complete(j2p, qpv_delegue, titre="Brouillon secret"),
        "renvoyee": fiche_complete(
            j2p, qpv_delegue, titre="Fiche renvoyée", statut="renvoyee", mots_cles=["culture"]
        ),
    }
    fiches["validee_2025"].actions.add(action_e5)
    # Une fiche dans deux QPV : comptée dans chacun, une seule fois dans les totaux.
    fiches["validee_2025"].quartiers.add(qpv_hors_delegue)
    FinancementFiche.objects.create(fiche=fiches["validee_2025"], financeur="ville", montant=1500)
    fiches["action_e5"] = action_e5
    return fiches


def titres(reponse):
    return {f.titre for f in reponse.context["page"].object_list}


def nouvelles(qs):
    """Les fiches saisies dans les tests (les fiches des sources ont une clé)."""
    return {f.titre for f in qs.filter(cle="")}


def test_visibilite_des_listes_par_role(client, comptes, jeu):
    client.force_login(comptes["spv"])
    assert nouvelles(
        client.get("/structures/fiches/?page=1").context["page"].paginator.object_list
    ) == {
        "Café des parents",
        "Marche santé",
        "Jardin partagé",
        "Repair café",
        "Brouillon secret",
        "Fiche renvoyée",
    }
    # Délégué : les validées, plus les soumises de ses QPV (pas les brouillons ni les renvoyées).
    client.force_login(comptes["delegue"])
    liste = client.get("/structures/fiches/").context["page"].paginator.object_list
    assert nouvelles(liste) == {"Café des parents", "Marche santé", "Jardin partagé"}
    # Partenaire : les validées seulement.
    client.force_login(comptes["partenaire"])
    liste = client.get("/structures/fiches/").context["page"].paginator.object_list
    assert nouvelles(liste) == {"Café des parents", "Marche santé"}
    # Les fiches des sources (validées) sont visibles de tous les rôles qui consultent.
    assert liste.exclude(cle="").count() == FicheAction.objects.exclude(cle="").count()


def test_une_fiche_dans_deux_qpv_du_delegue_ne_sort_qu_une_fois(comptes, jeu, qpv_delegue):
    deuxieme = Quartier.objects.order_by("ordre")[1]
    jeu["soumise_qpv_delegue"].quartiers.add(deuxieme)
    visibles = FicheAction.objects.for_user(comptes["delegue"]).filter(titre="Jardin partagé")
    assert visibles.count() == 1


@pytest.mark.parametrize(
    ("parametres", "attendu"),
    [
        ({"annee": "2024"}, {"Marche santé"}),
        ({"statut": "soumise"}, {"Jardin partagé", "Repair café"}),
        ({"dimension": "services"}, {"Marche santé"}),
        ({"mot_cle": "parentalite"}, {"Café des parents", "Brouillon secret"}),
        ({"mot_cle": "sante"}, {"Marche santé"}),
        ({"public": "seniors"}, {"Marche santé"}),
        ({"engagement": "16"}, {"Marche santé"}),
        ({"hors_paris": "false", "annee": "2024"}, {"Marche santé"}),
        ({"q": "seniors isolés"}, {"Marche santé"}),
        ({"q": "CAFÉ"}, {"Café des parents", "Repair café"}),
        ({"q": "Danube"}, {"Marche santé", "Repair café"}),
    ],
)
def test_filtres(client, comptes, jeu, parametres, attendu):
    client.force_login(comptes["spv"])
    reponse = client.get("/structures/fiches/", parametres)
    assert nouvelles(reponse.context["page"].paginator.object_list) == attendu


def test_filtres_lieu_structure_action(client, comptes, jeu, qpv_delegue, qpv_hors_delegue):
    client.force_login(comptes["spv"])
    liste = lambda **p: nouvelles(  # noqa: E731
        client.get("/structures/fiches/", p).context["page"].paginator.object_list
    )
    assert liste(quartier=qpv_hors_delegue.slug) == {
        "Café des parents",
        "Marche santé",
        "Repair café",
    }
    danube = Structure.objects.get(slug="centre-social-danube")
    assert liste(structure=danube.slug) == {"Marche santé", "Repair café"}
    assert liste(action=jeu["action_e5"].pk) == {"Café des parents"}
    # Arrondissement : celui d'un QPV de la fiche, ou celui de la structure.
    numero = qpv_delegue.arrondissements.first().numero
    attendu = {
        f.titre
        for f in FicheAction.objects.filter(cle="")
        if any(a.numero == numero for q in f.quartiers.all() for a in q.arrondissements.all())
        or (f.structure.arrondissement and f.structure.arrondissement.numero == numero)
    }
    assert liste(arrondissement=numero) == attendu and "Café des parents" in attendu


def test_filtre_invalide_ne_renvoie_rien(client, comptes, jeu):
    client.force_login(comptes["spv"])
    reponse = client.get("/structures/fiches/", {"mot_cle": "sport"})
    assert reponse.context["page"].paginator.count == 0
    assert "Sélectionnez un choix valide" in reponse.content.decode()
    export = client.get("/structures/fiches/export.xlsx", {"mot_cle": "sport"})
    assert load_workbook(BytesIO(export.content)).active.max_row == 1


def test_mot_cle_sans_inclusion_json(monkeypatch, jeu):
    """Le chemin SQLite (comparaison du texte JSON) donne les mêmes fiches que `@>`."""
    base = FicheAction.objects.filter(cle="")
    avec = set(filtrer_code_json(base, "mots_cles", "sante").values_list("titre", flat=True))
    monkeypatch.setattr(connection.features, "supports_json_field_contains", False)
    sans = set(filtrer_code_json(base, "mots_cles", "sante").values_list("titre", flat=True))
    assert avec == sans == {"Marche santé"}
    # « sante » ne doit pas attraper un code qui le contiendrait.
    assert not filtrer_code_json(base, "mots_cles", "sant").exists()


def test_recherche_plein_texte_postgresql(jeu, rf, comptes):
    if connection.vendor != "postgresql":
        pytest.skip("Recherche en français propre à PostgreSQL")
    requete = rf.get("/")
    requete.user = comptes["spv"]
    # Racines françaises : « marches » trouve « marche », « isolé » trouve « isolés ».
    filtre = FicheActionFilter(
        {"q": "marches isolé"}, queryset=FicheAction.objects.filter(cle=""), request=requete
    )
    assert {f.titre for f in filtre.qs} == {"Marche santé"}


def test_export_xlsx(client, comptes, jeu):
    client.force_login(comptes["delegue"])
    reponse = client.get("/structures/fiches/export.xlsx", {"mot_cle": "parentalite"})
    assert reponse.status_code == 200
    assert reponse["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert 'filename="fiches-actions-' in reponse["Content-Disposition"]
    feuille = load_workbook(BytesIO(reponse.content)).active
    entetes = [c.value for c in feuille[1]]
    lignes = [
        dict(zip(entetes, [c.value for c in ligne], strict=True))
        for ligne in feuille.iter_rows(min_row=2)
    ]
    attendues = FicheAction.objects.for_user(comptes["delegue"])
    attendues = {f.titre for f in attendues if "parentalite" in f.mots_cles}
    assert {ligne["Titre de l’action"] for ligne in lignes} == attendues
    cafe = next(ligne for ligne in lignes if ligne["Titre de l’action"] == "Café des parents")
    assert cafe["Structure"] == "J2P (Jaurès Pantin Petit)"
    assert cafe["Structure hors Paris"] == "Non"
    assert cafe["Année"] == 2025
    assert cafe["Statut de la fiche"] == "Validée"
    assert cafe["Engagements"] == "5"
    assert cafe["Mots clés"] == "Parentalité"
    assert cafe["Budget total"] == 1500
    assert cafe["Budget par financeur"] == "Ville de Paris : 1 500,00 €"
    assert cafe["Actions numérotées"].startswith(f"5.{jeu['action_e5'].numero} ")
    assert cafe["Lien"] == f"https://portail.exemple/structures/fiches/{jeu['validee_2025'].pk}/"
    # Date au format jj/mm/aaaa (vraie date Excel).
    colonne = entetes.index("Modifiée le") + 1
    cellule = feuille.cell(row=2, column=colonne)
    assert cellule.number_format == "DD/MM/YYYY"
    # Le brouillon (même avec le mot clé) n'est pas exporté pour un délégué.
    assert "Brouillon secret" not in {ligne["Titre de l’action"] for ligne in lignes}


def test_export_hors_paris_et_texte_jamais_formule(client, comptes, jeu):
    jeu["validee_2025"].titre = '=HYPERLINK("http://x")'
    jeu["validee_2025"].save()
    client.force_login(comptes["spv"])
    reponse = client.get("/structures/fiches/export.xlsx", {"hors_paris": "true"})
    feuille = load_workbook(BytesIO(reponse.content)).active
    colonne = [c.value for c in feuille[1]].index("Structure hors Paris")
    valeurs = {ligne[colonne].value for ligne in feuille.iter_rows(min_row=2)}
    assert valeurs == {"Oui"}
    assert feuille.max_row - 1 == FicheAction.objects.filter(structure__hors_paris=True).count()
    reponse = client.get("/structures/fiches/export.xlsx", {"q": "HYPERLINK"})
    cellule = load_workbook(BytesIO(reponse.content)).active.cell(row=2, column=2)
    assert cellule.data_type == "s" and cellule.value.startswith("=HYPERLINK")


# --- couverture ------------------------------------------------------------------------------


def test_matrice_de_couverture(client, comptes, jeu, qpv_delegue, qpv_hors_delegue):
    client.force_login(comptes["spv"])
    reponse = client.get("/structures/fiches/couverture/", {"annee": "2025", "statut": ""})
    assert reponse.status_code == 200
    lignes = {ligne["engagement"].numero: ligne for ligne in reponse.context["lignes"]}
    cellules = {c["quartier"]: c for c in lignes[5]["cellules"]}
    fiches_2025_e5 = FicheAction.objects.filter(annee=2025, engagements__numero=5)
    # Toutes les fiches 2025 de l'engagement 5 dans le QPV du délégué.
    assert cellules[qpv_delegue]["n"] == fiches_2025_e5.filter(quartiers=qpv_delegue).count() == 4
    assert (
        cellules[qpv_hors_delegue]["n"] == fiches_2025_e5.filter(quartiers=qpv_hors_delegue).count()
    )
    # « Café des parents » est dans deux QPV : une seule fois dans le total de la ligne.
    assert lignes[5]["total"] == fiches_2025_e5.distinct().count() == 5
    # Les actions numérotées citées apparaissent sous leur engagement.
    actions = lignes[5]["actions"]
    assert [a["action"] for a in actions] == [jeu["action_e5"]]
    assert actions[0]["total"] == 1
    assert {c["quartier"] for c in actions[0]["cellules"] if c["n"]} == {
        qpv_delegue,
        qpv_hors_delegue,
    }
    # Le lien d'une cellule mène à la liste filtrée qui donne le même nombre.
    lien = cellules[qpv_delegue]["lien"]
    assert (
        "annee=2025" in lien and f"quartier={qpv_delegue.slug}" in lien and "engagement=5" in lien
    )
    liste = client.get(lien)
    assert liste.context["page"].paginator.count == cellules[qpv_delegue]["n"]
    totaux = {c["quartier"]: c["n"] for c in reponse.context["totaux_qpv"]}
    assert (
        totaux[qpv_delegue] == FicheAction.objects.filter(annee=2025, quartiers=qpv_delegue).count()
    )
    assert reponse.context["total"] == FicheAction.objects.filter(annee=2025).count()


def test_couverture_par_defaut_validees_et_selon_le_role(client, comptes, jeu, qpv_delegue):
    client.force_login(comptes["spv"])
    reponse = client.get("/structures/fiches/couverture/")
    lignes = {ligne["engagement"].numero: ligne for ligne in reponse.context["lignes"]}
    validees = FicheAction.objects.filter(statut="validee", engagements__numero=5).distinct()
    assert lignes[5]["total"] == validees.count()
    assert "statut=validee" in lignes[5]["lien"]
    # Le délégué compte les fiches qu'il voit : avec statut vide, les soumises de ses QPV.
    client.force_login(comptes["delegue"])
    reponse = client.get("/structures/fiches/couverture/", {"statut": "", "annee": "2025"})
    lignes = {ligne["engagement"].numero: ligne for ligne in reponse.context["lignes"]}
    assert lignes[5]["total"] == 2  # Café des parents + Jardin partagé
    client.force_login(comptes["partenaire"])
    assert client.get("/structures/fiches/couverture/").status_code == 403


def test_couverture_paginee_par_colonnes_de_qpv(client, comptes, jeu, qpv_delegue, monkeypatch):
    """À l'échelle nationale, une page de colonnes de QPV à la fois : les comptes d'une page
    sont ceux de la matrice entière, les totaux par engagement portent sur tous les QPV."""
    from structures import views

    client.force_login(comptes["spv"])
    entiere = client.get("/structures/fiches/couverture/", {"annee": "2025", "statut": ""})
    assert entiere.context["page"].paginator.num_pages == 1
    totaux = [ligne["total"] for ligne in entiere.context["lignes"]]
    monkeypatch.setattr(views, "COUVERTURE_QPV_PAR_PAGE", 4)
    vus, numero = {}, 1
    while True:
        reponse = client.get(
            "/structures/fiches/couverture/", {"annee": "2025", "statut": "", "page": numero}
        )
        for ligne, total in zip(reponse.context["lignes"], totaux, strict=True):
            assert ligne["total"] == total
            for c in ligne["cellules"]:
                vus[(ligne["engagement"].pk, c["quartier"])] = c["n"]
        assert len(reponse.context["quartiers"]) <= 4
        if not reponse.context["page"].has_next():
            break
        numero += 1
    assert numero == -(-Quartier.objects.count() // 4)
    assert 'aria-label="Pagination"' in reponse.content.decode()
    complet = {
        (ligne["engagement"].pk, c["quartier"]): c["n"]
        for ligne in entiere.context["lignes"]
        for c in ligne["cellules"]
    }
    assert vus == complet and sum(complet.values()) > 0


def test_menus_longs_deviennent_des_champs_texte(client, comptes, jeu, j2p, monkeypatch):
    """Au-delà de MENU_MAX options (5 000 structures à l'échelle nationale), le menu devient un
    champ texte (identifiant) ; le filtre répond de même."""
    from socle import filtres

    client.force_login(comptes["spv"])
    html = client.get("/structures/fiches/").content.decode()
    assert '<select name="structure"' in html
    monkeypatch.setattr(filtres, "MENU_MAX", 3)
    reponse = client.get("/structures/fiches/", {"structure": j2p.slug})
    html = reponse.content.decode()
    assert '<select name="structure"' not in html
    assert f'<input type="text" name="structure" value="{j2p.slug}"' in html
    assert (
        reponse.context["page"].paginator.count == FicheAction.objects.filter(structure=j2p).count()
    )
