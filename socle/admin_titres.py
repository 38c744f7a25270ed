"""Les titres des pages de l'admin en bon français : « Modification de l’indicateur »,
« Ajout d’une campagne », « Sélectionnez le contrat à modifier ».

La traduction française de Django colle le nom du modèle sans article (« Modification de
indicateur ») : elle ne connaît ni l'élision ni le genre. Les vues de formulaire et de liste
de *tous* les `ModelAdmin` reçoivent ici un titre accordé (`installer()`, appelé une fois au
démarrage par `SocleConfig.ready`), sans toucher aux classes d'admin des apps.

Le genre d'un nom n'est pas dans ses `Meta` (Django n'y accepte pas d'option nouvelle) : les
noms féminins sont listés ici ; un nom absent est masculin."""

import functools

from django.contrib.admin import ModelAdmin

# Noms de modèles (verbose_name, premier mot décisif) féminins.
FEMININS = {
    "action",
    "campagne",
    "entrée",
    "étape",
    "étude",
    "fiche-action",
    "invitation",
    "pièce",
    "structure",
    "thématique",
    "valeur",
    "permission",
}
VOYELLES = "aàâeéèêëiîïoôuùûyh"
# « h » aspiré : pas d'élision (aucun modèle du portail pour l'instant).
H_ASPIRES = set()


def _premier_mot(nom):
    return nom.split()[0].lower() if nom else ""


def est_feminin(nom):
    return _premier_mot(nom) in FEMININS


def elide(nom):
    """Vrai si l'article s'élide devant `nom` (voyelle ou h muet)."""
    mot = _premier_mot(nom)
    return bool(mot) and mot[0] in VOYELLES and mot not in H_ASPIRES


def le(nom):
    """« l’indicateur », « la campagne », « le contrat »."""
    if elide(nom):
        return f"l’{nom}"
    return f"{'la' if est_feminin(nom) else 'le'} {nom}"


def de_le(nom):
    """« de l’indicateur », « de la campagne », « du contrat »."""
    if elide(nom):
        return f"de l’{nom}"
    return f"de la {nom}" if est_feminin(nom) else f"du {nom}"


def de_un(nom):
    """« d’un indicateur », « d’une campagne »."""
    return f"d’{'une' if est_feminin(nom) else 'un'} {nom}"


def titre_formulaire(nom, ajout, modifiable):
    if ajout:
        return f"Ajout {de_un(nom)}"
    return f"{'Modification' if modifiable else 'Consultation'} {de_le(nom)}"


def titre_liste(nom, modifiable):
    return f"Sélectionnez {le(nom)} à {'modifier' if modifiable else 'consulter'}"


def installer():
    """Donne leur titre accordé aux vues de formulaire et de liste de tous les ModelAdmin
    (idempotent)."""
    if getattr(ModelAdmin, "_titres_francais", False):
        return
    formulaire, liste = ModelAdmin.changeform_view, ModelAdmin.changelist_view

    @functools.wraps(formulaire)
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        titre = titre_formulaire(
            str(self.opts.verbose_name), object_id is None, self.has_change_permission(request)
        )
        return formulaire(
            self, request, object_id, form_url, {"title": titre, **(extra_context or {})}
        )

    @functools.wraps(liste)
    def changelist_view(self, request, extra_context=None):
        titre = titre_liste(str(self.opts.verbose_name), self.has_change_permission(request))
        return liste(self, request, {"title": titre, **(extra_context or {})})

    ModelAdmin.changeform_view = changeform_view
    ModelAdmin.changelist_view = changelist_view
    ModelAdmin._titres_francais = True
