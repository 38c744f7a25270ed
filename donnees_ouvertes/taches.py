"""Le travail de fond des données ouvertes (socle/travaux.py) : la publication d'un nouveau jeu,
lancée par le SPV depuis /donnees-ouvertes/publier/. La commande publier_donnees_ouvertes, elle,
reste synchrone."""

from socle import roles, travaux
from socle.chiffres import compte_fr

REFUS_SPV = (
    "Seuls les agents DDCT/SPV publient les données ouvertes : votre compte ne le permet plus, "
    "rien n’a été publié."
)


def message_publie(jeu):
    """« Jeu publié : 12 100 lignes dans 7 ressources. »"""
    return (
        f"Jeu publié : {compte_fr(jeu.nb_lignes, 'ligne')} dans "
        f"{compte_fr(len(jeu.ressources), 'ressource')}."
    )


@travaux.declarer("donnees_ouvertes.publier", "Publication des données ouvertes")
def publier(travail, progression):
    """Construit, valide (frictionless) puis écrit un nouveau jeu publié. Un paquet refusé ou un
    stockage défaillant : message français sur la page du travail, et les jeux déjà publiés
    restent tels quels (une publication n'écrit que dans son propre dossier)."""
    from donnees_ouvertes import publication

    user = travail.proprietaire
    if not roles.est_spv(user):
        raise travaux.Refus(REFUS_SPV)
    try:
        jeu = publication.publier(by=user, progression=progression)
    except publication.PublicationRefusee as erreur:
        raise travaux.Refus(str(erreur)) from None
    return travaux.Resultat(
        message=message_publie(jeu),
        lien=jeu.get_absolute_url(),
        texte_lien="Voir les jeux publiés",
    )
