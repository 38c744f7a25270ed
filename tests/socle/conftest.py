"""Les tests des circuits portent sur les valeurs et sur les fiches-actions : ils reprennent
les fixtures des deux applications (campagne et indicateurs produits par la Caf ; comptes et
fiche complète de la structure J2P)."""

from tests.indicateurs.conftest import caf, campagne, ind_autre, ind_caf  # noqa: F401
from tests.structures.conftest import (  # noqa: F401
    _medias_temporaires,
    brouillon,
    comptes,
    j2p,
    qpv_delegue,
)
