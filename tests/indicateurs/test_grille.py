"""La grille de saisie : enregistrement d'une ligne en htmx (ou sans JavaScript), année
précédente et évolution, valeur atypique à commenter, lignes verrouillées, modification
concurrente refusée avec la valeur la plus récente, et accessibilité du balisage."""

from decimal import Decimal

import pytest

from indicateurs.models import Valeur

from .conftest import ANNEE, creer_valeur

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def poster(client, code, territoire, donnees, htmx=True, annee=ANNEE):
    url = f"/indicateurs/{code}/saisie/{annee}/{territoire}/"
    donnees = {f"{territoire}-{k}": v for k, v in donnees.items()}
    return client.post(url, donnees, **(HTMX if htmx else {}))


def test_grille_affiche_un_territoire_par_ligne(client, utilisateurs, campagne, ind_caf):
    creer_valeur(ind_caf, "qpv-goutte-dor", annee=ANNEE - 1, valeur=Decimal(40), statut="valide")
    client.force_login(utilisateurs["partenaire"])
    reponse = client.get("/indicateurs/E28-2/saisie/2025/")
    lignes = reponse.context["lignes"]
    # Par défaut : Paris, l'ensemble des QPV et les 21 QPV.
    assert [ligne.territoire.code for ligne in lignes[:3]] == [
        "paris",
        "ensemble-qpv",
        "qpv-petit-belleville",
    ]
    assert len(lignes) == 23
    html = reponse.content.decode()
    assert "Campagne 2025 ouverte jusqu’au" in html
    goutte = next(ligne for ligne in lignes if ligne.territoire.code == "qpv-goutte-dor")
    assert goutte.precedente.valeur == 40
    # Balisage clavier : un formulaire par ligne, des champs reliés par l'attribut form, des
    # libellés, un bouton d'enregistrement (Entrée soumet la ligne) et htmx.
    assert 'id="f-qpv-goutte-dor"' in html
    assert 'hx-post="/indicateurs/E28-2/saisie/2025/qpv-goutte-dor/"' in html
    assert 'hx-target="#ligne-qpv-goutte-dor"' in html
    assert 'form="f-qpv-goutte-dor"' in html
    assert (
        '<label class="visually-hidden" for="id_qpv-goutte-dor-valeur">Valeur 2025 pour Goutte'
        in html
    )
    assert 'id="enregistrer-qpv-goutte-dor"' in html


def test_enregistrer_une_ligne_en_htmx(client, utilisateurs, campagne, ind_caf):
    creer_valeur(ind_caf, "paris", annee=ANNEE - 1, valeur=Decimal(1000), statut="valide")
    client.force_login(utilisateurs["partenaire"])
    reponse = poster(client, "E28-2", "paris", {"valeur": "1 100", "source": "Caf", "version": "0"})
    assert reponse.status_code == 200
    html = reponse.content.decode()
    assert html.strip().startswith('<tr id="ligne-paris"')
    assert "Paris : valeur 1" in html and "enregistrée à" in html
    assert "+100 (+10\u00a0%)" in html  # évolution par rapport à 2024 (socle/chiffres.py)
    v = Valeur.objects.get(indicateur=ind_caf, territoire__code="paris", annee=ANNEE)
    assert v.valeur == 1100 and v.source == "Caf" and v.statut == "brouillon"
    assert v.saisi_par == utilisateurs["partenaire"] and v.producteur.nom.startswith("Caisse")
    assert v.history.first().history_user == utilisateurs["partenaire"]
    # La ligne renvoyée porte la nouvelle version : un second enregistrement passe.
    assert 'name="paris-version" value="1"' in html


def test_sans_javascript_la_ligne_se_poste_aussi(client, utilisateurs, campagne, ind_caf):
    client.force_login(utilisateurs["spv"])
    reponse = poster(client, "E28-2", "paris", {"valeur": "7", "version": "0"}, htmx=False)
    assert reponse.status_code == 302
    assert reponse["Location"] == "/indicateurs/E28-2/saisie/2025/#ligne-paris"
    html = client.get(reponse["Location"]).content.decode()
    assert "Paris : valeur 7 enregistrée" in html


def test_nombre_et_part(client, utilisateurs, campagne, ind_part_caf):
    client.force_login(utilisateurs["partenaire"])
    reponse = poster(
        client, "E05-1", "qpv-algerie", {"nombre": "30", "base": "120", "version": "0"}
    )
    assert "30 / 120 (25 %)" in reponse.content.decode()
    v = Valeur.objects.get(indicateur=ind_part_caf, territoire__code="qpv-algerie")
    assert v.valeur == Decimal("25.00")
    reponse = poster(
        client, "E05-1", "qpv-algerie", {"nombre": "130", "base": "120", "version": "1"}
    )
    html = reponse.content.decode()
    assert "Le nombre (130) ne peut pas dépasser la base (120)." in html
    assert 'aria-invalid="true"' in html
    v.refresh_from_db()
    assert v.nombre == 30


def test_valeur_atypique_sans_commentaire(client, utilisateurs, campagne, ind_caf):
    creer_valeur(ind_caf, "paris", annee=ANNEE - 1, valeur=Decimal(100), statut="valide")
    client.force_login(utilisateurs["partenaire"])
    reponse = poster(client, "E28-2", "paris", {"valeur": "180", "version": "0"})
    html = reponse.content.decode()
    assert "Écart de +80 (+80 %) par rapport à 2024 (100), au-delà de ±50 %" in html
    assert "La ligne n’a pas été enregistrée" in html
    assert not Valeur.objects.filter(indicateur=ind_caf, annee=ANNEE).exists()
    poster(
        client, "E28-2", "paris", {"valeur": "180", "version": "0", "commentaire": "Nouvelle aide"}
    )
    assert Valeur.objects.get(indicateur=ind_caf, annee=ANNEE).commentaire == "Nouvelle aide"


def test_saisie_refusee_quand_la_campagne_est_close(client, utilisateurs, campagne, ind_caf):
    campagne.cloturer(utilisateurs["spv"])
    client.force_login(utilisateurs["partenaire"])
    html = client.get("/indicateurs/E28-2/saisie/2025/").content.decode()
    assert "La campagne 2025 est clôturée depuis le" in html
    assert 'id="enregistrer-paris"' not in html  # lignes en lecture seule
    reponse = poster(client, "E28-2", "paris", {"valeur": "5", "version": "0"})
    assert "est clôturée depuis le" in reponse.content.decode()
    assert not Valeur.objects.filter(indicateur=ind_caf, annee=ANNEE).exists()


def test_ligne_validee_verrouillee(client, utilisateurs, campagne, ind_caf):
    v = creer_valeur(ind_caf, "paris", statut="valide", valeur=Decimal(9))
    client.force_login(utilisateurs["partenaire"])
    html = client.get("/indicateurs/E28-2/saisie/2025/").content.decode()
    assert "Validée, verrouillée" in html
    reponse = poster(client, "E28-2", "paris", {"valeur": "10", "version": "1"})
    assert "Cette valeur est déjà validée" in reponse.content.decode()
    v.refresh_from_db()
    assert v.valeur == 9


def test_modification_concurrente_dans_la_grille(client, utilisateurs, campagne, ind_caf):
    creer_valeur(ind_caf, "paris", valeur=Decimal(10))
    client.force_login(utilisateurs["spv"])
    premier = poster(client, "E28-2", "paris", {"valeur": "12", "version": "1"})
    assert "enregistrée" in premier.content.decode()
    client.force_login(utilisateurs["partenaire"])
    second = poster(client, "E28-2", "paris", {"valeur": "13", "version": "1"})
    html = second.content.decode()
    assert "Cette valeur a été modifiée entre-temps par agent-spv" in html
    assert "la valeur actuelle est 12 (brouillon)" in html
    assert 'name="paris-version" value="2"' in html  # la ligne montre la version actuelle
    v = Valeur.objects.get(indicateur=ind_caf, territoire__code="paris", annee=ANNEE)
    assert v.valeur == 12 and v.version == 2


def test_enregistrer_sans_changement_ne_cree_pas_de_version(
    client, utilisateurs, campagne, ind_caf
):
    v = creer_valeur(ind_caf, "paris", valeur=Decimal(10), source="Caf")
    client.force_login(utilisateurs["spv"])
    html = poster(
        client, "E28-2", "paris", {"valeur": "10", "source": "Caf", "version": "1"}
    ).content.decode()
    assert "aucune modification à enregistrer" in html
    v.refresh_from_db()
    assert v.version == 1 and v.history.count() == 1


def test_territoire_non_attendu(client, utilisateurs, campagne, ind_caf):
    client.force_login(utilisateurs["spv"])
    assert (
        poster(client, "E28-2", "arrondissement-19", {"valeur": "1", "version": "0"}).status_code
        == 404
    )


def test_un_partenaire_ne_saisit_pas_l_indicateur_d_une_autre_organisation(
    client, utilisateurs, campagne, ind_autre
):
    client.force_login(utilisateurs["partenaire"])
    reponse = poster(client, "E01-1", "paris", {"valeur": "5", "version": "0"})
    assert reponse.status_code == 403
    assert "n’est pas produit par votre organisation" in reponse.content.decode()
    assert client.post("/indicateurs/E01-1/saisie/2025/tout/submit/").status_code == 403
    assert not Valeur.objects.filter(indicateur=ind_autre).exists()


def test_grille_paginee_a_l_echelle_nationale(client, utilisateurs, campagne, ind_caf, monkeypatch):
    """Au-delà d'une page de territoires, la grille est découpée : chaque page ne lit que les
    valeurs de ses territoires, les compteurs des boutons « tout soumettre » portent sur toute
    la grille, et l'enregistrement d'une ligne reste possible depuis n'importe quelle page."""
    from indicateurs import views_saisie

    monkeypatch.setattr(views_saisie, "GRILLE_PAR_PAGE", 5)
    creer_valeur(ind_caf, "qpv-goutte-dor", statut="brouillon")
    client.force_login(utilisateurs["partenaire"])
    premiere = client.get("/indicateurs/E28-2/saisie/2025/").context
    assert [ligne.territoire.code for ligne in premiere["lignes"]][:3] == [
        "paris",
        "ensemble-qpv",
        "qpv-petit-belleville",
    ]
    assert len(premiere["lignes"]) == 5 and premiere["page"].paginator.count == 23
    # Goutte d'Or n'est pas sur la première page : son brouillon compte quand même.
    assert "qpv-goutte-dor" not in [ligne.territoire.code for ligne in premiere["lignes"]]
    assert premiere["nb_brouillons"] == 1
    codes = []
    for numero in range(1, 6):
        page = client.get(f"/indicateurs/E28-2/saisie/2025/?page={numero}")
        codes += [ligne.territoire.code for ligne in page.context["lignes"]]
        assert 'aria-label="Pagination"' in page.content.decode()
    assert len(codes) == len(set(codes)) == 23
    reponse = poster(client, "E28-2", "qpv-goutte-dor", {"valeur": "14", "version": "1"})
    assert "enregistrée" in reponse.content.decode()


def test_grille_parisienne_sur_une_page(client, utilisateurs, campagne, ind_caf):
    client.force_login(utilisateurs["partenaire"])
    reponse = client.get("/indicateurs/E28-2/saisie/2025/")
    assert reponse.context["page"].paginator.num_pages == 1
    assert 'aria-label="Pagination"' not in reponse.content.decode()
