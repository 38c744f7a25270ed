"""La fiche quartier enrichie : chiffres clés comparés (QPV, ensemble des QPV, Paris) avec
année et source, indicateurs du contrat par engagement avec leur évolution et l'écart à
Paris, libellé « démo », secteurs, structures et fiches-actions selon `for_user`."""

import json
import re

import pytest

from indicateurs.models import Valeur
from structures.models import FicheAction, Structure
from tests.conftest import client_pour

from .conftest import fiche, valeur

pytestmark = pytest.mark.django_db


def ligne_chiffre(reponse, code):
    return next(
        ligne
        for ligne in reponse.context["chiffres_compares"]
        if ligne.indicateur and ligne.indicateur.code == code
    )


def test_chiffres_cles_compares_a_paris(client, utilisateurs):
    client.force_login(utilisateurs["delegue"])
    reponse = client.get("/quartiers/amandiers/")
    chomage = ligne_chiffre(reponse, "CTX-CHOMAGE")
    assert (chomage.locale.affichage, chomage.locale.annee) == ("16 %", 2020)
    assert (chomage.paris.affichage, chomage.paris.annee) == ("11 %", 2020)
    assert chomage.ecart_texte == "+5\u00a0pts"  # socle/chiffres.py : espace insécable
    assert "Insee, recensement de la population 2020" in chomage.locale.source
    assert chomage.texte_fiche.startswith("16")
    # Le contrat ne donne pas de taux de pauvreté « à Paris » : rien n'est inventé.
    pauvrete = ligne_chiffre(reponse, "CTX-PAUVRETE")
    assert pauvrete.locale is not None and pauvrete.paris is None
    assert pauvrete.ecart_texte == "—"
    # Aucune valeur de l'ensemble des QPV n'existe : pas de colonne.
    assert not reponse.context["ensemble_a_des_valeurs"]
    html = reponse.content.decode()
    assert "Ensemble des QPV" not in html
    assert "Écart avec Paris" in html


def test_ensemble_des_qpv_quand_une_valeur_existe(client, utilisateurs):
    valeur("CTX-CHOMAGE", "ensemble-qpv", annee=2020, nombre=15)
    client.force_login(utilisateurs["spv"])
    reponse = client.get("/quartiers/amandiers/")
    assert reponse.context["ensemble_a_des_valeurs"]
    assert ligne_chiffre(reponse, "CTX-CHOMAGE").ensemble.affichage == "15 %"
    assert "Ensemble des QPV" in reponse.content.decode()


def test_anonyme_lit_le_texte_du_contrat_sans_valeurs(client):
    reponse = client.get("/quartiers/petit-belleville/")
    html = reponse.content.decode()
    assert "chiffres_compares" not in reponse.context
    assert "Taux de chômage" in html and "Grand Belleville 10e 11e 20e" in html
    assert "Connectez-vous" in html
    assert "Indicateurs du contrat dans le quartier" not in html
    assert "Structures et fiches-actions" not in html
    assert "fiche.pdf" not in html


def test_indicateurs_par_engagement_evolution_et_ecart(client, utilisateurs):
    valeur("E01-1", "qpv-goutte-dor", annee=2022, nombre=20)
    valeur("E01-1", "qpv-goutte-dor", annee=2023, nombre=25.5)
    valeur("E01-1", "paris", annee=2023, nombre=15)
    valeur("E01-1", "qpv-goutte-dor", annee=2024, nombre=99, statut=Valeur.Statut.SOUMIS)
    valeur("E28-2", "qpv-goutte-dor", annee=2023, nombre=40, demo=True)
    client.force_login(utilisateurs["delegue"])  # Goutte d'Or n'est pas à lui : il la lit.
    reponse = client.get("/quartiers/goutte-dor/")
    assert reponse.status_code == 200
    groupes = {e.numero: lignes for e, lignes in reponse.context["engagements"]}
    assert set(groupes) == {1, 28}
    e01 = groupes[1][0]
    # La valeur soumise (non validée) n'apparaît jamais.
    assert (e01.derniere.affichage, e01.derniere.annee) == ("25,5 %", 2023)
    assert e01.paris.affichage == "15 %" and e01.ecart_texte == "+10,5\u00a0pts"
    assert e01.sens == "hausse"
    assert e01.graphique == {
        "annees": [2022, 2023],
        "quartier": [20.0, 25.5],
        "paris": [None, 15.0],
        "suffixe": "%",
    }
    assert "De 20 % en 2022 à 25,5 % en 2023 (hausse" in e01.resume
    html = reponse.content.decode()
    assert 'data-sparkline="spark-E01-1"' in html
    donnees = re.search(r'<script id="spark-E01-1" type="application/json">(.*?)</script>', html)
    assert json.loads(donnees.group(1))["quartier"] == [20.0, 25.5]
    assert "Valeurs par année" in html  # l'alternative en tableau
    # Valeur de démonstration : libellée partout où elle apparaît.
    e28 = groupes[28][0]
    assert e28.demo and e28.ecart_texte == "—"  # un nombre ne se compare pas en points
    assert "Démonstration :" in html and "démo</span>" in html
    assert "99" not in [v.affichage for v in e01.serie]


def test_secteurs_avec_leurs_chiffres_et_projets(client, utilisateurs):
    client.force_login(utilisateurs["spv"])
    reponse = client.get("/quartiers/grand-belleville/")
    blocs = reponse.context["blocs_secteurs"]
    assert [b["secteur"].nom for b in blocs] == [
        "Le Grand Belleville 11e",
        "Le Grand Belleville 20e",
    ]
    assert all(b["projets"] for b in blocs)
    assert any(b["a_des_chiffres"] for b in blocs)
    for b in blocs:
        if b["a_des_chiffres"]:
            assert any(ligne.locale for ligne in b["chiffres_compares"])


def test_structures_et_fiches_selon_visible_par(client, comptes_suivi):
    danube = Structure.objects.get(slug="centre-social-danube")
    danube.quartiers.add(*_qpv("goutte-dor"))
    validee = fiche("Atelier d’écriture à la Goutte d’Or", quartiers=["goutte-dor"])
    soumise = fiche(
        "Permanence numérique", quartiers=["goutte-dor"], statut=FicheAction.Statut.SOUMISE
    )
    brouillon = fiche("Brouillon caché", quartiers=["goutte-dor"], statut="brouillon")
    de_la_structure = fiche("Fête de quartier", structure="centre-social-danube")

    def titres(role):
        reponse = client_pour(client, comptes_suivi[role]).get("/quartiers/goutte-dor/")
        assert [s.slug for s in reponse.context["structures"]] == ["centre-social-danube"]
        return {f.titre for f in reponse.context["fiches"]}

    # Le délégué de la Goutte d'Or voit aussi les fiches soumises de son QPV.
    assert titres("delegue_autre") == {validee.titre, soumise.titre, de_la_structure.titre}
    assert titres("delegue") == {validee.titre, de_la_structure.titre}
    assert titres("partenaire") == {validee.titre, de_la_structure.titre}
    assert brouillon.titre in titres("spv")
    html = client.get("/quartiers/goutte-dor/").content.decode()
    assert f"/structures/fiches/{validee.pk}/" in html
    assert "/structures/centre-social-danube/" in html


def _qpv(slug):
    from quartiers.models import Quartier

    return Quartier.objects.filter(slug=slug)


def test_chaque_fiche_est_lisible_par_un_delegue(client, utilisateurs):
    from quartiers.models import Quartier

    client.force_login(utilisateurs["delegue"])
    for q in Quartier.objects.all():
        reponse = client.get(f"/quartiers/{q.slug}/")
        assert reponse.status_code == 200, q.slug
        assert "chiffres_compares" in reponse.context


def test_quartier_aux_chiffres_par_secteur(client, utilisateurs):
    client.force_login(utilisateurs["delegue"])
    reponse = client.get("/quartiers/grand-belleville/")
    assert reponse.context["chiffres_par_secteur"]
    html = reponse.content.decode()
    assert "Le contrat donne les chiffres clés de ce quartier secteur par secteur" in html
    assert not client.get("/quartiers/amandiers/").context["chiffres_par_secteur"]


def test_valeurs_par_annee_chargees_a_l_ouverture(client, utilisateurs):
    """Le tableau « Valeurs par année » d'un indicateur n'est pas dans la fiche (100 tableaux
    à l'échelle nationale) : il est chargé à l'ouverture (htmx), ou lu sur sa page sans
    JavaScript ; mêmes valeurs validées, Paris en regard, « démo » signalé."""
    valeur("E01-1", "qpv-goutte-dor", annee=2022, nombre=20)
    valeur("E01-1", "qpv-goutte-dor", annee=2023, nombre=25.5, demo=True)
    valeur("E01-1", "paris", annee=2023, nombre=15)
    valeur("E01-1", "qpv-goutte-dor", annee=2024, nombre=99, statut=Valeur.Statut.SOUMIS)
    client.force_login(utilisateurs["delegue"])
    html = client.get("/quartiers/goutte-dor/").content.decode()
    adresse = "/quartiers/goutte-dor/annees/E01-1/"
    assert f'hx-get="{adresse}"' in html and 'hx-trigger="toggle once"' in html
    assert '<caption class="visually-hidden">E01-1 : valeurs par année' not in html
    fragment = client.get(adresse, HTTP_HX_REQUEST="true")
    texte = fragment.content.decode()
    assert "<html" not in texte and "E01-1 : valeurs par année" in texte
    assert [
        (a, loc and loc.affichage, p and p.affichage) for a, loc, p in fragment.context["t"].points
    ] == [
        (2022, "20 %", None),
        (2023, "25,5 %", "15 %"),
    ]
    assert "démo</span>" in texte and "99" not in texte
    page = client.get(adresse)
    assert "<html" in page.content.decode() and "Goutte d’Or" in page.content.decode()
    assert client.get("/quartiers/goutte-dor/annees/E28-2/").status_code == 404
    client.logout()
    assert client.get(adresse).status_code == 302
