"""Filtres communs de l'API. Les filtres propres à chaque modèle sont les FilterSets de
`*/filters.py`, partagés avec les pages HTML et les exports."""

from rest_framework import exceptions
from rest_framework.filters import SearchFilter


class Recherche(SearchFilter):
    """`?search=` : recherche insensible à la casse dans les champs `search_fields` de la
    vue (tous les mots doivent apparaître)."""

    search_title = "Recherche"
    search_description = (
        "Recherche plein texte, insensible à la casse : chaque mot doit apparaître dans "
        "l’un des champs de recherche de la ressource."
    )

    def get_search_terms(self, request):
        terms = super().get_search_terms(request)
        if any("\x00" in t for t in terms):
            raise exceptions.ValidationError(
                {self.search_param: ["Le caractère nul n’est pas autorisé."]}
            )
        return terms
