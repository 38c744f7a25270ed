"""Routeur de bases : les lectures lourdes vers un réplica en lecture seule, s'il y en a un.

Le bilan (page, classeur, PDF), les exports (valeurs, modèle de saisie, CSV de l'API), la
fiche quartier en PDF et les comparaisons se marquent comme « lectures lourdes » avec
socle/lectures.py (`@lecture_lourde`, `with lectures_lourdes()`). Pendant une lecture
lourde, les requêtes de lecture de l'ORM partent vers l'alias `replica`
(`DATABASE_REPLICA_URL`, voir contratville/settings.py) ; sans réplica, vers la base
principale, comme avant. Les écritures vont toujours à la base principale, et les migrations
ne s'appliquent qu'à elle (le réplica suit par la réplication de PostgreSQL).

Un réplica a un léger retard : une lecture lourde peut ne pas voir une saisie de la seconde
précédente. C'est acceptable pour un bilan ou un export ; les pages de saisie et les
contrôles d'un import (qui verrouillent des lignes) ne sont jamais marqués."""

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

from socle.lectures import en_lecture_lourde

REPLICA = "replica"


def replica_actif():
    """Vrai si un réplica est configuré et qu'on s'en sert (`LECTURES_SUR_REPLICA`)."""
    return REPLICA in settings.DATABASES and getattr(settings, "LECTURES_SUR_REPLICA", True)


class RouteurLecturesLourdes:
    """Le routeur déclaré dans `DATABASE_ROUTERS`."""

    def db_for_read(self, model, **hints):
        if en_lecture_lourde() and replica_actif():
            return REPLICA
        return None  # le choix habituel de Django : la base principale

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # Le réplica est une copie de la base principale : mêmes objets.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA
