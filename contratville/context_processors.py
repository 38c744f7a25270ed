"""Variables communes à tous les gabarits."""

import functools

from notifications.models import Notification
from socle.roles import est_spv, role_de

# Pages de l'espace de noms `indicateurs` rangées sous « Campagnes » (SPV) ou « Mes
# indicateurs » (partenaire) plutôt que sous « Indicateurs ».
PAGES_CAMPAGNE = {
    "campagnes",
    "campagne",
    "import",
    "imports",
    "import_detail",
    "mes_indicateurs",
}


def rubrique(request, user):
    """La rubrique de la barre de navigation où se trouve la page : une seule est marquée
    active (aria-current="page"). None hors des rubriques (recherche, connexion, erreurs)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    espace, nom = match.namespace, match.url_name
    # L'accueil d'un compte qui a un rôle est sa page « À faire » (afaire/).
    if espace == "afaire" or (
        nom == "accueil"
        and request.GET.get("vue") != "contrat"
        and (role_de(user) or est_spv(user))
    ):
        return "afaire"
    if nom == "mon_territoire":
        return "mon_territoire"
    if espace in ("notifications", "travaux", "comptes"):
        return espace
    if espace == "indicateurs" and nom in PAGES_CAMPAGNE:
        return "campagnes" if est_spv(user) else "mes_indicateurs"
    if espace == "structures":
        if nom.startswith(("fiche", "couverture", "piece")):
            return "fiches"
        return "mon_espace" if nom == "mon_espace" else "structures"
    if espace in ("engagements", "indicateurs", "quartiers", "bilan"):
        return espace
    return nom if nom == "glossaire" else None


def portail(request):
    """Rôle de l'utilisateur courant et rubrique active, pour la navigation."""
    user = getattr(request, "user", None)
    return {
        "role_courant": role_de(user) if user else None,
        "est_spv": est_spv(user) if user else False,
        "rubrique": rubrique(request, user) if user else None,
    }


def notifications(request):
    """Le nombre de notifications non lues du compte connecté, pour l'en-tête. Il est déjà
    chargé avec le profil (notifications.middleware) : sinon, une requête, faite seulement
    si le gabarit l'affiche."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @functools.cache
    def compter():
        deja = getattr(user, "notifications_non_lues", None)
        if deja is not None:
            return deja
        return Notification.objects.for_user(user).non_lues().count()

    # Un appelable : le gabarit l'appelle à l'affichage, une fois (mémorisé).
    return {"notifications_non_lues": compter}
