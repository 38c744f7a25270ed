"""Les pages d'un import de tableur, communes à tous les imports : déposer un fichier (contrôlé
sans rien écrire), prévisualiser (ce qui sera créé ou modifié, erreurs numérotées par ligne),
confirmer ou abandonner, télécharger le fichier déposé, historique des imports.

Une app les branche en sous-classant `VuesImport` (modèle d'historique, noms d'URL, accès,
libellés, colonnes de l'aperçu) puis en pointant ses chemins vers les méthodes d'une instance :

    VUES = VuesCredits()
    path("credits/import/", VUES.deposer, name="import_credits"),
    path("credits/imports/<int:pk>/", VUES.detail, name="import_credits_detail"), …

Les gabarits sont ceux de socle/templates/socle/ : import_deposer.html, import_detail.html et
imports.html, paramétrés par l'instance (`vues`) ; l'app n'ajoute que ses consignes de dépôt
(`gabarit_aide`) et, au besoin, la navigation de sa rubrique (`gabarit_entete`).

Travaux de fond (socle/travaux.py) : la confirmation, et le contrôle d'un fichier de plus de
IMPORT_APERCU_DIRECT_MAX octets, passent par un travail du type `type_travail`, que l'app
déclare dans son `taches.py` avec `executer_en_fond` :

    @travaux.declarer("bilan.import_credits", "Import de crédits", famille="imports")
    def import_credits(travail, progression):
        return executer_en_fond(ImportCredits, travail, progression)

La requête enregistre l'import, met le travail en file et redirige vers la page du travail, qui
mène au compte rendu une fois le travail fini."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header

from socle import travaux
from socle.imports import (
    Bornes,
    FichierRefuse,
    ImportDejaTraite,
    Nom,
    controler_zip,
    executer,
    taille_lisible,
)
from socle.models import Travail
from socle.tableur import TYPE_XLSX


class FichierImportForm(forms.Form):
    """Le dépôt d'un classeur : extension et taille contrôlées avant toute lecture."""

    fichier = forms.FileField(label="Fichier à importer (.xlsx)")

    def __init__(self, *args, aide="", **kwargs):
        super().__init__(*args, **kwargs)
        maximum = taille_lisible(Bornes.actuelles().taille)
        self.fields["fichier"].help_text = f"{aide} ({maximum} au plus).".lstrip()

    def clean_fichier(self):
        fichier = self.cleaned_data["fichier"]
        if not fichier.name.lower().endswith(".xlsx"):
            raise ValidationError("Déposez un classeur Excel (.xlsx), comme le modèle téléchargé.")
        bornes = Bornes.actuelles()
        if fichier.size > bornes.taille:
            raise ValidationError(
                f"Le fichier pèse {taille_lisible(fichier.size)} : "
                f"{taille_lisible(bornes.taille)} au plus. Découpez-le en plusieurs fichiers."
            )
        return fichier


LIGNE = Nom("ligne", "lignes", feminin=True)


def _date(moment):
    return timezone.localtime(moment).strftime("%d/%m/%Y à %H:%M") if moment else ""


class VuesImport:
    """Les pages d'un import, paramétrées. À renseigner dans une sous-classe :

    - `modele` : le modèle d'historique concret (sous-classe de `socle.models.ImportTableur`) ;
    - `urls` : les noms d'URL des pages (`deposer`, `historique`, `detail`, `confirmer`,
      `abandonner`, `fichier`) ;
    - `titre_depot`, `titre_historique`, `aide_fichier` ; `gabarit_aide` (consignes de dépôt),
      `gabarit_entete` (navigation de la rubrique, facultatif) ;
    - `colonnes_apercu` : (titre, clé de l'aperçu, classe CSS) des colonnes de la
      prévisualisation (les clés viennent de `DeclarationImport.apercu`) ;
    - `colonnes_historique` : (titre, fonction import → texte) ajoutées à l'historique ;
    - `form_depot` : le formulaire de dépôt (`FichierImportForm`, ou une sous-classe qui
      ajoute des cases à cocher, reportées sur l'import par `options_depot`) ;
    - `type_travail` : le type de travail de fond de cet import (déclaré dans `taches.py`) ;
    - crochets : `acces` (qui voit quoi), `nouvel_import` (champs et contexte d'un dépôt),
      `options_depot`, `url_depot`, `fil_ariane`, `titre_detail`, `sous_titre_detail`."""

    modele = None
    type_travail = ""
    urls: dict = {}
    titre_depot = "Importer un tableur"
    titre_historique = "Historique des imports"
    aide_fichier = "Le modèle téléchargé dans le portail, complété."
    gabarit_aide = ""
    gabarit_entete = ""
    colonnes_apercu: tuple = ()
    colonnes_historique: tuple = ()
    par_page = 50
    form_depot = FichierImportForm

    @property
    def objet(self):
        return self.modele.declaration().objet

    # --- crochets -------------------------------------------------------------------------------

    def acces(self, request, page):
        """None si la page est permise, sinon la réponse de refus (connexion, 403)."""
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return None

    def imports_visibles(self, request):
        return self.modele.objects.for_user(request.user).with_list_data()

    def nouvel_import(self, request, **kwargs):
        """(import non enregistré, contexte du gabarit de dépôt) pour les paramètres d'URL."""
        return self.modele(utilisateur=request.user), {}

    def options_depot(self, imp, donnees):
        """Reporte sur l'import les options du formulaire de dépôt (aucune par défaut)."""

    def url_depot(self, imp=None):
        """Où déposer de nouveau le fichier d'un import (`imp`), ou un nouveau fichier depuis
        l'historique (`imp` None : None si le dépôt demande un paramètre)."""
        return reverse(self.urls["deposer"])

    def fil_ariane(self, imp):
        return [("Imports", reverse(self.urls["historique"]))]

    def titre_detail(self, imp):
        return f"Import de « {imp.nom_fichier} »"

    def sous_titre_detail(self, imp):
        """Ce qui suit « Déposé par … le … » (par exemple l'organisation)."""
        return ""

    # --- pages ----------------------------------------------------------------------------------

    def deposer(self, request, **kwargs):
        """Déposer un classeur : il est contrôlé sans rien écrire, puis la prévisualisation
        attend la confirmation."""
        refus = self.acces(request, "deposer")
        if refus:
            return refus
        imp, contexte = self.nouvel_import(request, **kwargs)
        form = self.form_depot(request.POST or None, request.FILES or None, aide=self.aide_fichier)
        if request.method == "POST" and form.is_valid():
            fichier = form.cleaned_data["fichier"]
            imp.nom_fichier, imp.contenu = fichier.name[:255], fichier.read()
            self.options_depot(imp, form.cleaned_data)
            try:
                if fichier.size > settings.IMPORT_APERCU_DIRECT_MAX:
                    # Ce qui se refuse sans rien lire (pas un classeur, bombe de
                    # décompression) l'est tout de suite ; le reste du contrôle part en fond.
                    controler_zip(imp.contenu, Bornes.actuelles())
                    return self.controler_en_fond(request, imp)
                executer(imp, confirmer=False, operateur=request.user)
            except FichierRefuse as erreur:
                form.add_error("fichier", str(erreur))
            else:
                return redirect(imp)
        return render(
            request, "socle/import_deposer.html", {"vues": self, "form": form, **contexte}
        )

    def controler_en_fond(self, request, imp):
        """Un gros fichier : l'import est enregistré « contrôle en cours » et son contrôle part
        en travail de fond ; la page du travail mène ensuite à la prévisualisation."""
        with transaction.atomic():
            imp.statut = imp.Statut.EN_CONTROLE
            imp.save()
            try:
                travail = travaux.lancer(
                    request.user,
                    self.type_travail,
                    {"import": imp.pk, "confirmer": False},
                    f"Contrôle de « {imp.nom_fichier} »",
                )
            except travaux.LancementRefuse as refus:
                transaction.set_rollback(True)
                messages.error(request, str(refus))
                return redirect(self.url_depot(imp) or reverse(self.urls["historique"]))
        return redirect(travail)

    def travail_en_cours(self, request, imp):
        """Le travail encore actif (contrôle ou confirmation) de cet import, s'il y en a un."""
        cles = [
            travaux.cle_de(self.type_travail, {"import": imp.pk, "confirmer": confirmer})
            for confirmer in (False, True)
        ]
        return Travail.objects.actifs().filter(cle__in=cles).order_by("-cree_le").first()

    def _import(self, request, pk):
        return get_object_or_404(self.imports_visibles(request), pk=pk)

    def detail(self, request, pk):
        """Prévisualisation (ou compte rendu) d'un import : ce qui sera ou a été créé et
        modifié, et chaque erreur avec sa ligne et sa colonne."""
        refus = self.acces(request, "detail")
        if refus:
            return refus
        imp = self._import(request, pk)
        o, applique = self.objet, imp.statut == imp.Statut.APPLIQUE
        n_inchangees = imp.nb_inchangees
        comptes = [
            f"{LIGNE.compte(imp.nb_lignes)} {LIGNE.accorder('lu', imp.nb_lignes)}",
            f"{o.compte(imp.nb_nouvelles)} "
            + (o.accorder("créé", imp.nb_nouvelles) if applique else "à créer"),
            f"{o.compte(imp.nb_modifiees)} "
            + (o.accorder("modifié", imp.nb_modifiees) if applique else "à modifier"),
            f"{LIGNE.compte(n_inchangees)} {LIGNE.accorder('inchangé', n_inchangees)} ou "
            + ("vide" if n_inchangees <= 1 else "vides"),
            f"{LIGNE.compte(imp.nb_erreurs)} en erreur",
        ]
        apercu = [
            [(str(a.get("ligne", "")), ""), (str(a.get("action", "")).capitalize(), "")]
            + [(_cellule(a.get(cle)), classe) for _titre, cle, classe in self.colonnes_apercu]
            for a in imp.apercu
        ]
        if applique:
            titre_apercu = f"{o.pluriel.capitalize()} {o.accorder('écrit', 2)}"
        elif imp.attend_confirmation:
            titre_apercu = "Ce que l’import va écrire"
        else:
            titre_apercu = "Lignes correctes (non écrites)"
        auteur = imp.utilisateur
        travail = self.travail_en_cours(request, imp)
        return render(
            request,
            "socle/import_detail.html",
            {
                "vues": self,
                "imp": imp,
                "titre": self.titre_detail(imp),
                "fil": self.fil_ariane(imp),
                "depose_par": (auteur.get_full_name() or auteur.username)
                if auteur
                else "la ligne de commande",
                "depose_le": _date(imp.cree_le),
                "applique_le": _date(imp.applique_le),
                "sous_titre": self.sous_titre_detail(imp),
                "comptes": comptes,
                "erreurs": [
                    (str(e["ligne"]) if e.get("ligne") else "Fichier", e.get("colonne") or "—")
                    + (e["message"],)
                    for e in imp.erreurs
                ],
                "apercu": apercu,
                "apercu_partiel": len(imp.apercu) < imp.nb_nouvelles + imp.nb_modifiees,
                "titre_apercu": titre_apercu,
                "url_depot": self.url_depot(imp),
                "url_fichier": reverse(self.urls["fichier"], args=[imp.pk]),
                "url_confirmer": reverse(self.urls["confirmer"], args=[imp.pk]),
                "url_abandonner": reverse(self.urls["abandonner"], args=[imp.pk]),
                "peut_confirmer": imp.attend_confirmation
                and imp.utilisateur_id == request.user.pk
                and travail is None,
                "travail": travail,
                "suivre_travail": travail is not None
                and travail.proprietaire_id == request.user.pk,
            },
        )

    def confirmer(self, request, pk):
        """Applique l'import prévisualisé. Le fichier est contrôlé de nouveau (les données ont
        pu changer entre-temps) : s'il reste une erreur, rien n'est écrit."""
        refus = self.acces(request, "confirmer")
        if refus:
            return refus
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        imp = self._import(request, pk)
        if not imp.attend_confirmation:
            messages.error(request, "Cet import n’attend plus de confirmation.")
            return redirect(imp)
        if imp.utilisateur_id != request.user.pk:
            messages.error(request, "Seule la personne qui a déposé le fichier peut le confirmer.")
            return redirect(imp)
        with transaction.atomic():
            # Deux clics : le second attend le premier, puis retrouve son travail.
            type(imp).objects.select_for_update().filter(pk=imp.pk).values_list("pk").first()
            travail = self.travail_en_cours(request, imp)
            if travail is not None:
                return redirect(travail)
            try:
                travail = travaux.lancer(
                    request.user,
                    self.type_travail,
                    {"import": imp.pk, "confirmer": True},
                    f"Application de « {imp.nom_fichier} »",
                )
            except travaux.LancementRefuse as refus:
                messages.error(request, str(refus))
                return redirect(imp)
        return redirect(travail)

    def abandonner(self, request, pk):
        refus = self.acces(request, "abandonner")
        if refus:
            return refus
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        imp = self._import(request, pk)
        if imp.attend_confirmation:
            imp.statut = imp.Statut.ABANDONNE
            imp.save(update_fields=["statut"])
            messages.info(request, "Import abandonné : rien n’a été écrit.")
        return redirect(imp)

    def fichier(self, request, pk):
        """Le fichier tel qu'il a été déposé."""
        refus = self.acces(request, "fichier")
        if refus:
            return refus
        imp = self._import(request, pk)
        reponse = HttpResponse(imp.lire_contenu(), content_type=TYPE_XLSX)
        reponse["Content-Disposition"] = content_disposition_header(True, imp.nom_fichier)
        return reponse

    def historique(self, request):
        """L'historique des imports : qui, quand, quel fichier, combien de lignes et avec quel
        résultat."""
        refus = self.acces(request, "historique")
        if refus:
            return refus
        page = Paginator(self.imports_visibles(request), self.par_page).get_page(
            request.GET.get("page")
        )
        lignes = [
            {
                "imp": imp,
                "depose_le": _date(imp.cree_le),
                "par": (imp.utilisateur.get_full_name() or imp.utilisateur.username)
                if imp.utilisateur
                else imp.get_origine_display(),
                "colonnes": [fonction(imp) for _titre, fonction in self.colonnes_historique],
            }
            for imp in page
        ]
        o = self.objet
        return render(
            request,
            "socle/imports.html",
            {
                "vues": self,
                "page": page,
                "lignes": lignes,
                "url_depot": self.url_depot(None),
                "titre_crees": o.accorder("Créé", 2),
                "titre_modifies": o.accorder("Modifié", 2),
                "nb_colonnes": 8 + len(self.colonnes_historique),
            },
        )


def _cellule(valeur):
    if valeur is None or valeur == "":
        return "—"
    return str(valeur)


# --- le travail de fond d'un import -------------------------------------------------------------


def executer_en_fond(modele, travail, progression):
    """Le corps du travail de fond d'un import de `modele` (sous-classe concrète
    d'`ImportTableur`) : contrôle (`confirmer` faux) ou application de l'import
    `travail.parametres["import"]`, avec les droits du propriétaire du travail. Le compte rendu
    reste sur l'import ; le travail mène à sa page. Un fichier refusé, une confirmation devenue
    impossible ou un import qui ne passe plus les contrôles font échouer le travail, avec la
    raison en français."""
    confirmer = bool(travail.parametres.get("confirmer"))
    imp = modele.objects.filter(pk=travail.parametres.get("import")).first()
    if imp is None:
        raise travaux.Refus("Cet import n’existe plus : rien n’a été écrit.")
    lien, texte_lien = imp.get_absolute_url(), "Voir le compte rendu de l’import"
    objet = modele.declaration().objet
    etape = "Contrôle et écriture des lignes" if confirmer else "Contrôle des lignes"
    progression(0, 0, "Lecture du fichier")
    try:
        rapport = executer(
            imp,
            confirmer=confirmer,
            progression=lambda fait, total: progression(fait, total, etape),
            operateur=travail.proprietaire,
        )
    except ImportDejaTraite as erreur:
        raise travaux.Refus(str(erreur), lien, texte_lien) from None
    except FichierRefuse as erreur:
        if not confirmer:
            # Le déposant le lit sur la page de l'import, comme une erreur de dépôt.
            imp.statut, imp.erreurs = imp.Statut.ERREURS, []
            imp.erreurs.append({"ligne": None, "colonne": "", "message": str(erreur)})
            imp.save(update_fields=["statut", "erreurs"])
        raise travaux.Refus(str(erreur), lien, texte_lien) from None
    if not rapport.valide:
        if confirmer:
            message = (
                f"Le fichier ne passe plus les contrôles (des {objet.pluriel} ont changé depuis "
                "la prévisualisation) : rien n’a été écrit."
            )
        else:
            message = (
                f"Le fichier compte des erreurs : {objet.aucun_ecrit}. Corrigez-les (voir le "
                "compte rendu) puis déposez-le de nouveau."
            )
        raise travaux.Refus(message, lien, texte_lien)
    if confirmer:
        return travaux.Resultat(
            message="Import appliqué : " + rapport.resume_applique,
            lien=lien,
            texte_lien=texte_lien,
        )
    return travaux.Resultat(
        message="Contrôle terminé : rien n’est écrit avant votre confirmation. " + rapport.resume,
        lien=lien,
        texte_lien="Voir la prévisualisation et confirmer l’import",
    )
