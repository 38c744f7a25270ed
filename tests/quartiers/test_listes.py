"""Liste des projets (filtres, pagination, export des lignes filtrées), tableau comparatif des
21 QPV (tri côté serveur, lignes de référence, export) et vue par arrondissement. Les
tableurs sont relus avec openpyxl."""

import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from engagements.models import Signataire
from quartiers.models import ProjetStructurant, Quartier
from structures.models import Structure

from .conftest import portage, projet_de, valeur

pytestmark = pytest.mark.django_db


def lire_xlsx(reponse):
    assert reponse.status_code == 200
    assert reponse["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    feuille = load_workbook(io.BytesIO(reponse.content)).active
    lignes = list(feuille.iter_rows(values_only=True))
    return list(lignes[0]), [dict(zip(lignes[0], ligne, strict=True)) for ligne in lignes[1:]]


# --- liste des projets -------------------------------------------------------------------------


def test_liste_des_projets_filtree_et_paginee(client, utilisateurs):
    client.force_login(utilisateurs["delegue"])
    reponse = client.get("/quartiers/projets/")
    page = reponse.context["page"]
    assert page.paginator.count == ProjetStructurant.objects.count()
    assert len(page.object_list) == 50 and page.paginator.num_pages > 1
    reponse = client.get("/quartiers/projets/?arrondissement=19&statut=a_venir")
    attendus = ProjetStructurant.objects.filter(
        quartier__arrondissements__numero=19, statut="a_venir"
    )
    assert {p.pk for p in reponse.context["page"].object_list} == set(
        attendus.values_list("pk", flat=True)
    )
    assert reponse.context["page"].paginator.count == attendus.count()


def test_filtre_par_engagement_et_echeance(client, utilisateurs):
    sante = projet_de("goutte-dor")
    sante.annee_echeance = 2027
    sante.save()
    portage(sante, signataire=Signataire.objects.get(nom="Ville de Paris"), engagements=[16])
    autre = projet_de("amandiers")
    portage(autre, structure=Structure.objects.get(slug="j2p"), engagements=[16, 29])
    portage(projet_de("algerie"), engagements=[29])
    client.force_login(utilisateurs["spv"])
    pks = lambda url: {p.pk for p in client.get(url).context["page"].object_list}  # noqa: E731
    assert pks("/quartiers/projets/?engagement=16") == {sante.pk, autre.pk}
    assert pks("/quartiers/projets/?engagement=16&quartier=goutte-dor") == {sante.pk}
    assert pks("/quartiers/projets/?annee_echeance=2027") == {sante.pk}
    html = client.get("/quartiers/projets/?engagement=16").content.decode()
    assert "Ville de Paris" in html and "J2P" in html


def test_export_des_projets_filtres(client, utilisateurs):
    projet = projet_de("petit-belleville", statut="a_venir")
    portage(projet, signataire=Signataire.objects.get(nom="Ville de Paris"), engagements=[5, 7])
    projet.annee_echeance = timezone.localdate().year - 1
    projet.save()
    projet.ajouter_suivi(utilisateurs["spv"], "en_cours", "Chantier lancé.")
    url = "/quartiers/projets/export.xlsx?quartier=petit-belleville&statut=en_cours"
    client.force_login(utilisateurs["delegue"])
    entetes, lignes = lire_xlsx(client.get(url))
    attendus = ProjetStructurant.objects.filter(
        quartier__slug="petit-belleville", statut="en_cours"
    )
    assert sorted(ligne["Projet"] for ligne in lignes) == sorted(p.nom for p in attendus)
    ligne = next(ligne for ligne in lignes if ligne["Projet"] == projet.nom)
    assert ligne["Quartier prioritaire"] == "Petit Belleville"
    assert ligne["Statut"] == "En cours"
    assert ligne["Porteur"] == "Ville de Paris"
    assert ligne["Engagements servis"] == "Engagement 5; Engagement 7"
    assert ligne["Échéance dépassée"] == "Oui"
    assert ligne["Dernier suivi : commentaire"] == "Chantier lancé."
    assert ligne["Dernier suivi : auteur"] == "agent-spv"
    # Toutes les lignes filtrées, pas seulement la première page.
    _, tout = lire_xlsx(client.get("/quartiers/projets/export.xlsx"))
    assert len(tout) == ProjetStructurant.objects.count()
    # Sans compte : pas de colonnes de suivi.
    client.logout()
    entetes, _ = lire_xlsx(client.get(url))
    assert "Dernier suivi : commentaire" not in entetes and "Porteur" in entetes


def test_export_refuse_un_filtre_invalide(client):
    reponse = client.get("/quartiers/projets/export.xlsx?statut=nimporte")
    assert reponse.status_code == 400
    assert "filtres ne sont pas valides" in reponse.content.decode()


# --- comparaison des 21 QPV --------------------------------------------------------------------


def test_comparaison_des_21_qpv_avec_paris(client, utilisateurs):
    client.force_login(utilisateurs["delegue"])
    reponse = client.get("/quartiers/comparaison/")
    lignes = reponse.context["lignes"]
    assert len(lignes) == 21
    assert [r.nom for r in reponse.context["references"]] == ["Paris"]
    amandiers = next(ligne for ligne in lignes if ligne.quartier.slug == "amandiers")
    assert amandiers.valeurs["CTX-CHOMAGE"].affichage == "16 %"
    assert reponse.context["references"][0].valeurs["CTX-CHOMAGE"].affichage == "11 %"
    html = reponse.content.decode()
    assert "<tfoot>" in html and "Paris" in html.split("<tfoot>")[1]


def test_tri_cote_serveur_valeurs_absentes_en_fin(client, utilisateurs):
    client.force_login(utilisateurs["spv"])
    reponse = client.get("/quartiers/comparaison/?tri=-CTX-CHOMAGE")
    assert reponse.context["tri"] == "-CTX-CHOMAGE"
    valeurs = [ligne.valeur("CTX-CHOMAGE") for ligne in reponse.context["lignes"]]
    presentes = [v for v in valeurs if v is not None]
    assert presentes == sorted(presentes, reverse=True)
    assert valeurs[: len(presentes)] == presentes  # les « — » restent à la fin
    html = reponse.content.decode()
    assert 'aria-sort="descending"' in html
    # Le lien de la colonne triée inverse le sens.
    assert 'href="?tri=CTX-CHOMAGE"' in html
    croissant = client.get("/quartiers/comparaison/?tri=population").context["lignes"]
    populations = [ligne.population for ligne in croissant if ligne.population is not None]
    assert populations == sorted(populations)
    # Un tri inconnu revient à l'ordre du décret, sans erreur.
    inconnu = client.get("/quartiers/comparaison/?tri=nimporte")
    assert inconnu.context["tri"] == ""
    assert [ligne.quartier for ligne in inconnu.context["lignes"]] == list(
        Quartier.objects.order_by("ordre")
    )


def test_indicateurs_choisis_et_ensemble_des_qpv(client, utilisateurs):
    valeur("E01-1", "qpv-goutte-dor", annee=2023, nombre=30)
    valeur("E01-1", "qpv-algerie", annee=2023, nombre=10, demo=True)
    valeur("E01-1", "ensemble-qpv", annee=2023, nombre=20)
    client.force_login(utilisateurs["delegue"])
    reponse = client.get("/quartiers/comparaison/?indicateur=E01-1&tri=E01-1")
    assert [i.code for i in reponse.context["choisis"]] == ["E01-1"]
    assert "E01-1" in [i.code for i in reponse.context["proposes"]]
    assert [r.nom for r in reponse.context["references"]] == [
        "Ensemble des QPV parisiens",
        "Paris",
    ]
    noms = [ligne.quartier.slug for ligne in reponse.context["lignes"]]
    assert noms[:2] == ["algerie", "goutte-dor"]
    assert reponse.context["demo"]

    entetes, lignes = lire_xlsx(
        client.get("/quartiers/comparaison/export.xlsx?indicateur=E01-1&tri=E01-1")
    )
    assert len(lignes) == 23  # 21 QPV, l'ensemble des QPV et Paris
    assert [ligne["Territoire"] for ligne in lignes[:2]] == ["Algérie", "Goutte d’Or"]
    assert [ligne["Territoire"] for ligne in lignes[-2:]] == [
        "Ensemble des QPV parisiens",
        "Paris",
    ]
    colonne = next(e for e in entetes if e.startswith("E01-1 – ") and "année" not in e)
    assert lignes[0][colonne] == 10 and lignes[0]["E01-1 – année"] == 2023
    assert lignes[0]["Valeurs de démonstration (non réelles)"] == "E01-1"
    assert lignes[1]["Valeurs de démonstration (non réelles)"] is None
    chomage = next(e for e in entetes if e.startswith("CTX-CHOMAGE – ") and "année" not in e)
    assert lignes[-1][chomage] == 11


def test_comparaison_paginee_et_restreinte_a_un_perimetre(client, utilisateurs, monkeypatch):
    """Au-delà d'une page de QPV (échelle nationale), le tableau est paginé et peut se
    restreindre à un arrondissement ; le tri porte sur tout le périmètre, les valeurs ne sont
    lues que pour les QPV de la page ; l'export donne tout le périmètre."""
    from territoire import donnees

    monkeypatch.setattr(donnees, "COMPARAISON_PAR_PAGE", 5)
    client.force_login(utilisateurs["spv"])
    tous = client.get("/quartiers/comparaison/?tri=population").context
    assert tous["nb_quartiers"] == 21 and tous["page"].paginator.num_pages == 5
    assert tous["perimetre_offert"]
    deuxieme = client.get("/quartiers/comparaison/?tri=population&page=2")
    populations = sorted(q.population for q in Quartier.objects.exclude(population=None))
    assert [ligne.population for ligne in deuxieme.context["lignes"]] == populations[5:10]
    assert 'name="arrondissement"' in deuxieme.content.decode()
    # Le lien d'une colonne triée repart de la première page.
    assert "page=" not in deuxieme.context["colonnes"][0]["lien"]

    du_19e = client.get("/quartiers/comparaison/?arrondissement=19").context
    attendus = list(Quartier.objects.filter(arrondissements__numero=19).order_by("ordre"))
    assert [ligne.quartier for ligne in du_19e["lignes"]] == attendus[:5]
    assert du_19e["nb_quartiers"] == len(attendus)

    _, lignes = lire_xlsx(client.get("/quartiers/comparaison/export.xlsx?arrondissement=19"))
    assert [ligne["Territoire"] for ligne in lignes[: len(attendus)]] == [q.nom for q in attendus]
    assert lignes[-1]["Territoire"] == "Paris"

    # Un numéro bien formé qui ne désigne aucun arrondissement : une liste vide, sans erreur ;
    # un numéro mal formé : liste vide et filtre signalé invalide.
    inconnu = client.get("/quartiers/comparaison/?arrondissement=99")
    assert inconnu.context["lignes"] == []
    assert "ne sont pas valides" not in inconnu.content.decode()
    invalide = client.get("/quartiers/comparaison/?arrondissement=abc")
    assert invalide.context["lignes"] == []
    assert "ne sont pas valides" in invalide.content.decode()


def test_comparaison_parisienne_sans_choix_de_perimetre(client, utilisateurs):
    """Les 21 QPV parisiens tiennent sur une page : ni pagination ni choix du périmètre."""
    client.force_login(utilisateurs["spv"])
    reponse = client.get("/quartiers/comparaison/")
    assert not reponse.context["perimetre_offert"]
    html = reponse.content.decode()
    assert 'aria-label="Pagination"' not in html and 'name="arrondissement"' not in html
    assert "Comparaison des 21 quartiers prioritaires" in html


def test_comparaison_demande_un_compte(client):
    for url in ("/quartiers/comparaison/", "/quartiers/comparaison/export.xlsx"):
        reponse = client.get(url)
        assert reponse.status_code == 302 and "/connexion/" in reponse["Location"]


# --- arrondissement ----------------------------------------------------------------------------


def test_vue_arrondissement(client, utilisateurs):
    annee = timezone.localdate().year
    projet = projet_de("algerie")
    projet.annee_echeance = annee - 1
    projet.save()
    client.force_login(utilisateurs["delegue"])
    reponse = client.get("/quartiers/arrondissement/19/")
    assert reponse.status_code == 200
    quartiers = reponse.context["quartiers"]
    assert list(quartiers) == list(
        Quartier.objects.filter(arrondissements__numero=19).order_by("ordre")
    )
    assert [nom for nom, _, _ in reponse.context["colonnes"]][-1] == "Paris"
    statuts = {ligne["statut"]: ligne for ligne in reponse.context["lignes_statuts"]}
    for i, q in enumerate(quartiers):
        for statut, ligne in statuts.items():
            assert ligne["nombres"][i] == q.projets.filter(statut=statut).count()
    assert (
        reponse.context["total"] == ProjetStructurant.objects.filter(quartier__in=quartiers).count()
    )
    assert reponse.context["total_en_retard"] == 1
    html = reponse.content.decode()
    assert "Les quartiers prioritaires du 19e arrondissement" in html
    assert "Taux de chômage" in html


def test_arrondissement_sans_qpv(client, utilisateurs):
    client.force_login(utilisateurs["spv"])
    assert client.get("/quartiers/arrondissement/1/").status_code == 404
    assert client.get("/quartiers/arrondissement/7/").status_code == 404


def test_liste_des_quartiers_paginee_au_dela_d_une_page(client, monkeypatch):
    """Paris (21 QPV) tient sur une page : pas de barre de pagination ni de COUNT(*). Au-delà
    (échelle nationale), des pages, et le comptage seulement alors."""
    from quartiers import views

    html = client.get("/quartiers/").content.decode()
    assert "21 quartiers prioritaires" in html and 'aria-label="Pagination"' not in html
    monkeypatch.setattr(views, "QUARTIERS_PAR_PAGE", 5)
    slugs = []
    for numero in range(1, 6):
        reponse = client.get(f"/quartiers/?page={numero}")
        assert 'aria-label="Pagination"' in reponse.content.decode()
        slugs += [q.slug for q in reponse.context["quartiers"]]
    assert slugs == list(Quartier.objects.order_by("ordre", "nom").values_list("slug", flat=True))
    assert "21 quartiers prioritaires (page 5 sur 5)" in reponse.content.decode()
