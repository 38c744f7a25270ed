"""L'abonnement aux circuits de validation : chaque transition (page, import, API, commande)
passe par socle.circuits, qui envoie `transition_effectuee` après la validation de la
transaction, une fois par objet changé, avec `lot` = tous les objets du même appel. Le lot est
traité une seule fois, au signal de son premier objet : une validation en masse donne une
notification (et un courriel) par destinataire, pas une par valeur."""

from django.dispatch import receiver

from notifications.diffusion import notifier
from notifications.regles import regle_de
from socle.circuits import transition_effectuee


@receiver(transition_effectuee, dispatch_uid="notifications.transition_effectuee")
def transition(sender, objet, transition, par, motif="", vers="", lot=(), **kwargs):
    lot = tuple(lot) or (objet,)
    if objet is not lot[0]:
        return  # déjà traité avec le premier objet du lot
    regle = regle_de(sender, transition)
    if regle is not None:
        notifier(regle, lot, par, motif, vers)
