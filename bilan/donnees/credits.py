"""Section « crédits » du bilan : la liste des crédits de N du périmètre, et les sommes N et
N-1 par type, par signataire et type, par lieu (QPV, arrondissement ou Paris) et par
engagement, calculées en SQL (SUM … GROUP BY, une seule requête).

Sans aucun crédit saisi pour une année, ses sommes sont « — » (on ne sait pas), pas 0 € ; dès
qu'il y en a un, un regroupement sans crédit vaut 0 €."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import CharField, DecimalField, F, IntegerField, Q, Sum

from bilan.donnees.comparaison import Comparaison, Unite
from bilan.models import Credit
from engagements.models import Signataire
from quartiers.models import Arrondissement
from socle import agregats
from socle.lectures import ListeEnFlux

COLONNES_CREDIT = (
    "annee",
    "signataire__nom",
    "type",
    "montant",
    "engagement__numero",
    "engagement__titre",
    "quartier__nom",
    "arrondissement__numero",
    "dispositif",
    "commentaire",
)
# Colonnes de l'UNION des sommes : regroupement (« s » signataire et type, d'où se déduisent
# les sommes par type, par signataire et le total ; « l » lieu ; « e » engagement), clés, type
# de crédit, nom et ordre du signataire (ou numéro de l'arrondissement), année ; puis la somme.
COLONNES = {
    "g": CharField,
    "k1": IntegerField,
    "k2": IntegerField,
    "t": CharField,
    "nom_": CharField,
    "rang": IntegerField,
    "an": IntegerField,
}
SOMME = {"total": Sum("montant", output_field=DecimalField(max_digits=16, decimal_places=2))}
PARIS = "Paris (tous QPV)"


@dataclass
class Credits:
    liste: list
    par_type: list
    par_signataire: list
    par_signataire_total: list
    par_lieu: list
    par_engagement: list


def credits(ctx):
    """La liste des crédits de N (lue à la demande : `ListeEnFlux`) et leurs sommes N et N-1
    (une requête)."""
    n, n1 = ctx.n, ctx.n1
    du_perimetre = Credit.objects.du_perimetre(ctx.quartiers, ctx.arrondissement)
    # Lue à la demande : le rapport n'en montre que le nombre et les premières lignes, le
    # classeur la parcourt en entier (13 700 crédits à l'échelle nationale).
    liste = ListeEnFlux(
        du_perimetre.filter(annee=n)
        .select_related("signataire", "engagement", "quartier", "arrondissement")
        .only(*COLONNES_CREDIT)
        .order_by("signataire__ordre", "signataire__nom", "type", "-montant", "pk")
    )
    base = du_perimetre.filter(annee__in=ctx.annees)
    # Par lieu : les QPV détaillés (le rapport en montre 25 sur 1 600), les arrondissements et
    # Paris. (`Q() | Q(…)` vaudrait le second terme seul : tous détaillés, aucun filtre.)
    detailles = ctx.seulement_detailles("quartier")
    par_lieu = base.filter(detailles | Q(quartier__isnull=True)) if detailles else base
    an = F("annee")
    lignes = agregats.union(
        [
            agregats.branche(
                base,
                COLONNES,
                SOMME,
                g="s",
                k1=F("signataire_id"),
                t=F("type"),
                nom_=F("signataire__nom"),
                rang=F("signataire__ordre"),
                an=an,
            ),
            agregats.branche(
                par_lieu,
                COLONNES,
                SOMME,
                g="l",
                k1=F("quartier_id"),
                k2=F("arrondissement_id"),
                rang=F("arrondissement__numero"),
                an=an,
            ),
            agregats.branche(base, COLONNES, SOMME, g="e", k1=F("engagement_id"), an=an),
        ]
    )
    sommes = defaultdict(lambda: {n: Decimal(0), n1: Decimal(0)})
    signataires, arrondissements = {}, {}
    for ligne in lignes:
        g, annee, total = ligne["g"], ligne["an"], ligne["total"]
        if g == "s":
            # Chaque crédit a un signataire : les sommes par type, par signataire (tous types)
            # et le total s'en déduisent, sans trois regroupements de plus en SQL.
            sommes[("signataire", ligne["k1"], ligne["t"])][annee] += total
            sommes[("signataire_total", ligne["k1"])][annee] += total
            sommes[("type", ligne["t"])][annee] += total
            sommes[("total",)][annee] += total
            signataires[ligne["k1"]] = (ligne["rang"], ligne["nom_"])
        elif g == "l":
            sommes[("lieu", ligne["k1"], ligne["k2"])][annee] += total
            if ligne["k2"] is not None:
                arrondissements[ligne["k2"]] = ligne["rang"]
        else:
            sommes[("engagement", ligne["k1"])][annee] += total
    presents = {an: any(ligne["an"] == an for ligne in lignes) for an in ctx.annees}

    def comparaison(libelle, cle, niveau=0, code=""):
        # Sans aucun crédit saisi pour une année, on ne sait pas : « — », pas 0 €.
        montants = [sommes[cle][an] if presents[an] else None for an in (n, n1)]
        return Comparaison(libelle, *montants, Unite.EUROS, niveau=niveau, code=code)

    types = dict(Credit.Type.choices)
    cles_signataires = sorted(
        (cle for cle in sommes if cle[0] == "signataire"),
        key=lambda cle: (*signataires[cle[1]], cle[2]),
    )
    totaux_signataires = sorted(
        (
            comparaison(signataires[cle[1]][1], cle, code=str(cle[1]))
            for cle in sommes
            if cle[0] == "signataire_total"
        ),
        key=lambda c: (-(c.n or 0), c.libelle),
    )
    quartiers = ctx.quartiers_par_id
    cles_lieux = sorted(
        (cle for cle in sommes if cle[0] == "lieu"),
        key=lambda cle: (
            cle[1] is None,
            cle[2] is None,
            quartiers[cle[1]].ordre if cle[1] in quartiers else 0,
            arrondissements.get(cle[2], 0),
        ),
    )

    def lieu(cle):
        if cle[1] is not None:
            return quartiers[cle[1]].nom
        if cle[2] is not None:
            return Arrondissement(pk=cle[2], numero=arrondissements[cle[2]]).libelle
        return PARIS

    engagements = {e.pk: e for e in ctx.engagements}
    cles_engagements = sorted(
        (cle for cle in sommes if cle[0] == "engagement"),
        key=lambda cle: (cle[1] is None, engagements[cle[1]].numero if cle[1] else 0),
    )
    return Credits(
        liste=liste,
        par_type=[comparaison("Crédits dans les QPV", ("total",))]
        + [
            comparaison(f"dont {libelle.lower()}", ("type", code), niveau=1)
            for code, libelle in Credit.Type.choices
        ],
        par_signataire=[
            (
                Signataire(pk=cle[1], nom=signataires[cle[1]][1], ordre=signataires[cle[1]][0]),
                types[cle[2]],
                comparaison("", cle),
            )
            for cle in cles_signataires
        ],
        par_signataire_total=totaux_signataires,
        par_lieu=[comparaison(lieu(cle), cle) for cle in cles_lieux],
        par_engagement=[
            comparaison(
                f"Engagement {engagements[cle[1]].numero} : {engagements[cle[1]].titre}"
                if cle[1]
                else "Sans engagement précisé",
                cle,
                code=str(cle[1] or ""),
            )
            for cle in cles_engagements
        ],
    )
