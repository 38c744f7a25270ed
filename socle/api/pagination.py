"""Pagination des listes : par numéro de page, taille réglable (`page_size`) et bornée.

{"nombre": 112, "pages": 3, "page": 1, "suivant": "…?page=2", "precedent": null,
 "resultats": […]}"""

from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response


class PaginationParPage(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500
    page_query_description = "Numéro de la page (à partir de 1)."
    page_size_query_description = "Nombre de résultats par page (50 par défaut, 500 au plus)."
    invalid_page_message = "Page invalide : cette page n’existe pas."

    def get_paginated_response(self, data):
        return Response(
            {
                "nombre": self.page.paginator.count,
                "pages": self.page.paginator.num_pages,
                "page": self.page.number,
                "suivant": self.get_next_link(),
                "precedent": self.get_previous_link(),
                "resultats": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        lien = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["nombre", "pages", "page", "suivant", "precedent", "resultats"],
            "properties": {
                "nombre": {
                    "type": "integer",
                    "description": "Nombre total de résultats (toutes pages).",
                    "example": 112,
                },
                "pages": {"type": "integer", "description": "Nombre de pages.", "example": 3},
                "page": {"type": "integer", "description": "Page courante.", "example": 1},
                "suivant": {
                    **lien,
                    "description": "Adresse de la page suivante (null sur la dernière).",
                    "example": "https://exemple.paris.fr/api/v1/ressource/?page=2",
                },
                "precedent": {
                    **lien,
                    "description": "Adresse de la page précédente (null sur la première).",
                    "example": None,
                },
                "resultats": _decrire(schema, "Les objets de la page."),
            },
        }


def _decrire(schema, description):
    # drf-spectacular appelle aussi cette méthode avec un objet sentinelle (exemples) : on ne
    # décrit que les vrais schémas.
    return {**schema, "description": description} if isinstance(schema, dict) else schema
