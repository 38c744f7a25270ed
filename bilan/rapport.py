"""Le rapport imprimable du bilan : le contexte commun à la page HTML et au PDF (graphiques SVG
et leurs tableaux), et le rendu PDF par WeasyPrint, comme la fiche quartier
(territoire/pdf.py : aucune ressource réseau, polices du système)."""

from dataclasses import dataclass
from itertools import groupby

from bilan import graphiques
from bilan.donnees import Unite, calculer_bilan
from quartiers.models import ProjetStructurant
from structures.models import FicheAction

LIGNES_CREDITS_MAX = 200  # au-delà, la liste complète est dans le classeur
# Les tableaux par QPV du rapport (fiches, projets, crédits par lieu, chiffres clés) montrent
# au plus ce nombre de QPV (Paris en a 21) : un rapport national (1 600 QPV) resterait sinon une page de
# plusieurs mégaoctets. Paris (21 QPV) n'est pas concerné ; tout est dans le classeur.
QPV_MONTRES_MAX = 25


def calculer_rapport(**parametres):
    """Le bilan tel que le rapport (page et PDF) le montre : seuls les QPV montrés sont
    détaillés (chiffres clés, comptes par QPV : `calculer_bilan`, `qpv_detailles`) ; le
    classeur les détaille tous."""
    return calculer_bilan(**parametres, qpv_detailles=QPV_MONTRES_MAX)


def _series_annees(bilan, comparaisons):
    return [
        (str(bilan.annee), graphiques.BLEU, [c.n for c in comparaisons]),
        (str(bilan.annee_precedente), graphiques.GRIS, [c.n1 for c in comparaisons]),
    ]


def graphique_engagement(bilan, section):
    """Barres horizontales des parts et taux de l'engagement renseignés l'année N : chaque
    territoire du périmètre et Paris. None si aucune part ni aucun taux n'a de valeur."""
    lignes = [
        ligne
        for ligne in section.lignes
        if ligne.indicateur.est_pourcentage and (ligne.valeur or ligne.paris)
    ]
    if not lignes:
        return None
    plusieurs = bilan.arrondissement is not None
    nom_territoire = "QPV du périmètre" if plusieurs else "Ensemble des QPV"
    titre = (
        f"Engagement {section.engagement.numero} : parts et taux {bilan.annee}, "
        f"{'QPV du périmètre' if plusieurs else 'ensemble des QPV'} et Paris"
    )
    noms = (f"{nom_territoire} {bilan.annee}", f"Paris {bilan.annee}")
    if not plusieurs:
        return graphiques.barres_horizontales(
            titre,
            [ligne.indicateur.code for ligne in lignes],
            [
                (noms[0], graphiques.BLEU, [x.comparaison.n for x in lignes]),
                (noms[1], graphiques.ORANGE, [x.comparaison_paris.n for x in lignes]),
            ],
            unite=Unite.POURCENTAGE,
        )
    # Un arrondissement : par indicateur, une ligne de titre (son code), une barre par QPV,
    # puis celle de Paris une seule fois (elle est la même pour tous ses QPV).
    libelles, quartiers, paris, series_par_ligne = [], [], [], []
    for indicateur, groupe in groupby(lignes, key=lambda ligne: ligne.indicateur):
        groupe = list(groupe)
        libelles.append(indicateur.code)
        quartiers.append(None)
        paris.append(None)
        series_par_ligne.append(())
        for ligne in groupe:
            libelles.append(ligne.territoire.nom)
            quartiers.append(ligne.comparaison.n)
            paris.append(None)
            series_par_ligne.append((0,))
        libelles.append("Paris")
        quartiers.append(None)
        paris.append(groupe[0].comparaison_paris.n)
        series_par_ligne.append((1,))
    return graphiques.barres_horizontales(
        titre,
        libelles,
        [(noms[0], graphiques.BLEU, quartiers), (noms[1], graphiques.ORANGE, paris)],
        unite=Unite.POURCENTAGE,
        series_par_ligne=series_par_ligne,
    )


@dataclass
class GroupeIndicateur:
    """Les lignes d'un indicateur dans le tableau d'un engagement (une par QPV du périmètre) :
    son libellé et sa valeur de Paris, les mêmes pour toutes, ne s'écrivent qu'une fois
    (cellules fusionnées) au lieu d'être répétés sur chaque ligne."""

    indicateur: object
    paris: object
    lignes: list


def groupes_par_indicateur(lignes):
    """[GroupeIndicateur] des lignes, consécutives par indicateur (`sections_engagements`)."""
    groupes = []
    for indicateur, suite in groupby(lignes, key=lambda ligne: ligne.indicateur):
        suite = list(suite)
        groupes.append(GroupeIndicateur(indicateur, suite[0].paris, suite))
    return groupes


def notes_de_deduction(lignes):
    """{motif: numéro} des motifs de déduction des valeurs de `lignes` (chiffres clés), dans
    l'ordre de leur première apparition : chacun est écrit une fois, en note sous le tableau,
    et chaque valeur déduite y renvoie. Les deux motifs des chiffres clés parisiens étaient
    répétés 72 fois dans le rapport du 19e (47 Ko)."""
    notes = {}
    for ligne in lignes:
        for v in (ligne.valeur, ligne.precedente, ligne.paris):
            if v is not None and v.deduite and v.motif_deduction:
                notes.setdefault(v.motif_deduction, len(notes) + 1)
    return notes


def contexte_rapport(bilan):
    """Le contexte des gabarits `bilan/rapport.html` et `bilan/rapport_pdf.html`."""
    fiches = bilan.fiches_par_statut[1:]
    types = bilan.credits_par_type[1:]
    cp = bilan.completude
    sections = [s for _, groupe in bilan.thematiques for s in groupe]
    for section in sections:
        section.graphique = graphique_engagement(bilan, section)
    fiches_engagement = {e.pk: total for e, _, total in bilan.fiches_par_engagement}
    credits_engagement = {c.code: c for c in bilan.credits_par_engagement}
    for section in sections:
        section.fiches = fiches_engagement.get(section.engagement.pk)
        section.credits = credits_engagement.get(str(section.engagement.pk))
        # Paris : une ligne par indicateur, même vide (« — ») ; un arrondissement : les lignes
        # des QPV qui ont une valeur (les autres sont comptées, et toutes sont dans le classeur).
        section.lignes_affichees = (
            section.lignes if bilan.arrondissement is None else section.lignes_renseignees
        )
        section.groupes_affiches = groupes_par_indicateur(section.lignes_affichees)
    par_signataire = bilan.credits_par_signataire_total
    quartiers_montres = bilan.quartiers[:QPV_MONTRES_MAX]
    ids_montres = {q.pk for q in quartiers_montres}
    limite_qpv = (
        {"montres": len(quartiers_montres), "total": len(bilan.quartiers)}
        if len(bilan.quartiers) > QPV_MONTRES_MAX
        else None
    )
    # Les chiffres clés montrés : ceux qui ont une valeur, des QPV montrés.
    chiffres = [c for c in bilan.chiffres_quartiers if c.quartier.pk in ids_montres and c.valeur]
    codes_fiches = FicheAction.Statut.values
    codes_projets = ProjetStructurant.Statut.values
    return {
        "bilan": bilan,
        "statuts_fiches": FicheAction.Statut.labels,
        "fiches_engagements": [
            (e, [comptes.get(code, 0) for code in codes_fiches], total)
            for e, comptes, total in bilan.fiches_par_engagement
        ],
        "limite_qpv": limite_qpv,
        "fiches_quartiers": [
            (q, [comptes.get(code, 0) for code in codes_fiches], total)
            for q, comptes, total in bilan.fiches_par_quartier
            if q.pk in ids_montres
        ],
        "chiffres_quartiers": chiffres,
        "notes_chiffres": notes_de_deduction(chiffres),
        "credits_par_lieu": bilan.credits_par_lieu[:QPV_MONTRES_MAX]
        if limite_qpv
        else bilan.credits_par_lieu,
        "statuts_projets_libelles": ProjetStructurant.Statut.labels,
        "projets_quartiers": [
            (s.quartier, [s.comptes.get(code, 0) for code in codes_projets], s.total)
            for s in bilan.statuts_projets
            if s.quartier.pk in ids_montres
        ],
        "projets_totaux": [bilan.statuts_projets_totaux.get(code, 0) for code in codes_projets],
        "graphique_fiches": graphiques.barres(
            f"Fiches-actions par statut, {bilan.annee} et {bilan.annee_precedente}",
            [c.libelle.removeprefix("dont ").capitalize() for c in fiches],
            _series_annees(bilan, fiches),
        ),
        "fiches_statuts": fiches,
        "graphique_credits": graphiques.barres(
            f"Crédits dépensés dans les QPV par type, {bilan.annee} et {bilan.annee_precedente}",
            [c.libelle.removeprefix("dont ").capitalize() for c in types],
            _series_annees(bilan, types),
            unite=Unite.EUROS,
        ),
        "credits_types": types,
        "graphique_completude": graphiques.barres(
            f"Complétude de la campagne {bilan.annee}, comparée à {bilan.annee_precedente}",
            ["Attendues", "Renseignées", "Validées"],
            _series_annees(bilan, [cp["attendues"], cp["renseignees"], cp["validees"]]),
        ),
        "graphique_engagements": graphiques.barres_horizontales(
            f"Indicateurs renseignés par engagement, {bilan.annee} et {bilan.annee_precedente}",
            [f"{s.engagement.numero}. {s.engagement.titre}" for s in sections],
            _series_annees(bilan, [s.completude.avec_valeur for s in sections]),
            etiquette=260,
        ),
        "sections": sections,
        "credits_signataires": par_signataire,
        "graphique_signataires": (
            graphiques.barres_horizontales(
                f"Crédits par signataire, {bilan.annee} et {bilan.annee_precedente}",
                [c.libelle for c in par_signataire[:15]],
                _series_annees(bilan, par_signataire[:15]),
                unite=Unite.EUROS,
                etiquette=230,
            )
            if par_signataire
            else None
        ),
        "credits_liste": bilan.credits[:LIGNES_CREDITS_MAX],
        "credits_tronques": max(len(bilan.credits) - LIGNES_CREDITS_MAX, 0),
    }


def rendre_pdf(bilan, request=None, etape=None):
    """Les octets du PDF du bilan (même contenu que la page HTML) ; `etape(nom)` : voir
    `territoire.pdf.rendre_pdf`."""
    # Le rendu WeasyPrint du portail (ressources locales seulement) : celui des fiches quartier.
    from territoire.pdf import rendre_pdf as rendre

    return rendre("bilan/rapport_pdf.html", contexte_rapport(bilan), request, etape=etape)
