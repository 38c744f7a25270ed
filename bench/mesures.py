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


def autres():
    """Traitements lourds à mesurer : (nom, fonction sans argument)."""
    return []
