"""Sauvegarde et restauration du portail : la base PostgreSQL (pg_dump, format personnalisé),
les pièces jointes (archive tar de MEDIA_ROOT) et un manifeste JSON (date, commit git, nombre
de lignes par table, empreintes SHA-256 des fichiers) qui permet de vérifier une restauration.

    python scripts/sauvegarde.py sauvegarder [--dossier DOSSIER]
    python scripts/sauvegarde.py restaurer --dossier DOSSIER [--force]

La base vient de DATABASE_URL, les pièces jointes de MEDIA_ROOT (défaut : media/ du dépôt).
La restauration refuse d'écrire dans une base qui a déjà des tables, ou dans un MEDIA_ROOT
qui a déjà des fichiers, sauf avec --force (la base est alors vidée avant la restauration).
Elle vérifie d'abord les empreintes de l'archive, puis, après coup, le nombre de lignes de
chaque table et l'empreinte de chaque pièce jointe.

Sans Django (seulement psycopg et les outils PostgreSQL 15 : PG_BIN, sinon
/usr/lib/postgresql/15/bin, sinon le PATH) : le script sert aussi quand l'application ne
démarre plus. `dumpdata`/`loaddata` ne sont pas une sauvegarde : ils échouent sur les tables
d'historique et ne gardent ni les séquences ni les pièces jointes."""

import argparse
import datetime
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import psycopg
from psycopg import sql

RACINE = Path(__file__).resolve().parent.parent
FICHIER_BASE = "base.dump"
FICHIER_MEDIAS = "medias.tar.gz"
FICHIER_MANIFESTE = "manifeste.json"
FORMAT = 1


class Refus(Exception):
    """Une sauvegarde ou une restauration refusée, avec la raison en français."""


def pieces_jointes(n):
    """« 0 pièce jointe », « 3 pièces jointes » (ce script tourne sans Django)."""
    return f"{n} pièce jointe" if n < 2 else f"{n} pièces jointes"


def outil(nom):
    for dossier in (os.environ.get("PG_BIN"), "/usr/lib/postgresql/15/bin"):
        if dossier and (Path(dossier) / nom).is_file():
            return str(Path(dossier) / nom)
    chemin = shutil.which(nom)
    if not chemin:
        raise Refus(f"{nom} est introuvable : installez les outils clients de PostgreSQL 15.")
    return chemin


def url_base(url=None):
    url = url or os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise Refus("DATABASE_URL doit désigner une base PostgreSQL (postgres://…).")
    return url


def dossier_medias(chemin=None):
    return Path(chemin or os.environ.get("MEDIA_ROOT") or RACINE / "media")


def empreinte(chemin):
    h = hashlib.sha256()
    with open(chemin, "rb") as f:
        for bloc in iter(lambda: f.read(1 << 20), b""):
            h.update(bloc)
    return h.hexdigest()


def commit_git():
    try:
        return subprocess.run(
            ["git", "-C", str(RACINE), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def tables(curseur):
    curseur.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    )
    return [ligne[0] for ligne in curseur.fetchall()]


def compter_lignes(curseur):
    comptes = {}
    for table in tables(curseur):
        curseur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        comptes[table] = curseur.fetchone()[0]
    return comptes


def fichiers_medias(racine):
    if not racine.is_dir():
        return {}
    return {
        str(f.relative_to(racine)): empreinte(f)
        for f in sorted(racine.rglob("*"))
        if f.is_file() and not f.is_symlink()
    }


# --- sauvegarde ------------------------------------------------------------------------------


def sauvegarder(dossier=None, url=None, medias=None):
    """Écrit base.dump, medias.tar.gz et manifeste.json dans un nouveau dossier ; renvoie son
    chemin. Les lignes sont comptées dans l'instantané même que pg_dump exporte."""
    url, medias = url_base(url), dossier_medias(medias)
    horodatage = datetime.datetime.now().astimezone()
    dossier = Path(dossier or RACINE / "sauvegardes") / horodatage.strftime(
        "sauvegarde-%Y%m%d-%H%M%S"
    )
    dossier.mkdir(parents=True, exist_ok=False)
    with psycopg.connect(url) as connexion:
        # Un instantané exporté : pg_dump et le comptage voient exactement la même base,
        # même si le portail écrit pendant la sauvegarde.
        connexion.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with connexion.cursor() as curseur:
            curseur.execute("SELECT pg_export_snapshot()")
            instantane = curseur.fetchone()[0]
            subprocess.run(
                [
                    outil("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={instantane}",
                    f"--file={dossier / FICHIER_BASE}",
                    url,
                ],
                check=True,
                capture_output=True,
                timeout=3600,
            )
            lignes = compter_lignes(curseur)
    fichiers = fichiers_medias(medias)
    with tarfile.open(dossier / FICHIER_MEDIAS, "w:gz") as archive:
        for relatif in fichiers:
            archive.add(medias / relatif, arcname=relatif, recursive=False)
    manifeste = {
        "format": FORMAT,
        "date": horodatage.isoformat(timespec="seconds"),
        "commit": commit_git(),
        "base": {
            "fichier": FICHIER_BASE,
            "sha256": empreinte(dossier / FICHIER_BASE),
            "lignes": lignes,
        },
        "medias": {
            "fichier": FICHIER_MEDIAS,
            "sha256": empreinte(dossier / FICHIER_MEDIAS),
            "fichiers": fichiers,
        },
    }
    (dossier / FICHIER_MANIFESTE).write_text(
        json.dumps(manifeste, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return dossier


# --- restauration ----------------------------------------------------------------------------


def lire_manifeste(dossier):
    chemin = Path(dossier) / FICHIER_MANIFESTE
    if not chemin.is_file():
        raise Refus(f"Aucun manifeste dans {dossier} : ce n’est pas une sauvegarde du portail.")
    manifeste = json.loads(chemin.read_text(encoding="utf-8"))
    if manifeste.get("format") != FORMAT:
        raise Refus(f"Format de sauvegarde inconnu : {manifeste.get('format')!r}.")
    for partie in ("base", "medias"):
        fichier = Path(dossier) / manifeste[partie]["fichier"]
        if not fichier.is_file() or empreinte(fichier) != manifeste[partie]["sha256"]:
            raise Refus(f"{fichier.name} manque ou a été modifié (empreinte différente).")
    return manifeste


def restaurer(dossier, url=None, medias=None, force=False):
    """Restaure la sauvegarde `dossier` dans la base `url` et le dossier `medias`, puis
    vérifie lignes et fichiers ; renvoie le manifeste. Refuse (Refus) une cible non vide sans
    `force`, et une archive dont les empreintes ne correspondent pas."""
    dossier, url, medias = Path(dossier), url_base(url), dossier_medias(medias)
    manifeste = lire_manifeste(dossier)
    with psycopg.connect(url, autocommit=True) as connexion, connexion.cursor() as curseur:
        existantes = tables(curseur)
        if existantes and not force:
            raise Refus(
                f"La base cible contient déjà {len(existantes)} table{'s' if len(existantes) > 1 else ''} : restauration refusée "
                "(ajoutez --force pour la remplacer entièrement)."
            )
        if medias.is_dir() and any(medias.iterdir()) and not force:
            raise Refus(
                f"{medias} contient déjà des fichiers : restauration refusée (--force pour "
                "écrire par-dessus)."
            )
        if existantes:
            curseur.execute("DROP SCHEMA public CASCADE")
            curseur.execute("CREATE SCHEMA public")
    subprocess.run(
        [
            outil("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={url}",
            str(dossier / manifeste["base"]["fichier"]),
        ],
        check=True,
        capture_output=True,
        timeout=3600,
    )
    medias.mkdir(parents=True, exist_ok=True)
    with tarfile.open(dossier / manifeste["medias"]["fichier"], "r:gz") as archive:
        # Filtre « data » : ni chemin absolu, ni sortie du dossier, ni lien, ni fichier spécial.
        archive.extractall(medias, filter="data")
    verifier(manifeste, url, medias)
    return manifeste


def verifier(manifeste, url, medias):
    with psycopg.connect(url) as connexion, connexion.cursor() as curseur:
        lignes = compter_lignes(curseur)
    ecarts = {
        t: (n, lignes.get(t)) for t, n in manifeste["base"]["lignes"].items() if lignes.get(t) != n
    }
    if ecarts:
        raise Refus(f"Nombre de lignes différent après restauration : {ecarts}.")
    for relatif, attendue in manifeste["medias"]["fichiers"].items():
        chemin = medias / relatif
        if not chemin.is_file() or empreinte(chemin) != attendue:
            raise Refus(f"Pièce jointe absente ou altérée après restauration : {relatif}.")


def main(arguments=None):
    analyseur = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    actions = analyseur.add_subparsers(dest="action", required=True)
    s = actions.add_parser("sauvegarder", help="sauvegarder la base et les pièces jointes")
    s.add_argument("--dossier", help="dossier parent des sauvegardes (défaut : sauvegardes/)")
    r = actions.add_parser("restaurer", help="restaurer une sauvegarde")
    r.add_argument("--dossier", required=True, help="le dossier sauvegarde-AAAAMMJJ-HHMMSS")
    r.add_argument("--force", action="store_true", help="remplacer une base ou des fichiers")
    options = analyseur.parse_args(arguments)
    try:
        if options.action == "sauvegarder":
            dossier = sauvegarder(options.dossier)
            manifeste = json.loads((dossier / FICHIER_MANIFESTE).read_text(encoding="utf-8"))
            print(
                f"Sauvegarde écrite dans {dossier} : {len(manifeste['base']['lignes'])} tables, "
                f"{sum(manifeste['base']['lignes'].values())} lignes, "
                f"{pieces_jointes(len(manifeste['medias']['fichiers']))}."
            )
        else:
            manifeste = restaurer(options.dossier, force=options.force)
            print(
                f"Sauvegarde du {manifeste['date']} restaurée et vérifiée : "
                f"{len(manifeste['base']['lignes'])} tables, "
                f"{pieces_jointes(len(manifeste['medias']['fichiers']))}."
            )
    except Refus as refus:
        print(f"Refusé : {refus}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as exc:
        sortie = (exc.stderr or b"").decode(errors="replace")[-2000:]
        print(f"Échec de {Path(exc.cmd[0]).name} : {sortie}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
