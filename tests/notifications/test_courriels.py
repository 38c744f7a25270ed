"""Les courriels des notifications : en français, texte et HTML (multi-part), liens absolus
construits sur PORTAIL_URL ; un courriel à chaque notification par défaut, ou aucun puis un
seul résumé quotidien pour qui l'a choisi (commande envoyer_resume_quotidien, idempotente)."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from notifications.models import Notification, PreferenceNotification

from .conftest import ANNEE, PORTAIL, adresse, creer_valeur

pytestmark = pytest.mark.django_db


@pytest.fixture
def soumise(campagne, ind_caf, comptes):
    return creer_valeur(
        ind_caf,
        "qpv-goutte-dor",
        valeur=Decimal("1234.5"),
        statut="soumis",
        saisi_par=comptes["partenaire"],
        soumis_par=comptes["partenaire"],
    )


def renvoyer(valeur, par, capture, motif="La source n’est pas indiquée."):
    with capture(execute=True):
        valeur.renvoyer(par, motif)


def test_courriel_multipart_francais_avec_lien_du_portail(
    comptes, soumise, django_capture_on_commit_callbacks
):
    comptes["partenaire"].first_name = "Awa"
    comptes["partenaire"].save()
    renvoyer(soumise, comptes["spv"], django_capture_on_commit_callbacks)
    courriel = next(m for m in mail.outbox if m.to == [adresse("partenaire-caf")])
    assert courriel.subject == (
        f"[Contrat de ville] Valeur renvoyée pour correction : E28-2 · {soumise.territoire.nom} · "
        f"{ANNEE}"
    )
    assert courriel.from_email == "contrat-de-ville@paris.fr"
    lien = f"{PORTAIL}/indicateurs/valeurs/{soumise.pk}/"
    # Partie texte.
    texte = courriel.body
    assert texte.startswith("Bonjour Awa,")
    assert "vous renvoie cette valeur pour correction" in texte
    assert f"E28-2 · {soumise.territoire.nom} · {ANNEE} : {soumise.affichage}" in texte
    assert "Motif : La source n’est pas indiquée." in texte
    assert lien in texte
    assert f"{PORTAIL}/notifications/preferences/" in texte
    # Partie HTML : la même chose, échappée, avec un vrai lien.
    ((html, type_mime),) = courriel.alternatives
    assert type_mime == "text/html"
    assert '<html lang="fr">' in html
    assert f'<a href="{lien}"' in html
    assert "La source n’est pas indiquée." in html
    assert "Ouvrir dans le portail" in html
    assert "{{" not in texte + html and "{%" not in texte + html


def test_le_html_du_courriel_echappe_le_motif(comptes, soumise, django_capture_on_commit_callbacks):
    renvoyer(soumise, comptes["spv"], django_capture_on_commit_callbacks, "<b>gras</b> & co")
    ((html, _),) = mail.outbox[0].alternatives
    assert "&lt;b&gt;gras&lt;/b&gt; &amp; co" in html and "<b>gras</b>" not in html
    assert "<b>gras</b> & co" in mail.outbox[0].body


def test_un_echec_d_envoi_ne_defait_pas_la_transition(
    comptes, soumise, settings, django_capture_on_commit_callbacks, caplog
):
    settings.EMAIL_BACKEND = "tests.notifications.test_courriels.BackendEnPanne"
    renvoyer(soumise, comptes["spv"], django_capture_on_commit_callbacks)
    soumise.refresh_from_db()
    assert soumise.statut == "renvoye"
    # Les notifications sont là, pas encore envoyées (le résumé ne les prendra pas : la
    # préférence est immédiate), et l'échec est journalisé.
    assert Notification.objects.filter(envoyee_le__isnull=True).count() == 2
    assert "Échec de l'envoi du courriel" in caplog.text


class BackendEnPanne:
    """Un serveur de courriel qui refuse tout."""

    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        return True

    def close(self):
        pass

    def send_messages(self, messages):
        raise OSError("serveur de courriel injoignable")


def test_le_compte_sans_adresse_n_a_que_la_notification(
    comptes, soumise, django_capture_on_commit_callbacks
):
    comptes["partenaire2"].email = ""
    comptes["partenaire2"].save()
    renvoyer(soumise, comptes["spv"], django_capture_on_commit_callbacks)
    assert Notification.objects.filter(destinataire=comptes["partenaire2"]).exists()
    assert [m.to for m in mail.outbox] == [[adresse("partenaire-caf")]]


# --- résumé quotidien --------------------------------------------------------------------------


def resume(**options):
    sortie = io.StringIO()
    call_command("envoyer_resume_quotidien", stdout=sortie, **options)
    return sortie.getvalue()


@pytest.fixture
def au_quotidien(comptes):
    PreferenceNotification.objects.create(
        user=comptes["partenaire"], frequence=PreferenceNotification.Frequence.QUOTIDIENNE
    )
    return comptes["partenaire"]


def test_resume_quotidien_au_lieu_des_courriels(
    comptes, soumise, au_quotidien, ind_caf, django_capture_on_commit_callbacks
):
    autre = creer_valeur(ind_caf, "paris", statut="soumis", saisi_par=au_quotidien)
    renvoyer(soumise, comptes["spv"], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        autre.valider(comptes["spv"])
    # Le partenaire au résumé quotidien : deux notifications, aucun courriel ; l'autre compte
    # de la Caf (préférence par défaut) : un courriel par notification.
    assert Notification.objects.filter(destinataire=au_quotidien).count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == [adresse("partenaire-caf-2")] * 2
    mail.outbox.clear()
    # Une notification déjà lue ne figure pas dans le résumé.
    lue = Notification.objects.create(
        destinataire=au_quotidien, type="valeur_validee", titre="Déjà lue", lien="/",
        lue_le=timezone.now(),
    )  # fmt: skip

    sortie = resume(dry_run=True)
    assert "Résumés envoyés : 1 (2 notifications) (à blanc" in sortie
    assert mail.outbox == []

    sortie = resume()
    assert "Résumés envoyés : 1 (2 notifications)." in sortie
    (courriel,) = mail.outbox
    assert courriel.to == [adresse("partenaire-caf")]
    assert courriel.subject == "[Contrat de ville] Résumé du jour : 2 notifications non lues"
    assert "Valeur renvoyée pour correction : E28-2" in courriel.body
    assert f"Valeur validée : E28-2 · Paris · {ANNEE}" in courriel.body
    assert f"{PORTAIL}/indicateurs/valeurs/{soumise.pk}/" in courriel.body
    assert "Déjà lue" not in courriel.body
    ((html, type_mime),) = courriel.alternatives
    assert type_mime == "text/html" and f'href="{PORTAIL}/indicateurs/valeurs/{autre.pk}/"' in html
    assert (
        not Notification.objects.filter(destinataire=au_quotidien, envoyee_le__isnull=True)
        .exclude(pk=lue.pk)
        .exists()
    )

    # Idempotent : relancée, la commande n'envoie rien (ni ce qui est parti, ni un second
    # résumé le même jour, même pour une notification arrivée entre-temps).
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        creer_valeur(ind_caf, "ensemble-qpv", statut="soumis").valider(comptes["spv"])
    assert "Résumés envoyés : 0 (0 notification). Déjà reçu aujourd’hui : 1." in resume()
    assert adresse("partenaire-caf") not in [m.to[0] for m in mail.outbox]
    # Le lendemain, seule la nouvelle part.
    PreferenceNotification.objects.filter(user=au_quotidien).update(
        dernier_resume_le=timezone.now() - timedelta(hours=21)
    )
    mail.outbox.clear()
    assert "Résumés envoyés : 1 (1 notification)." in resume()
    (courriel,) = mail.outbox
    assert courriel.to == [adresse("partenaire-caf")]
    assert courriel.subject.endswith("Résumé du jour : 1 notification non lue")
    assert "Ensemble des QPV parisiens" in courriel.body and "Paris · " not in courriel.body


def test_le_resume_ignore_les_notifications_de_plus_de_24_heures(comptes, au_quotidien):
    Notification.objects.create(
        destinataire=au_quotidien, type="valeur_validee", titre="Ancienne", lien="/",
        creee_le=timezone.now() - timedelta(hours=25),
    )  # fmt: skip
    assert "Résumés envoyés : 0" in resume()
    assert mail.outbox == []


def test_le_resume_en_echec_repart_la_fois_suivante(comptes, au_quotidien, settings):
    Notification.objects.create(
        destinataire=au_quotidien, type="valeur_validee", titre="À envoyer", lien="/"
    )
    settings.EMAIL_BACKEND = "tests.notifications.test_courriels.BackendEnPanne"
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="repartiront"):
        resume()
    assert Notification.objects.get(titre="À envoyer").envoyee_le is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert "Résumés envoyés : 1 (1 notification)." in resume()
