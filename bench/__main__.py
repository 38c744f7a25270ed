"""Lance les mesures : `python -m bench` (base donnée par DATABASE_URL, migrée au besoin)."""

import io
import os
import statistics
import time
import tracemalloc

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contratville.settings_test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench import mesures  # noqa: E402

REPETITIONS = 5


def mesurer(nom, fonction, repetitions=REPETITIONS):
    """Durée médiane, mémoire Python de pointe et nombre de requêtes d'un appel.

    Les durées sont prises sans tracemalloc, qui ralentit deux à trois fois le code qui alloue
    beaucoup (classeurs openpyxl, rendus WeasyPrint) ; la mémoire de pointe et les requêtes
    sont relevées sur une exécution de plus, tracée."""
    durees = []
    for _ in range(repetitions):
        reset_queries()
        debut = time.perf_counter()
        fonction()
        durees.append(time.perf_counter() - debut)
    reset_queries()
    tracemalloc.start()
    with CaptureQueriesContext(connection) as ctx:
        fonction()
    _, pointe = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"  {nom:<45} médiane {statistics.median(durees) * 1000:8.1f} ms   "
        f"max {max(durees) * 1000:8.1f} ms   mémoire de pointe {pointe / 1e6:6.1f} Mo   "
        f"{len(ctx.captured_queries):4d} requêtes"
    )


def main():
    print(f"Base : {connection.vendor} — {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    debut = time.perf_counter()
    call_command("load_referentiel", stdout=io.StringIO())
    print(f"Premier chargement du référentiel : {time.perf_counter() - debut:.2f} s")
    mesurer(
        "load_referentiel (second passage, 0 écriture)",
        lambda: call_command("load_referentiel", stdout=io.StringIO()),
        repetitions=3,
    )
    client = Client()
    print("Pages (anonyme) :")
    for url in mesures.PAGES:
        client.get(url)
        mesurer(f"GET {url}", lambda url=url: client.get(url))
    for nom, fonction in mesures.autres():
        mesurer(nom, fonction, repetitions=3)


if __name__ == "__main__":
    main()
