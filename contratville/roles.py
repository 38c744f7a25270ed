"""Les rôles du portail, définis en code, et les règles d'accès.

Un utilisateur a un rôle (sur son `Profil`) ; `sync_roles` crée un groupe Django par rôle avec
ses permissions de modèle (pour l'admin). Les règles sur les objets sont de petites fonctions
nommées : chacune énonce la règle métier dans sa docstring, et les vues, l'API, les exports et
les imports les réutilisent au lieu de recoder la condition.
"""

from dataclasses import dataclass, field

from django.db import models


class Role(models.TextChoices):
    """Les rôles métier."""

    SPV = "spv", "Agent DDCT/SPV"
    DELEGUE = "delegue", "Délégué du Préfet"
    PARTENAIRE = "partenaire", "Partenaire producteur de données"
    STRUCTURE = "structure", "Structure (association, centre social)"


@dataclass(frozen=True)
class DefinitionRole:
    """Ce qu'un rôle peut faire dans l'admin Django (permissions de modèle)."""

    groupe: str
    acces_admin: bool
    permissions: tuple[str, ...] = field(default_factory=tuple)


# Le SPV tient le référentiel : il peut tout modifier dans l'admin sauf supprimer des
# engagements ou des quartiers (ce qui casserait les valeurs et fiches qui s'y rattachent).
_REFERENTIEL = (
    "engagements.view_contrat",
    "engagements.change_contrat",
    "engagements.view_thematique",
    "engagements.change_thematique",
    "engagements.view_engagement",
    "engagements.change_engagement",
    "engagements.add_action",
    "engagements.change_action",
    "engagements.view_action",
    "engagements.view_axeintervention",
    "engagements.change_axeintervention",
    "engagements.view_acteur",
    "engagements.change_acteur",
    "engagements.view_financement",
    "engagements.change_financement",
    "engagements.view_planstrategie",
    "engagements.change_planstrategie",
    "engagements.view_signataire",
    "engagements.change_signataire",
    "engagements.view_sigle",
    "engagements.add_sigle",
    "engagements.change_sigle",
    "quartiers.view_quartier",
    "quartiers.change_quartier",
    "quartiers.view_secteur",
    "quartiers.change_secteur",
    "quartiers.view_chiffrecle",
    "quartiers.change_chiffrecle",
    "quartiers.view_projetstructurant",
    "quartiers.add_projetstructurant",
    "quartiers.change_projetstructurant",
    "indicateurs.view_indicateur",
    "indicateurs.change_indicateur",
    "structures.view_structure",
    "structures.add_structure",
    "structures.change_structure",
    "structures.view_ficheaction",
    "contratville.view_profil",
    "contratville.add_profil",
    "contratville.change_profil",
)

ROLES = {
    Role.SPV: DefinitionRole("Agents DDCT/SPV", acces_admin=True, permissions=_REFERENTIEL),
    Role.DELEGUE: DefinitionRole("Délégués du Préfet", acces_admin=False),
    Role.PARTENAIRE: DefinitionRole("Partenaires", acces_admin=False),
    Role.STRUCTURE: DefinitionRole("Structures", acces_admin=False),
}


def role_de(user):
    """Le rôle d'un utilisateur connecté, ou None (anonyme, ou compte sans profil)."""
    if not getattr(user, "is_authenticated", False):
        return None
    profil = getattr(user, "profil", None)
    return Role(profil.role) if profil and profil.role else None


def est_spv(user):
    """Les agents DDCT/SPV (et les superutilisateurs) administrent le contrat."""
    return bool(getattr(user, "is_superuser", False)) or role_de(user) == Role.SPV


def peut_lire_referentiel(user):
    """Le référentiel du contrat est un document public : tout le monde peut le lire."""
    return True


def peut_modifier_referentiel(user):
    """Seuls les agents DDCT/SPV modifient le référentiel (dans l'admin, historisé)."""
    return est_spv(user)


def peut_voir_structure(user, structure):
    """Une structure est visible du SPV et des délégués ; un compte de structure ne voit que
    la sienne. Les structures d'exemple (semences) sont publiques."""
    if est_spv(user) or role_de(user) == Role.DELEGUE:
        return True
    profil = getattr(user, "profil", None)
    return bool(profil and profil.structure_id == structure.pk)


def peut_modifier_structure(user, structure):
    """Le profil d'une structure est modifiable par ses membres et par le SPV."""
    if est_spv(user):
        return True
    profil = getattr(user, "profil", None)
    return bool(role_de(user) == Role.STRUCTURE and profil and profil.structure_id == structure.pk)
