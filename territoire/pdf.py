"""La fiche quartier en PDF, rendue côté serveur par WeasyPrint.

Aucun accès réseau : les adresses `/static/…` du gabarit sont lues sur disque (finders de
staticfiles, à défaut STATIC_ROOT) par un `URLFetcher` qui refuse toute autre ressource. Les
courbes sont en SVG dans la page (WeasyPrint n'exécute pas de JavaScript). Les polices sont
celles du système (DejaVu, installée par scripts/system-deps.sh et le Dockerfile)."""

import mimetypes
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

# Adresse fictive de la page : elle ne sert qu'à reconnaître les fichiers statiques, jamais
# une requête n'y part (le domaine .invalid est réservé, RFC 2606).
BASE_INTERNE = "http://portail.invalid"
# La variante des PDF du portail (fiche quartier, rapport du bilan) : accessible, balisée.
VARIANTE_PDF = "pdf/ua-1"


def chemin_statique(url):
    """Le fichier local d'une adresse `…/static/<chemin>` (finders, puis STATIC_ROOT), ou None
    pour toute autre adresse."""
    prefixe = f"{BASE_INTERNE}/{settings.STATIC_URL.strip('/')}/"
    if not url.startswith(prefixe):
        return None
    relatif = url[len(prefixe) :].split("?")[0].split("#")[0]
    if not relatif or ".." in Path(relatif).parts:
        return None
    trouve = finders.find(relatif)
    if trouve:
        return Path(trouve)
    candidat = Path(settings.STATIC_ROOT) / relatif
    return candidat if candidat.is_file() else None


def _fetcher():
    """Un URLFetcher qui sert les fichiers statiques locaux et refuse tout le reste (import
    tardif : WeasyPrint charge Pango au premier usage, pas au démarrage du portail)."""
    from weasyprint import URLFetcher
    from weasyprint.urls import URLFetcherResponse

    class FichiersStatiques(URLFetcher):
        """Les ressources de la fiche PDF : fichiers statiques du portail, lus sur disque."""

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            chemin = chemin_statique(url)
            if chemin is None:
                raise ValueError(f"Ressource refusée (aucun accès réseau) : {url}")
            type_mime = mimetypes.guess_type(chemin.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                chemin.as_uri(), chemin.read_bytes(), {"Content-Type": type_mime}
            )

    return FichiersStatiques(allowed_protocols={"http", "data"})


def rendre_pdf(gabarit, contexte, request=None, etape=None):
    """Les octets du PDF d'un gabarit HTML. `etape(nom)`, si elle est donnée, est appelée avant
    la mise en page puis avant l'écriture (avancement d'un travail de fond)."""
    from weasyprint import CSS, HTML

    etape = etape or (lambda nom: None)
    html = render_to_string(gabarit, contexte, request=request)
    # PDF/UA-1 : PDF balisé (arbre de structure, titres, tableaux, texte de remplacement) et
    # langue du document (lang du gabarit), lisible par un lecteur d'écran (RGAA 13.3).
    # Une légende de tableau ne reste jamais seule en bas de page : c'est plus lisible, et
    # WeasyPrint 68 ne sait pas baliser un tableau coupé juste après sa légende.
    etape("Mise en page du PDF")
    document = HTML(string=html, base_url=f"{BASE_INTERNE}/", url_fetcher=_fetcher()).render(
        pdf_variant=VARIANTE_PDF, stylesheets=[CSS(string="caption { break-after: avoid; }")]
    )
    etape("Écriture du PDF")
    return document.write_pdf(pdf_variant=VARIANTE_PDF)
