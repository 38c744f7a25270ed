"""La grille de saisie : pour un indicateur et une année, une ligne par territoire attendu,
modifiée sur place (htmx), avec la valeur de l'année précédente et l'évolution.

Chaque ligne est un formulaire (les champs des autres cellules s'y rattachent par l'attribut
`form`) : Entrée enregistre la ligne, et htmx remplace la ligne par sa nouvelle version en
gardant le focus sur le champ qui l'avait (identifiants stables). Sans JavaScript, le même
formulaire se poste normalement et la page revient avec un message."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from indicateurs.forms import LigneSaisieForm
from indicateurs.models import (
    ANNEE_MAX,
    ANNEE_MIN,
    Campagne,
    ConflitDeVersion,
    Indicateur,
    Territoire,
    Valeur,
    motif_refus_indicateur,
    transition_en_masse,
)
from indicateurs.saisie import anomalie, enregistrer_valeur, plage_observee
from indicateurs.views import refuser
from socle import chiffres, roles
from socle.chiffres import accord, compte_fr
from socle.circuits import ActionRefusee


@dataclass
class Ligne:
    """Une ligne de la grille et tout ce qu'il faut pour l'afficher sans requête."""

    territoire: Territoire
    valeur: Valeur | None
    precedente: Valeur | None
    form: LigneSaisieForm
    refus: str | None = None
    succes: str = ""
    erreur: str = ""

    @property
    def id(self):
        return f"ligne-{self.territoire.code}"

    @property
    def evolution(self):
        """L'évolution depuis l'année précédente, écrite comme partout (socle/chiffres.py) :
        en points pour une part ou un taux, en valeur et en % sinon."""
        if self.valeur is None or self.precedente is None:
            return ""
        unite = (
            chiffres.Unite.POURCENTAGE
            if self.valeur.indicateur.est_pourcentage
            else chiffres.Unite.NOMBRE
        )
        return chiffres.evolution(self.valeur.valeur, self.precedente.valeur, unite).texte

    @property
    def annonce(self):
        return self.erreur or self.succes


def _indicateur(code):
    return get_object_or_404(
        Indicateur.objects.select_related("producteur", "engagement"), code=code
    )


def _contexte_grille(indicateur, annee, user):
    """Campagne, territoires attendus, valeurs de l'année et de la précédente, plage observée :
    un nombre fixe de requêtes quel que soit le nombre de territoires."""
    campagne = Campagne.objects.filter(annee=annee).first()
    territoires = list(Territoire.objects.des_niveaux(indicateur.niveaux_attendus))
    valeurs = {}
    for v in (
        Valeur.objects.for_user(user)
        .filter(indicateur=indicateur, annee__in=[annee, annee - 1])
        .select_related("valide_par")
    ):
        v.indicateur = indicateur
        valeurs[(v.territoire_id, v.annee)] = v
    return {
        "campagne": campagne,
        "verrou": Campagne.motif_verrouillage_annee(annee, campagne),
        "territoires": territoires,
        "valeurs": valeurs,
        "plage": plage_observee(indicateur, annee),
    }


def _ligne(indicateur, annee, territoire, ctx, user, data=None):
    valeur = ctx["valeurs"].get((territoire.pk, annee))
    precedente = ctx["valeurs"].get((territoire.pk, annee - 1))
    initial = {"version": valeur.version if valeur else 0}
    if valeur is not None:
        initial.update(
            {
                "valeur": valeur.valeur,
                "nombre": valeur.nombre,
                "base": valeur.base,
                "source": valeur.source,
                "commentaire": valeur.commentaire,
            }
        )
    form = LigneSaisieForm(
        data,
        initial=initial,
        prefix=territoire.code,
        indicateur=indicateur,
        annee=annee,
        precedente=precedente.valeur if precedente else None,
        plage=ctx["plage"],
    )
    modele = valeur or Valeur(indicateur=indicateur, territoire=territoire, annee=annee)
    refus = modele.motif_refus_saisie(user, ctx["campagne"], campagne_connue=True)
    ligne = Ligne(territoire, valeur, precedente, form, refus)
    if valeur is not None and data is None:
        # Une valeur déjà enregistrée mais atypique reste signalée à l'affichage.
        form.anomalie = anomalie(
            indicateur, valeur.valeur, ligne.form.precedente, annee, ctx["plage"]
        )
    return ligne


def _annee_valide(annee):
    return ANNEE_MIN <= annee <= ANNEE_MAX


@login_required
def grille(request, code, annee):
    indicateur = _indicateur(code)
    if not _annee_valide(annee):
        return refuser(
            request, f"L’année doit être comprise entre {ANNEE_MIN} et {ANNEE_MAX}.", 404
        )
    refus = motif_refus_indicateur(request.user, indicateur)
    if refus:
        return refuser(request, refus)
    ctx = _contexte_grille(indicateur, annee, request.user)
    lignes = [_ligne(indicateur, annee, t, ctx, request.user) for t in ctx["territoires"]]
    statuts = [ligne.valeur.statut for ligne in lignes if ligne.valeur]
    return render(
        request,
        "indicateurs/grille.html",
        {
            "indicateur": indicateur,
            "annee": annee,
            "lignes": lignes,
            "campagne": ctx["campagne"],
            "verrou": ctx["verrou"],
            "campagnes": list(Campagne.objects.order_by("-annee").values_list("annee", flat=True)),
            "nb_brouillons": sum(s in ("brouillon", "renvoye") for s in statuts),
            "nb_soumises": statuts.count("soumis"),
            "peut_valider": roles.peut_valider_valeur(request.user),
        },
    )


@login_required
def grille_par_defaut(request, code):
    """La grille de la campagne ouverte la plus récente (sinon de l'année en cours)."""
    campagne = Campagne.objects.ouvertes().order_by("-annee").first()
    annee = campagne.annee if campagne else min(timezone.localdate().year, ANNEE_MAX)
    return redirect("indicateurs:grille", code=code, annee=annee)


@login_required
@require_POST
def enregistrer_ligne(request, code, annee, territoire):
    """Enregistre une ligne. Réponse htmx : la ligne seule ; sinon retour à la grille."""
    indicateur = _indicateur(code)
    territoire = get_object_or_404(Territoire, code=territoire)
    htmx = request.headers.get("HX-Request") == "true"
    if not _annee_valide(annee) or territoire.type not in indicateur.niveaux_attendus:
        return refuser(request, "Ce territoire n’est pas attendu pour cet indicateur.", 404)
    refus = motif_refus_indicateur(request.user, indicateur)
    if refus:
        return refuser(request, refus)
    ctx = _contexte_grille(indicateur, annee, request.user)
    ligne = _ligne(indicateur, annee, territoire, ctx, request.user, data=request.POST)
    form = ligne.form
    if form.is_valid():
        donnees = dict(form.cleaned_data)
        version = donnees.pop("version")
        try:
            valeur, modifiee = enregistrer_valeur(
                request.user, indicateur, territoire, annee, donnees, version, ctx["campagne"]
            )
        except ActionRefusee as refus:
            ligne = _ligne(indicateur, annee, territoire, ctx, request.user)
            ligne.erreur = refus.message
        except ConflitDeVersion as conflit:
            conflit.actuelle.indicateur = indicateur
            ctx["valeurs"][(territoire.pk, annee)] = conflit.actuelle
            ligne = _ligne(indicateur, annee, territoire, ctx, request.user)
            ligne.erreur = conflit.message
        except ValidationError as erreurs:
            for champ, liste in erreurs.message_dict.items():
                form.add_error(champ if champ in form.fields else None, liste)
            ligne.erreur = "La ligne n’a pas été enregistrée : corrigez les champs signalés."
        else:
            ctx["valeurs"][(territoire.pk, annee)] = valeur
            valeur.indicateur = indicateur
            ligne = _ligne(indicateur, annee, territoire, ctx, request.user)
            heure = timezone.localtime().strftime("%H:%M")
            ligne.succes = (
                f"{territoire.nom} : valeur {valeur.affichage} enregistrée à {heure} (brouillon)."
                if modifiee
                else f"{territoire.nom} : aucune modification à enregistrer."
            )
    else:
        ligne.erreur = "La ligne n’a pas été enregistrée : corrigez les champs signalés."
    if htmx:
        return render(
            request,
            "indicateurs/_ligne.html",
            {"ligne": ligne, "indicateur": indicateur, "annee": annee},
        )
    if ligne.erreur:
        messages.error(request, ligne.erreur)
    else:
        messages.success(request, ligne.succes)
    return redirect(reverse("indicateurs:grille", args=[code, annee]) + f"#{ligne.id}")


@login_required
@require_POST
def grille_en_masse(request, code, annee, action):
    """Soumettre tous les brouillons de la grille, ou (SPV) valider toutes ses valeurs
    soumises : une écriture groupée, historisée valeur par valeur."""
    indicateur = _indicateur(code)
    if action not in ("submit", "valider"):
        return refuser(request, "Action inconnue.", 404)
    refus = motif_refus_indicateur(request.user, indicateur)
    if refus:
        return refuser(request, refus)
    depuis = ["brouillon", "renvoye"] if action == "submit" else ["soumis"]
    valeurs = list(
        Valeur.objects.for_user(request.user).filter(
            indicateur=indicateur, annee=annee, statut__in=depuis
        )
    )
    faites, refusees = transition_en_masse(valeurs, action, request.user)
    verbe = "soumise" if action == "submit" else "validée"
    if faites:
        messages.success(
            request, f"{compte_fr(len(faites), 'valeur')} {accord(len(faites), verbe)}."
        )
    raisons = sorted({raison for _, raison in refusees})
    for raison in raisons:
        messages.error(request, raison)
    if not faites and not refusees:
        messages.info(request, "Aucune valeur à traiter.")
    return redirect("indicateurs:grille", code=code, annee=annee)
