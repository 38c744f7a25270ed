"""Les listes du référentiel (engagements, signataires, quartiers…) servies depuis le cache
partagé tant que rien n'y a changé.

Ces listes sont les mêmes pour tous (lecture libre, sans visibilité par compte), changent
quelques fois par an et pèsent lourd : la liste des engagements, c'est tout le contrat
imbriqué (257 Ko, 1 300 objets lus et sérialisés, 70 ms de CPU à chaque appel).

La version des données est lue dans la base, pas tenue à jour à côté : c'est le dernier
identifiant de l'historique (django-simple-history) de chaque modèle lu par la liste. Toute
création, modification ou suppression du référentiel est auditée, donc ajoute une ligne
d'historique, et change la version ; une transaction annulée n'en laisse aucune, et les
identifiants ne reviennent jamais en arrière. Il n'y a donc ni signal à oublier ni
invalidation à faire : une liste en cache sous une version que la base n'a plus n'est
simplement plus demandée (elle expire). La version coûte une requête (un MAX par index de
clé primaire, < 1 ms), lue sur la même base que la liste (réplica compris). Le cache partagé
vit dans la même base (`DatabaseCache`) : une restauration (`make restore`) remet l'historique
et les réponses gardées au même instant ; un autre magasin de cache se vide après une
restauration, seul cas où les identifiants d'historique peuvent revenir en arrière.

La clé tient aussi compte de l'adresse complète (filtres, recherche, page, format), de l'hôte
(les liens `url` et `next` sont absolus) et du type de média accepté. Le cache garde le
corps JSON déjà rendu : le relire ne coûte qu'une copie d'octets, là où des données à
resérialiser coûteraient autant que la liste elle-même."""

import hashlib

from django.core.cache import cache
from django.db import connections, router
from rest_framework.response import Response

DUREE = 24 * 3600  # s : les versions passées s'effacent d'elles-mêmes


def version(modeles):
    """La version des données de `modeles` (audités) : leurs derniers identifiants
    d'historique, lus en une requête."""
    tables = [modele.history.model._meta.db_table for modele in modeles]
    connexion = connections[router.db_for_read(modeles[0])]
    colonnes = ", ".join(
        f"(SELECT MAX(history_id) FROM {connexion.ops.quote_name(table)})" for table in tables
    )
    with connexion.cursor() as curseur:
        curseur.execute(f"SELECT {colonnes}")
        return ".".join(str(valeur or 0) for valeur in curseur.fetchone())


def cle(request, nom, modeles):
    """La clé de la réponse à `request` pour la liste `nom` lisant `modeles`."""
    brut = "|".join(
        [nom, version(modeles), request.build_absolute_uri(), request.accepted_media_type]
    )
    return "api-referentiel:" + hashlib.sha256(brut.encode()).hexdigest()


class ReponseEnCache(Response):
    """Une réponse de l'API dont le corps, déjà rendu, sort du cache : les en-têtes sont ceux
    d'une réponse DRF (type de contenu du rendu, Allow, Vary), le corps est rendu tel quel."""

    def __init__(self, contenu):
        super().__init__()
        self.contenu = contenu

    @property
    def rendered_content(self):
        self["Content-Type"] = self.accepted_renderer.media_type
        return self.contenu


def reponse(request, nom, modeles, calculer):
    """La réponse à `request` : le corps en cache, ou `calculer()` (les données, rendues par
    le rendu accepté puis gardées)."""
    cle_reponse = cle(request, nom, modeles)
    contenu = cache.get(cle_reponse)
    if contenu is None:
        contenu = request.accepted_renderer.render(calculer(), request.accepted_media_type)
        cache.set(cle_reponse, contenu, DUREE)
    return ReponseEnCache(contenu)
