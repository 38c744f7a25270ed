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
(`gabarit_aide`) et, au besoin, la navigation de sa rubrique (`gabarit_entete`)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header

from socle.imports import (
    Bornes,
    FichierRefuse,
    ImportDejaTraite,
    Nom,
    executer,
    taille_lisible,
)
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
    - crochets : `acces` (qui voit quoi), `nouvel_import` (champs et contexte d'un dépôt),
      `url_depot`, `fil_ariane`, `titre_detail`, `sous_titre_detail`."""

    modele = None
    urls: dict = {}
    titre_depot = "Importer un tableur"
    titre_historique = "Historique des imports"
    aide_fichier = "Le modèle téléchargé dans le portail, complété."
    gabarit_aide = ""
    gabarit_entete = ""
    colonnes_apercu: tuple = ()
    colonnes_historique: tuple = ()
    par_page = 50

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
        form = FichierImportForm(
            request.POST or None, request.FILES or None, aide=self.aide_fichier
        )
        if request.method == "POST" and form.is_valid():
            fichier = form.cleaned_data["fichier"]
            imp.nom_fichier, imp.contenu = fichier.name[:255], fichier.read()
            try:
                executer(imp, confirmer=False, operateur=request.user)
            except FichierRefuse as erreur:
                form.add_error("fichier", str(erreur))
            else:
                return redirect(imp)
        return render(
            request, "socle/import_deposer.html", {"vues": self, "form": form, **contexte}
        )

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
                "peut_confirmer": imp.attend_confirmation and imp.utilisateur_id == request.user.pk,
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
        try:
            rapport = executer(imp, confirmer=True, operateur=request.user)
        except ImportDejaTraite as erreur:
            messages.error(request, str(erreur))
            return redirect(imp)
        except FichierRefuse as erreur:
            messages.error(request, str(erreur))
            return redirect(imp)
        if rapport.valide:
            messages.success(request, "Import appliqué : " + rapport.resume_applique)
        else:
            messages.error(
                request,
                f"Le fichier ne passe plus les contrôles (des {self.objet.pluriel} ont changé "
                "depuis la prévisualisation) : rien n’a été écrit.",
            )
        return redirect(imp)

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
