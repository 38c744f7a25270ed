"""« À faire » du SPV : valeurs soumises groupées par indicateur et producteur (avec l'année
précédente, l'évolution, Paris et le commentaire), validation et renvoi groupés par la page
(refus rapportés, rien de partiel quand le circuit refuse le lot), fiches soumises, campagnes
qui ferment, invitations en attente et imports refusés."""

import datetime

import pytest
from django.utils import timezone

from bilan.models import ImportCredits
from indicateurs.models import ImportValeurs, TransitionValeur, Valeur
from socle.circuits import transition_effectuee
from structures.models import FicheAction, Invitation

from .conftest import ANNEE, fiche

pytestmark = pytest.mark.django_db


def messages_de(reponse):
    return [str(m) for m in reponse.context["messages"]]


def test_valeurs_soumises_groupees_avec_de_quoi_decider(client, utilisateurs, soumises):
    client.force_login(utilisateurs["spv"])
    reponse = client.get("/a-faire/")
    groupes = reponse.context["groupes_soumis"]
    cles = {(g.indicateur.code, g.producteur_nom, g.annee) for g in groupes}
    assert cles == {
        ("E28-2", "Caisse d’Allocations Familiales", ANNEE),
        ("E01-1", "Académie de Paris", ANNEE),
    }
    caf = next(g for g in groupes if g.indicateur.code == "E28-2")
    assert [ligne.valeur.territoire.code for ligne in caf.lignes] == ["paris", "qpv-goutte-dor"]
    paris, goutte = caf.lignes
    assert paris.precedente.valeur == 1000 and paris.evolution == "+100 (+10\u00a0%)"
    assert goutte.paris.pk == paris.valeur.pk  # Paris la même année : la valeur soumise
    assert goutte.evolution == "+50 (+125\u00a0%)" and goutte.anomalie  # atypique : ±50 %
    assert paris.anomalie is None
    academie = next(g for g in groupes if g.indicateur.code == "E01-1")
    assert academie.lignes[0].evolution == "+2,5\u00a0pts"
    html = reponse.content.decode()
    assert "Nouveau dispositif d’accueil" in html  # le commentaire, sans ouvrir la valeur
    assert "⚠ atypique" in html
    assert f'name="valeur" value="{soumises["goutte"].pk}"' in html
    assert "Valider la sélection" in html and "Renvoyer la sélection" in html


def test_ecart_a_paris_pour_une_part(client, utilisateurs, soumises, ind_autre):
    from .conftest import soumettre

    soumettre(ind_autre, "qpv-goutte-dor", "40")
    client.force_login(utilisateurs["spv"])
    groupes = client.get("/a-faire/").context["groupes_soumis"]
    academie = next(g for g in groupes if g.indicateur.code == "E01-1")
    goutte = next(ligne for ligne in academie.lignes if ligne.valeur.territoire.code != "paris")
    assert goutte.paris.valeur == 32.5
    assert goutte.ecart_paris == "+7,5\u00a0pts"


def test_valider_un_groupe_par_la_page(
    client, utilisateurs, soumises, django_capture_on_commit_callbacks
):
    client.force_login(utilisateurs["spv"])
    ids = [soumises["paris"].pk, soumises["goutte"].pk]
    recus = []

    def recepteur(sender, objet, transition, **kwargs):
        recus.append((objet.pk, transition))

    transition_effectuee.connect(recepteur)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            reponse = client.post(
                "/a-faire/valeurs/", {"action": "valider", "valeur": ids}, follow=True
            )
    finally:
        transition_effectuee.disconnect(recepteur)
    assert reponse.redirect_chain[-1][0] == "/a-faire/#valeurs-soumises"
    assert "2 valeurs validées." in messages_de(reponse)
    assert set(Valeur.objects.filter(pk__in=ids).values_list("statut", flat=True)) == {"valide"}
    assert soumises["academie"].statut == "soumis"
    assert TransitionValeur.objects.filter(valeur__in=ids, vers="valide").count() == 2
    assert sorted(recus) == sorted((pk, "valider") for pk in ids)
    # Le groupe a disparu de la liste ; celui de l'Académie reste.
    groupes = reponse.context["groupes_soumis"]
    assert [g.indicateur.code for g in groupes] == ["E01-1"]


def test_renvoyer_une_valeur_avec_son_motif(client, utilisateurs, soumises):
    client.force_login(utilisateurs["spv"])
    reponse = client.post(
        "/a-faire/valeurs/",
        {"action": "renvoyer", "valeur": [soumises["goutte"].pk], "motif": "Périmètre à revoir"},
        follow=True,
    )
    assert "1 valeur renvoyée." in messages_de(reponse)
    goutte = Valeur.objects.get(pk=soumises["goutte"].pk)
    assert goutte.statut == "renvoye" and goutte.motif_renvoi == "Périmètre à revoir"
    assert goutte.renvoye_par == utilisateurs["spv"]
    assert Valeur.objects.get(pk=soumises["paris"].pk).statut == "soumis"


def test_renvoyer_sans_motif_ne_change_rien(client, utilisateurs, soumises):
    client.force_login(utilisateurs["spv"])
    ids = [soumises["paris"].pk, soumises["goutte"].pk]
    reponse = client.post("/a-faire/valeurs/", {"action": "renvoyer", "valeur": ids}, follow=True)
    (message,) = messages_de(reponse)
    assert message.startswith("Indiquez le motif du renvoi") and "Rien n’a été modifié." in message
    assert set(Valeur.objects.filter(pk__in=ids).values_list("statut", flat=True)) == {"soumis"}
    assert not TransitionValeur.objects.filter(valeur__in=ids).exists()


def test_les_refus_du_circuit_sont_rapportes(client, utilisateurs, soumises, campagne_2024):
    """Une valeur validée entre-temps et une valeur d'une campagne close sont refusées avec
    leur raison ; les autres sont validées."""
    from .conftest import soumettre

    spv = utilisateurs["spv"]
    soumises["paris"].valider(spv)
    ancienne = soumettre(soumises["goutte"].indicateur, "qpv-algerie", 5, annee=ANNEE - 1)
    campagne_2024.cloturer(spv)
    client.force_login(spv)
    ids = [soumises["paris"].pk, soumises["goutte"].pk, ancienne.pk]
    reponse = client.post("/a-faire/valeurs/", {"action": "valider", "valeur": ids}, follow=True)
    messages = messages_de(reponse)
    assert "1 valeur validée." in messages
    assert any(
        m.startswith("E28-2 · Paris · 2025 : Cette valeur est déjà validée") for m in messages
    )
    assert any("E28-2 · Algérie" in m and "est clôturée depuis le" in m for m in messages)
    assert Valeur.objects.get(pk=soumises["goutte"].pk).statut == "valide"
    assert Valeur.objects.get(pk=ancienne.pk).statut == "soumis"


@pytest.mark.parametrize(
    "donnees,message",
    [
        ({"action": "supprimer", "valeur": ["1"]}, "Choisissez « Valider » ou « Renvoyer »"),
        ({"action": "valider", "valeur": ["12a"]}, "La sélection est illisible"),
        ({"action": "valider"}, "Cochez les valeurs à valider"),
        (
            {"action": "renvoyer", "valeur": ["1"], "motif": "x" * 2001},
            "Le motif du renvoi dépasse 2000 caractères",
        ),
    ],
)
def test_demande_illisible_rien_n_est_modifie(client, utilisateurs, soumises, donnees, message):
    client.force_login(utilisateurs["spv"])
    if donnees.get("valeur") == ["1"]:
        donnees["valeur"] = [str(soumises["paris"].pk)]
    reponse = client.post("/a-faire/valeurs/", donnees, follow=True)
    assert any(m.startswith(message) for m in messages_de(reponse)), messages_de(reponse)
    assert Valeur.objects.filter(statut="soumis").count() == 3


@pytest.mark.parametrize("role", ["partenaire", "delegue", "structure"])
def test_seul_le_spv_traite_les_valeurs_soumises(client, utilisateurs, soumises, role):
    client.force_login(utilisateurs[role])
    reponse = client.post(
        "/a-faire/valeurs/", {"action": "valider", "valeur": [soumises["paris"].pk]}
    )
    assert reponse.status_code == 403
    assert "Seuls les agents DDCT/SPV" in reponse.content.decode()
    assert Valeur.objects.get(pk=soumises["paris"].pk).statut == "soumis"


def test_anonyme_renvoye_vers_la_connexion(client):
    assert "/connexion/" in client.get("/a-faire/")["Location"]
    assert "/connexion/" in client.post("/a-faire/valeurs/")["Location"]


def test_fiches_soumises(client, utilisateurs, qpv_du_delegue):
    from structures.models import Structure

    j2p = Structure.objects.get(slug="j2p")
    soumise = fiche(j2p, qpv_du_delegue, titre="Fiche à relire")
    soumise.submit(utilisateurs["structure"])
    fiche(j2p, qpv_du_delegue, titre="Brouillon invisible")
    client.force_login(utilisateurs["spv"])
    fiches = list(client.get("/a-faire/").context["fiches_soumises"])
    assert [f.titre for f in fiches] == [
        f.titre for f in FicheAction.objects.soumises().order_by("pk")
    ]
    assert "Fiche à relire" in [f.titre for f in fiches]
    assert fiches[-1].soumise_le is not None


def test_campagnes_qui_ferment_bientot(client, utilisateurs, campagne, campagne_2024, soumises):
    campagne_2024.date_cloture = timezone.localdate() + datetime.timedelta(days=45)
    campagne_2024.save()
    client.force_login(utilisateurs["spv"])
    reponse = client.get("/a-faire/")
    (c,) = list(reponse.context["campagnes"])
    assert c.campagne == campagne and c.delai == "dans 30 jours"
    assert c.completude.renseignees == 3 and c.completude.soumises == 3
    assert "Campagne 2025</a> : clôture le" in reponse.content.decode()


def test_invitations_en_attente(client, utilisateurs, settings):
    from structures.models import Structure

    j2p = Structure.objects.get(slug="j2p")
    maintenant = timezone.now()
    attente = Invitation.objects.create(email="a@exemple.invalid", structure=j2p)
    Invitation.objects.create(email="b@exemple.invalid", structure=j2p, acceptee_le=maintenant)
    Invitation.objects.create(
        email="c@exemple.invalid",
        structure=j2p,
        creee_le=maintenant - datetime.timedelta(days=settings.INVITATION_DUREE_JOURS + 1),
    )
    client.force_login(utilisateurs["spv"])
    reponse = client.get("/a-faire/")
    assert list(reponse.context["invitations"]) == [attente]
    assert "a@exemple.invalid" in reponse.content.decode()


def test_imports_refuses_des_30_derniers_jours(client, utilisateurs, caf):
    maintenant = timezone.now()

    def importer(modele, statut, jours, nom, **champs):
        return modele.objects.create(
            utilisateur=utilisateurs["partenaire"],
            nom_fichier=nom,
            contenu=b"PK",
            statut=statut,
            cree_le=maintenant - datetime.timedelta(days=jours),
            nb_lignes=12,
            nb_erreurs=3,
            **champs,
        )

    valeurs = importer(ImportValeurs, "erreurs", 2, "valeurs.xlsx", annee=ANNEE, organisation=caf)
    credits = importer(ImportCredits, "erreurs", 5, "credits.xlsx")
    importer(ImportValeurs, "applique", 1, "applique.xlsx", annee=ANNEE)
    importer(ImportValeurs, "erreurs", 40, "ancien.xlsx", annee=ANNEE)
    client.force_login(utilisateurs["spv"])
    reponse = client.get("/a-faire/")
    lignes = reponse.context["imports_refuses"]
    assert [(i.genre, i.pk) for i in lignes] == [("valeurs", valeurs.pk), ("credits", credits.pk)]
    assert lignes[0].lien == f"/indicateurs/imports/{valeurs.pk}/"
    assert lignes[1].lien == f"/bilan/credits/imports/{credits.pk}/"
    assert lignes[0].auteur == "partenaire-caf"
    html = reponse.content.decode()
    assert "valeurs.xlsx" in html and "credits.xlsx" in html and "ancien.xlsx" not in html
    assert "3 sur 12" in html


def test_pagination_des_groupes(client, utilisateurs, campagne, caf):
    """Onze groupes : dix sur la première page, le onzième sur la seconde ; la page des autres
    listes est gardée dans les liens."""
    from indicateurs.models import Indicateur

    from .conftest import soumettre

    codes = list(
        Indicateur.objects.filter(engagement__isnull=False)
        .order_by("code")[:11]
        .values_list("code", flat=True)
    )
    for code in codes:
        ind = Indicateur.objects.get(code=code)
        ind.producteur = caf
        ind.save()
        soumettre(ind, "paris", 5)
    client.force_login(utilisateurs["spv"])
    premiere = client.get("/a-faire/?p_fiches=1")
    assert len(premiere.context["groupes_soumis"]) == 10
    assert "?p_fiches=1&amp;p_valeurs=2#valeurs-soumises" in premiere.content.decode()
    seconde = client.get("/a-faire/?p_valeurs=2")
    assert len(seconde.context["groupes_soumis"]) == 1
