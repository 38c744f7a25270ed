"""Mise en forme des résultats du banc : tableaux en texte brut, alignés, chiffres à la
française (virgule décimale)."""

import math

DELAI_GUNICORN = 60  # s : GUNICORN_TIMEOUT par défaut (docker/entrypoint.sh)


def nombre(x, decimales=1):
    return f"{x:,.{decimales}f}".replace(",", " ").replace(".", ",")


def duree(secondes):
    if secondes is None:
        return "—"
    if secondes < 0.01:
        return f"{nombre(secondes * 1000, 1)} ms"
    if secondes < 1:
        return f"{secondes * 1000:.0f} ms"
    if secondes < 100:
        return f"{nombre(secondes, 2)} s"
    return f"{secondes:.0f} s"


def octets(n):
    if n is None:
        return "—"
    if n < 1024:
        return f"{n} o"
    if n < 1024**2:
        return f"{nombre(n / 1024, 0)} Ko"
    return f"{nombre(n / 1024**2, 1)} Mo"


def quantile(valeurs, q):
    """Rang le plus proche (p95 de 5 exécutions = la plus lente)."""
    if not valeurs:
        return None
    ordonnees = sorted(valeurs)
    return ordonnees[max(0, math.ceil(q * len(ordonnees)) - 1)]


def p50(resultat):
    return quantile(resultat.get("durees") or [], 0.5)


def note(resultat):
    morceaux = []
    if resultat.get("erreur"):
        morceaux.append(f"ÉCHEC {resultat['erreur']}")
    mediane = p50(resultat)
    if resultat.get("web") and mediane and mediane > DELAI_GUNICORN:
        morceaux.append(f"au-delà du délai gunicorn ({DELAI_GUNICORN} s)")
    if resultat.get("note_plancher"):
        morceaux.append(f"plancher {resultat['note_plancher']}")
    if resultat.get("remarque"):
        morceaux.append(resultat["remarque"])
    return " ; ".join(morceaux)


def cellules(resultat):
    """Les colonnes d'une ligne de résultat."""
    durees = resultat.get("durees") or []
    if resultat.get("interrompu"):
        median = centile = f"> {resultat.get('delai', 0):.0f} s (interrompu)"
    else:
        median, centile = duree(quantile(durees, 0.5)), duree(quantile(durees, 0.95))
    cpu = quantile(resultat.get("cpu") or [], 0.5)
    plancher = resultat.get("plancher")
    mediane = quantile(durees, 0.5)
    rapport = f"× {nombre(mediane / plancher, 1)}" if plancher and mediane else "—"
    rss = resultat.get("rss_max_mo")
    return [
        resultat["libelle"],
        str(len(durees)),
        median,
        centile,
        duree(cpu) if not resultat.get("interrompu") else "—",
        "—" if resultat.get("nb_requetes") is None else str(resultat["nb_requetes"]),
        octets(resultat.get("taille")),
        "—" if rss is None else f"{rss:.0f} Mo",
        duree(plancher),
        rapport,
        note(resultat),
    ]


ENTETES = [
    "Mesure",
    "n",
    "p50",
    "p95",
    "CPU p50",
    "requêtes",
    "taille",
    "RSS max",
    "plancher SQL",
    "p50/plancher",
    "remarque",
]
A_DROITE = {1, 2, 3, 4, 5, 6, 7, 8, 9}


def aligner(lignes, entetes, a_droite):
    largeurs = [
        max(len(str(ligne[i])) for ligne in [entetes, *lignes]) for i in range(len(entetes))
    ]

    def former(ligne):
        morceaux = [
            str(c).rjust(largeurs[i]) if i in a_droite else str(c).ljust(largeurs[i])
            for i, c in enumerate(ligne)
        ]
        return "  ".join(morceaux).rstrip()

    separateur = "  ".join("-" * n for n in largeurs)
    return [former(entetes), separateur, *[former(ligne) for ligne in lignes]]


def charge(resultats):
    """La charge de la machine (moyenne sur une minute) au début des mesures."""
    charges = [r["charge"] for r in resultats if r.get("charge") is not None]
    if not charges:
        return ""
    return (
        f"Charge de la machine au début des mesures (moyenne sur 1 min) : de "
        f"{nombre(min(charges), 1)} à {nombre(max(charges), 1)}, médiane "
        f"{nombre(quantile(charges, 0.5), 1)}."
    )


def tableau(resultats):
    """Le tableau d'une échelle, groupé par rubrique, avec les résultats annexes."""
    lignes, groupe = [], None
    for r in resultats:
        if r["groupe"] != groupe:
            groupe = r["groupe"]
            lignes.append([f"[{groupe}]"] + [""] * (len(ENTETES) - 1))
        lignes.append(cellules(r))
        for annexe in r.get("annexes") or []:
            ligne = [""] * len(ENTETES)
            ligne[:3] = [f"  ↳ {annexe['libelle']}", "1", duree(annexe["duree"])]
            ligne[-1] = annexe.get("note", "")
            lignes.append(ligne)
    return aligner(lignes, ENTETES, A_DROITE)


def comparaison(paris, nationale):
    """Les deux échelles côte à côte : p50, mémoire de pointe et taille."""
    par_cle = {r["cle"]: r for r in nationale}
    lignes = []
    for r in paris:
        n = par_cle.get(r["cle"])
        if n is None:
            continue
        a, b = p50(r), p50(n)
        if n.get("interrompu"):
            national = f"> {n.get('delai', 0):.0f} s"
        elif n.get("erreur"):
            national = "ÉCHEC"
        else:
            national = duree(b)
        facteur = f"× {nombre(b / a, 1)}" if a and b else "—"
        rss = [x.get("rss_max_mo") for x in (r, n)]
        lignes.append(
            [
                n["libelle"],
                duree(a) if not r.get("erreur") else "ÉCHEC",
                national,
                facteur,
                *["—" if x is None else f"{x:.0f} Mo" for x in rss],
                octets(r.get("taille")),
                octets(n.get("taille")),
            ]
        )
    entetes = [
        "Mesure (libellé national)",
        "p50 Paris",
        "p50 national",
        "facteur",
        "RSS Paris",
        "RSS national",
        "taille Paris",
        "taille nat.",
    ]
    return aligner(lignes, entetes, {1, 2, 3, 4, 5, 6, 7})
