"""La pagination des pages HTML quand une liste peut passer d'une vingtaine de lignes (Paris)
à des milliers (échelle nationale).

`page_sans_comptage` rend une `Page` de Django comme `Paginator.get_page`, mais ne compte
pas les lignes quand toute la liste tient sur la première page : il lit une ligne de plus
que la page, et n'interroge `COUNT(*)` qu'au-delà. Une liste parisienne garde ainsi son
nombre de requêtes et son aspect (pas de barre de pagination), une liste nationale est
découpée."""

from django.core.paginator import Page, Paginator


def page_sans_comptage(requete, numero, par_page):
    """La page `numero` (texte de l'adresse, invalide → première page) de `requete`."""
    paginateur = Paginator(requete, par_page)
    try:
        premiere = int(numero or 1) <= 1
    except (TypeError, ValueError):
        premiere = True
    if premiere:
        lignes = list(requete[: par_page + 1])
        if len(lignes) <= par_page:
            # `count` est une cached_property : la poser évite le COUNT(*).
            paginateur.count = len(lignes)
        # Au-delà, les lignes lues servent quand même : seul le COUNT(*) s'ajoute (au rendu).
        return Page(lignes[:par_page], 1, paginateur)
    return paginateur.get_page(numero)
