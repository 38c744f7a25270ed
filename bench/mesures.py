"""Les mesures du banc d'essai : pages, API, exports et imports, aux deux échelles.

Chaque mesure est une `Mesure` : une préparation (hors chrono : connexion, fichiers) qui
renvoie la fonction mesurée `lancer(chrono)`. `lancer` renvoie la taille de la réponse en
octets (ou None) et lève une exception si le résultat n'est pas celui attendu (statut HTTP,
commande en erreur) : l'échec devient un chiffre du tableau. Ce qui doit rester hors chrono à
l'intérieur de `lancer` (préparer une transaction annulée) se met sous `chrono.hors_chrono()`.

Chaque issue qui ajoute une page, une liste ou un traitement lourd ajoute sa mesure à
`MESURES` (une ligne), et le banc la mesure aux deux échelles."""

import io
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PAGES_PUBLIQUES = [
    "/",
    "/engagements/",
    "/engagements/1/",
    "/indicateurs/",
    "/quartiers/",
    "/quartiers/les-portes-du-vingtieme/",
    "/glossaire/",
    "/recherche/?q=sant%C3%A9",
]

# Fiches quartier en PDF (WeasyPrint) : la plus courte et celle qui a le plus de secteurs.
FICHES_PDF = ["amandiers", "les-portes-du-vingtieme"]

TAILLE_PAGE_API = 50  # REST_FRAMEWORK["PAGE_SIZE"]


class EchecMesure(Exception):
    """Le traitement mesuré n'a pas rendu ce qu'on attendait (statut HTTP, erreur)."""


@dataclass(frozen=True)
class Mesure:
    """Une ligne du tableau des résultats.

    - `libelle` : texte, ou fonction du contexte (« page 1000 → 120 (dernière) ») ;
    - `repetitions` : nombre d'exécutions chronométrées au plus (le banc s'arrête plus tôt
      quand elles dépassent son budget de temps) ;
    - `lourde` : pas d'exécution d'échauffement (la première compte) ;
    - `web` : une requête HTTP, comparée au délai de gunicorn ;
    - `plans` : imprimer l'EXPLAIN ANALYZE de la requête principale sur les valeurs ;
    - `delai_min` : délai propre à la mesure quand celui du banc est plus court (l'import de
      10 000 lignes a droit à un quart d'heure : sa durée est un chiffre de référence)."""

    cle: str
    groupe: str
    libelle: object
    preparer: object
    repetitions: int = 5
    lourde: bool = False
    web: bool = True
    plans: bool = False
    delai_min: float = 0

    def titre(self, contexte):
        return self.libelle(contexte) if callable(self.libelle) else self.libelle


# --- briques ------------------------------------------------------------------------------------


def utilisateur(contexte, compte):
    from django.contrib.auth.models import User

    return User.objects.get(username=contexte["comptes"][compte])


def _taille(reponse):
    if getattr(reponse, "streaming", False):
        return sum(len(morceau) for morceau in reponse.streaming_content)
    return len(reponse.content)


def get(url, compte=None, **entetes):
    """GET `url` (texte ou fonction du contexte) avec le client de test, connecté ou non."""

    def preparer(contexte):
        from django.test import Client

        adresse = url(contexte) if callable(url) else url
        client = Client()
        if compte:
            client.force_login(utilisateur(contexte, compte))

        def lancer(chrono):
            reponse = client.get(adresse, **entetes)
            taille = _taille(reponse)
            if reponse.status_code != 200:
                raise EchecMesure(f"HTTP {reponse.status_code}")
            return taille

        return lancer

    return preparer


def travail(type_, parametres, compte):
    """Le corps d'un travail de fond (socle/travaux.py : la fonction déclarée par l'app dans
    son taches.py), exécuté ici pour `compte` : la page web ne fait que le mettre en file
    (bench/travaux.py mesure la file et l'exécutant)."""

    def preparer(contexte):
        from types import SimpleNamespace

        from socle import travaux

        fonction = travaux.TYPES[type_].fonction
        valeurs = parametres(contexte) if callable(parametres) else parametres
        demande = SimpleNamespace(
            pk=None, proprietaire=utilisateur(contexte, compte), parametres=valeurs, etape=""
        )

        def lancer(chrono):
            resultat = fonction(demande, lambda fait, total, etape=None: None)
            return len(resultat.contenu)

        return lancer

    return preparer


def commande(nom, *args, fichier=None, **options):
    """Une commande de gestion ; `fichier` : nom du fichier de sortie (option `sortie`)."""

    def preparer(contexte):
        from django.core.management import call_command

        dossier = Path(tempfile.mkdtemp(prefix="bench-sortie-"))
        valeurs = {k: (v(contexte) if callable(v) else v) for k, v in options.items()}

        def lancer(chrono):
            extra = {"sortie": str(dossier / fichier)} if fichier else {}
            call_command(nom, *args, stdout=io.StringIO(), **valeurs, **extra)
            return (dossier / fichier).stat().st_size if fichier else None

        return lancer

    return preparer


# --- saisie et imports --------------------------------------------------------------------------


def _poster_saisie(contexte, client):
    """POST d'une ligne de la grille (htmx), dans une transaction annulée : la base reste
    identique d'une mesure à l'autre."""
    from django.db import transaction

    saisie = contexte["saisie"]
    with transaction.atomic():
        reponse = client.post(saisie["url"], saisie["donnees"], headers={"HX-Request": "true"})
        transaction.set_rollback(True)
    if reponse.status_code != 200 or "enregistrée" not in reponse.content.decode():
        raise EchecMesure(f"saisie refusée (HTTP {reponse.status_code})")
    return len(reponse.content)


def saisie_seule(contexte):
    from django.test import Client

    client = Client()
    client.force_login(utilisateur(contexte, "spv"))
    return lambda chrono: _poster_saisie(contexte, client)


def importer(taille, concurrente=False):
    """import_valeurs d'un classeur préparé (créations de valeurs de l'année), dans une
    transaction annulée ; les valeurs de démonstration que le classeur remplace sont
    retirées d'abord, hors chrono. `concurrente` : pendant l'import, un autre fil enregistre
    une valeur d'un autre territoire par la grille, pour voir s'il est bloqué."""

    def preparer(contexte):
        from django.core.management import call_command
        from django.db import DEFAULT_DB_ALIAS, transaction

        from indicateurs.models import Valeur

        classeur = contexte["imports"][str(taille)]
        fichier = classeur["fichier"]

        def lancer(chrono):
            with chrono.hors_chrono(rejouer=False):
                saisie = SaisieConcurrente(contexte) if concurrente else None
            fin = None
            try:
                with transaction.atomic():
                    with chrono.hors_chrono():
                        Valeur.objects.filter(pk__in=classeur["remplacees"])._raw_delete(
                            DEFAULT_DB_ALIAS
                        )
                    call_command(
                        "import_valeurs", fichier, annee=contexte["annee"], stdout=io.StringIO()
                    )
                    fin = time.perf_counter()
                    transaction.set_rollback(True)
            finally:
                if saisie:
                    saisie.terminer(chrono, fin_import=fin)
            return Path(fichier).stat().st_size

        return lancer

    return preparer


class SaisieConcurrente:
    """Un fil qui, dès que l'import a posé ses verrous (fin de `preparer`), poste une
    ligne de la grille d'un autre territoire et chronomètre l'attente."""

    def __init__(self, contexte):
        from django.test import Client

        from indicateurs.resources import DeclarationValeurs

        self.contexte, self.resultat = contexte, {}
        self.verrous = threading.Event()
        self.client = Client()
        self.client.force_login(utilisateur(contexte, "spv"))
        # Les verrous de l'import sont posés à la fin de `preparer` (socle/imports.py).
        self.original = DeclarationValeurs.preparer
        evenement = self.verrous
        original = self.original

        def preparer(declaration, lignes, verrouiller):
            try:
                return original(declaration, lignes, verrouiller)
            finally:
                if verrouiller:
                    evenement.set()

        DeclarationValeurs.preparer = preparer
        self.fil = threading.Thread(target=self.saisir, daemon=True)
        self.fil.start()

    def saisir(self):
        from django.db import connection

        self.verrous.wait()
        time.sleep(0.2)  # l'import est entré dans ses lignes
        debut = time.perf_counter()
        try:
            _poster_saisie(self.contexte, self.client)
        except Exception as erreur:  # noqa: BLE001 — rapportée comme résultat
            self.resultat["erreur"] = f"{type(erreur).__name__} : {erreur}"
        self.resultat.update(debut=debut, fin=time.perf_counter())
        connection.close()

    def terminer(self, chrono, fin_import):
        from indicateurs.resources import DeclarationValeurs

        DeclarationValeurs.preparer = self.original
        self.verrous.set()
        self.fil.join(timeout=600)
        r = self.resultat
        if "fin" not in r:
            chrono.annexe(
                "saisie concurrente (autre territoire) pendant l’import", None, "toujours bloquée"
            )
            return
        duree = r["fin"] - r["debut"]
        note = r.get("erreur", "")
        if fin_import is not None and r["fin"] >= fin_import:
            note = note or "bloquée jusqu’à la fin de l’import"
        chrono.annexe("saisie concurrente (autre territoire) pendant l’import", duree, note)


# --- la liste ------------------------------------------------------------------------------------


def _valeurs_page(numero):
    """La page `numero` de /api/v1/valeurs/ en suivant le curseur : l'adresse porte le curseur
    qu'aurait donné le lien `next` de la page précédente (position de sa dernière ligne dans
    l'ordre -annee, -id), calculé hors chrono."""

    def derniere(contexte):
        return max(1, -(-contexte["nb_valeurs"] // TAILLE_PAGE_API))

    def url(contexte):
        from indicateurs.models import Valeur
        from socle.api.pagination import PaginationParCurseur

        page = min(numero, derniere(contexte))
        if page == 1:
            return "/api/v1/valeurs/"
        rang = (page - 1) * TAILLE_PAGE_API - 1
        position = Valeur.objects.order_by("-annee", "-id").values_list("annee", "id")[rang]
        return f"/api/v1/valeurs/?cursor={PaginationParCurseur.encoder(position)}"

    def libelle(contexte):
        page = min(numero, derniere(contexte))
        suffixe = f" → {page} (dernière)" if page != numero else ""
        return f"API /api/v1/valeurs/ page {numero}{suffixe} (curseur)"

    return url, libelle


def _import_libelle(taille, concurrente=False):
    def libelle(contexte):
        lignes = contexte["imports"][str(taille)]["lignes"]
        return f"import_valeurs {lignes:,} lignes".replace(",", " ")

    return libelle


def n(texte):
    """Un libellé complété par le contexte (« GET /indicateurs/{indicateur}/ »)."""
    return lambda contexte: texte.format(**contexte)


def _pages_publiques():
    return [
        Mesure(f"public:{url}", "Pages publiques", f"GET {url} (anonyme)", get(url))
        for url in PAGES_PUBLIQUES
    ]


def _mesures():
    valeurs_1, libelle_1 = _valeurs_page(1)
    valeurs_1000, libelle_1000 = _valeurs_page(1000)
    valeurs_50000, libelle_50000 = _valeurs_page(50000)
    bilan = "/bilan/rapport/?annee={annee}&toutes_valeurs=on&avec_demo=on"
    return [
        Mesure(
            "load_referentiel",
            "Référentiel",
            "load_referentiel (second passage, 0 écriture)",
            commande("load_referentiel"),
            repetitions=3,
            web=False,
        ),
        *_pages_publiques(),
        Mesure(
            "comparaison",
            "Pages (SPV)",
            "GET /quartiers/comparaison/",
            get("/quartiers/comparaison/", "spv"),
        ),
        Mesure(
            "indicateur",
            "Pages (SPV)",
            n("GET /indicateurs/{indicateur}/"),
            get(lambda c: f"/indicateurs/{c['indicateur']}/", "spv"),
        ),
        Mesure(
            "grille",
            "Pages (SPV)",
            n("GET grille {indicateur} {annee} (campagne ouverte)"),
            get(lambda c: f"/indicateurs/{c['indicateur']}/saisie/{c['annee']}/", "spv"),
        ),
        Mesure(
            "couverture",
            "Pages (SPV)",
            "GET /structures/fiches/couverture/",
            get("/structures/fiches/couverture/", "spv"),
        ),
        Mesure(
            "fiche-qpv",
            "Pages (SPV)",
            n("GET /quartiers/{quartier}/"),
            get(lambda c: f"/quartiers/{c['quartier']}/", "spv"),
        ),
        Mesure(
            "mon-territoire",
            "Pages (délégué)",
            "GET /mon-territoire/ (QPV du 19e)",
            get("/mon-territoire/", "delegue"),
        ),
        Mesure(
            "valeurs-html",
            "Pages (SPV)",
            n("GET /indicateurs/valeurs/?annee={annee}"),
            get(lambda c: f"/indicateurs/valeurs/?annee={c['annee']}", "spv"),
        ),
        Mesure(
            "fiches-html",
            "Pages (SPV)",
            "GET /structures/fiches/",
            get("/structures/fiches/", "spv"),
        ),
        Mesure(
            "projets-html",
            "Pages (SPV)",
            "GET /quartiers/projets/",
            get("/quartiers/projets/", "spv"),
        ),
        Mesure(
            "rapport-bilan",
            "Pages (SPV)",
            n("GET /bilan/rapport/ {annee} (tout le périmètre)"),
            get(lambda c: bilan.format(**c), "spv"),
            repetitions=3,
            lourde=True,
        ),
        Mesure(
            "rapport-bilan-19",
            "Pages (SPV)",
            n("GET /bilan/rapport/ {annee}, 19e arrondissement"),
            get(lambda c: bilan.format(**c) + "&arrondissement=19", "spv"),
            repetitions=3,
        ),
        Mesure(
            "api-valeurs-1",
            "API (SPV)",
            libelle_1,
            get(valeurs_1, "spv"),
            repetitions=10,
            plans=True,
        ),
        Mesure(
            "api-valeurs-1000", "API (SPV)", libelle_1000, get(valeurs_1000, "spv"), repetitions=10
        ),
        Mesure(
            "api-valeurs-50000",
            "API (SPV)",
            libelle_50000,
            get(valeurs_50000, "spv"),
            repetitions=10,
            plans=True,
        ),
        Mesure(
            "api-engagements",
            "API (SPV)",
            "API /api/v1/engagements/",
            get("/api/v1/engagements/", "spv"),
            repetitions=10,
        ),
        Mesure(
            "api-indicateurs",
            "API (SPV)",
            "API /api/v1/indicateurs/",
            get("/api/v1/indicateurs/", "spv"),
            repetitions=10,
        ),
        Mesure(
            "api-territoires",
            "API (SPV)",
            "API /api/v1/territoires/",
            get("/api/v1/territoires/", "spv"),
            repetitions=10,
        ),
        Mesure(
            "api-quartiers",
            "API (SPV)",
            "API /api/v1/quartiers/",
            get("/api/v1/quartiers/", "spv"),
            repetitions=10,
        ),
        Mesure(
            "api-projets",
            "API (SPV)",
            "API /api/v1/projets/",
            get("/api/v1/projets/", "spv"),
            repetitions=10,
        ),
        Mesure(
            "api-structures",
            "API (SPV)",
            "API /api/v1/structures/",
            get("/api/v1/structures/", "spv"),
            repetitions=10,
        ),
        Mesure(
            "api-fiches",
            "API (SPV)",
            "API /api/v1/fiches-actions/",
            get("/api/v1/fiches-actions/", "spv"),
            repetitions=10,
        ),
        Mesure(
            "modele",
            "Exports",
            n("modèle de la campagne {annee} (travail de fond indicateurs.modele)"),
            travail("indicateurs.modele", lambda c: {"annee": c["annee"]}, "spv"),
            repetitions=2,
            lourde=True,
            web=False,
        ),
        Mesure(
            "export-valeurs",
            "Exports",
            n("GET /indicateurs/valeurs/export.xlsx?annee={annee}"),
            get(lambda c: f"/indicateurs/valeurs/export.xlsx?annee={c['annee']}", "spv"),
            repetitions=2,
            lourde=True,
        ),
        Mesure(
            "api-valeurs-csv",
            "Exports",
            n("API /api/v1/valeurs/?format=csv&annee={annee}"),
            get(lambda c: f"/api/v1/valeurs/?format=csv&annee={c['annee']}", "spv"),
            repetitions=2,
            lourde=True,
        ),
        Mesure(
            "comparaison-xlsx",
            "Exports",
            "GET /quartiers/comparaison/export.xlsx",
            get("/quartiers/comparaison/export.xlsx", "spv"),
            repetitions=2,
            lourde=True,
        ),
        *[
            Mesure(
                f"fiche-pdf:{slug}",
                "Exports",
                f"fiche PDF {slug} (travail de fond territoire.fiche_pdf)",
                travail("territoire.fiche_pdf", {"quartier": slug}, "spv"),
                repetitions=3,
                web=False,
            )
            for slug in FICHES_PDF
        ],
        Mesure(
            "export-bilan",
            "Exports",
            n("export_bilan --annee {annee} xlsx (tout le périmètre)"),
            commande(
                "export_bilan",
                annee=lambda c: c["annee"],
                toutes_valeurs=True,
                avec_demo=True,
                fichier="bilan.xlsx",
            ),
            repetitions=2,
            lourde=True,
            web=False,
        ),
        Mesure(
            "export-bilan-19",
            "Exports",
            n("export_bilan --annee {annee} xlsx, 19e"),
            commande(
                "export_bilan",
                annee=lambda c: c["annee"],
                arrondissement=19,
                toutes_valeurs=True,
                avec_demo=True,
                fichier="bilan-19.xlsx",
            ),
            repetitions=2,
            lourde=True,
            web=False,
        ),
        Mesure(
            "export-bilan-pdf",
            "Exports",
            n("export_bilan --annee {annee} PDF (tout le périmètre)"),
            commande(
                "export_bilan",
                annee=lambda c: c["annee"],
                toutes_valeurs=True,
                avec_demo=True,
                fichier="bilan.pdf",
            ),
            repetitions=2,
            lourde=True,
            web=False,
        ),
        Mesure(
            "saisie", "Imports et saisie", "POST d’une ligne de la grille (seule)", saisie_seule
        ),
        Mesure(
            "import-10",
            "Imports et saisie",
            _import_libelle(10),
            importer(10),
            repetitions=3,
            web=False,
        ),
        Mesure(
            "import-10000",
            "Imports et saisie",
            _import_libelle(10_000),
            importer(10_000, concurrente=True),
            repetitions=1,
            lourde=True,
            web=False,
            delai_min=900,
        ),
    ]


MESURES = _mesures()
PAR_CLE = {m.cle: m for m in MESURES}
