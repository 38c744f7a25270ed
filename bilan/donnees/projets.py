"""Section « projets structurants » du bilan : la liste des projets des QPV du périmètre
(statut, porteur, engagements servis, dernier suivi), leurs statuts par QPV, et les étapes de
suivi datées de N et de N-1."""

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import CharField, Count, F, IntegerField, Prefetch, Q

from bilan.donnees.comparaison import Comparaison
from quartiers.models import ProjetStructurant, Quartier, SuiviProjet
from socle import agregats
from socle.lectures import ListeEnFlux

# Colonnes de l'UNION des comptes de statuts : QPV (NULL : tout le périmètre), statut.
COLONNES = {"k": IntegerField, "st": CharField}
NOMBRE = {"nb": Count("pk")}
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
    """Les projets des QPV du périmètre : leurs statuts (en tout et par QPV détaillé) et leurs
    étapes de suivi de N et N-1 comptés en SQL (deux requêtes), et leur liste lue à la
    demande (`ListeEnFlux` : le rapport n'en lit que le nombre, le classeur la parcourt), avec
    leur secteur, leur portage et leur dernière étape. Le QPV de chaque projet est celui du
    périmètre, déjà chargé (avec ses arrondissements quand il est détaillé : tous pour le
    classeur)."""
    n, n1 = ctx.n, ctx.n1
    # Paris entier : tous les projets (chacun a son QPV), sans liste des 1 600 QPV nationaux
    # en paramètres (30 ms de préparation par requête) ; un arrondissement : ses QPV.
    du_perimetre = ProjetStructurant.objects.all()
    suivis = SuiviProjet.objects.all()
    if ctx.arrondissement is not None:
        du_perimetre = du_perimetre.filter(quartier_id__in=ctx.ids_qpv)
        suivis = suivis.filter(projet__quartier_id__in=ctx.ids_qpv)
    # Une requête : les statuts de tout le périmètre, et ceux de chaque QPV détaillé (le
    # rapport n'en montre que 25 sur 1 600 : 8 000 lignes de comptes évitées).
    comptes, totaux = defaultdict(Counter), Counter()
    for ligne in agregats.union(
        [
            agregats.branche(du_perimetre, COLONNES, NOMBRE, st=F("statut")),
            agregats.branche(
                du_perimetre.filter(ctx.seulement_detailles("quartier")),
                COLONNES,
                NOMBRE,
                k=F("quartier_id"),
                st=F("statut"),
            ),
        ]
    ):
        if ligne["k"] is None:
            totaux[ligne["st"]] = ligne["nb"]
        else:
            comptes[ligne["k"]][ligne["st"]] = ligne["nb"]
    suivis = suivis.aggregate(
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
            for q in ctx.quartiers_detailles
        ],
        totaux=dict(totaux),
        suivis=Comparaison("Étapes de suivi des projets structurants", suivis["n"], suivis["n1"]),
    )
