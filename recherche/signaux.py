"""L'index suit les écritures : chaque enregistrement, suppression ou changement de relation
multiple d'un objet trouvable (ou d'une partie d'un engagement : action, acteur, financement,
axe, plan) signale l'objet à réindexer.

Les signalements s'accumulent pendant la transaction et sont traités une fois, à sa
validation (`transaction.on_commit`) : l'index ne voit que des données validées, et un
chargement de mille lignes ne réindexe pas mille fois le même engagement. Hors transaction,
le traitement suit immédiatement l'écriture. Une écriture par `QuerySet.update()` ou
`bulk_*` ne passe pas par les signaux : `reindexer_recherche` rattrape ces cas."""

import logging
from functools import partial

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from engagements.models import (
    Acteur,
    Action,
    AxeIntervention,
    Engagement,
    Financement,
    PlanStrategie,
    Sigle,
    Signataire,
    Thematique,
)
from indicateurs.models import Indicateur
from quartiers.models import ProjetStructurant, Quartier, Secteur
from recherche import file, indexation
from structures.models import FicheAction, Structure

logger = logging.getLogger(__name__)


def _label(modele):
    return modele._meta.label_lower


def _soi(instance):
    return [(_label(type(instance)), instance.pk)]


def _engagement_parent(instance):
    return [(_label(Engagement), instance.engagement_id)]


def _action(instance):
    return _soi(instance) + _engagement_parent(instance)


def _thematique(instance):
    return [(_label(Engagement), pk) for pk in instance.engagements.values_list("pk", flat=True)]


# Modèle → les objets indexés que son écriture touche.
CIBLES = {
    Engagement: _soi,
    Action: _action,
    AxeIntervention: _engagement_parent,
    Acteur: _engagement_parent,
    Financement: _engagement_parent,
    PlanStrategie: _engagement_parent,
    Thematique: _thematique,
    Indicateur: _soi,
    Quartier: _soi,
    Secteur: _soi,
    ProjetStructurant: _soi,
    Sigle: _soi,
    Signataire: _soi,
    Structure: _soi,
    FicheAction: _soi,
}
# Relations multiples dont le texte est indexé : (modèle propriétaire, champ).
RELATIONS = ((Quartier, "arrondissements"), (Structure, "quartiers"), (FicheAction, "quartiers"))


def marquer(cles):
    """Signale des objets à réindexer à la validation de la transaction en cours."""
    cles = [c for c in cles if c[1] is not None]
    if not cles:
        return
    file.ajouter(cles)
    # Un rappel par signalement : le premier exécuté traite toute la file, les suivants la
    # trouvent vide. Si la transaction est annulée, ses rappels disparaissent ; la file garde
    # ses clés, retraitées (sans dommage : on relit la base) à la prochaine validation.
    transaction.on_commit(traiter_en_attente)


def traiter_en_attente():
    """Réindexe les objets signalés. Une erreur ne fait pas échouer l'écriture déjà validée :
    elle est journalisée, et `reindexer_recherche` remet l'index d'accord."""
    cles = file.prendre()
    if not cles:
        return
    try:
        indexation.indexer(cles)
    except Exception:
        logger.exception(
            "Index de recherche non mis à jour (objets : %d) : lancez « manage.py "
            "reindexer_recherche ».",
            len(cles),
        )


def _apres_ecriture(sender, instance, raw=False, **kwargs):
    if not raw:
        marquer(CIBLES[sender](instance))


def _apres_suppression(sender, instance, **kwargs):
    marquer(CIBLES[sender](instance))


def _relation_changee(proprietaire, champ, sender, instance, action, reverse, pk_set, **kwargs):
    if not reverse:
        if action in ("post_add", "post_remove", "post_clear"):
            marquer([(_label(proprietaire), instance.pk)])
        return
    # Côté inverse (quartier.structures.add(…)) : les propriétaires touchés sont `pk_set`,
    # ou, pour un clear(), ceux liés juste avant.
    if action == "pre_clear":
        pk_set = proprietaire.objects.filter(**{champ: instance}).values_list("pk", flat=True)
    elif action not in ("post_add", "post_remove"):
        return
    marquer([(_label(proprietaire), pk) for pk in pk_set or ()])


def brancher():
    """Branche les signaux (AppConfig.ready). `dispatch_uid` : jamais deux fois."""
    for modele in CIBLES:
        post_save.connect(_apres_ecriture, sender=modele, dispatch_uid=f"recherche-{modele}")
        post_delete.connect(
            _apres_suppression, sender=modele, dispatch_uid=f"recherche-suppr-{modele}"
        )
    for proprietaire, champ in RELATIONS:
        m2m_changed.connect(
            partial(_relation_changee, proprietaire, champ),
            sender=getattr(proprietaire, champ).through,
            weak=False,
            dispatch_uid=f"recherche-m2m-{proprietaire}-{champ}",
        )
