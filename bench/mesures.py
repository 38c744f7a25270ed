"""Liste des mesures : pages du portail et traitements lourds (exports, imports).

Chaque issue qui ajoute un traitement lourd ajoute sa mesure dans `autres()`."""

PAGES = [
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


def _fiche_pdf(slug):
    """Rendu de la fiche PDF d'un QPV (requêtes, gabarit, WeasyPrint : le corps du travail de
    fond), pour un lecteur qui voit toutes les valeurs validées, sans écrire de compte dans la
    base."""

    def mesure():
        from types import SimpleNamespace

        from territoire.views import contenu_fiche_pdf

        lecteur = SimpleNamespace(
            is_authenticated=True, is_superuser=True, is_staff=True, is_active=True, pk=None
        )
        contenu, _nom = contenu_fiche_pdf(lecteur, slug)
        assert contenu.startswith(b"%PDF")

    return mesure


def autres():
    """Traitements lourds à mesurer : (nom, fonction sans argument)."""
    from bench import bilan

    return [(f"PDF fiche quartier {slug}", _fiche_pdf(slug)) for slug in FICHES_PDF] + (
        bilan.mesures()
    )
