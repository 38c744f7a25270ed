"""Le classeur Excel du bilan annuel, écrit par l'écrivain du portail (socle/tableur.py) :
une feuille par tableau, graphiques natifs, formats français.

Chaque tableau est déclaré comme des données (des `Colonne` : en-tête, lecture, format) et
part sur sa propre feuille : les tableaux de données (engagements, indicateurs, quartiers,
projets, fiches-actions, crédits, études) et, chacune sur sa feuille, les synthèses
(complétude par engagement, projets par QPV, fiches et crédits par regroupement). La feuille
« Synthèse » porte le titre, les chiffres clés et les trois graphiques, dont les données sont
sur les feuilles de synthèse. Une feuille « Définitions » dit le sens de chaque colonne.

Le classeur est écrit en mode « écriture seule » (openpyxl `write_only`) : les lignes partent
sur le disque au fil de l'eau. Cellules typées : vrais nombres, vraies dates ; une valeur
absente donne une cellule vide (jamais « — », jamais 0 : rien n'est inventé).

Formats de nombre : les codes Excel s'écrivent avec « , » pour les milliers et « . » pour les
décimales ; Excel les affiche selon la langue du poste (« 12 500,00 € » en français)."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from django.conf import settings

from bilan.donnees import Unite
from indicateurs.models import Territoire
from quartiers.models import ProjetStructurant
from socle.provenance import colonnes_provenance
from socle.tableur import (
    BLEU,
    Classeur,
    Colonne,
    Format,
    Style,
    graphique_barres,
)
from structures.models import FicheAction

# --- formats Excel ------------------------------------------------------------------------------

ENTIER = "#,##0"
DECIMAL = "#,##0.00"
EUROS = '#,##0.00\\ "€"'
EUROS_SIGNE = '+#,##0.00\\ "€";-#,##0.00\\ "€";0.00\\ "€"'
POURCENT_POINTS = '0.0\\ "%"'  # une part exprimée en points (35,5 → « 35,5 % »)
POINTS = '+0.0\\ "pts";-0.0\\ "pts";0.0\\ "pt"'
SIGNE = "+#,##0;-#,##0;0"
SIGNE_DECIMAL = "+#,##0.00;-#,##0.00;0"
VARIATION = "+0.0%;-0.0%;0.0%"  # une fraction (0,125 → « +12,5 % »)
DATE = "DD/MM/YYYY"
DATE_HEURE = "DD/MM/YYYY HH:MM"

NOMS_FEUILLES = [
    "Synthèse",
    "Périmètre",
    "Engagements",
    "Complétude par engagement",
    "Complétude de la campagne",
    "Indicateurs",
    "Quartiers",
    "Projets structurants",
    "Projets par QPV",
    "Fiches-actions",
    "Fiches par statut",
    "Fiches par engagement",
    "Fiches par QPV",
    "Crédits",
    "Crédits par type",
    "Crédits par signataire",
    "Crédits par QPV",
    "Crédits par engagement",
    "Études",
    "Métadonnées",
    "Définitions",
]

DEMO_FOND_COULEUR = "FFF3CD"

UNITE_POINTS = "Points de pourcentage (écart entre deux parts ou taux)"
UNITE_VARIATION = "Variation relative (0,125 = +12,5 %)"
UNITE_SELON_INDICATEUR = "Selon l’unité de l’indicateur (parts et taux en %)"


def format_grandeur(unite, evolution=False):
    """Le format Excel d'une grandeur (ou de son évolution) selon son unité."""
    if unite == Unite.EUROS:
        return EUROS_SIGNE if evolution else EUROS
    if unite == Unite.POURCENTAGE:
        return POINTS if evolution else POURCENT_POINTS
    return SIGNE if evolution else ENTIER


def format_indicateur(indicateur, evolution=False):
    """Une part ou un taux en « % » (évolution en points), un nombre entier ou décimal."""
    if indicateur.est_pourcentage:
        return POINTS if evolution else POURCENT_POINTS
    return SIGNE_DECIMAL if evolution else "#,##0.##;-#,##0.##;0"


def oui_non(valeur):
    return "Oui" if valeur else "Non"


# --- colonnes réutilisées ---------------------------------------------------------------------


def entier(entete, lire, **options):
    """Une colonne de nombres entiers (séparateur de milliers)."""
    return Colonne(entete, lire, Format.ENTIER, excel=options.pop("excel", ENTIER), **options)


def annee(entete, lire, **options):
    return Colonne(entete, lire, Format.ENTIER, excel="0", **options)


def colonnes_comparaison(annee_n, entete="Indicateur", acces=None, definition="", libelle=None):
    """Libellé, N, N-1, évolution (en valeur ou en points) et évolution en %. `acces` : où
    lire la `Comparaison` dans une ligne (la ligne elle-même par défaut) ; sans `entete`, pas
    de colonne de libellé."""
    acces = acces or (lambda r: r)
    libelle = libelle or (lambda r: acces(r).libelle)
    colonnes = [Colonne(entete, libelle, definition=definition)] if entete else []
    return colonnes + [
        Colonne(
            str(annee_n),
            lambda r: acces(r).n,
            Format.NOMBRE,
            excel=lambda r: format_grandeur(acces(r).unite),
            definition=f"Valeur de l’année {annee_n}.",
            unite="Selon la ligne : nombre, euros ou pourcentage",
        ),
        Colonne(
            str(annee_n - 1),
            lambda r: acces(r).n1,
            Format.NOMBRE,
            excel=lambda r: format_grandeur(acces(r).unite),
            definition=f"Valeur de l’année {annee_n - 1}, pour comparaison.",
            unite="Selon la ligne : nombre, euros ou pourcentage",
        ),
        Colonne(
            "Évolution",
            lambda r: acces(r).evolution,
            Format.NOMBRE,
            excel=lambda r: format_grandeur(acces(r).unite, evolution=True),
            definition=f"{annee_n} − {annee_n - 1} ; en points pour une part ou un taux. Vide "
            "sans l’une des deux valeurs.",
            unite="Selon la ligne : nombre, euros ou points",
        ),
        Colonne(
            "Évolution (%)",
            lambda r: acces(r).evolution_relative,
            Format.NOMBRE,
            excel=VARIATION,
            definition="Évolution rapportée à l’année précédente (nombres et montants ; vide "
            "pour une part ou un taux, qui évolue en points, et quand l’année précédente vaut 0).",
            unite=UNITE_VARIATION,
        ),
    ]


def _nom_auteur(user):
    if user is None:
        return None
    return user.get_full_name() or user.username


def _sans_dont(libelle):
    return libelle.removeprefix("dont ").capitalize()


# --- les feuilles -------------------------------------------------------------------------------


def feuille_synthese(c: Classeur, bilan):
    """Titre, périmètre, avertissement sur la démonstration et chiffres clés comparés ; les
    graphiques sont ajoutés quand leurs feuilles de données existent."""
    from openpyxl.styles import PatternFill

    f = c.feuille("Synthèse")
    n = bilan.annee
    f.texte(bilan.titre, gras=True, taille=14, couleur=BLEU)
    f.texte(
        f"Périmètre : {bilan.perimetre} · {len(bilan.quartiers)} QPV · {bilan.campagne_libelle}"
        f" · Valeurs : {bilan.portee_valeurs.lower()}."
    )
    note_demo = (
        "Attention : ce bilan contient des valeurs de DÉMONSTRATION (synthétiques), marquées "
        "« Démo : Oui » dans chaque feuille. Ce ne sont pas des données réelles."
        if bilan.demo_presente
        else "Valeurs de démonstration : "
        + ("incluses sur demande, aucune n’apparaît." if bilan.avec_demo else "exclues.")
    )
    fond = PatternFill("solid", fgColor=DEMO_FOND_COULEUR) if bilan.avec_demo else None
    f.texte(note_demo, gras=bilan.demo_presente, fond=fond)
    f.ligne_vide()
    colonnes = [
        Colonne(
            "Chiffre clé",
            lambda x: x.libelle,
            largeur=52,
            definition="Chiffre clé du bilan (« dont » : une partie du précédent).",
        ),
        *colonnes_comparaison(n, ""),
    ]
    f.tableau(
        bilan.synthese,
        colonnes,
        style_ligne=lambda c_: Style(retrait=2) if c_.niveau else Style(gras=True),
    )
    return f


def feuille_perimetre(c: Classeur, bilan):
    perimetre = [
        ("Quartiers prioritaires", len(bilan.quartiers)),
        ("Population des QPV (décret)", bilan.population),
        ("Secteurs et micro-quartiers", bilan.nb_secteurs),
        ("Projets structurants", len(bilan.projets)),
        ("Indicateurs du contrat", bilan.completude["indicateurs"]),
    ]
    c.tableau(
        "Périmètre",
        perimetre,
        [
            Colonne("Périmètre", lambda r: r[0], definition="Ce qui est compté."),
            entier(
                "Nombre",
                lambda r: r[1],
                definition="Nombre dans le périmètre du bilan (population : décret n° 2023-1314).",
            ),
        ],
    )


def feuille_engagements(c: Classeur, bilan):
    n, n1 = bilan.annee, bilan.annee_precedente

    def fmt(r, evolution=False):
        return format_indicateur(r[2].indicateur, evolution)

    colonnes = [
        Colonne("Thématique", lambda r: r[0].libelle, largeur=30),
        entier("N°", lambda r: r[1].engagement.numero, definition="Numéro de l’engagement."),
        Colonne("Engagement", lambda r: r[1].engagement.titre, largeur=45),
        Colonne("Code", lambda r: r[2].indicateur.code, definition="Code de l’indicateur."),
        Colonne("Indicateur", lambda r: r[2].indicateur.libelle, largeur=60),
        Colonne("Unité", lambda r: r[2].indicateur.get_unite_display()),
        Colonne(
            "Territoire",
            lambda r: r[2].territoire.nom if r[2].territoire else None,
            definition="Ensemble des QPV (bilan parisien) ou chaque QPV (arrondissement).",
        ),
        Colonne(
            f"Valeur {n}",
            lambda r: r[2].comparaison.n,
            Format.NOMBRE,
            excel=fmt,
            definition=f"Valeur {n} de l’indicateur sur le territoire.",
            unite=UNITE_SELON_INDICATEUR,
        ),
        Colonne(
            f"Valeur {n1}",
            lambda r: r[2].comparaison.n1,
            Format.NOMBRE,
            excel=fmt,
            definition=f"Valeur {n1}, pour comparaison.",
            unite=UNITE_SELON_INDICATEUR,
        ),
        Colonne(
            "Évolution",
            lambda r: r[2].comparaison.evolution,
            Format.NOMBRE,
            excel=lambda r: fmt(r, evolution=True),
            definition=f"{n} − {n1} (en points pour une part ou un taux).",
            unite="Selon l’unité de l’indicateur (points pour une part ou un taux)",
        ),
        Colonne(
            "Évolution (%)",
            lambda r: r[2].comparaison.evolution_relative,
            Format.NOMBRE,
            excel=VARIATION,
            definition="Évolution rapportée à l’année précédente (nombres seulement).",
            unite=UNITE_VARIATION,
        ),
        Colonne(
            f"Paris {n}",
            lambda r: r[2].comparaison_paris.n,
            Format.NOMBRE,
            excel=fmt,
            definition=f"Valeur {n} de l’indicateur pour Paris.",
            unite=UNITE_SELON_INDICATEUR,
        ),
        Colonne(
            f"Paris {n1}",
            lambda r: r[2].comparaison_paris.n1,
            Format.NOMBRE,
            excel=fmt,
            definition=f"Valeur {n1} de l’indicateur pour Paris.",
            unite=UNITE_SELON_INDICATEUR,
        ),
        Colonne(
            "Écart à Paris (pts)",
            lambda r: r[2].ecart_paris,
            Format.NOMBRE,
            excel=POINTS,
            definition="Valeur du territoire − valeur de Paris, même année, parts et taux "
            "seulement.",
            unite=UNITE_POINTS,
        ),
        Colonne(
            "Statut",
            lambda r: ", ".join(r[2].statuts_non_valides) or ("Validée" if r[2].valeurs else None),
        ),
        Colonne("Démo", lambda r: oui_non(r[2].demo), definition="« Oui » : valeur synthétique."),
    ]
    lignes = [
        (thematique, section, ligne)
        for thematique, sections in bilan.thematiques
        for section in sections
        for ligne in section.lignes
    ]
    c.tableau("Engagements", lignes, colonnes)

    # Complétude par engagement, sur sa feuille, avec son graphique.
    f = c.feuille("Complétude par engagement")
    sections = [s for _, groupe in bilan.thematiques for s in groupe]
    tableau = f.tableau(
        sections,
        [
            Colonne("Engagement", lambda s: f"Engagement {s.engagement.numero}"),
            entier(
                "Indicateurs",
                lambda s: s.completude.nb_indicateurs,
                definition="Indicateurs de l’engagement.",
            ),
            entier(
                f"Renseignés {n}",
                lambda s: s.completude.avec_valeur.n,
                definition=f"Indicateurs avec au moins une valeur {n}.",
            ),
            entier(
                f"Renseignés {n1}",
                lambda s: s.completude.avec_valeur.n1,
                definition=f"Indicateurs avec au moins une valeur {n1}.",
            ),
            entier(f"Valeurs attendues {n}", lambda s: s.completude.attendues.n),
            entier(f"Valeurs renseignées {n}", lambda s: s.completude.renseignees.n),
            entier(f"Valeurs validées {n}", lambda s: s.completude.validees.n),
            entier(f"Valeurs renseignées {n1}", lambda s: s.completude.renseignees.n1),
            entier(f"Valeurs validées {n1}", lambda s: s.completude.validees.n1),
        ],
    )
    graphique = graphique_barres(
        f"Indicateurs renseignés par engagement, {n} et {n1}",
        tableau.reference(f"Renseignés {n}", f"Renseignés {n1}"),
        tableau.reference("Engagement", entete=False),
        "Indicateurs",
        largeur=30,
        hauteur=10,
        valeurs=False,
    )
    f.graphique(graphique, "K2")


def feuille_completude_campagne(c: Classeur, bilan):
    n, n1 = bilan.annee, bilan.annee_precedente
    cp = bilan.completude
    return c.tableau(
        "Complétude de la campagne",
        [cp["attendues"], cp["renseignees"], cp["validees"]],
        [
            Colonne("Valeurs", lambda x: x.libelle.removeprefix("Valeurs ").capitalize()),
            entier(
                f"Campagne {n}",
                lambda x: x.n,
                definition="Valeurs attendues (territoires du périmètre aux niveaux attendus "
                "par chaque indicateur du contrat), renseignées (tous statuts), validées.",
            ),
            entier(f"Campagne {n1}", lambda x: x.n1, definition="Les mêmes, l’année précédente."),
        ],
    )


def feuille_indicateurs(c: Classeur, bilan):
    # La table longue a des centaines de milliers de lignes à l'échelle nationale : ce qui ne
    # dépend que de l'indicateur ou du territoire est lu une fois par indicateur ou territoire
    # (un libellé de choix Django coûte plusieurs microsecondes à chaque appel).
    lus = {}

    def infos(indicateur):
        lu = lus.get(indicateur.pk)
        if lu is None:
            lu = lus[indicateur.pk] = SimpleNamespace(
                nature=indicateur.get_nature_display(),
                unite=indicateur.get_unite_display(),
                engagement=indicateur.engagement.numero if indicateur.engagement_id else None,
                format=format_indicateur(indicateur),
                format_evolution=format_indicateur(indicateur, evolution=True),
            )
        return lu

    types_territoire = dict(Territoire.Type.choices)

    def fmt(r):
        return infos(r.indicateur).format

    colonnes = [
        Colonne("Code", lambda r: r.indicateur.code),
        Colonne("Indicateur", lambda r: r.indicateur.libelle, largeur=60),
        entier("Engagement", lambda r: infos(r.indicateur).engagement),
        Colonne("Nature", lambda r: infos(r.indicateur).nature),
        Colonne("Unité", lambda r: infos(r.indicateur).unite),
        Colonne("Territoire", lambda r: r.valeur.territoire.nom),
        Colonne("Type de territoire", lambda r: types_territoire[r.valeur.territoire.type]),
        annee("Année", lambda r: r.valeur.annee),
        Colonne(
            "Valeur",
            lambda r: r.valeur.valeur,
            Format.NOMBRE,
            excel=fmt,
            unite=UNITE_SELON_INDICATEUR,
        ),
        entier("Nombre", lambda r: r.valeur.nombre, definition="Numérateur (nombre et part)."),
        entier("Base", lambda r: r.valeur.base, definition="Dénominateur (nombre et part)."),
        Colonne(
            "Valeur de l’année précédente",
            lambda r: r.comparaison.n1,
            Format.NOMBRE,
            excel=fmt,
            unite=UNITE_SELON_INDICATEUR,
        ),
        Colonne(
            "Évolution",
            lambda r: r.comparaison.evolution,
            Format.NOMBRE,
            excel=lambda r: infos(r.indicateur).format_evolution,
        ),
        Colonne(
            "Évolution (%)",
            lambda r: r.comparaison.evolution_relative,
            Format.NOMBRE,
            excel=VARIATION,
            unite=UNITE_VARIATION,
        ),
        Colonne("Statut", lambda r: r.valeur.get_statut_display()),
        Colonne("Démo", lambda r: oui_non(r.valeur.demo)),
        Colonne(
            "Source",
            lambda r: r.valeur.source,
            largeur=40,
            definition="Source citée par le producteur de la valeur.",
        ),
        *colonnes_provenance(lambda r: r.valeur),
        Colonne("Producteur", lambda r: r.valeur.producteur_nom),
        Colonne("Validée le", lambda r: r.valeur.valide_le, Format.DATE_HEURE),
    ]
    c.tableau("Indicateurs", bilan.lignes_valeurs, colonnes)


def feuille_quartiers(c: Classeur, bilan):
    def fmt(r):
        return format_indicateur(r.indicateur)

    colonnes = [
        Colonne("Quartier", lambda r: r.quartier.nom),
        Colonne("Arrondissements", lambda r: r.quartier.arrondissements_libelle),
        entier(
            "Population (décret)",
            lambda r: r.quartier.population,
            source="Décret n° 2023-1314 (Insee, Filosofi 2019)",
        ),
        Colonne("Code", lambda r: r.indicateur.code),
        Colonne("Chiffre clé", lambda r: r.indicateur.libelle, largeur=50),
        annee("Année", lambda r: r.valeur.annee if r.valeur else None),
        Colonne(
            "Valeur",
            lambda r: r.comparaison.n,
            Format.NOMBRE,
            excel=fmt,
            unite=UNITE_SELON_INDICATEUR,
        ),
        Colonne(
            "Valeur de l’année précédente",
            lambda r: r.comparaison.n1,
            Format.NOMBRE,
            excel=fmt,
            unite=UNITE_SELON_INDICATEUR,
        ),
        Colonne(
            "Évolution",
            lambda r: r.comparaison.evolution,
            Format.NOMBRE,
            excel=lambda r: format_indicateur(r.indicateur, evolution=True),
        ),
        Colonne(
            "Paris (même année)",
            lambda r: r.paris.valeur if r.paris else None,
            Format.NOMBRE,
            excel=fmt,
            unite=UNITE_SELON_INDICATEUR,
        ),
        Colonne(
            "Écart à Paris (pts)",
            lambda r: r.ecart_paris,
            Format.NOMBRE,
            excel=POINTS,
            unite=UNITE_POINTS,
        ),
        Colonne("Source", lambda r: r.valeur.source if r.valeur else None, largeur=40),
        *colonnes_provenance(lambda r: r.valeur),
        Colonne("Démo", lambda r: oui_non(r.demo)),
    ]
    c.tableau("Quartiers", bilan.chiffres_quartiers, colonnes)


def feuille_projets(c: Classeur, bilan):
    def suivi(p):
        return p.dernier_suivi

    colonnes = [
        Colonne("Quartier", lambda p: p.quartier.nom),
        Colonne("Arrondissements", lambda p: p.quartier.arrondissements_libelle),
        Colonne("Secteur", lambda p: p.secteur.nom if p.secteur_id else None),
        Colonne("Projet", lambda p: p.nom, largeur=45),
        Colonne("Statut", lambda p: p.get_statut_display()),
        Colonne(
            "Statut imprimé (contrat)",
            lambda p: p.statut_brut,
            source="Contrat de ville parisien 2024-2030, fiches quartiers",
        ),
        annee("Année d’échéance", lambda p: p.annee_echeance),
        Colonne("Porteur", lambda p: str(p.porteur) if p.porteur else None),
        Colonne("Engagements servis", lambda p: [e.numero for e in p.engagements_servis]),
        Colonne(
            "Dernier suivi : date",
            lambda p: suivi(p).date if suivi(p) else None,
            Format.DATE,
            excel=DATE,
        ),
        Colonne(
            "Dernier suivi : statut",
            lambda p: suivi(p).get_statut_display() if suivi(p) else None,
        ),
        Colonne(
            "Dernier suivi : commentaire",
            lambda p: suivi(p).commentaire if suivi(p) else None,
            largeur=50,
        ),
        Colonne(
            "Dernier suivi : auteur",
            lambda p: _nom_auteur(suivi(p).auteur) if suivi(p) else None,
        ),
        Colonne("Adresse", lambda p: p.adresse, largeur=40),
    ]
    c.tableau("Projets structurants", bilan.projets, colonnes)
    statuts = ProjetStructurant.Statut.choices
    c.tableau(
        "Projets par QPV",
        [*bilan.statuts_projets, None],
        [Colonne("Quartier", lambda s: s.quartier.nom if s else "Total")]
        + [
            entier(
                libelle,
                lambda s, code=code: (s.comptes if s else bilan.statuts_projets_totaux).get(
                    code, 0
                ),
                definition=f"Projets au statut « {libelle} » à la date d’édition.",
            )
            for code, libelle in statuts
        ]
        + [entier("Total", lambda s: s.total if s else len(bilan.projets))],
    )


def feuille_fiches(c: Classeur, bilan):
    n, n1 = bilan.annee, bilan.annee_precedente
    colonnes = [
        Colonne("Titre", lambda x: x.titre, largeur=50),
        Colonne("Structure", lambda x: x.structure.nom),
        annee("Année", lambda x: x.annee),
        Colonne("Statut de la fiche", lambda x: x.get_statut_display()),
        Colonne("Statut de l’action", lambda x: x.get_etat_display()),
        Colonne("Engagements", lambda x: [e.numero for e in x.engagements.all()]),
        Colonne("QPV", lambda x: [q.nom for q in x.quartiers.all()], largeur=50),
        Colonne("Dimension", lambda x: x.get_dimension_display()),
        entier(
            "Bénéficiaires",
            lambda x: x.nb_beneficiaires,
            definition="Déclaré par la structure.",
        ),
        entier("dont habitants d’un QPV", lambda x: x.nb_beneficiaires_qpv),
        Colonne("Modifiée le", lambda x: x.modifie_le, Format.DATE_HEURE),
    ]
    c.tableau("Fiches-actions", bilan.fiches, colonnes)
    c.tableau(
        "Fiches par statut",
        bilan.fiches_par_statut[1:],
        [
            Colonne("Statut de la fiche", lambda x: _sans_dont(x.libelle)),
            entier(f"Fiches {n}", lambda x: x.n, definition=f"Fiches-actions de l’année {n}."),
            entier(f"Fiches {n1}", lambda x: x.n1, definition=f"Fiches-actions de l’année {n1}."),
        ],
    )
    statuts = FicheAction.Statut.choices

    def colonnes_regroupement(entete, nom):
        return (
            [Colonne(entete, nom, largeur=50)]
            + [
                entier(f"{libelle} {n}", lambda r, code=code: r[1].get(code, 0))
                for code, libelle in statuts
            ]
            + [
                entier(f"Total {n}", lambda r: r[2].n),
                entier(f"Total {n1}", lambda r: r[2].n1),
                entier("Évolution", lambda r: r[2].evolution, excel=SIGNE),
            ]
        )

    c.tableau(
        "Fiches par engagement",
        bilan.fiches_par_engagement,
        colonnes_regroupement("Engagement", lambda r: f"Engagement {r[0].numero} : {r[0].titre}"),
    )
    c.tableau(
        "Fiches par QPV",
        bilan.fiches_par_quartier,
        colonnes_regroupement("Quartier", lambda r: r[0].nom),
    )


def feuille_credits(c: Classeur, bilan):
    n = bilan.annee
    colonnes = [
        entier("Identifiant", lambda x: x.pk, excel="0"),
        annee("Année", lambda x: x.annee),
        Colonne("Signataire", lambda x: x.signataire.nom, largeur=40),
        Colonne("Type de crédit", lambda x: x.get_type_display()),
        Colonne(
            "Montant (€)",
            lambda x: x.montant,
            Format.EUROS,
            excel=EUROS,
            definition="Crédits dépensés dans les QPV, déclarés par le signataire.",
            source="Saisie ou import des crédits par le SPV",
        ),
        Colonne(
            "Engagement",
            lambda x: f"{x.engagement.numero}. {x.engagement.titre}" if x.engagement_id else None,
            largeur=45,
        ),
        Colonne("QPV", lambda x: x.quartier.nom if x.quartier_id else None),
        entier(
            "Arrondissement", lambda x: x.arrondissement.numero if x.arrondissement_id else None
        ),
        Colonne("Dispositif", lambda x: x.dispositif),
        Colonne("Commentaire", lambda x: x.commentaire, largeur=50),
    ]
    c.tableau("Crédits", bilan.credits, colonnes)
    par_type = c.tableau(
        "Crédits par type",
        bilan.credits_par_type,
        colonnes_comparaison(
            n,
            "Type de crédit",
            definition="Total, puis chaque type.",
            libelle=lambda x: _sans_dont(x.libelle) if x.niveau else x.libelle,
        ),
    )
    c.tableau(
        "Crédits par signataire",
        bilan.credits_par_signataire,
        [
            Colonne("Signataire", lambda r: r[0].nom),
            Colonne("Type de crédit", lambda r: r[1]),
            *colonnes_comparaison(n, "", acces=lambda r: r[2]),
        ],
    )
    c.tableau(
        "Crédits par QPV",
        bilan.credits_par_lieu,
        colonnes_comparaison(
            n,
            "QPV ou arrondissement",
            definition="QPV, ou arrondissement pour les crédits qui lui sont rattachés.",
        ),
    )
    c.tableau(
        "Crédits par engagement",
        bilan.credits_par_engagement,
        colonnes_comparaison(n, "Engagement"),
    )
    return par_type


def feuille_etudes(c: Classeur, bilan):
    base = getattr(settings, "PORTAIL_URL", "").rstrip("/")
    colonnes = [
        Colonne("Titre", lambda e: e.titre, largeur=50),
        annee("Année", lambda e: e.annee),
        Colonne("Réalisée par", lambda e: e.realisee_par),
        Colonne("Engagements", lambda e: [x.numero for x in e.engagements.all()]),
        Colonne("QPV", lambda e: [q.nom for q in e.quartiers.all()] or "Ensemble des QPV"),
        entier(
            "Arrondissement", lambda e: e.arrondissement.numero if e.arrondissement_id else None
        ),
        Colonne("Résumé des résultats", lambda e: e.resume, largeur=60),
        Colonne("Rapport joint", lambda e: e.nom_fichier or None),
        Colonne("Fiche dans le portail", lambda e: f"{base}{e.get_absolute_url()}", largeur=40),
    ]
    c.tableau("Études", bilan.etudes, colonnes)


def feuille_metadonnees(c: Classeur, bilan, lignes_par_feuille):
    lignes = [
        ("Titre", bilan.titre),
        ("Année du bilan", bilan.annee),
        ("Année de comparaison", bilan.annee_precedente),
        ("Généré le", bilan.genere_le),
        ("Généré par", bilan.genere_par or None),
        ("Périmètre", bilan.perimetre),
        ("Quartiers prioritaires du périmètre", ", ".join(q.nom for q in bilan.quartiers)),
        ("Portée des valeurs", bilan.portee_valeurs),
        ("Valeurs de démonstration", bilan.portee_demo),
        ("Campagne", bilan.campagne_libelle),
        (
            "Complétude",
            "Une valeur est attendue pour chaque territoire du périmètre des niveaux attendus "
            "par l’indicateur (indicateurs du contrat). Renseignées : tous statuts ; part "
            "validée = validées ÷ renseignées.",
        ),
        (
            "Comparaisons",
            "Chaque chiffre est comparé à l’année précédente. Parts et taux : évolution en "
            "points ; nombres et montants : en valeur et en %. Cellule vide : pas de valeur, "
            "rien n’est estimé. L’écart à Paris n’est calculé que pour les parts et les taux, "
            "entre valeurs de la même année.",
        ),
        (
            "Crédits",
            "Cellule vide pour une année sans aucun crédit saisi dans le périmètre. Pour un "
            "arrondissement : crédits de ses QPV et crédits rattachés à l’arrondissement.",
        ),
        (
            "Projets structurants",
            "Statuts à la date d’édition (le statut n’est pas arrêté par année) ; l’activité de "
            "l’année est le nombre d’étapes de suivi datées de l’année.",
        ),
        (
            "Feuilles",
            "Un tableau par feuille ; les synthèses (par engagement, par QPV, par type…) sont "
            "sur leurs propres feuilles. La feuille « Définitions » dit le sens de chaque "
            "colonne.",
        ),
        *((f"Lignes : {nom}", nombre) for nom, nombre in lignes_par_feuille),
    ]
    c.tableau(
        "Métadonnées",
        lignes,
        [
            Colonne("Rubrique", lambda r: r[0], largeur=36),
            Colonne(
                "Valeur",
                lambda r: r[1],
                largeur=100,
                excel=lambda r: DATE_HEURE if isinstance(r[1], datetime) else "0",
            ),
        ],
    )


def graphiques_synthese(synthese, c: Classeur, bilan):
    """Les trois graphiques de la synthèse, sur les données des feuilles de synthèse."""
    n, n1 = bilan.annee, bilan.annee_precedente
    feuilles = {f.nom: f.tableau_ecrit for f in c.feuilles}
    statuts = feuilles["Fiches par statut"]
    synthese.graphique(
        graphique_barres(
            f"Fiches-actions par statut, {n} et {n1}",
            statuts.reference(f"Fiches {n}", f"Fiches {n1}"),
            statuts.reference("Statut de la fiche", entete=False),
            "Fiches",
        ),
        "H5",
    )
    types = feuilles["Crédits par type"]
    # Sans la ligne du total (la première) : une barre par type de crédit.
    synthese.graphique(
        graphique_barres(
            f"Crédits dépensés dans les QPV par type, {n} et {n1}",
            types.reference(str(n), str(n1), sauter=1),
            types.reference("Type de crédit", sauter=1),
            "Euros",
            series=[f"Crédits {n} (€)", f"Crédits {n1} (€)"],
        ),
        "H22",
    )
    completude = feuilles["Complétude de la campagne"]
    synthese.graphique(
        graphique_barres(
            f"Complétude de la campagne {n} (comparée à {n1})",
            completude.reference(f"Campagne {n}", f"Campagne {n1}"),
            completude.reference("Valeurs", entete=False),
            "Valeurs",
        ),
        "H39",
    )


def ecrire_classeur(bilan) -> Classeur:
    """Le `Classeur` du bilan, toutes feuilles écrites (à enregistrer)."""
    c = Classeur(titre=bilan.titre)
    synthese = feuille_synthese(c, bilan)
    feuille_perimetre(c, bilan)
    feuille_engagements(c, bilan)
    feuille_completude_campagne(c, bilan)
    feuille_indicateurs(c, bilan)
    feuille_quartiers(c, bilan)
    feuille_projets(c, bilan)
    feuille_fiches(c, bilan)
    feuille_credits(c, bilan)
    feuille_etudes(c, bilan)
    # Les lignes écrites, comptées par l'écrivain : les longues tables sont lues en flux.
    ecrites = {f.nom: f.tableau_ecrit.nombre_de_lignes for f in c.feuilles if f.tableau_ecrit}
    lignes = [
        (nom, ecrites[nom])
        for nom in (
            "Engagements",
            "Indicateurs",
            "Quartiers",
            "Projets structurants",
            "Fiches-actions",
            "Crédits",
            "Études",
        )
    ]
    feuille_metadonnees(c, bilan, lignes)
    c.feuille_definitions()
    graphiques_synthese(synthese, c, bilan)
    return c


def contenu_classeur(bilan):
    """Les octets du fichier .xlsx."""
    return ecrire_classeur(bilan).contenu()


def nom_fichier(bilan, extension="xlsx"):
    suffixe = f"-arrondissement-{bilan.arrondissement.numero}" if bilan.arrondissement else ""
    return f"bilan-{bilan.annee}{suffixe}.{extension}"
