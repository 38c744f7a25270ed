"""Base des sérialiseurs de l'API."""

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
