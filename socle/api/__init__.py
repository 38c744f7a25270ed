"""L'API REST du portail, sous `/api/v1/` (Django REST framework, django-filter,
drf-spectacular).

Ce paquet porte l'infrastructure commune ; chaque application déclare ses sérialiseurs et
ses vues dans son propre `api.py` (`engagements/api.py`, `quartiers/api.py`,
`territoire/api.py`, le paquet `indicateurs/api/`…), qui exporte une liste `ROUTES` de triplets
`(préfixe d'URL, ViewSet, basename)`. `contratville/urls_api.py` les enregistre tous.

- `vues.py` : `VueLectureAPI`, la base des ViewSets (visibilité par utilisateur, tri stable,
  exports CSV / xlsx non paginés, limite de taille, erreurs toujours en JSON) ;
- `authentification.py` : jetons `Authorization: Bearer <clé>` (modèle `JetonAPI`) et session ;
- `permissions.py` : lecture libre du référentiel, règles métier de `socle.roles` ;
- `erreurs.py` : erreurs JSON en français avec un `code` stable ;
- `limites.py` : débits (anonymes par IP, comptes par utilisateur), lus dans les réglages ;
- `concurrence.py` : ETag / If-Match pour les écritures (412, 428) ;
- `filtres.py` : le FilterSet de chaque liste appliqué strictement (paramètre inconnu ou
  valeur invalide : 400) et la recherche ;
- `pagination.py`, `rendus.py` (CSV, xlsx), `schema.py` (OpenAPI en français),
  `docs.py` (Swagger UI et Redoc servis hors ligne).
"""
