"""Le résumé quotidien des notifications, pour les comptes qui l'ont choisi.

    python manage.py envoyer_resume_quotidien [--dry-run]

Un courriel par compte (actif, avec une adresse, préférence « résumé quotidien ») qui a des
notifications non lues des dernières 24 heures jamais envoyées par courriel. Idempotent : une
notification envoyée est marquée (`envoyee_le`) et ne repart jamais ; un compte qui a reçu son
résumé il y a moins de 20 heures n'en reçoit pas d'autre (relancer la commande le même jour
n'envoie rien). Chaque compte est traité dans sa transaction, ses notifications verrouillées :
deux exécutions simultanées n'envoient pas deux fois. Planifiée une fois par jour (service
`resume-quotidien` de docker-compose.yml, ou une ligne de cron : voir README)."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from notifications import courriels
from notifications.models import Notification, PreferenceNotification

PERIODE = timedelta(hours=24)
# Un résumé par jour : une seconde exécution dans la journée n'envoie rien.
INTERVALLE_MINIMAL = timedelta(hours=20)


class Command(BaseCommand):
    help = (
        "Envoie à chaque compte qui l’a choisi le résumé de ses notifications non lues des "
        "dernières 24 heures (idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="compter sans rien envoyer ni marquer"
        )

    def handle(self, *args, dry_run=False, **options):
        maintenant = timezone.now()
        comptes = (
            get_user_model()
            .objects.filter(
                is_active=True,
                preference_notifications__frequence=PreferenceNotification.Frequence.QUOTIDIENNE,
                notifications__lue_le__isnull=True,
                notifications__envoyee_le__isnull=True,
                notifications__creee_le__gte=maintenant - PERIODE,
            )
            .distinct()
            .order_by("pk")
        )
        envoyes = notifications_envoyees = sans_adresse = deja = echecs = 0
        for compte in comptes:
            if not compte.email:
                sans_adresse += 1
                continue
            with transaction.atomic():
                preference = PreferenceNotification.objects.select_for_update().get(user=compte)
                recent = preference.dernier_resume_le
                if recent and recent > maintenant - INTERVALLE_MINIMAL:
                    deja += 1
                    continue
                a_envoyer = list(
                    Notification.objects.for_user(compte)
                    .non_lues()
                    .a_envoyer()
                    .filter(creee_le__gte=maintenant - PERIODE)
                    .select_for_update(skip_locked=True)
                    .order_by("creee_le", "pk")
                )
                if not a_envoyer:
                    continue
                if dry_run:
                    envoyes += 1
                    notifications_envoyees += len(a_envoyer)
                    continue
                if not courriels.envoyer([courriels.courriel_resume(compte, a_envoyer)]):
                    echecs += 1
                    continue
                Notification.objects.filter(pk__in=[n.pk for n in a_envoyer]).update(
                    envoyee_le=maintenant
                )
                preference.dernier_resume_le = maintenant
                preference.save(update_fields=["dernier_resume_le"])
                envoyes += 1
                notifications_envoyees += len(a_envoyer)
        blanc = " (à blanc : rien n’est envoyé)" if dry_run else ""
        self.stdout.write(
            f"Résumés envoyés : {envoyes} ({notifications_envoyees} notification"
            f"{'s' if notifications_envoyees > 1 else ''}){blanc}. Déjà reçu aujourd’hui : "
            f"{deja}. Comptes sans adresse : {sans_adresse}. Échecs d’envoi : {echecs}."
        )
        if echecs:
            raise CommandError(
                f"{echecs} résumé(s) n’ont pas pu partir (voir le journal) ; ils repartiront à "
                "la prochaine exécution."
            )
