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
    "quartiers.view_suiviprojet",
    "indicateurs.view_indicateur",
    "indicateurs.change_indicateur",
    "indicateurs.view_territoire",
    "indicateurs.change_territoire",
    "indicateurs.view_campagne",
    "indicateurs.add_campagne",
    "indicateurs.change_campagne",
    "indicateurs.view_valeur",
    "indicateurs.view_importvaleurs",
    "structures.view_structure",
    "structures.add_structure",
    "structures.change_structure",
    "structures.view_ficheaction",
    "structures.view_financementfiche",
    "structures.view_piecejointe",
    "structures.view_transitionfiche",
    "structures.view_invitation",
    "structures.view_portageprojet",
    "structures.add_portageprojet",
    "structures.change_portageprojet",
    "socle.view_profil",
    "socle.add_profil",
    "socle.change_profil",
    "socle.view_jetonapi",
    "socle.add_jetonapi",
    "socle.change_jetonapi",
    # Bilan annuel : crédits et études qualitatives (aussi saisis dans les pages du bilan).
    "bilan.view_credit",
    "bilan.add_credit",
    "bilan.change_credit",
    "bilan.delete_credit",
    "bilan.view_etudequalitative",
    "bilan.add_etudequalitative",
    "bilan.change_etudequalitative",
    "bilan.delete_etudequalitative",
    "bilan.view_importcredits",
    # Journal des connexions (django-axes) : le SPV consulte les échecs et lève un
    # verrouillage (suppression des tentatives d'un compte ou d'une adresse).
    "axes.view_accessfailurelog",
    "axes.view_accessattempt",
    "axes.delete_accessattempt",
    "axes.view_accesslog",
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


def roles_attribuables(user):
    """Les rôles qu'un utilisateur peut donner à un compte. Un rôle qui ouvre l'administration
    (le SPV, dont le compte devient « équipe ») ne se donne que par un superutilisateur ; un
    agent SPV attribue les autres (délégué du Préfet, partenaire, structure) ; personne
    d'autre n'attribue de rôle."""
    if getattr(user, "is_superuser", False):
        return list(Role)
    if role_de(user) == Role.SPV:
        return [role for role in Role if not ROLES[role].acces_admin]
    return []


def peut_modifier_compte(user, cible):
    """Un superutilisateur modifie tout compte. Un agent SPV modifie le rôle et le
    rattachement d'un compte qui n'a pas accès à l'administration : ni un superutilisateur, ni
    un membre de l'équipe (un autre agent SPV, ni lui-même) ; sinon il pourrait s'élever ou
    élever un autre compte. Personne d'autre ne modifie un compte."""
    if getattr(user, "is_superuser", False):
        return True
    if role_de(user) != Role.SPV or cible is None:
        return False
    profil = getattr(cible, "profil", None)
    role_cible = Role(profil.role) if profil is not None and profil.role else None
    return not (
        cible.is_superuser
        or cible.is_staff
        or (role_cible is not None and ROLES[role_cible].acces_admin)
    )


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


# --- structures et fiches-actions ------------------------------------------------------------
# La visibilité (qui voit quelles fiches) est dans FicheAction.objects.for_user(user) ; les
# règles ci-dessous disent qui peut *agir*. Elles ne lisent que des attributs de la fiche
# (statut, structure_id) pour ne pas importer l'app structures.

STATUTS_FICHE_MODIFIABLES = ("brouillon", "renvoyee")


def est_membre_de(user, structure_id):
    """Un compte de structure est membre de la structure de son profil, et d'elle seule."""
    profil = getattr(user, "profil", None) if role_de(user) == Role.STRUCTURE else None
    return bool(profil and structure_id and profil.structure_id == structure_id)


def peut_creer_fiche(user, structure):
    """Une fiche-action est rédigée par un membre de la structure qui a mené l'action. Le SPV
    ne rédige pas à la place des structures : il relit, valide ou renvoie."""
    return est_membre_de(user, structure.pk)


def peut_modifier_fiche(user, fiche):
    """Une structure modifie ses fiches seulement tant qu'elles sont en brouillon ou qu'elles
    lui ont été renvoyées ; une fiche soumise ou validée est figée. Les pièces jointes suivent
    la même règle."""
    return fiche.statut in STATUTS_FICHE_MODIFIABLES and est_membre_de(user, fiche.structure_id)


# Les règles des transitions (soumettre, valider, renvoyer) disent *qui* peut agir sur quel
# objet, pas depuis quel statut : le circuit (socle/circuits.py, déclaré sur le modèle)
# contrôle la règle, puis les verrous du contexte, puis le statut, toujours dans cet ordre.
# Pour savoir si un bouton s'affiche, on demande au circuit (`circuit.est_permise`).


def peut_soumettre_fiche(user, fiche):
    """Seuls les membres de la structure qui a mené l'action soumettent sa fiche au SPV (le
    SPV ne soumet pas à la place des structures)."""
    return est_membre_de(user, fiche.structure_id)


def peut_valider_fiche(user, fiche=None):
    """Seul un agent DDCT/SPV valide une fiche-action."""
    return est_spv(user)


def peut_renvoyer_fiche(user, fiche=None):
    """Seul un agent DDCT/SPV renvoie une fiche-action à sa structure, avec un commentaire."""
    return est_spv(user)


def peut_consulter_fiches(user):
    """Les listes transversales de fiches-actions (filtres, export tableur) servent au SPV,
    aux délégués du Préfet et aux partenaires, chacun dans le périmètre de `for_user`. Une
    structure passe par son espace."""
    return est_spv(user) or role_de(user) in (Role.DELEGUE, Role.PARTENAIRE)


def peut_voir_couverture(user):
    """La couverture engagements × QPV sert au SPV (pilotage du contrat) et aux délégués du
    Préfet (comités d'arrondissement) ; les comptes ne portent que sur les fiches qu'ils
    voient."""
    return est_spv(user) or role_de(user) == Role.DELEGUE


def peut_inviter(user):
    """Seuls les agents DDCT/SPV invitent une personne à créer un compte de structure."""
    return est_spv(user)


# --- campagne annuelle des indicateurs (indicateurs/) ---------------------------------------------


def organisation_de(user):
    """L'identifiant de l'organisation signataire d'un partenaire (celle qui produit ses
    données), ou None pour tout autre rôle."""
    if role_de(user) != Role.PARTENAIRE:
        return None
    return user.profil.signataire_id


def peut_voir_valeurs(user):
    """Les valeurs validées des indicateurs se lisent avec un compte, quel que soit le rôle
    (délégués et structures compris) ; le référentiel, lui, reste public sans compte."""
    return bool(getattr(user, "is_authenticated", False))


def produit_indicateur(user, indicateur):
    """Un partenaire produit un indicateur quand son organisation en est le producteur
    désigné par le SPV."""
    organisation = organisation_de(user)
    return bool(organisation and organisation == indicateur.producteur_id)


def peut_saisir_valeur(user, indicateur):
    """Le SPV saisit et soumet les valeurs de tous les indicateurs ; un partenaire, seulement
    celles des indicateurs que son organisation produit. Il voit aussi leurs brouillons."""
    return est_spv(user) or produit_indicateur(user, indicateur)


def peut_soumettre_valeur(user, valeur):
    """Soumettre une valeur suit la règle de saisie de son indicateur : le SPV pour tous les
    indicateurs, un partenaire pour ceux que son organisation produit."""
    return peut_saisir_valeur(user, valeur.indicateur)


def peut_valider_valeur(user, valeur=None):
    """Seuls les agents DDCT/SPV valident une valeur (après comparaison à l'année
    précédente)."""
    return est_spv(user)


def peut_renvoyer_valeur(user, valeur=None):
    """Seuls les agents DDCT/SPV renvoient une valeur à son producteur, avec un motif."""
    return est_spv(user)


def peut_gerer_campagnes(user):
    """Le SPV ouvre, clôture et rouvre les campagnes annuelles et suit leur complétude."""
    return est_spv(user)


def peut_modifier_indicateur(user):
    """Les métadonnées d'un indicateur (nature, unité, producteur, niveaux, définition,
    méthode, cible) sont tenues par le SPV."""
    return est_spv(user)


def peut_importer_valeurs(user):
    """Le SPV importe des valeurs pour tous les indicateurs ; un partenaire rattaché à une
    organisation, pour les seuls indicateurs qu'elle produit (contrôlé ligne à ligne)."""
    return est_spv(user) or organisation_de(user) is not None


# --- territoire des délégués et suivi des projets structurants (issue 5) ---------------------


def quartiers_suivis(user):
    """Les identifiants des QPV confiés à un délégué du Préfet (par le SPV, dans l'admin) ;
    vide pour tout autre rôle. Lu une fois par requête : le résultat est gardé sur `user`,
    car les pages testent la règle projet par projet."""
    if role_de(user) != Role.DELEGUE:
        return frozenset()
    if not hasattr(user, "_quartiers_suivis"):
        user._quartiers_suivis = frozenset(user.profil.quartiers.values_list("pk", flat=True))
    return user._quartiers_suivis


def a_un_territoire(user):
    """« Mon territoire » (la page d'accueil de son compte) sert aux délégués du Préfet : leurs
    QPV et ce qui demande leur attention."""
    return role_de(user) == Role.DELEGUE


def peut_voir_suivi_projets(user):
    """Le suivi daté des projets structurants (commentaires, auteurs) est un outil de travail
    de l'État et de la Ville : le SPV et les délégués du Préfet le lisent, pour tous les QPV
    (un délégué lit toutes les fiches). Les autres voient le statut, le porteur, les
    engagements et l'échéance, qui enrichissent le référentiel public."""
    return est_spv(user) or role_de(user) == Role.DELEGUE


def peut_suivre_projet(user, projet):
    """Ajouter une étape au suivi d'un projet structurant (statut, commentaire, date) : le SPV,
    pour tous les projets ; un délégué du Préfet, pour les projets des QPV qui lui sont confiés
    et seulement ceux-là. Partenaires et structures ne tiennent pas ce suivi."""
    if est_spv(user):
        return True
    return projet.quartier_id in quartiers_suivis(user)


def peut_lire_chiffres_territoire(user):
    """Les chiffres comparés (valeurs des indicateurs par QPV, tableau des 21 QPV, vue par
    arrondissement, fiche PDF) suivent la règle des valeurs : il faut un compte. Le texte
    imprimé des fiches quartiers du contrat, lui, reste public."""
    return peut_voir_valeurs(user)


# --- bilan annuel du comité de pilotage (bilan/) ---------------------------------


def peut_produire_bilan(user):
    """Le bilan annuel du comité de pilotage (classeur Excel, rapport imprimable et PDF),
    parisien ou d'un arrondissement, est produit par le SPV, qui tient le secrétariat du
    contrat. Il montre des valeurs en cours de saisie et des crédits : réservé au SPV."""
    return est_spv(user)


def peut_gerer_credits(user):
    """Les crédits de droit commun et spécifiques dépensés dans les QPV sont recueillis auprès
    des signataires et saisis (formulaire, import de tableur), modifiés ou supprimés par le
    SPV seul."""
    return est_spv(user)


def peut_gerer_etudes(user):
    """Les études qualitatives (fiche, résumé, rapport joint) sont tenues par le SPV seul ; le
    rapport joint n'est servi qu'à lui."""
    return est_spv(user)
