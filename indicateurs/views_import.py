"""Aller-retour tableur sur le portail : télécharger le modèle d'une campagne, puis déposer,
prévisualiser, confirmer, et l'historique des imports. Les pages d'import sont celles de la
mécanique partagée (socle/vues_import.py), paramétrées ici pour les valeurs."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import get_object_or_404
from django.urls import reverse

from engagements.models import Engagement, Signataire
from indicateurs.forms import FiltreModeleForm
from indicateurs.models import Campagne, ImportValeurs
from indicateurs.views import refuser
from socle import roles, vues_travaux
from socle.lectures import lecture_lourde
from socle.vues_import import FichierImportForm, VuesImport

REFUS_IMPORT = (
    "L’import de valeurs est réservé au SPV et aux partenaires rattachés à une organisation "
    "productrice de données."
)


@login_required
@lecture_lourde
def modele(request, annee):
    """Le classeur pré-rempli de la campagne, restreint aux indicateurs de l'utilisateur
    (partenaire) et, au choix, à un engagement ou à un producteur. GET : la page qui le
    présente ; POST : le travail de fond qui le produit, puis sa page."""
    if not roles.peut_importer_valeurs(request.user):
        return refuser(request, REFUS_IMPORT)
    campagne = get_object_or_404(Campagne, annee=annee)
    est_spv = roles.peut_gerer_campagnes(request.user)
    filtre = FiltreModeleForm(
        request.POST if request.method == "POST" else request.GET,
        engagements=Engagement.objects.order_by("numero"),
        producteurs=Signataire.objects.all() if est_spv else None,
    )
    criteres = filtre.cleaned_data if filtre.is_valid() else {}
    engagement, producteur = criteres.get("engagement"), criteres.get("producteur")
    parametres = {
        "annee": annee,
        "engagement": engagement,
        "producteur": producteur.pk if producteur else None,
    }
    precisions = (f", engagement {engagement}" if engagement else "") + (
        f", {producteur.nom}" if producteur else ""
    )
    if request.method == "POST":
        return vues_travaux.lancer_et_suivre(
            request, "indicateurs.modele", parametres, f"Modèle de saisie {annee}{precisions}"
        )
    retour = (
        ("Retour à la campagne", campagne.get_absolute_url())
        if est_spv
        else ("Retour à « Mes indicateurs »", reverse("indicateurs:mes_indicateurs"))
    )
    return vues_travaux.page_de_lancement(
        request,
        titre=f"Modèle de saisie de la campagne {annee}",
        description=[
            ("Campagne", str(annee)),
            ("Engagement", f"n° {engagement}" if engagement else "tous"),
            *([("Producteur", producteur.nom if producteur else "tous")] if est_spv else []),
        ],
        champs=[(nom, valeur) for nom, valeur in parametres.items() if nom != "annee" and valeur],
        bouton="Préparer le modèle",
        retour=retour,
        explication="Le classeur est pré-rempli avec les valeurs actuelles de vos indicateurs et "
        f"celles de {annee - 1}.",
    )


class DepotValeursForm(FichierImportForm):
    """Le dépôt d'un classeur de valeurs, et le choix de les soumettre au SPV."""

    soumettre = forms.BooleanField(
        label="Soumettre au SPV les valeurs importées",
        required=False,
        help_text="À l’application de l’import, les valeurs écrites passent « soumises » : le "
        "SPV en est notifié. Sinon, elles restent en brouillon, à soumettre depuis la grille.",
    )


class VuesValeurs(VuesImport):
    """Les imports de valeurs : déposés pour une campagne par le SPV ou un partenaire
    producteur ; chacun voit ceux de son organisation (le SPV, tous)."""

    modele = ImportValeurs
    form_depot = DepotValeursForm
    type_travail = "indicateurs.import_valeurs"
    urls = {
        "deposer": "indicateurs:import",
        "historique": "indicateurs:imports",
        "detail": "indicateurs:import_detail",
        "confirmer": "indicateurs:import_confirmer",
        "abandonner": "indicateurs:import_abandonner",
        "fichier": "indicateurs:import_fichier",
    }
    titre_historique = "Historique des imports de valeurs"
    aide_fichier = "Le modèle téléchargé pour cette campagne, complété"
    gabarit_aide = "indicateurs/_import_aide.html"
    colonnes_apercu = (
        ("Indicateur", "indicateur", ""),
        ("Territoire", "territoire", ""),
        ("Avant", "avant", ""),
        ("Après", "apres", ""),
    )
    colonnes_historique = (
        ("Organisation", lambda imp: imp.organisation),
        ("Campagne", lambda imp: str(imp.annee)),
    )

    def acces(self, request, page):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if page in ("deposer", "historique") and not roles.peut_importer_valeurs(request.user):
            return refuser(request, REFUS_IMPORT)
        return None  # les autres pages : visibilité de l'import (404 sinon)

    def nouvel_import(self, request, annee):
        campagne = get_object_or_404(Campagne, annee=annee)
        verrou = campagne.motif_verrouillage()
        imp = ImportValeurs(
            annee=annee,
            utilisateur=request.user,
            organisation_id=roles.organisation_de(request.user),
        )
        return imp, {
            "campagne": campagne,
            "titre": f"Importer des valeurs — campagne {annee}",
            "titre_page": f"Importer des valeurs {annee}",
            "avertissement": f"{verrou} Un fichier déposé sera contrôlé mais ne pourra pas être "
            "appliqué."
            if verrou
            else "",
        }

    def options_depot(self, imp, donnees):
        imp.soumettre = donnees.get("soumettre", False)

    def url_depot(self, imp=None):
        return reverse(self.urls["deposer"], args=[imp.annee]) if imp else None

    def fil_ariane(self, imp):
        return [("Imports", reverse(self.urls["historique"]))]

    def titre_detail(self, imp):
        return f"Import de « {imp.nom_fichier} » — campagne {imp.annee}"

    def sous_titre_detail(self, imp):
        organisation = f" ({imp.organisation})" if imp.organisation else ""
        return organisation + (
            " ; valeurs soumises au SPV à l’application" if imp.soumettre else ""
        )


VUES = VuesValeurs()
deposer, detail, historique = VUES.deposer, VUES.detail, VUES.historique
confirmer, abandonner, fichier = VUES.confirmer, VUES.abandonner, VUES.fichier
