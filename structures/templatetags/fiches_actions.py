"""Règles d'accès de socle/roles.py exposées aux gabarits (navigation, boutons) : les
gabarits ne recodent aucune condition de rôle."""

from django import template

from socle import roles
from structures import fichiers
from structures.models import FicheAction

register = template.Library()


@register.filter
def peut_consulter_fiches(user):
    return roles.peut_consulter_fiches(user)


@register.filter
def peut_voir_couverture(user):
    return roles.peut_voir_couverture(user)


@register.filter
def est_compte_structure(user):
    return roles.role_de(user) == roles.Role.STRUCTURE


# Couleur Bootstrap de chaque statut de fiche (classes « text-bg-* », contrastées AA).
COULEURS_STATUT = {
    FicheAction.Statut.BROUILLON: "secondary",
    FicheAction.Statut.SOUMISE: "primary",
    FicheAction.Statut.VALIDEE: "success",
    FicheAction.Statut.RENVOYEE: "warning",
}


@register.inclusion_tag("structures/_statut.html")
def badge_statut(statut):
    """Pastille du statut d'une fiche (code ou valeur de `FicheAction.Statut`)."""
    statut = FicheAction.Statut(statut)
    return {"libelle": statut.label, "couleur": COULEURS_STATUT[statut]}


@register.filter
def nom_utilisateur(user):
    """Prénom et nom, à défaut l'identifiant ; « — » pour un compte supprimé ou absent."""
    if user is None:
        return "—"
    return user.get_full_name() or user.username


@register.filter
def taille_lisible(octets):
    """Taille d'un fichier en Ko ou Mo (unités françaises usuelles)."""
    return fichiers.taille_lisible(octets or 0)
