"""Le formulaire de fiche-action : toutes les sections, listes contrôlées, budget par
financeur, pièces jointes contrôlées, et rien de perdu quand la session expire."""

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile

from engagements.models import Action, Engagement
from structures.fichiers import valider_piece_jointe
from structures.models import FicheAction, PieceJointe

from .conftest import EXE_MINIMAL, PDF_MINIMAL, PNG_MINIMAL, docx_minimal, odt_minimal

pytestmark = pytest.mark.django_db

GESTION = {
    "financements-TOTAL_FORMS": "2",
    "financements-INITIAL_FORMS": "0",
    "financements-MIN_NUM_FORMS": "0",
    "financements-MAX_NUM_FORMS": "1000",
}


def donnees_fiche(qpv, **autres):
    e5 = Engagement.objects.get(numero=5)
    action = Action.objects.filter(engagement=e5).order_by("ordre").first()
    donnees = {
        "titre": "Ateliers sociolinguistiques du samedi",
        "annee": "2025",
        "etat": "terminee",
        "motif_fin": "Fin du financement annuel.",
        "resume": "Des ateliers de français pour les parents.",
        "engagements": [str(e5.pk)],
        "actions": [str(action.pk)],
        "quartiers": [str(qpv.pk)],
        "territoire": "un_quartier",
        "dimension": "solidarite",
        "mots_cles": ["parentalite", "integration"],
        "initiative": ["centre_social", "autre"],
        "initiative_precision": "Le conseil de maison",
        "publics": ["familles", "adultes"],
        "partenaires": ["bailleur_social"],
        "description": "Objectifs, acteurs et phases.",
        "objectifs": "Favoriser l’autonomie.",
        "actions_menees": "Deux ateliers par semaine.",
        "description_generale": "Groupe de travail mensuel.",
        "partenariats": "Paris Habitat, école Tanger.",
        "ressources_financieres": "Personnel : 12 000 €",
        "nb_salaries": "2",
        "nb_benevoles": "6",
        "nb_autres": "1",
        "personnes_mobilisees": "Centre social : 2 professionnels",
        "nb_beneficiaires": "48",
        "nb_beneficiaires_qpv": "41",
        "resultats_quantitatifs": "30 séances",
        "resultats_territoire": "Lien entre familles.",
        "resultats_structure": "Nouveaux adhérents.",
        "resultats_habitants": "Démarches faites seuls.",
        "difficultes": "Assiduité.",
        "solutions": "Garde d’enfants.",
        "facteurs_reussite": "Bénévoles formés.",
        "limites": "Places limitées.",
        "perspectives": "Un second groupe.",
        "financements-0-financeur": "ville",
        "financements-0-precision": "",
        "financements-0-montant": "8000",
        "financements-1-financeur": "autre",
        "financements-1-precision": "Fondation de France",
        "financements-1-montant": "4000,50",
        "action": "brouillon",
        **GESTION,
    }
    donnees.update(autres)
    return donnees


def test_creation_complete_puis_soumission(client, comptes, j2p, qpv_delegue):
    client.force_login(comptes["structure"])
    page = client.get("/structures/fiches/nouvelle/")
    html = page.content.decode()
    for section in (
        "1. L’action",
        "2. Contrat de ville et territoire",
        "3. Caractéristiques",
        "4. Description",
        "5. Moyens mobilisés",
        "6. Bénéficiaires et résultats",
        "7. Bilan et suite de l’action",
        "8. Fichiers associés",
        "Enregistrer le brouillon",
        "Vieillissement",
        "Un groupe d’habitants",
        "Plusieurs communes",
        "Jeunes adultes",
        "Bailleur social",
    ):
        assert section in html, section
    reponse = client.post(
        "/structures/fiches/nouvelle/",
        {
            **donnees_fiche(qpv_delegue),
            "fichiers": [SimpleUploadedFile("bilan 2025.pdf", PDF_MINIMAL)],
        },
    )
    fiche = FicheAction.objects.get(titre="Ateliers sociolinguistiques du samedi")
    assert reponse.status_code == 302
    assert reponse["Location"] == f"/structures/fiches/{fiche.pk}/modifier/"
    assert (fiche.structure, fiche.statut, fiche.cree_par) == (
        j2p,
        "brouillon",
        comptes["structure"],
    )
    assert fiche.mots_cles == ["parentalite", "integration"]
    assert fiche.initiative_precision == "Le conseil de maison"
    assert (fiche.nb_beneficiaires, fiche.nb_beneficiaires_qpv) == (48, 41)
    assert [e.numero for e in fiche.engagements.all()] == [5]
    assert fiche.actions.count() == 1 and list(fiche.quartiers.all()) == [qpv_delegue]
    assert [(f.financeur, f.precision, float(f.montant)) for f in fiche.financements.all()] == [
        ("ville", "", 8000.0),
        ("autre", "Fondation de France", 4000.5),
    ]
    assert float(fiche.budget_total) == 12000.5
    piece = fiche.pieces_jointes.get()
    assert (piece.nom, piece.type_mime, piece.ajoutee_par) == (
        "bilan 2025.pdf",
        "application/pdf",
        comptes["structure"],
    )
    assert (
        piece.fichier.name.startswith(f"fiches/{fiche.pk}/") and "bilan" not in piece.fichier.name
    )

    # La page de modification relit tout ; on soumet.
    reponse = client.get(f"/structures/fiches/{fiche.pk}/modifier/")
    assert reponse.context["form"]["titre"].value() == "Ateliers sociolinguistiques du samedi"
    donnees = donnees_fiche(qpv_delegue, action="soumettre")
    donnees.update(
        {
            "financements-TOTAL_FORMS": "4",
            "financements-INITIAL_FORMS": "2",
            **{
                f"financements-{i}-id": str(f.pk)
                for i, f in enumerate(fiche.financements.order_by("pk"))
            },
            "financements-2-financeur": "",
            "financements-3-financeur": "",
        }
    )
    reponse = client.post(f"/structures/fiches/{fiche.pk}/modifier/", donnees)
    assert reponse.status_code == 302 and reponse["Location"] == fiche.get_absolute_url()
    fiche.refresh_from_db()
    assert fiche.statut == "soumise"
    assert fiche.financements.count() == 2
    # L'historique : une ligne par enregistrement (les versions en rafale sont fusionnées).
    historique = client.get(fiche.get_absolute_url()).context["historique"]
    assert [ligne["libelle"] for ligne in historique] == [
        "Fiche soumise",
        "Modification",
        "Création",
    ]
    assert historique[0]["changes"] == ["statut de la fiche"]
    assert {ligne["version"].history_user for ligne in historique} == {comptes["structure"]}


def test_brouillon_incomplet_enregistre_mais_pas_soumis(client, comptes, qpv_delegue):
    client.force_login(comptes["structure"])
    reponse = client.post(
        "/structures/fiches/nouvelle/",
        {
            "titre": "Juste un titre",
            "annee": "2026",
            "etat": "en_cours",
            "action": "soumettre",
            **GESTION,
        },
        follow=True,
    )
    fiche = FicheAction.objects.get(titre="Juste un titre")
    assert fiche.statut == "brouillon"
    html = reponse.content.decode()
    assert "pas soumis" in html and "au moins un engagement" in html


def test_annee_obligatoire_et_coherences(client, comptes, qpv_delegue):
    client.force_login(comptes["structure"])
    e1 = Engagement.objects.get(numero=1)
    action_e1 = Action.objects.filter(engagement=e1).first()
    reponse = client.post(
        "/structures/fiches/nouvelle/",
        donnees_fiche(
            qpv_delegue,
            annee="",
            actions=[str(action_e1.pk)],
            nb_beneficiaires="10",
            nb_beneficiaires_qpv="12",
            **{"financements-1-precision": ""},
        ),
    )
    assert reponse.status_code == 200
    form = reponse.context["form"]
    assert "annee" in form.errors
    assert "Cochez aussi l’engagement" in str(form.errors["actions"])
    assert "ne peut pas dépasser" in str(form.errors["nb_beneficiaires_qpv"])
    assert "Précisez le financeur" in str(reponse.context["financements"].errors)
    assert not FicheAction.objects.filter(titre="Ateliers sociolinguistiques du samedi").exists()
    # Les saisies sont réaffichées.
    assert "Fin du financement annuel." in reponse.content.decode()


def test_choix_hors_liste_refuse(client, comptes, qpv_delegue):
    client.force_login(comptes["structure"])
    reponse = client.post(
        "/structures/fiches/nouvelle/",
        donnees_fiche(qpv_delegue, mots_cles=["sport"], dimension="loisirs"),
    )
    form = reponse.context["form"]
    assert "mots_cles" in form.errors and "dimension" in form.errors


# --- pièces jointes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nom", "contenu", "mime"),
    [
        ("bilan.pdf", PDF_MINIMAL, "application/pdf"),
        ("photo.PNG", PNG_MINIMAL, "image/png"),
        (
            "compte-rendu.docx",
            docx_minimal(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("note.odt", odt_minimal(), "application/vnd.oasis.opendocument.text"),
    ],
)
def test_pieces_jointes_acceptees(nom, contenu, mime):
    assert valider_piece_jointe(SimpleUploadedFile(nom, contenu)) == mime


@pytest.mark.parametrize(
    ("nom", "contenu", "message"),
    [
        ("setup.exe", EXE_MINIMAL, "n’est pas accepté : seuls les fichiers PDF"),
        (
            "bilan.pdf",
            EXE_MINIMAL,
            "n’est pas un fichier PDF valide : c’est en réalité un programme Windows",
        ),
        ("photo.jpg", PDF_MINIMAL, "n’est pas un fichier image JPEG valide"),
        ("lettre.docx", b"PK\x03\x04pas une archive", "n’est pas un fichier document Word valide"),
        ("macro.docx", docx_minimal(macros=True), "contient des macros"),
        ("dessin.svg", b"<svg/>", "n’est pas accepté"),
        ("vide.pdf", b"", "est vide"),
    ],
)
def test_pieces_jointes_refusees(nom, contenu, message):
    with pytest.raises(Exception) as erreur:
        valider_piece_jointe(SimpleUploadedFile(nom, contenu))
    assert message in " ".join(erreur.value.messages)


def test_piece_jointe_trop_grosse(settings):
    settings.PIECES_JOINTES_TAILLE_MAX = 1024
    gros = SimpleUploadedFile("gros.pdf", PDF_MINIMAL + b"0" * 2000)
    with pytest.raises(Exception) as erreur:
        valider_piece_jointe(gros)
    assert "trop volumineux" in erreur.value.messages[0]
    assert "(2 Ko)" in erreur.value.messages[0] and "de 1 Ko" in erreur.value.messages[0]


def test_pieces_jointes_par_le_formulaire(client, comptes, brouillon, settings, qpv_delegue):
    settings.PIECES_JOINTES_TAILLE_MAX = 10 * 1024
    client.force_login(comptes["structure"])
    url = f"/structures/fiches/{brouillon.pk}/modifier/"
    reponse = client.post(
        url,
        {
            **donnees_fiche(qpv_delegue),
            "fichiers": [
                SimpleUploadedFile("bon.pdf", PDF_MINIMAL),
                SimpleUploadedFile("faux.pdf", EXE_MINIMAL),
                SimpleUploadedFile("virus.exe", EXE_MINIMAL),
                SimpleUploadedFile("gros.pdf", PDF_MINIMAL + b"0" * 20_000),
            ],
        },
    )
    # Un seul fichier refusé bloque l'enregistrement ; chaque refus est expliqué.
    assert reponse.status_code == 200
    erreurs = reponse.context["form"].errors["fichiers"]
    assert len(erreurs) == 3
    assert not PieceJointe.objects.exists()
    html = reponse.content.decode()
    assert "« faux.pdf » n’est pas un fichier PDF valide" in html
    assert "« virus.exe » n’est pas accepté" in html
    assert "« gros.pdf » est trop volumineux" in html

    reponse = client.post(
        url,
        {**donnees_fiche(qpv_delegue), "fichiers": [SimpleUploadedFile("bon.pdf", PDF_MINIMAL)]},
    )
    assert reponse.status_code == 302
    piece = PieceJointe.objects.get()
    # Téléchargement : la structure, le SPV ; pas une autre structure ni le délégué (brouillon).
    telecharger = f"/structures/pieces-jointes/{piece.pk}/"
    reponse = client.get(telecharger)
    assert reponse.status_code == 200
    assert b"".join(reponse.streaming_content) == PDF_MINIMAL  # lu en entier : fichier refermé
    assert reponse["Content-Type"] == "application/pdf"
    assert "attachment" in reponse["Content-Disposition"]
    for role, attendu in (
        ("spv", 200),
        ("autre_structure", 404),
        ("delegue", 404),
        ("partenaire", 404),
    ):
        client.force_login(comptes[role])
        reponse = client.get(telecharger)
        assert reponse.status_code == attendu, role
        if attendu == 200:
            b"".join(reponse.streaming_content)
    client.logout()
    assert client.get(telecharger).status_code == 302

    # Retirer un fichier.
    client.force_login(comptes["structure"])
    client.post(url, {**donnees_fiche(qpv_delegue), "supprimer_pieces": [str(piece.pk)]})
    assert not PieceJointe.objects.exists()


def test_pas_de_piece_jointe_sur_une_fiche_soumise(client, comptes, brouillon, qpv_delegue):
    brouillon.submit(by=comptes["structure"])
    client.force_login(comptes["structure"])
    client.post(
        f"/structures/fiches/{brouillon.pk}/modifier/",
        {**donnees_fiche(qpv_delegue), "fichiers": [SimpleUploadedFile("bon.pdf", PDF_MINIMAL)]},
    )
    assert not PieceJointe.objects.exists()


# --- session expirée -------------------------------------------------------------------------


def test_saisie_conservee_quand_la_session_expire(client, comptes, brouillon, qpv_delegue):
    url = f"/structures/fiches/{brouillon.pk}/modifier/"
    client.force_login(comptes["structure"])
    assert client.get(url).status_code == 200
    # La session expire (ou la personne s'est déconnectée dans un autre onglet).
    client.logout()
    donnees = donnees_fiche(
        qpv_delegue,
        titre="Titre retapé pendant une heure",
        perspectives="Un long texte qu’il ne faut pas perdre.",
    )
    reponse = client.post(
        url, {**donnees, "fichiers": [SimpleUploadedFile("bon.pdf", PDF_MINIMAL)]}
    )
    assert reponse.status_code == 302
    assert reponse["Location"].startswith("/connexion/?next=")
    brouillon.refresh_from_db()
    assert brouillon.titre == "Ateliers sociolinguistiques"  # rien n'est enregistré sans compte

    # La page de connexion dit pourquoi ; on se reconnecte par le vrai formulaire.
    connexion = client.get(reponse["Location"])
    assert "Vos saisies sont conservées" in connexion.content.decode()
    suite = connexion.context["next"]
    assert suite.startswith(url + "?reprise=")
    reponse = client.post(
        "/connexion/",
        {"username": "membre-j2p", "password": "mdp-de-test-1234", "next": suite},
    )
    assert reponse.status_code == 302 and reponse["Location"] == suite

    reponse = client.get(suite)
    html = reponse.content.decode()
    form = reponse.context["form"]
    assert form["titre"].value() == "Titre retapé pendant une heure"
    assert form["perspectives"].value() == "Un long texte qu’il ne faut pas perdre."
    assert form.coches("mots_cles") == {"parentalite", "integration"}
    assert reponse.context["financements"].forms[1]["precision"].value() == "Fondation de France"
    assert "Vos saisies ont été rétablies" in html
    assert "ajoutez-les à nouveau" in html
    # Toujours rien d'enregistré : la personne vérifie puis enregistre.
    brouillon.refresh_from_db()
    assert brouillon.titre == "Ateliers sociolinguistiques"
    client.post(url, donnees)
    brouillon.refresh_from_db()
    assert brouillon.titre == "Titre retapé pendant une heure"
    # Une reprise ne sert qu'une fois.
    assert client.get(suite).context["form"]["titre"].value() == "Titre retapé pendant une heure"
    assert "Aucune saisie à reprendre" in client.get(suite).content.decode()


def test_saisie_conservee_pour_une_nouvelle_fiche(client, comptes, qpv_delegue):
    reponse = client.post("/structures/fiches/nouvelle/", donnees_fiche(qpv_delegue))
    suite = reponse["Location"].split("next=")[1]
    from urllib.parse import unquote

    suite = unquote(suite)
    client.force_login(User.objects.get(username="membre-j2p"))
    form = client.get(suite).context["form"]
    assert form["titre"].value() == "Ateliers sociolinguistiques du samedi"
    assert not FicheAction.objects.filter(titre="Ateliers sociolinguistiques du samedi").exists()


def test_une_reprise_ne_sert_que_sur_son_formulaire(client, comptes, brouillon, qpv_delegue):
    reponse = client.post("/structures/fiches/nouvelle/", donnees_fiche(qpv_delegue))
    from urllib.parse import unquote

    jeton = unquote(reponse["Location"]).split("reprise=")[1]
    client.force_login(comptes["structure"])
    reponse = client.get(f"/structures/fiches/{brouillon.pk}/modifier/?reprise={jeton}")
    assert reponse.context["form"]["titre"].value() == "Ateliers sociolinguistiques"
    assert "Aucune saisie à reprendre" in reponse.content.decode()


def test_identifiants_jamais_formates_en_nombre(client, comptes, brouillon, qpv_delegue):
    """Un pk ≥ 1000 ne doit pas s'afficher « 1 323 » (séparateur de milliers) dans une valeur
    de case à cocher : le formulaire renverrait une valeur refusée."""
    e5 = Engagement.objects.get(numero=5)
    action = Action.objects.create(
        pk=12345, engagement=e5, numero="99", ordre=990, type="developper", texte="Action test"
    )
    brouillon.actions.add(action)
    client.force_login(comptes["structure"])
    html = client.get(f"/structures/fiches/{brouillon.pk}/modifier/").content.decode()
    assert 'value="12345" id="id_actions_12345" checked' in html
    donnees = donnees_fiche(qpv_delegue, actions=["12345"])
    assert client.post(f"/structures/fiches/{brouillon.pk}/modifier/", donnees).status_code == 302
    assert list(brouillon.actions.all()) == [action]
