"""Section « études qualitatives » du bilan : les études de N du périmètre, et combien il y en
avait en N-1."""

from dataclasses import dataclass

from bilan.models import EtudeQualitative


@dataclass
class Etudes:
    liste: list
    nb_precedentes: int


def etudes(ctx):
    """Les études de N et N-1 du périmètre, en trois requêtes (études, engagements, QPV).
    Celles de N-1 sont peu nombreuses (quelques études par an) : on les lit avec celles de N
    plutôt que de les compter à part, ce qui coûterait une requête de plus."""
    toutes = list(
        EtudeQualitative.objects.filter(annee__in=ctx.annees)
        .du_perimetre(ctx.quartiers, ctx.arrondissement)
        .select_related("arrondissement")
        .prefetch_related("engagements", "quartiers")
        .order_by("titre", "pk")
    )
    liste = [e for e in toutes if e.annee == ctx.n]
    return Etudes(liste=liste, nb_precedentes=len(toutes) - len(liste))
