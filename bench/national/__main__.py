"""Génère le jeu national dans la base de DATABASE_URL (nom en `bench_…`, référentiel chargé,
aucune autre donnée) : `python -m bench.national [--qpv 1600] [--fiches 50000] …`.

`python -m bench` le fait lui-même, dans une base qu'il crée ; cette entrée sert à générer à
la main (autre volume, autre serveur)."""

import argparse
import os
import sys
from dataclasses import fields

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contratville.settings_test")

import django  # noqa: E402


def lire_parametres(argv=None):
    from bench.national.generateur import Parametres

    parser = argparse.ArgumentParser(prog="python -m bench.national", description=__doc__)
    for f in fields(Parametres):
        option = "--" + f.name.replace("_", "-")
        parser.add_argument(option, type=int, default=f.default, help=f"défaut : {f.default}")
    args = parser.parse_args(argv)
    return Parametres(**{f.name: getattr(args, f.name) for f in fields(Parametres)})


def main(argv=None):
    django.setup()
    from bench.national.generateur import BaseRefusee, generer

    parametres = lire_parametres(argv)
    try:
        generer(parametres, sortie=lambda texte: print(texte, flush=True))
    except BaseRefusee as refus:
        print(f"Refusé : {refus}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
