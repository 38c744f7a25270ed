"""Section « projets structurants » du bilan : la liste des projets des QPV du périmètre
(statut, porteur, engagements servis, dernier suivi), leurs statuts par QPV, et les étapes de
suivi datées de N et de N-1."""

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q

from bilan.donnees.comparaison import Comparaison
from quartiers.models import ProjetStructurant, Quartier, SuiviProjet
from socle.lectures import ListeEnFlux

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
    """Les projets des QPV du périmètre : leurs statuts par QPV et leurs étapes de suivi de N
    et N-1 comptés en SQL (deux requêtes), et leur liste lue à la demande (`ListeEnFlux` : le
    rapport n'en lit que le nombre, le classeur la parcourt), avec leur secteur, leur portage
    et leur dernière étape. Le QPV de chaque projet est celui du périmètre, déjà chargé avec
    ses arrondissements."""
    n, n1 = ctx.n, ctx.n1
    du_perimetre = ProjetStructurant.objects.filter(quartier_id__in=ctx.ids_qpv)
    comptes = defaultdict(Counter)
    for ligne in (
        du_perimetre.values("quartier_id", "statut").annotate(nombre=Count("pk")).order_by()
    ):
        comptes[ligne["quartier_id"]][ligne["statut"]] = ligne["nombre"]
    totaux = Counter()
    for compte in comptes.values():
        totaux.update(compte)
    suivis = SuiviProjet.objects.filter(projet__quartier_id__in=ctx.ids_qpv).aggregate(
        n=Count("pk", filter=Q(date__year=n)), n1=Count("pk", filter=Q(date__year=n1))
    )
    quartiers = ctx.quartiers_par_id

    def preparer(p):
        p.quartier = quartiers[p.quartier_id]
        portage = getattr(p, "portage", None)  # l'absence de portage lève une AttributeError
        p.porteur = portage.porteur if portage else None
        p.engagements_servis = list(portage.engagements.all()) if portage else []

    liste = ListeEnFlux(
        du_perimetre.select_related(
            "secteur", "portage__porteur_signataire", "portage__porteur_structure"
        )
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
        .order_by("quartier__ordre", "ordre"),
        preparer,
    )
    return Projets(
        liste=liste,
        statuts=[
            StatutsQuartier(q, dict(comptes[q.pk]), sum(comptes[q.pk].values()))
            for q in ctx.quartiers
        ],
        totaux=dict(totaux),
        suivis=Comparaison("Étapes de suivi des projets structurants", suivis["n"], suivis["n1"]),
    )
