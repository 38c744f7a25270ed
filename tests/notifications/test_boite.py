"""La boîte de réception (/notifications/) et le compteur de l'en-tête : chacun ne voit que
ses notifications ; ouvrir en marque une lue et mène à sa page ; tout marquer lu ; filtres et
pagination ; « Notifications, 3 non lues » dans l'en-tête, sans requête de plus par page ni
par notification."""

import json
import re
from pathlib import Path

import pytest
from django.utils import timezone

from notifications.models import Notification, PreferenceNotification

pytestmark = pytest.mark.django_db


def notifier(user, n=1, lue=False, **champs):
    return Notification.objects.bulk_create(
        Notification(
            destinataire=user,
            type=Notification.Type.VALEUR_RENVOYEE,
            titre=champs.get("titre", f"Valeur renvoyée n° {i}"),
            message="Motif : à vérifier.",
            lien=champs.get("lien", "/indicateurs/valeurs/"),
            lue_le=timezone.now() if lue else None,
        )
        for i in range(n)
    )


def en_tete(html):
    """Le nom accessible du lien « Notifications » de l'en-tête : son aria-label s'il en a un
    (un nombre de non lues), sinon son texte (balises retirées)."""
    attributs, texte = re.search(
        r'<a ([^>]*href="/notifications/"[^>]*)>(.*?)</a>', html, re.S
    ).groups()
    etiquette = re.search(r'aria-label="([^"]*)"', attributs)
    if etiquette:
        return etiquette.group(1)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", texte)).strip()


def test_compteur_de_l_en_tete(client, comptes):
    client.force_login(comptes["partenaire"])
    assert en_tete(client.get("/engagements/").content.decode()) == "Notifications"
    notifier(comptes["partenaire"], 3)
    notifier(comptes["partenaire"], 2, lue=True)
    notifier(comptes["spv"], 4)  # celles d'un autre compte ne comptent pas
    html = client.get("/engagements/").content.decode()
    assert en_tete(html) == "Notifications, 3 non lues"
    notifier(comptes["spv"], 1)
    client.force_login(comptes["spv"])
    assert en_tete(client.get("/engagements/").content.decode()) == "Notifications, 5 non lues"
    client.logout()
    assert 'href="/notifications/"' not in client.get("/engagements/").content.decode()


def test_le_compteur_ne_coute_aucune_requete_de_plus(client, comptes, compter_requetes):
    """Le nombre de non lues est lu avec le profil, en une requête : une page coûte autant de
    requêtes avec 0 ou 40 notifications, et autant qu'avant les notifications (la référence
    de /engagements/ pour un agent du SPV, dans tests/query_counts.json)."""
    reference = json.loads((Path(__file__).parents[1] / "query_counts.json").read_text())
    client.force_login(comptes["spv"])
    client.get("/engagements/")
    avant, _ = compter_requetes(lambda: client.get("/engagements/"))
    notifier(comptes["spv"], 40)
    apres, reponse = compter_requetes(lambda: client.get("/engagements/"))
    assert en_tete(reponse.content.decode()) == "Notifications, 40 non lues"
    assert avant == apres == reference["engagements"]


def test_boite_de_reception_constante_en_requetes(client, comptes, compter_requetes):
    client.force_login(comptes["partenaire"])
    notifier(comptes["partenaire"], 2)
    client.get("/notifications/")
    avant, _ = compter_requetes(lambda: client.get("/notifications/"))
    notifier(comptes["partenaire"], 30)
    apres, reponse = compter_requetes(lambda: client.get("/notifications/"))
    assert reponse.status_code == 200
    assert avant == apres == 5  # session, compte + profil + non lues, total, page, rien d'autre


def test_chacun_ne_voit_que_les_siennes(client, comptes):
    a_moi = notifier(comptes["partenaire"], titre="La mienne")[0]
    a_lui = notifier(comptes["spv"], titre="Celle du SPV")[0]
    client.force_login(comptes["partenaire"])
    html = client.get("/notifications/").content.decode()
    assert "La mienne" in html and "Celle du SPV" not in html
    assert client.get(f"/notifications/{a_lui.pk}/").status_code == 404
    assert client.post(f"/notifications/{a_lui.pk}/lue/").status_code == 404
    a_lui.refresh_from_db()
    assert a_lui.lue_le is None
    assert client.get(f"/notifications/{a_moi.pk}/").status_code == 302


def test_ouvrir_marque_lue_et_suit_le_lien(client, comptes):
    n = notifier(comptes["partenaire"], lien="/indicateurs/valeurs/?statut=renvoye")[0]
    client.force_login(comptes["partenaire"])
    reponse = client.get(f"/notifications/{n.pk}/")
    assert (
        reponse.status_code == 302 and reponse["Location"] == "/indicateurs/valeurs/?statut=renvoye"
    )
    n.refresh_from_db()
    assert n.lue_le is not None
    # Un lien qui ne serait pas un chemin du portail ne mène nulle part ailleurs.
    externe = notifier(comptes["partenaire"], lien="//exemple.invalid/piege")[0]
    assert client.get(f"/notifications/{externe.pk}/")["Location"] == "/notifications/"


def test_marquer_lue_et_tout_marquer_lu(client, comptes):
    une, autre, troisieme = notifier(comptes["partenaire"], 3)
    client.force_login(comptes["partenaire"])
    reponse = client.post(
        f"/notifications/{une.pk}/lue/", {"retour": "/notifications/?etat=non_lues"}
    )
    assert reponse["Location"] == "/notifications/?etat=non_lues"
    une.refresh_from_db()
    assert une.lue_le is not None
    # Un retour vers un autre site est ignoré.
    reponse = client.post(f"/notifications/{autre.pk}/lue/", {"retour": "https://exemple.invalid/"})
    assert reponse["Location"] == "/notifications/"
    reponse = client.post("/notifications/tout-lire/", follow=True)
    assert "1 notification marquée comme lue." in reponse.content.decode()
    assert not Notification.objects.for_user(comptes["partenaire"]).non_lues().exists()
    assert client.get("/notifications/tout-lire/").status_code == 405


def test_filtres_et_pagination(client, comptes):
    notifier(comptes["partenaire"], 25)
    notifier(comptes["partenaire"], 3, lue=True, titre="Déjà lue")
    client.force_login(comptes["partenaire"])
    html = client.get("/notifications/").content.decode()
    assert "Page 1 sur 2" in html and html.count('class="list-group-item') == 20
    html = client.get("/notifications/?page=2").content.decode()
    assert html.count('class="list-group-item') == 8
    html = client.get("/notifications/?etat=lues").content.decode()
    assert html.count("Déjà lue") == 3 and "Non lue<" not in html
    html = client.get("/notifications/?etat=non_lues").content.decode()
    assert "Déjà lue" not in html and html.count("Non lue<") == 20
    html = client.get("/notifications/?etat=n-importe").content.decode()
    assert "Sélectionnez un choix valide" in html


def test_la_boite_demande_une_connexion(client):
    reponse = client.get("/notifications/")
    assert reponse.status_code == 302 and reponse["Location"].startswith("/connexion/")


def test_preference_de_courriel(client, comptes):
    client.force_login(comptes["partenaire"])
    html = client.get("/notifications/preferences/").content.decode()
    assert "Un courriel à chaque notification" in html and "résumé quotidien" in html
    reponse = client.post("/notifications/preferences/", {"frequence": "quotidienne"})
    assert reponse.status_code == 302
    assert PreferenceNotification.objects.get(user=comptes["partenaire"]).frequence == "quotidienne"
    reponse = client.post("/notifications/preferences/", {"frequence": "jamais"})
    assert reponse.status_code == 200
    assert PreferenceNotification.objects.get(user=comptes["partenaire"]).frequence == "quotidienne"
