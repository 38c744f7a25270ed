"""Les travaux de fond des indicateurs (socle/travaux.py) : le modèle de saisie pré-rempli
d'une campagne et les imports de valeurs."""

from indicateurs.models import Campagne, ImportValeurs
from socle import roles, travaux
from socle.tableur import TYPE_XLSX
from socle.vues_import import executer_en_fond


def nom_modele(annee, engagement=None):
    suffixe = f"-engagement-{engagement}" if engagement else ""
    return f"modele-valeurs-{annee}{suffixe}.xlsx"


@travaux.declarer("indicateurs.modele", "Modèle de saisie d’une campagne")
def modele(travail, progression):
    """Le classeur pré-rempli de la campagne `annee`, restreint aux indicateurs du demandeur
    et, au choix, à un engagement (`engagement` : numéro) ou à un producteur (`producteur` :
    clé, pour le SPV)."""
    from indicateurs.resources import modele_xlsx
    from indicateurs.views_import import REFUS_IMPORT

    user, p = travail.proprietaire, travail.parametres
    if not roles.peut_importer_valeurs(user):
        raise travaux.Refus(REFUS_IMPORT)
    if not Campagne.objects.filter(annee=p["annee"]).exists():
        raise travaux.Refus(f"La campagne {p['annee']} n’existe plus : aucun modèle produit.")
    producteur = p.get("producteur") if roles.peut_gerer_campagnes(user) else None
    progression(0, 1, "Lecture des valeurs et écriture du classeur")
    contenu, lignes = modele_xlsx(
        p["annee"], user, engagement=p.get("engagement"), producteur=producteur
    )
    return travaux.Resultat(
        contenu=contenu,
        nom_fichier=nom_modele(p["annee"], p.get("engagement")),
        type_mime=TYPE_XLSX,
        message=f"{lignes} ligne{'s' if lignes > 1 else ''} à compléter.",
    )


@travaux.declarer("indicateurs.import_valeurs", "Import de valeurs", famille="imports")
def import_valeurs(travail, progression):
    """Contrôle ou application d'un import de valeurs (socle/vues_import.py), avec les droits
    du déposant (ceux de la déclaration, ligne à ligne)."""
    return executer_en_fond(ImportValeurs, travail, progression)
