"""Les travaux de fond du bilan annuel (socle/travaux.py) : le rapport PDF et le classeur
Excel, et les imports de crédits. La commande export_bilan, elle, reste synchrone."""

from bilan.models import ImportCredits
from socle import roles, travaux
from socle.tableur import TYPE_XLSX
from socle.vues_import import executer_en_fond


def _bilan(travail, progression, total, calculer=None):
    """Le bilan des paramètres du travail, calculé pour son demandeur (droits vérifiés de
    nouveau : ils ont pu changer depuis la demande) par `calculer` (`calculer_bilan` par
    défaut, `calculer_rapport` pour le PDF)."""
    from bilan.donnees import calculer_bilan
    from bilan.forms import BilanForm
    from bilan.views import REFUS

    user = travail.proprietaire
    if not roles.peut_produire_bilan(user):
        raise travaux.Refus(REFUS["bilan"])
    form = BilanForm(travail.parametres)
    if not form.is_valid():
        raise travaux.Refus(
            "Les paramètres du bilan ne sont plus valables (arrondissement ou année retirés "
            "entre-temps) : relancez-le depuis la page du bilan."
        )
    progression(0, total, "Calcul des chiffres du bilan")
    auteur = user.get_full_name() or user.username
    return (calculer or calculer_bilan)(**form.parametres(), user=user, auteur=auteur)


@travaux.declarer("bilan.pdf", "Rapport PDF du bilan annuel")
def pdf(travail, progression):
    from bilan.classeur import nom_fichier
    from bilan.rapport import calculer_rapport, rendre_pdf

    etapes = ["Calcul des chiffres du bilan", "Mise en page du PDF", "Écriture du PDF"]
    bilan = _bilan(travail, progression, len(etapes), calculer=calculer_rapport)
    contenu = rendre_pdf(bilan, etape=lambda nom: progression(etapes.index(nom), len(etapes), nom))
    return travaux.Resultat(
        contenu=contenu, nom_fichier=nom_fichier(bilan, "pdf"), type_mime="application/pdf"
    )


@travaux.declarer("bilan.classeur", "Classeur Excel du bilan annuel")
def classeur(travail, progression):
    from bilan.classeur import contenu_classeur, nom_fichier

    bilan = _bilan(travail, progression, 2)
    progression(1, 2, "Écriture du classeur")
    return travaux.Resultat(
        contenu=contenu_classeur(bilan), nom_fichier=nom_fichier(bilan), type_mime=TYPE_XLSX
    )


@travaux.declarer("bilan.import_credits", "Import de crédits", famille="imports")
def import_credits(travail, progression):
    """Contrôle ou application d'un import de crédits (socle/vues_import.py)."""
    if not roles.peut_gerer_credits(travail.proprietaire):
        raise travaux.Refus(
            "Les crédits sont importés par les agents DDCT/SPV : votre compte ne le permet "
            "plus, rien n’a été écrit."
        )
    return executer_en_fond(ImportCredits, travail, progression)
