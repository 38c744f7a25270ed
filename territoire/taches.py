"""Les travaux de fond du territoire (socle/travaux.py) : la fiche d'un QPV en PDF."""

from django.http import Http404

from socle import roles, travaux


@travaux.declarer("territoire.fiche_pdf", "Fiche quartier (PDF)", priorite=10)
def fiche_pdf(travail, progression):
    """La fiche du QPV `parametres["quartier"]` (slug), telle que son demandeur la voit. Plus
    prioritaire que les autres travaux : quelques secondes, attendues sur-le-champ."""
    from territoire.views import contenu_fiche_pdf

    user = travail.proprietaire
    if not roles.peut_lire_chiffres_territoire(user):
        raise travaux.Refus(
            "Votre compte ne permet plus de lire les chiffres des quartiers : la fiche n’a pas "
            "été produite."
        )
    etapes = ["Lecture des chiffres du quartier", "Mise en page du PDF", "Écriture du PDF"]
    progression(0, len(etapes), etapes[0])
    try:
        contenu, nom = contenu_fiche_pdf(
            user,
            travail.parametres["quartier"],
            etape=lambda nom: progression(etapes.index(nom), len(etapes), nom),
        )
    except Http404:
        raise travaux.Refus("Ce quartier n’existe plus dans le portail.") from None
    return travaux.Resultat(contenu=contenu, nom_fichier=nom, type_mime="application/pdf")
