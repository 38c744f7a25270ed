"""Section « fiches-actions » du bilan : la liste des fiches de N que le lecteur voit, menées
dans le périmètre, et leurs comptes N et N-1 par statut, par engagement et par QPV, comptés
en SQL (GROUP BY, une seule requête) et non sur une liste chargée."""

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import CharField, Count, F, IntegerField, Prefetch

from bilan.donnees.comparaison import Comparaison
from engagements.models import Engagement
from quartiers.models import Quartier
from socle import agregats
from structures.models import FicheAction

# Ce que le classeur lit d'une fiche.
COLONNES_FICHE = (
    "titre",
    "structure__nom",
    "annee",
    "statut",
    "etat",
    "dimension",
    "nb_beneficiaires",
    "nb_beneficiaires_qpv",
    "modifie_le",
)
# Colonnes de l'UNION des comptes : regroupement (« s » statut, « e » engagement, « q » QPV),
# clé, statut, année ; puis le nombre de fiches.
COLONNES = {"g": CharField, "k": IntegerField, "st": CharField, "an": IntegerField}
NOMBRE = {"nb": Count("pk")}


@dataclass
class Fiches:
    liste: list
    par_statut: list
    par_engagement: list
    par_quartier: list


def _fiches_du_perimetre(ctx):
    """Les fiches de N et N-1 que le lecteur voit (toutes sans lecteur : ligne de commande),
    menées dans un QPV du périmètre pour un arrondissement."""
    fiches = FicheAction.objects.for_user(ctx.user) if ctx.user is not None else FicheAction.objects
    fiches = fiches.filter(annee__in=ctx.annees)
    if ctx.arrondissement is not None:
        fiches = fiches.filter(
            pk__in=FicheAction.objects.filter(quartiers__in=ctx.ids_qpv).values("pk")
        )
    return fiches


def _total(comptes, n, n1):
    """Le nombre de fiches d'un regroupement, N et N-1."""
    return Comparaison("", sum(comptes[n].values()), sum(comptes[n1].values()))


def fiches(ctx):
    """Les fiches de N (un queryset lu par le classeur : fiches, engagements et QPV par
    paquets) et les comptes (une requête)."""
    n, n1 = ctx.n, ctx.n1
    du_perimetre = _fiches_du_perimetre(ctx)
    # Un queryset, pas une liste : le classeur le lit par paquets (préchargements faits par
    # paquet), des milliers de fiches à l'échelle nationale ; rien n'est lu pour le rapport.
    liste = (
        du_perimetre.filter(annee=n)
        .select_related("structure")
        .only(*COLONNES_FICHE)
        .prefetch_related(
            Prefetch("engagements", queryset=Engagement.objects.only("numero")),
            Prefetch("quartiers", queryset=Quartier.objects.only("nom")),
        )
        .order_by("titre", "pk")
    )
    # Groupées directement : la visibilité (`for_user`) et le périmètre filtrent par
    # sous-requêtes, sans jointure qui doublerait une fiche. L'ancienne enveloppe
    # (pk IN (…)) relisait les 50 000 fiches nationales dans chaque branche (150 → 50 ms).
    base = du_perimetre
    lignes = agregats.union(
        [
            agregats.branche(base, COLONNES, NOMBRE, g="s", st=F("statut"), an=F("annee")),
            agregats.branche(
                base, COLONNES, NOMBRE, g="e", k=F("engagements"), st=F("statut"), an=F("annee")
            ),
            # Les seuls QPV détaillés (le rapport n'en montre que 25 sur 1 600).
            agregats.branche(
                base.filter(ctx.seulement_detailles("quartiers")),
                COLONNES,
                NOMBRE,
                g="q",
                k=F("quartiers"),
                st=F("statut"),
                an=F("annee"),
            ),
        ]
    )
    comptes = defaultdict(lambda: {n: Counter(), n1: Counter()})
    for ligne in lignes:
        if ligne["g"] != "s" and ligne["k"] is None:
            continue  # une fiche sans engagement (ou sans QPV) n'est d'aucun regroupement
        comptes[(ligne["g"], ligne["k"])][ligne["an"]][ligne["st"]] += ligne["nb"]
    par_statut = comptes[("s", None)]
    engagements = {e.pk: e for e in ctx.engagements}
    return Fiches(
        liste=liste,
        par_statut=[
            Comparaison("Fiches-actions", sum(par_statut[n].values()), sum(par_statut[n1].values()))
        ]
        + [
            Comparaison(
                f"dont {libelle.lower()}s",
                par_statut[n][code],
                par_statut[n1][code],
                niveau=1,
                code=code,
            )
            for code, libelle in FicheAction.Statut.choices
        ],
        par_engagement=[
            (e, comptes[("e", e.pk)][n], _total(comptes[("e", e.pk)], n, n1))
            for e in engagements.values()
            if ("e", e.pk) in comptes
        ],
        # Une fiche menée dans deux QPV compte dans chacun ; seuls les QPV détaillés.
        par_quartier=[
            (q, comptes[("q", q.pk)][n], _total(comptes[("q", q.pk)], n, n1))
            for q in ctx.quartiers_detailles
        ],
    )
