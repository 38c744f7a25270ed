"""Export tableur des fiches-actions, déclaré comme des données (socle/tableur.py).

Le queryset exporté est celui de la liste : `for_user(user)` puis `FicheActionFilter`,
préchargé par `with_export_data()` (nombre de requêtes indépendant du nombre de fiches)."""

from socle.tableur import Colonne, Format
from structures.emails import lien_absolu
from structures.models import FicheAction


def _numeros_engagements(fiche):
    return [e.numero for e in sorted(fiche.engagements.all(), key=lambda e: e.numero)]


def _actions(fiche):
    return [f"{a.engagement.numero}.{a.numero} {a.texte[:80]}" for a in fiche.actions.all()]


def _financements(fiche):
    lignes = []
    for f in fiche.financements.all():
        montant = f" : {f.montant:,.2f} €".replace(",", " ").replace(".", ",") if f.montant else ""
        lignes.append(f"{f}{montant}")
    return lignes


def _date_transition(vers):
    def lire(fiche):
        dates = [t.le for t in fiche.transitions.all() if t.vers == vers]
        return dates[-1] if dates else None

    return lire


def _localisation(fiche):
    structure = fiche.structure
    if structure.arrondissement:
        return structure.arrondissement.libelle
    return ", ".join(p for p in (structure.commune, structure.departement) if p)


SOURCE_FICHE = "Fiche-action saisie par la structure dans le portail"

COLONNES_FICHES = [
    Colonne("N°", "pk", Format.ENTIER, definition="Numéro de la fiche dans le portail."),
    Colonne("Titre de l’action", "titre", definition="Titre de l’action.", source=SOURCE_FICHE),
    Colonne("Structure", "structure.nom"),
    Colonne("Localisation de la structure", _localisation),
    Colonne("Structure hors Paris", "structure.hors_paris", Format.BOOLEEN),
    Colonne("Année", "annee", Format.ENTIER, definition="Année de l’action rapportée."),
    Colonne(
        "Statut de la fiche",
        "get_statut_display",
        largeur=12,
        definition="Étape du circuit de validation : brouillon, soumise, validée, renvoyée.",
    ),
    Colonne("Statut de l’action", "get_etat_display", largeur=12),
    Colonne("Raisons de la fin", "motif_fin"),
    Colonne(
        "Engagements",
        _numeros_engagements,
        Format.LISTE,
        largeur=14,
        definition="Numéros des engagements du contrat de ville servis par l’action.",
    ),
    Colonne("Actions numérotées", _actions, Format.LISTE, largeur=50),
    Colonne("QPV", "quartiers", Format.LISTE),
    Colonne("Territoire concerné", "get_territoire_display", largeur=20),
    Colonne("Dimension", "get_dimension_display", largeur=20),
    Colonne("Mots clés", "mots_cles_libelles", Format.LISTE),
    Colonne("Public", "publics_libelles", Format.LISTE),
    Colonne("À l’initiative", "initiative_libelles", Format.LISTE),
    Colonne("Précision (initiative)", "initiative_precision"),
    Colonne("Partenaires d’action", "partenaires_libelles", Format.LISTE),
    Colonne(
        "Bénéficiaires",
        "nb_beneficiaires",
        Format.ENTIER,
        largeur=13,
        definition="Nombre de personnes touchées par l’action, déclaré par la structure.",
        source=SOURCE_FICHE,
    ),
    Colonne(
        "Dont habitants d’un QPV",
        "nb_beneficiaires_qpv",
        Format.ENTIER,
        largeur=13,
        definition="Part des bénéficiaires qui habitent un quartier prioritaire.",
        source=SOURCE_FICHE,
    ),
    Colonne(
        "Budget total",
        "budget_total",
        Format.EUROS,
        definition="Budget de l’action, tous financeurs.",
        source=SOURCE_FICHE,
    ),
    Colonne("Budget par financeur", _financements, Format.LISTE, largeur=45),
    Colonne("Salariés mobilisés", "nb_salaries", Format.ENTIER),
    Colonne("Bénévoles mobilisés", "nb_benevoles", Format.ENTIER),
    Colonne("Autres personnes mobilisées", "nb_autres", Format.ENTIER),
    Colonne("Résumé", "resume", largeur=60),
    Colonne("Description", "description", largeur=60),
    Colonne("Résultats quantitatifs", "resultats_quantitatifs", largeur=50),
    Colonne("Résultats sur le territoire", "resultats_territoire", largeur=50),
    Colonne("Résultats pour la structure", "resultats_structure", largeur=50),
    Colonne("Résultats pour les habitants", "resultats_habitants", largeur=50),
    Colonne("Limites", "limites", largeur=50),
    Colonne("Perspectives", "perspectives", largeur=50),
    Colonne("Soumise le", _date_transition(FicheAction.Statut.SOUMISE), Format.DATE),
    Colonne("Validée le", _date_transition(FicheAction.Statut.VALIDEE), Format.DATE),
    Colonne("Modifiée le", "modifie_le", Format.DATE),
    Colonne(
        "Source",
        "source",
        definition="Origine de la fiche quand elle n’a pas été saisie dans le portail "
        "(observatoire national des centres sociaux, rapport d’activité…).",
    ),
    Colonne("Lien", lambda fiche: lien_absolu(fiche.get_absolute_url()), largeur=45),
]
