"""Synchronisation idempotente des fichiers du référentiel avec la base.

Chaque objet est retrouvé par sa clé naturelle (numéro, slug, code…) ; il est créé s'il
manque, mis à jour si un champ diffère, laissé tel quel sinon. Les enregistrements passent par
`save()` pour que django-simple-history garde la trace de chaque création et modification.

Règle de préservation : une valeur vide dans les fichiers n'efface jamais une valeur saisie
dans le portail (par exemple le titre d'une thématique que le texte ne donne pas et que le SPV
a renseigné)."""

from collections import Counter
from decimal import Decimal


class Synchro:
    """Upsert par clé naturelle avec compteurs créés / modifiés / inchangés par modèle."""

    RAISON = "Chargement du référentiel (load_referentiel)"

    def __init__(self):
        self.compteurs = {}
        self._index = {}

    def _compteur(self, model):
        return self.compteurs.setdefault(model._meta.verbose_name_plural, Counter())

    def _charger_index(self, model, cles):
        """Tous les objets existants du modèle, indexés par clé naturelle (une requête)."""
        index = {}
        for obj in model.objects.all():
            index[tuple(getattr(obj, c) for c in cles)] = obj
        return index

    def precharger(self, model, cles, queryset):
        """L'index des objets de `model` pour les clés `cles`, lu dans `queryset` seulement :
        pour une grande table (les valeurs : des millions à l'échelle nationale), le
        chargeur ne lit que les objets qu'il peut toucher, jamais toute la table."""
        self._index[(model, tuple(cles))] = {
            tuple(getattr(obj, c) for c in cles): obj for obj in queryset
        }

    def upsert(self, model, cles, valeurs, m2m=None):
        """Crée ou met à jour l'objet de clé `cles` (dict champ → valeur)."""
        noms = tuple(cles)
        index = self._index.get((model, noms))
        if index is None:
            index = self._index[(model, noms)] = self._charger_index(model, noms)
        cle = tuple(cles[c] for c in noms)
        obj = index.get(cle)
        compteur = self._compteur(model)
        if obj is None:
            obj = model(**cles, **valeurs)
            obj._change_reason = self.RAISON
            obj.save()
            index[cle] = obj
            compteur["créés"] += 1
            modifie = True
        else:
            modifie = False
            for champ, valeur in valeurs.items():
                actuel = getattr(obj, champ)
                if valeur in ("", None) and actuel not in ("", None):
                    continue  # on ne remplace pas une saisie par un vide
                if not _egal(actuel, valeur):
                    setattr(obj, champ, valeur)
                    modifie = True
            if modifie:
                obj._change_reason = self.RAISON
                obj.save()
                compteur["modifiés"] += 1
        if m2m:
            for champ, cibles in m2m.items():
                manager = getattr(obj, champ)
                voulus = {c.pk for c in cibles}
                actuels = set(manager.values_list("pk", flat=True))
                if voulus - actuels:
                    manager.add(*[c for c in cibles if c.pk not in actuels])
                    if not modifie:
                        compteur["modifiés"] += 1
                        modifie = True
        if not modifie:
            compteur["inchangés"] += 1
        return obj

    def total(self, etat):
        return sum(c[etat] for c in self.compteurs.values())


def _egal(actuel, valeur):
    if isinstance(actuel, Decimal) and valeur is not None:
        return actuel == Decimal(str(valeur))
    if hasattr(actuel, "pk"):
        return valeur is not None and actuel.pk == getattr(valeur, "pk", valeur)
    return actuel == valeur
