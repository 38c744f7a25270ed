"""Données du graphique d'évolution d'un indicateur (Chart.js) et du tableau qui
l'accompagne (RGAA : chaque graphique a ses données en tableau à côté)."""

from indicateurs.models import ANNEE_MAX, nombre_fr
from socle.chiffres import compte_fr

PREMIERE_ANNEE_CONTRAT = 2024
# Palette contrastée (lisible en daltonisme courant) ; Paris est toujours en noir pointillé.
COULEURS = [
    "#1d3b6f", "#c0392b", "#1e8449", "#8e44ad", "#d35400", "#117a65", "#7d6608",
    "#2874a6", "#a93226", "#6c3483", "#b9770e", "#196f3d", "#5d6d7e", "#943126",
]  # fmt: skip


def donnees_graphique(indicateur, valeurs, selection=None):
    """À partir des valeurs visibles (territoire préchargé) : années en abscisse (de la
    première valeur, ou 2024, jusqu'à 2030), une série par territoire, Paris en référence.

    `selection` : codes de territoires à afficher (Paris est toujours gardé) ; None : tous
    ceux qui ont au moins une valeur."""
    territoires, par_cle = {}, {}
    for v in valeurs:
        if v.valeur is None:
            continue
        territoires[v.territoire_id] = v.territoire
        par_cle[(v.territoire_id, v.annee)] = v
    debut = min([PREMIERE_ANNEE_CONTRAT, *(a for _, a in par_cle)])
    annees = list(range(debut, ANNEE_MAX + 1))
    annees_renseignees = sorted({a for _, a in par_cle})
    series = []
    ordonnes = sorted(territoires.values(), key=lambda t: (not t.est_paris, t.ordre, t.code))
    for rang, t in enumerate(ordonnes):
        if selection and not t.est_paris and t.code not in selection:
            continue
        points = [par_cle.get((t.pk, a)) for a in annees]
        series.append(
            {
                "code": t.code,
                "nom": t.nom,
                "paris": t.est_paris,
                "couleur": "#000000" if t.est_paris else COULEURS[rang % len(COULEURS)],
                "donnees": [float(p.valeur) if p else None for p in points],
                "cellules": [
                    {
                        "annee": a,
                        # Le tableau donne ce que trace le graphique (la part pour un « nombre
                        # et part »), le nombre et sa base en précision.
                        "texte": (_texte(indicateur, p) if p else ""),
                        "detail": (
                            f"{nombre_fr(p.nombre)} / {nombre_fr(p.base)}"
                            if p and indicateur.est_nombre_part
                            else ""
                        ),
                        "demo": bool(p and p.demo),
                        "statut": p.get_statut_display() if p and p.statut != "valide" else "",
                    }
                    for a, p in zip(annees, points, strict=True)
                    if a in annees_renseignees
                ],
            }
        )
    demo = any(v.demo for v in par_cle.values())
    return {
        "titre": f"{indicateur.code} : évolution par territoire, comparée à Paris",
        "annees": annees,
        "annees_renseignees": annees_renseignees,
        "series": series,
        "suffixe": indicateur.suffixe.strip(),
        "demo": demo,
        "territoires": ordonnes,
        "resume": resume(indicateur, series, annees),
    }


def _texte(indicateur, valeur):
    return nombre_fr(valeur.valeur) + indicateur.suffixe


def resume(indicateur, series, annees):
    """Texte alternatif du graphique : combien de territoires, quelles années, et la dernière
    valeur de Paris."""
    if not series:
        return "Aucune valeur à représenter."
    paris = next((s for s in series if s["paris"]), None)
    texte = (
        f"Courbe{'s' if len(series) > 1 else ''} de {compte_fr(len(series), 'territoire')} "
        f"de {annees[0]} à {annees[-1]}."
    )
    if paris:
        derniers = [(a, d) for a, d in zip(annees, paris["donnees"], strict=True) if d is not None]
        if derniers:
            a, d = derniers[-1]
            texte += f" Paris : {nombre_fr(d)}{indicateur.suffixe} en {a}."
    return texte + " Les valeurs sont détaillées dans le tableau qui suit."
