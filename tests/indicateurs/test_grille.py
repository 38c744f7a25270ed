"""La grille de saisie : enregistrement d'une ligne en htmx (ou sans JavaScript), année
précédente et évolution, valeur atypique à commenter, lignes verrouillées, modification
concurrente refusée avec la valeur la plus récente, et accessibilité du balisage."""

import re
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
    reponse = poster(client, "E28-2", "arrondissement-19", {"valeur": "1", "version": "0"})
    assert reponse.status_code == 404
    # Sous htmx, la ligne reste telle quelle et le refus est annoncé (role="status").
    assert reponse["HX-Reswap"] == "none"
    annonce = reponse.content.decode().split('<div id="annonce-grille" hx-swap-oob="innerHTML">')
    assert annonce[1].startswith("La ligne n’a pas été enregistrée (")
    assert ") : Ce territoire n’est pas attendu pour cet indicateur.</div>" in annonce[1]
    sans_htmx = poster(client, "E28-2", "arrondissement-19", {"valeur": "1"}, htmx=False)
    assert sans_htmx.status_code == 404 and "annonce-grille" not in sans_htmx.content.decode()


def test_un_partenaire_ne_saisit_pas_l_indicateur_d_une_autre_organisation(
    client, utilisateurs, campagne, ind_autre
):
    client.force_login(utilisateurs["partenaire"])
    reponse = poster(client, "E01-1", "paris", {"valeur": "5", "version": "0"})
    assert reponse.status_code == 403
    assert "n’est pas produit par votre organisation" in reponse.content.decode()
    # Sous htmx, le refus garde son statut ; la ligne verrouillée et l'annonce le disent.
    annonce = reponse.content.decode().split('<div id="annonce-grille" hx-swap-oob="innerHTML">')
    assert annonce[1].startswith(
        "La ligne n’a pas été enregistrée (Paris) : L’indicateur E01-1 n’est pas produit par"
    )
    assert reponse.context["ligne"].refus
    assert client.post("/indicateurs/E01-1/saisie/2025/tout/submit/").status_code == 403
    assert not Valeur.objects.filter(indicateur=ind_autre).exists()


# --- grille vivante : compteurs, complétude et boutons mis à jour hors de la ligne ------------


def test_l_enregistrement_met_a_jour_compteurs_completude_et_boutons(
    client, utilisateurs, campagne, ind_caf
):
    client.force_login(utilisateurs["partenaire"])
    page = client.get("/indicateurs/E28-2/saisie/2025/")
    compteurs = page.context["compteurs"]
    assert (compteurs.brouillons, compteurs.manquantes) == (0, 23)
    assert compteurs.completude.attendues == 23 and compteurs.completude.renseignees == 0
    html = page.content.decode()
    assert 'id="compteurs-grille"' in html and "hx-swap-oob" not in html
    assert "Soumettre au SPV les 0 valeur en brouillon" in html

    poster(client, "E28-2", "paris", {"valeur": "7", "version": "0"})
    reponse = poster(client, "E28-2", "ensemble-qpv", {"valeur": "8", "version": "0"})
    html = reponse.content.decode()
    # La ligne d'abord (cible du swap), puis les fragments hors de la ligne.
    assert html.strip().startswith('<tr id="ligne-ensemble-qpv"')
    assert '<section id="compteurs-grille" class="card card-body py-2 mb-3" hx-swap-oob="true"' in (
        html
    )
    assert '<span class="fw-semibold" id="compteur-brouillons">2</span> brouillons' in html
    assert '<span class="fw-semibold" id="compteur-manquantes">21</span> manquantes' in html
    assert "Complétude 2025 : 2 valeurs renseignées sur 23 attendues (8,7\u00a0%)" in html
    assert (
        '<div id="actions-grille" class="d-flex flex-wrap gap-2 mt-2 no-print" hx-swap-oob' in html
    )
    assert ">Soumettre au SPV les 2 valeurs en brouillon</button>" in html
    # Chaque fragment hors de la ligne est dans un <template> : lu en contexte de tableau
    # (la réponse commence par un <tr>), le <form> d'envoi groupé perdrait son bouton.
    fragments = re.findall(r'<template>\s*<(\w+) id="([\w-]+)"', html)
    assert fragments == [
        ("section", "compteurs-grille"),
        ("div", "actions-grille"),
        ("div", "annonce-grille"),
    ]
    # La zone d'annonce (role="status" dans la page) reçoit le résultat et l'état.
    annonce = html.split('<div id="annonce-grille" hx-swap-oob="innerHTML">')[1]
    assert annonce.startswith("Ensemble des QPV parisiens : valeur 8 enregistrée à")
    assert "État de la saisie : 2 brouillons, 0 soumise, 0 validée, 21 manquantes." in annonce


def test_grille_de_contexte_sans_completude(client, utilisateurs, campagne):
    client.force_login(utilisateurs["spv"])
    reponse = poster(client, "CTX-CHOMAGE", "paris", {"valeur": "10", "version": "0"})
    html = reponse.content.decode()
    assert "Indicateur de contexte : aucune valeur n’est attendue à la campagne" in html
    assert '<span class="fw-semibold" id="compteur-brouillons">1</span> brouillon ' in html


def test_les_boutons_suivent_une_erreur_sans_compter_la_ligne_refusee(
    client, utilisateurs, campagne, ind_caf
):
    client.force_login(utilisateurs["partenaire"])
    poster(client, "E28-2", "paris", {"valeur": "7", "version": "0"})
    html = poster(client, "E28-2", "ensemble-qpv", {"valeur": "-1", "version": "0"}).content
    html = html.decode()
    assert ">Soumettre au SPV les 1 valeur en brouillon</button>" in html
    assert "La ligne n’a pas été enregistrée (Ensemble des QPV parisiens) : Valeur : Un nombre" in (
        html
    )


def test_toutes_les_erreurs_d_une_ligne_ensemble(client, utilisateurs, campagne, ind_part_caf):
    client.force_login(utilisateurs["partenaire"])
    reponse = poster(
        client,
        "E05-1",
        "qpv-algerie",
        {"nombre": "douze", "base": "0", "source": "s" * 501, "version": "0"},
    )
    html = reponse.content.decode()
    erreurs = reponse.context["ligne"].form.errors
    assert erreurs["nombre"] == ["« douze » n’est pas un nombre."]
    assert erreurs["base"] == ["La base doit être strictement positive."]
    assert "500" in erreurs["source"][0]
    # Chaque champ refusé est marqué et décrit ; l'annonce les cite tous.
    for champ in ("nombre", "base", "source"):
        assert f'aria-describedby="erreur-id_qpv-algerie-{champ}"' in html
        assert f'id="erreur-id_qpv-algerie-{champ}"' in html
    annonce = html.split('<div id="annonce-grille" hx-swap-oob="innerHTML">')[1]
    assert "Nombre : « douze » n’est pas un nombre." in annonce
    assert "Base : La base doit être strictement positive." in annonce
    assert "Source : " in annonce
    assert not Valeur.objects.filter(indicateur=ind_part_caf).exists()


@pytest.mark.parametrize("saisie", ["150", "-5"])
def test_une_part_impossible_est_refusee_avant_toute_demande_de_commentaire(
    client, utilisateurs, campagne, ind_autre, saisie
):
    creer_valeur(ind_autre, "paris", annee=ANNEE - 1, valeur=Decimal(40), statut="valide")
    client.force_login(utilisateurs["spv"])
    reponse = poster(client, "E01-1", "paris", {"valeur": saisie, "version": "0"})
    erreurs = reponse.context["ligne"].form.errors
    assert list(erreurs) == ["valeur"]
    assert erreurs["valeur"][0].startswith(
        "Une part ou un taux s’exprime en pourcentage, entre 0 et 100"
    )
    html = reponse.content.decode()
    assert "entre 0 et 100" in html and "expliquez" not in html
    assert not Valeur.objects.filter(indicateur=ind_autre, annee=ANNEE).exists()
    # Corrigée, la même valeur atypique demande alors son commentaire.
    reponse = poster(client, "E01-1", "paris", {"valeur": "95", "version": "0"})
    assert list(reponse.context["ligne"].form.errors) == ["commentaire"]


def test_une_valeur_impossible_sur_une_campagne_close_dit_les_deux_dans_l_ordre(
    client, utilisateurs, campagne, ind_autre
):
    creer_valeur(ind_autre, "paris", annee=ANNEE - 1, valeur=Decimal(40), statut="valide")
    client.force_login(utilisateurs["spv"])
    campagne.cloturer(utilisateurs["spv"])
    reponse = poster(client, "E01-1", "paris", {"valeur": "150", "version": "0"})
    erreur = reponse.context["ligne"].erreur
    assert erreur.index("entre 0 et 100") < erreur.index("est clôturée depuis le")
    assert "expliquez" not in erreur


# --- une seule règle d'ordre : grille, import et API ------------------------------------------

CAS_ORDRE = [
    ("E01-1", {"valeur": "150"}, 40, "valeur", "Une part ou un taux s’exprime en pourcentage, "
     "entre 0 et 100 (150 ne l’est pas)."),
    ("E01-1", {"valeur": "-5"}, 40, "valeur", "Une part ou un taux s’exprime en pourcentage, "
     "entre 0 et 100 (-5 ne l’est pas)."),
    ("E28-2", {"valeur": "-3"}, 100, "valeur", "Un nombre doit être un entier positif ou nul "
     "(-3 ne l’est pas)."),
    ("E28-2", {"valeur": "12.5"}, 10, "valeur", "Un nombre doit être un entier positif ou nul "
     "(12,5 ne l’est pas)."),
    ("E05-1", {"nombre": "130", "base": "120"}, 10, "nombre", "Le nombre (130) ne peut pas "
     "dépasser la base (120)."),
    ("E28-2", {"valeur": "1800"}, 1000, "commentaire", "Écart de +800 (+80 %) par rapport à "
     "2024 (1 000), au-delà de ±50 % : expliquez-le dans le commentaire avant d’enregistrer."),
]  # fmt: skip


def _premiere_erreur_grille(client, code, saisie):
    reponse = poster(client, code, "paris", {**saisie, "version": "0"})
    champ, messages = next(iter(reponse.context["ligne"].form.errors.items()))
    return champ, messages[0]


def _premiere_erreur_import(user, code, saisie):
    from indicateurs.resources import importer

    from .test_import import fichier_valeurs

    ligne = {"Code indicateur": code, "Code territoire": "paris", "Année": ANNEE}
    ligne.update({champ.capitalize(): texte for champ, texte in saisie.items()})
    rapport = importer(fichier_valeurs([ligne]), ANNEE, user, dry_run=True)
    premiere = rapport.erreurs[0]
    return premiere["colonne"].lower(), premiere["message"]


def _premiere_erreur_api(user, code, saisie):
    from tests.api.conftest import client_api

    corps = {"indicateur": code, "territoire": "paris", "annee": ANNEE}
    corps.update(saisie)
    reponse = client_api(user, "jeton").post("/api/v1/valeurs/", corps, format="json")
    assert reponse.status_code == 400, reponse.content
    champ, messages = next(iter(reponse.json()["erreurs"].items()))
    return champ, messages[0]


@pytest.mark.parametrize("code,saisie,precedente,champ,message", CAS_ORDRE)
def test_meme_premiere_erreur_dans_la_grille_l_import_et_l_api(
    client, utilisateurs, campagne, code, saisie, precedente, champ, message
):
    from indicateurs.models import Indicateur

    indicateur = Indicateur.objects.get(code=code)
    creer_valeur(indicateur, "paris", annee=ANNEE - 1, statut="valide", valeur=precedente)
    spv = utilisateurs["spv"]
    client.force_login(spv)
    attendu = (champ, message.replace("1 000", "1\u202f000"))
    assert _premiere_erreur_grille(client, code, saisie) == attendu
    assert _premiere_erreur_import(spv, code, saisie) == attendu
    assert _premiere_erreur_api(spv, code, saisie) == attendu
    assert not Valeur.objects.filter(annee=ANNEE).exists()


def test_du_texte_dans_un_nombre_meme_message_dans_la_grille_et_l_import(
    client, utilisateurs, campagne, ind_caf
):
    client.force_login(utilisateurs["spv"])
    attendu = ("valeur", "« douze » n’est pas un nombre.")
    assert _premiere_erreur_grille(client, "E28-2", {"valeur": "douze"}) == attendu
    assert _premiere_erreur_import(utilisateurs["spv"], "E28-2", {"valeur": "douze"}) == attendu


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
