"""API du référentiel d'évaluation et de sa campagne annuelle, une ressource par module :

- `indicateurs` (lecture libre) : définition et métadonnées (producteur, niveaux, cible…) ;
- `territoires` (lecture libre) : là où une valeur s'applique (`qpv-goutte-dor`, `paris`…) ;
- `campagnes` (avec un compte) : les années de saisie et leur état ;
- `valeurs` (avec un compte ; visibilité `Valeur.objects.for_user`) : lecture, création,
  modification sous If-Match, circuit (soumettre, valider, renvoyer) ;
- `envoi` : l'envoi groupé `valeurs/bulk/` (lecture du corps, compte rendu) ;
- `saisies` : les corps des écritures ; `reponses` : leurs erreurs documentées.

Les écritures passent par le service du domaine, `indicateurs.ecriture`, qui applique les
règles de la grille de saisie et de l'import sans rien recoder (`LigneSaisieForm`,
`Valeur.motif_refus_saisie`, `saisie.enregistrer_valeur`) ; l'API ne fait que traduire HTTP ↔
service, et les refus en réponses au `code` stable."""

from indicateurs.api.campagnes import CampagneViewSet
from indicateurs.api.indicateurs import IndicateurViewSet
from indicateurs.api.territoires import TerritoireViewSet
from indicateurs.api.valeurs import ValeurViewSet

ROUTES = [
    ("indicateurs", IndicateurViewSet, "indicateur"),
    ("territoires", TerritoireViewSet, "territoire"),
    ("campagnes", CampagneViewSet, "campagne"),
    ("valeurs", ValeurViewSet, "valeur"),
]
