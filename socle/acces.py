"""Dire non, une seule fois pour tout le portail : la page de refus et la page introuvable
montrent la raison exacte donnée par la règle qui a refusé (socle/roles.py, circuits), dans la
mise en page du portail.

Deux façons d'y arriver, qui aboutissent au même gabarit :

- lever `PermissionDenied("raison")` (ou une sous-classe, comme les refus des circuits) :
  le gestionnaire 403 du projet (`contratville.views.refus`) rend `403.html` avec la raison ;
- `return refuser(request, "raison")` dans une vue qui préfère renvoyer une réponse.

L'API ne passe pas par ici : elle répond en JSON (socle/api/erreurs.py)."""

import re

from django.shortcuts import render

# « No Quartier matches the given query. », « Forbidden », « Page not found »…
MESSAGE_DJANGO = re.compile(r"^(No .* matches the given query\.|Forbidden|Page not found)", re.I)
GABARITS = {403: "403.html", 404: "404.html"}
RAISON_PAR_DEFAUT = {
    403: "Votre compte ne permet pas d’accéder à cette page.",
    404: "Cette page n’existe pas ou plus.",
}


def raison(exception, statut=403):
    """Le texte d'un refus : le message français de l'exception, à défaut un message neutre.
    Les messages que Django produit lui-même (« No Quartier matches the given query. », le
    détail du résolveur d'URL) sont techniques et anglais : jamais montrés."""
    message = getattr(exception, "message", None) if exception is not None else None
    if message is None and exception is not None and exception.args:
        message = exception.args[0]
    if not isinstance(message, str) or not message.strip() or MESSAGE_DJANGO.match(message):
        return RAISON_PAR_DEFAUT[statut]
    return message.strip()


def refuser(request, message, statut=403):
    """La page de refus (403) ou introuvable (404) avec `message` pour raison."""
    gabarit = GABARITS.get(statut, "403.html")
    return render(request, gabarit, {"raison": message, "statut": statut}, status=statut)
