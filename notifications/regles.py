"""Qui une transition concerne, et ce qu'on lui dit : une règle par (circuit, transition).

| transition                      | personnes concernées                                        |
| ------------------------------- | ----------------------------------------------------------- |
| valeur soumise                  | les agents DDCT/SPV                                         |
| valeur validée ou renvoyée      | les partenaires de l'organisation productrice (celle de      |
|                                 | l'indicateur ou de la valeur), et qui l'a saisie ou soumise |
| fiche-action soumise            | les agents DDCT/SPV                                         |
| fiche-action validée ou renvoyée| les membres de la structure de la fiche                     |

Jamais la personne qui a fait le changement ; seulement des comptes actifs. Un lot (transition
en masse) donne une notification par destinataire, qui cite tous les objets du lot qui le
concernent. Les textes (titre, message) et le lien se calculent ici ; les gabarits des messages
sont dans templates/notifications/messages/<type>.txt.
"""

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from indicateurs.models import Valeur
from notifications.models import Notification
from socle.roles import Role
from structures.models import FicheAction

# Au-delà, le message d'une notification groupée résume (« … et 12 autres »).
OBJETS_CITES_MAX = 20
TITRE_MAX = 255


def comptes_actifs():
    return get_user_model().objects.filter(is_active=True)


def nom_de(user):
    if user is None:
        return "La ligne de commande"
    return user.get_full_name() or user.username


# --- qui est concerné ------------------------------------------------------------------------
# Chaque fonction reçoit les objets du lot (rechargés avec ce qu'elle lit) et renvoie
# {compte: [objets qui le concernent]} ; l'auteur du changement est retiré ensuite.


def agents_spv(objets):
    """Les agents DDCT/SPV : ils relisent ce qui est soumis."""
    agents = comptes_actifs().filter(profil__role=Role.SPV).order_by("pk")
    return {agent: list(objets) for agent in agents}


def organisations_de_valeur(valeur):
    """L'organisation productrice de l'indicateur et celle de la valeur (souvent la même)."""
    return {o for o in (valeur.indicateur.producteur_id, valeur.producteur_id) if o}


def producteurs_et_auteurs(valeurs):
    """Les partenaires de l'organisation productrice, et qui a saisi ou soumis la valeur."""
    organisations = set().union(*(organisations_de_valeur(v) for v in valeurs))
    auteurs = {u for v in valeurs for u in (v.saisi_par_id, v.soumis_par_id) if u}
    comptes = (
        comptes_actifs()
        .filter(
            Q(profil__role=Role.PARTENAIRE, profil__signataire_id__in=organisations)
            | Q(pk__in=auteurs)
        )
        .select_related("profil")
        .order_by("pk")
    )
    concernes = {}
    for compte in comptes:
        profil = getattr(compte, "profil", None)
        organisation = profil.signataire_id if profil and profil.role == Role.PARTENAIRE else None
        les_siennes = [
            v
            for v in valeurs
            if compte.pk in (v.saisi_par_id, v.soumis_par_id)
            or (organisation and organisation in organisations_de_valeur(v))
        ]
        if les_siennes:
            concernes[compte] = les_siennes
    return concernes


def membres_des_structures(fiches):
    """Les membres de la structure de chaque fiche."""
    structures = {f.structure_id for f in fiches}
    membres = (
        comptes_actifs()
        .filter(profil__role=Role.STRUCTURE, profil__structure_id__in=structures)
        .select_related("profil")
        .order_by("pk")
    )
    concernes = {}
    for membre in membres:
        les_siennes = [f for f in fiches if f.structure_id == membre.profil.structure_id]
        if les_siennes:
            concernes[membre] = les_siennes
    return concernes


# --- les objets et leurs liens ---------------------------------------------------------------


def charger_valeurs(pks):
    return list(
        Valeur.objects.filter(pk__in=pks)
        .select_related("indicateur", "territoire")
        .order_by("indicateur__code", "annee", "territoire__ordre", "pk")
    )


def charger_fiches(pks):
    return list(
        FicheAction.objects.filter(pk__in=pks)
        .select_related("structure")
        .prefetch_related("quartiers", "engagements")
        .order_by("titre", "pk")
    )


def designation_valeur(valeur):
    """« E05-2 · La Goutte d’Or · 2025 » : une valeur telle qu'on la cite."""
    return f"{valeur.indicateur.code} · {valeur.territoire.nom} · {valeur.annee}"


def liste_des_valeurs(valeurs, statut):
    """La liste des valeurs (page « Valeurs ») filtrée sur le statut, et sur l'année et
    l'indicateur quand le lot n'en a qu'un."""
    filtres = {"statut": statut}
    annees = {v.annee for v in valeurs}
    if len(annees) == 1:
        filtres["annee"] = annees.pop()
    codes = {v.indicateur.code for v in valeurs}
    if len(codes) == 1:
        filtres["indicateur"] = codes.pop()
    return f"{reverse('indicateurs:valeurs')}?{urlencode(filtres)}"


def liste_des_fiches_soumises(fiches, statut):
    return f"{reverse('structures:fiches')}?{urlencode({'statut': statut})}"


def espace_de_la_structure(fiches, statut):
    # Une structure ne passe pas par la liste transversale des fiches : son espace les montre.
    return reverse("structures:mon_espace")


# --- les règles ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Regle:
    """Une transition qui notifie : son type de notification, qui elle concerne, comment
    recharger et citer ses objets, ses titres (un objet : gabarit où la citation remplace
    `{}` ; plusieurs : `{n}`) et le lien d'un lot."""

    type: str
    concernes: Callable
    charger: Callable
    designation: Callable
    titre_un: str
    titre_plusieurs: str
    lien_lot: Callable

    def titre(self, objets):
        if len(objets) == 1:
            texte = self.titre_un.format(self.designation(objets[0]))
        else:
            texte = self.titre_plusieurs.format(n=len(objets))
        return texte if len(texte) <= TITRE_MAX else texte[: TITRE_MAX - 1] + "…"

    def lien(self, objets, statut):
        if len(objets) == 1:
            return objets[0].get_absolute_url()
        return self.lien_lot(objets, statut)

    def message(self, objets, par, motif):
        organisation = None
        profil = getattr(par, "profil", None) if par is not None else None
        if profil is not None and profil.role == Role.PARTENAIRE and profil.signataire_id:
            organisation = profil.signataire
        return render_to_string(
            f"notifications/messages/{self.type}.txt",
            {
                "objets": objets[:OBJETS_CITES_MAX],
                "nombre": len(objets),
                "reste": max(0, len(objets) - OBJETS_CITES_MAX),
                "auteur": nom_de(par),
                "organisation": organisation,
                "motif": motif,
            },
        ).strip()


def regles_du_circuit(circuit, *, charger, designation, transitions):
    """Les règles d'un circuit (`"indicateurs.valeur"`) : ses objets se rechargent et se
    citent d'une seule façon ; chaque transition n'apporte que ses données, un tuple
    (type, personnes concernées, lien d'un lot, titre d'un objet, titre de plusieurs)."""
    return {
        (circuit, transition): Regle(
            type=type_,
            concernes=qui,
            charger=charger,
            designation=designation,
            titre_un=un,
            titre_plusieurs=plusieurs,
            lien_lot=lien_lot,
        )
        for transition, (type_, qui, lien_lot, un, plusieurs) in transitions.items()
    }


T = Notification.Type
# fmt: off
# Une ligne par transition, alignée comme un tableau : c'est une table de données.
REGLES = {
    **regles_du_circuit(
        "indicateurs.valeur",
        charger=charger_valeurs,
        designation=designation_valeur,
        transitions={
            "submit": (T.VALEUR_SOUMISE, agents_spv, liste_des_valeurs,
                       "Valeur soumise : {}", "{n} valeurs soumises à valider"),
            "valider": (T.VALEUR_VALIDEE, producteurs_et_auteurs, liste_des_valeurs,
                        "Valeur validée : {}", "{n} valeurs validées"),
            "renvoyer": (T.VALEUR_RENVOYEE, producteurs_et_auteurs, liste_des_valeurs,
                         "Valeur renvoyée pour correction : {}",
                         "{n} valeurs renvoyées pour correction"),
        },
    ),
    **regles_du_circuit(
        "structures.ficheaction",
        charger=charger_fiches,
        designation=attrgetter("titre"),
        transitions={
            "submit": (T.FICHE_SOUMISE, agents_spv, liste_des_fiches_soumises,
                       "Fiche-action soumise : {}", "{n} fiches-actions soumises à relire"),
            "valider": (T.FICHE_VALIDEE, membres_des_structures, espace_de_la_structure,
                        "Votre fiche-action est validée : {}", "{n} fiches-actions validées"),
            "renvoyer": (T.FICHE_RENVOYEE, membres_des_structures, espace_de_la_structure,
                         "Fiche-action à compléter : {}", "{n} fiches-actions à compléter"),
        },
    ),
}
# fmt: on


def regle_de(modele, transition):
    """La règle de la transition `transition` du modèle `modele` (classe), ou None."""
    return REGLES.get((modele._meta.label_lower, transition))
