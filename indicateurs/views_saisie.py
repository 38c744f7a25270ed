"""La grille de saisie : pour un indicateur et une année, une ligne par territoire attendu,
modifiée sur place (htmx), avec la valeur de l'année précédente et l'évolution.

Chaque ligne est un formulaire (les champs des autres cellules s'y rattachent par l'attribut
`form`) : Entrée enregistre la ligne, et htmx remplace la ligne par sa nouvelle version en
gardant le focus sur le champ qui l'avait (identifiants stables). La même réponse met à jour,
hors de la ligne (`hx-swap-oob`), les compteurs de la grille (brouillons, soumises, validées,
manquantes), la complétude de l'indicateur pour l'année (indicateurs/mesures.py), les boutons
d'envoi groupé et leur nombre, et la zone d'annonce (role="status") qui dit le résultat de
l'enregistrement, erreurs comprises. Sans JavaScript, le même formulaire se poste normalement
et la page revient avec un message.

Les contrôles d'une ligne suivent l'ordre unique de `saisie.controler_saisie` (illisible,
impossible, règle métier, puis explication d'un écart) et sont tous rendus ensemble."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from indicateurs.forms import LigneSaisieForm
from indicateurs.mesures import Perimetre, mesurer
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
from socle.pagination import page_sans_comptage

GRILLE_PAR_PAGE = 100


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


@dataclass
class Compteurs:
    """Ce que la grille compte pour un indicateur et une année : ses lignes par statut (les
    brouillons comprennent les valeurs renvoyées, que « Soumettre » envoie aussi), les lignes
    encore sans valeur, et la complétude de l'indicateur (indicateurs/mesures.py, la même que
    sur la page de la campagne ; None pour un indicateur de contexte, qu'aucune campagne
    n'attend)."""

    brouillons: int = 0
    soumises: int = 0
    validees: int = 0
    manquantes: int = 0
    completude: object = None


def compter(indicateur, annee, ctx, user):
    """Les compteurs de toute la grille : lus dans les valeurs déjà chargées quand la page est
    la grille entière (`_contexte_grille(complet=True)`), sinon comptés en SQL (une page d'une
    grille nationale, ou la seule ligne enregistrée) ; plus une requête pour la complétude."""
    compteurs = Compteurs()
    if not ctx["complet"]:
        niveaux = list(indicateur.niveaux_attendus)
        par_statut = dict(
            Valeur.objects.for_user(user)
            .filter(indicateur=indicateur, annee=annee, territoire__type__in=niveaux)
            .values_list("statut")
            .annotate(n=Count("id"))
            .order_by()
        )
        attendus = Territoire.objects.des_niveaux(niveaux).count()
        compteurs.brouillons = par_statut.get(Valeur.Statut.BROUILLON, 0) + par_statut.get(
            Valeur.Statut.RENVOYE, 0
        )
        compteurs.soumises = par_statut.get(Valeur.Statut.SOUMIS, 0)
        compteurs.validees = sum(par_statut.values()) - compteurs.brouillons - compteurs.soumises
        compteurs.manquantes = max(0, attendus - sum(par_statut.values()))
    for territoire in ctx["territoires"] if ctx["complet"] else ():
        valeur = ctx["valeurs"].get((territoire.pk, annee))
        if valeur is None:
            compteurs.manquantes += 1
        elif valeur.statut in (Valeur.Statut.BROUILLON, Valeur.Statut.RENVOYE):
            compteurs.brouillons += 1
        elif valeur.statut == Valeur.Statut.SOUMIS:
            compteurs.soumises += 1
        else:
            compteurs.validees += 1
    mesures = mesurer(annee, Perimetre(indicateur=indicateur.pk), indicateurs=[indicateur])
    compteurs.completude = mesures.indicateur(annee, indicateur)
    return compteurs


def resume_erreurs(territoire, form, erreur=""):
    """Toutes les erreurs d'une ligne en une phrase (zone d'annonce, message sans
    JavaScript) : chaque champ refusé avec son libellé, puis les refus de la ligne."""
    morceaux = []
    for champ, erreurs in form.errors.items():
        libelle = form.fields[champ].label if champ in form.fields else ""
        morceaux += [f"{libelle} : {e}" if libelle else str(e) for e in erreurs]
    if erreur and erreur not in morceaux:
        morceaux.append(erreur)
    return f"La ligne n’a pas été enregistrée ({territoire.nom}) : " + " ; ".join(morceaux)


def _indicateur(code):
    return get_object_or_404(
        Indicateur.objects.select_related("producteur", "engagement"), code=code
    )


def _contexte_grille(indicateur, annee, user, territoires, complet=False):
    """Campagne, valeurs de l'année et de la précédente sur les seuls `territoires` (ceux de la
    page, ou la ligne enregistrée), plage observée : un nombre fixe de requêtes quel que soit
    le nombre de territoires. `complet` : les territoires sont toute la grille (les compteurs
    se lisent alors dans les valeurs chargées). Les campagnes sont lues toutes ensemble (une
    par année, quelques lignes) : celle de l'année et le menu des années."""
    campagnes = list(Campagne.objects.order_by("-annee"))
    campagne = next((c for c in campagnes if c.annee == annee), None)
    valeurs = {}
    for v in (
        Valeur.objects.for_user(user)
        .filter(indicateur=indicateur, annee__in=[annee, annee - 1], territoire__in=territoires)
        .select_related("valide_par")
    ):
        v.indicateur = indicateur
        valeurs[(v.territoire_id, v.annee)] = v
    return {
        "campagne": campagne,
        "campagnes": [c.annee for c in campagnes],
        "territoires": territoires,
        "complet": complet,
        "verrou": Campagne.motif_verrouillage_annee(annee, campagne),
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
    modele = valeur or Valeur(indicateur=indicateur, territoire=territoire, annee=annee)
    refus = modele.motif_refus_saisie(user, ctx["campagne"], campagne_connue=True)
    # La règle métier (organisation, campagne, valeur validée) passe au formulaire : elle
    # prend son rang dans l'ordre des contrôles (saisie.controler_saisie).
    form = LigneSaisieForm(
        data,
        initial=initial,
        prefix=territoire.code,
        indicateur=indicateur,
        annee=annee,
        precedente=precedente.valeur if precedente else None,
        plage=ctx["plage"],
        refus=refus,
    )
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
    # À l'échelle nationale, des milliers de territoires attendus : GRILLE_PAR_PAGE lignes à
    # la fois (Paris, une quarantaine, tient sur une page et n'est pas compté).
    page = page_sans_comptage(
        Territoire.objects.des_niveaux(indicateur.niveaux_attendus),
        request.GET.get("page"),
        GRILLE_PAR_PAGE,
    )
    ctx = _contexte_grille(
        indicateur,
        annee,
        request.user,
        list(page.object_list),
        complet=page.paginator.num_pages == 1,
    )
    lignes = [_ligne(indicateur, annee, t, ctx, request.user) for t in page.object_list]
    return render(
        request,
        "indicateurs/grille.html",
        {
            **_contexte_compteurs(request, indicateur, annee, ctx),
            "lignes": lignes,
            "campagnes": ctx["campagnes"],
            "page": page,
        },
    )


def _contexte_compteurs(request, indicateur, annee, ctx, oob=False):
    """Ce que lisent les compteurs et les boutons d'envoi groupé (page, ou fragments hors de
    la ligne après un enregistrement)."""
    compteurs = compter(indicateur, annee, ctx, request.user)
    return {
        "indicateur": indicateur,
        "annee": annee,
        "campagne": ctx["campagne"],
        "verrou": ctx["verrou"],
        "compteurs": compteurs,
        "nb_brouillons": compteurs.brouillons,
        "nb_soumises": compteurs.soumises,
        "peut_valider": roles.peut_valider_valeur(request.user),
        "oob": oob,
    }


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
        motif = "Ce territoire n’est pas attendu pour cet indicateur."
        if not htmx:
            return refuser(request, motif, 404)
        # Sous htmx, le refus garde son statut mais se dit dans la zone d'annonce de la grille
        # (static/js/grille-saisie.js insère ce fragment malgré le statut d'erreur).
        reponse = render(
            request,
            "indicateurs/_ligne_non_attendue.html",
            {"annonce": f"La ligne n’a pas été enregistrée ({territoire.nom}) : {motif}"},
            status=404,
        )
        reponse["HX-Reswap"] = "none"
        return reponse
    refus = motif_refus_indicateur(request.user, indicateur)
    if refus and not htmx:
        return refuser(request, refus)
    ctx = _contexte_grille(indicateur, annee, request.user, [territoire])
    if refus:
        # Droit perdu depuis l'affichage de la grille (producteur changé, rôle retiré) : 403,
        # avec la ligne verrouillée et l'annonce du refus, comme pour tout autre refus.
        ligne = _ligne(indicateur, annee, territoire, ctx, request.user)
        ligne.erreur = resume_erreurs(territoire, ligne.form, refus)
        return render(
            request,
            "indicateurs/_ligne_enregistree.html",
            {**_contexte_compteurs(request, indicateur, annee, ctx, oob=True), "ligne": ligne},
            status=403,
        )
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
            # Refusée sous verrou (la campagne a fermé, la valeur a été validée entre-temps).
            ligne = _ligne(indicateur, annee, territoire, ctx, request.user)
            ligne.erreur = resume_erreurs(territoire, ligne.form, refus.message)
        except ConflitDeVersion as conflit:
            conflit.actuelle.indicateur = indicateur
            ctx["valeurs"][(territoire.pk, annee)] = conflit.actuelle
            ligne = _ligne(indicateur, annee, territoire, ctx, request.user)
            ligne.erreur = conflit.message
        except ValidationError as erreurs:
            for champ, liste in erreurs.message_dict.items():
                form.add_error(champ if champ in form.fields else None, liste)
            ligne.erreur = resume_erreurs(territoire, form)
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
        ligne.erreur = resume_erreurs(territoire, form)
    if htmx:
        # La ligne, puis hors d'elle (hx-swap-oob) les compteurs, la complétude, les boutons
        # d'envoi groupé et l'annonce du résultat.
        return render(
            request,
            "indicateurs/_ligne_enregistree.html",
            {**_contexte_compteurs(request, indicateur, annee, ctx, oob=True), "ligne": ligne},
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
