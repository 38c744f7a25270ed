"""Écritures concurrentes : ETag / If-Match (pour les écritures du second volet).

Une ressource versionnée (champ entier `version`, incrémenté à chaque écriture, comme
`Valeur.version`) expose un ETag `"<pk>-<version>"` ; une écriture doit renvoyer cet ETag
dans `If-Match`. Périmé → 412 `precondition_echouee` ; absent → 428 `precondition_requise`.

    class ValeurViewSet(ETagMixin, VueLectureAPI):
        champ_version = "version"

        def perform_update(self, serializer):
            verifier_if_match(self.request, serializer.instance)
            ..."""

from rest_framework.response import Response

from socle.api.erreurs import PreconditionEchouee, PreconditionRequise


def etag(obj, champ_version="version"):
    """L'ETag (fort) d'un objet versionné."""
    return f'"{obj.pk}-{getattr(obj, champ_version)}"'


def verifier_if_match(request, obj, champ_version="version", obligatoire=True):
    """Refuse l'écriture si `If-Match` ne désigne pas la version actuelle de `obj`."""
    entete = request.headers.get("If-Match", "").strip()
    if not entete:
        if obligatoire:
            raise PreconditionRequise()
        return
    if entete == "*":
        return
    attendues = {e.strip().removeprefix("W/") for e in entete.split(",")}
    if etag(obj, champ_version) not in attendues:
        raise PreconditionEchouee()


class ETagMixin:
    """Ajoute l'en-tête ETag aux réponses de détail d'une ressource versionnée."""

    champ_version = "version"
    codes_erreur_supplementaires = {
        "412": "Version périmée : relire la ressource (ETag) avant d’écrire.",
        "428": "En-tête If-Match obligatoire pour écrire.",
    }

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        donnees = self.get_serializer(instance).data
        return Response(donnees, headers={"ETag": etag(instance, self.champ_version)})
