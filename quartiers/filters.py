"""Le FilterSet de la liste des QPV, partagé par la page et l'API.

Les quartiers, secteurs et arrondissements se désignent par leur clé naturelle (slug,
numéro), dans les adresses des pages comme dans l'API. Le filtre des projets structurants
est dans territoire/filters.py : il filtre aussi par engagement servi, à travers
`structures.PortageProjet`, que quartiers ne peut pas importer."""

import django_filters

from quartiers.models import Arrondissement, Quartier
from socle.filtres import FiltreParNumero, FiltreTexte


class QuartierFilter(django_filters.FilterSet):
    """Filtre des QPV par arrondissement ou par nom."""

    q = FiltreTexte(field_name="nom", lookup_expr="icontains", label="Nom")
    arrondissement = FiltreParNumero(
        field_name="arrondissements",
        to_field_name="numero",
        queryset=Arrondissement.objects.avec_qpv(),
        label="Arrondissement",
        empty_label="Tous",
    )
    code_qpv = FiltreTexte(
        field_name="code_qpv", lookup_expr="iexact", label="Code QPV officiel (QN…)"
    )

    class Meta:
        model = Quartier
        fields = ["q", "arrondissement", "code_qpv"]
