"""Base des sérialiseurs de l'API."""

from django.core.exceptions import FieldDoesNotExist
from rest_framework import serializers


class DocumenteMixin:
    """Chaque champ sans aide reçoit son libellé français (verbose_name du modèle) comme
    description : le schéma OpenAPI n'a pas de champ muet."""

    def get_fields(self):
        champs = super().get_fields()
        for nom, champ in champs.items():
            if not champ.help_text:
                # Le libellé n'est fixé qu'au rattachement du champ : on le devance.
                champ.help_text = str(champ.label or nom.replace("_", " ").capitalize())
        return champs


class SerialiseurModele(DocumenteMixin, serializers.ModelSerializer):
    """ModelSerializer documenté."""


class Serialiseur(DocumenteMixin, serializers.Serializer):
    """Serializer documenté (objets imbriqués en lecture)."""


def libelle_de(champ, **kwargs):
    """Le libellé d'un champ à choix (« À consolider » pour `type="consolider"`)."""
    return serializers.CharField(
        source=f"get_{champ}_display", read_only=True, help_text="Libellé du choix.", **kwargs
    )


# --- enregistrements lus en SQL pour les exports ----------------------------------------------


class NonDerivable(Exception):
    """Un champ du sérialiseur dont la lecture en SQL ne se déduit pas de sa source."""


class LectureSQL:
    """Les enregistrements plats d'un sérialiseur (`{champ: valeur}`), lus par `values_list`
    sur les seules colonnes des `champs` demandés, sans objet du modèle ni sérialisation par
    ligne : pour les exports tableur de centaines de milliers de lignes.

    Les chemins SQL se déduisent de la `source` de chaque champ du sérialiseur (une seule
    vérité) : un champ du modèle (`annee`), un champ d'un objet lié (`indicateur.libelle` →
    `indicateur__libelle`), le libellé d'un choix (`get_statut_display`, libellés lus une
    fois), un objet lié désigné par sa clé (`slug_field` d'un `SlugRelatedField` ou d'un
    champ de code). Un champ calculé (propriété du modèle) se déclare dans `calcules` :
    `{nom: (chemins SQL lus, fonction de ces valeurs)}`. Un champ qui ne se déduit pas lève
    `NonDerivable` (l'appelant garde alors le sérialiseur)."""

    def __init__(self, serialiseur, champs, calcules=None):
        calcules = calcules or {}
        self.chemins: list[str] = []
        self.lecteurs = []
        for nom in champs:
            if nom in calcules:
                chemins, fonction = calcules[nom]
                rangs = [self._rang(c) for c in chemins]
                self.lecteurs.append((nom, rangs, fonction))
                continue
            chemin, libelles = self._chemin(serialiseur.Meta.model, serialiseur.fields[nom])
            self.lecteurs.append((nom, self._rang(chemin), libelles))

    def _rang(self, chemin):
        if chemin not in self.chemins:
            self.chemins.append(chemin)
        return self.chemins.index(chemin)

    @staticmethod
    def _chemin(modele, champ):
        """(chemin SQL, libellés des choix ou None) du champ `champ` du sérialiseur."""
        if champ.source == "*":
            raise NonDerivable(champ.field_name)
        morceaux = champ.source.split(".")
        chemin = []
        for rang, morceau in enumerate(morceaux):
            dernier = rang == len(morceaux) - 1
            if dernier and morceau.startswith("get_") and morceau.endswith("_display"):
                champ_choix = modele._meta.get_field(morceau[4:-8])
                return "__".join([*chemin, champ_choix.name]), dict(champ_choix.flatchoices)
            try:
                champ_modele = modele._meta.get_field(morceau)
            except FieldDoesNotExist:
                raise NonDerivable(champ.field_name) from None
            if champ_modele.many_to_many or champ_modele.one_to_many:
                raise NonDerivable(champ.field_name)  # une ligne par objet lié : pas à plat
            if champ_modele.is_relation:
                chemin.append(morceau)
                if dernier:
                    cle = getattr(champ, "slug_field", None)
                    if cle is None:
                        raise NonDerivable(champ.field_name)
                    return "__".join([*chemin, cle]), None
                modele = champ_modele.related_model
                continue
            if not dernier:
                raise NonDerivable(champ.field_name)
            return "__".join([*chemin, morceau]), None
        raise NonDerivable(champ.field_name)

    def enregistrements(self, queryset, taille=2000):
        """Les enregistrements du queryset (filtré, trié), lus en flux par paquets."""
        lecteurs = self.lecteurs
        for ligne in queryset.values_list(*self.chemins).iterator(chunk_size=taille):
            enregistrement = {}
            for nom, rang, traduction in lecteurs:
                if rang.__class__ is list:  # champ calculé
                    enregistrement[nom] = traduction(*[ligne[r] for r in rang])
                elif traduction is None:
                    enregistrement[nom] = ligne[rang]
                else:
                    brut = ligne[rang]
                    enregistrement[nom] = traduction.get(brut, brut)
            yield enregistrement
