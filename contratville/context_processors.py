"""Variables communes à tous les gabarits."""

from socle.roles import est_spv, role_de


def portail(request):
    """Rôle de l'utilisateur courant, pour la navigation."""
    user = getattr(request, "user", None)
    return {
        "role_courant": role_de(user) if user else None,
        "est_spv": est_spv(user) if user else False,
    }
