"""Section « projets structurants » du bilan : la liste des projets des QPV du périmètre
(statut, porteur, engagements servis, dernier suivi), leurs statuts par QPV, et les étapes de
suivi datées de N et de N-1."""

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q

from bilan.donnees.comparaison import Comparaison
from quartiers.models import ProjetStructurant, Quartier, SuiviProjet

# Les longs textes que ni les feuilles ni le rapport ne lisent (le reste est lu).
NON_LUS = ("descriptif", "secteur__description")


@dataclass
class StatutsQuartier:
    """Les projets d'un QPV comptés par statut."""

    quartier: Quartier
    comptes: dict
    total: int


@dataclass
class Projets:
    liste: list
    statuts: list
    totaux: dict
    suivis: Comparaison


def projets(ctx):
    """Les projets des QPV du périmètre, en deux requêtes (trois s'il y a des portages) : les
    projets, leur secteur et leur portage, avec leurs étapes de suivi de N et N-1 comptées en
    SQL ; leur dernière étape. Le QPV de chaque projet est celui du périmètre, déjà chargé
    avec ses arrondissements. Tous les projets sont listés : leurs statuts par QPV se comptent
    sur cette liste."""
    n, n1 = ctx.n, ctx.n1
    liste = list(
        ProjetStructurant.objects.filter(quartier_id__in=ctx.ids_qpv)
        .select_related("secteur", "portage__porteur_signataire", "portage__porteur_structure")
        .defer(*NON_LUS)
        .prefetch_related(
            Prefetch(
                "suivis",
                queryset=SuiviProjet.objects.derniers().select_related("auteur"),
                to_attr="derniers_suivis",
            ),
            "portage__engagements",
        )
        .annotate(
            suivis_n=Count("suivis", filter=Q(suivis__date__year=n), distinct=True),
            suivis_n1=Count("suivis", filter=Q(suivis__date__year=n1), distinct=True),
        )
        .order_by("quartier__ordre", "ordre")
    )
    quartiers = ctx.quartiers_par_id
    comptes = defaultdict(Counter)
    for p in liste:
        p.quartier = quartiers[p.quartier_id]
        portage = getattr(p, "portage", None)  # l'absence de portage lève une AttributeError
        p.porteur = portage.porteur if portage else None
        p.engagements_servis = list(portage.engagements.all()) if portage else []
        comptes[p.quartier_id][p.statut] += 1
    return Projets(
        liste=liste,
        statuts=[
            StatutsQuartier(q, dict(comptes[q.pk]), sum(comptes[q.pk].values()))
            for q in ctx.quartiers
        ],
        totaux=dict(Counter(p.statut for p in liste)),
        suivis=Comparaison(
            "Étapes de suivi des projets structurants",
            sum(p.suivis_n for p in liste),
            sum(p.suivis_n1 for p in liste),
        ),
    )
