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


class PaginateurParCles(Paginator):
    """Un `Paginator` qui lit une page en deux temps dans une seule requête : les
    identifiants de la page (la requête triée réduite à sa clé primaire, qu'un index couvrant
    peut servir sans lire les lignes), puis les lignes de ces identifiants seules
    (`pk IN (sous-requête LIMIT)`, même tri). À l'échelle nationale, une liste triée sur des
    colonnes jointes ne lit plus toutes les lignes de l'année pour en garder 50."""

    def page(self, number):
        number = self.validate_number(number)
        bas = (number - 1) * self.per_page
        haut = bas + self.per_page
        if haut + self.orphans >= self.count:
            haut = self.count
        cles = self.object_list.values("pk")[bas:haut]
        return self._get_page(self.object_list.filter(pk__in=cles), number, self)
