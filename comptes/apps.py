from django.apps import AppConfig


class ComptesConfig(AppConfig):
    """L'accueil des comptes par le SPV : inviter une personne (délégué du Préfet, partenaire,
    membre d'une structure) et confier leurs QPV aux délégués. Le modèle et le mécanisme des
    invitations sont dans le socle (socle.models.Invitation, socle/invitations.py) ; ces pages
    les composent avec les apps du domaine (structures, signataires, QPV, indicateurs)."""

    name = "comptes"
    verbose_name = "Comptes du portail"
