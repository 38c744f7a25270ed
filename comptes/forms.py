"""Les formulaires de l'accueil des comptes : une invitation par rôle (l'adresse et le
rattachement que le rôle exige), la création du compte par la personne invitée, les QPV d'un
délégué du Préfet."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError

from engagements.forms import SignataireChoiceField
from engagements.models import Signataire
from indicateurs.models import Indicateur
from quartiers.models import Quartier
from socle.models import Invitation
from socle.roles import Role
from structures.models import Structure

QPV_OBLIGATOIRE = (
    "Choisissez au moins un QPV : un délégué du Préfet suit au moins un quartier prioritaire."
)


def quartiers_ordonnes():
    return Quartier.objects.prefetch_related("arrondissements").order_by("ordre", "nom")


class QuartiersField(forms.ModelMultipleChoiceField):
    """Les QPV, en cases à cocher, nommés avec leur arrondissement."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Quartiers prioritaires suivis")
        kwargs.setdefault("error_messages", {"required": QPV_OBLIGATOIRE})
        super().__init__(quartiers_ordonnes(), **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.nom} ({obj.arrondissements_libelle})"


class InvitationForm(forms.ModelForm):
    """L'invitation d'une personne : son adresse (qu'aucun compte actif n'utilise déjà) et,
    selon le rôle de la sous-classe, son rattachement."""

    role = None

    class Meta:
        model = Invitation
        fields = ["email"]
        labels = {"email": "Adresse électronique de la personne invitée"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.role = self.role

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        compte = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        if compte is not None:
            raise ValidationError(
                f"Un compte actif utilise déjà cette adresse (identifiant « {compte.username} ») : "
                "inutile de l’inviter. Pour changer son rôle ou son rattachement, passez par "
                "l’administration des comptes."
            )
        return email

    def save(self, invitee_par=None):
        invitation = super().save(commit=False)
        invitation.role = self.role
        invitation.invitee_par = invitee_par
        invitation.save()
        self.save_m2m()
        return invitation


class InvitationStructureForm(InvitationForm):
    """Un membre d'une structure parisienne : son compte ne voit que celle-ci."""

    role = Role.STRUCTURE

    class Meta(InvitationForm.Meta):
        fields = ["email", "structure"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        champ = self.fields["structure"]
        champ.required = True
        champ.queryset = Structure.objects.filter(hors_paris=False).order_by("nom")
        champ.error_messages["required"] = "Choisissez la structure que la personne rejoint."


class InvitationDelegueForm(InvitationForm):
    """Un délégué du Préfet et les QPV qui lui sont confiés (au moins un)."""

    role = Role.DELEGUE
    quartiers = QuartiersField()

    class Meta(InvitationForm.Meta):
        fields = ["email", "quartiers"]


class IndicateursField(forms.ModelMultipleChoiceField):
    """Les indicateurs du référentiel, en cases à cocher, avec leur producteur actuel."""

    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        producteur = f" — produit par {obj.producteur.libelle}" if obj.producteur_id else ""
        return f"{obj.code} : {obj.libelle[:110]}{producteur}"


class InvitationPartenaireForm(InvitationForm):
    """Un partenaire producteur de données : son organisation signataire et, au besoin, les
    indicateurs qu'elle produit (désignée productrice dès l'envoi de l'invitation)."""

    role = Role.PARTENAIRE
    signataire = SignataireChoiceField(
        queryset=Signataire.objects.order_by("ordre", "nom"),
        label="Organisation signataire",
        empty_label="— Choisissez l’organisation —",
        error_messages={"required": "Choisissez l’organisation du partenaire."},
        help_text="L’organisation qui produit ses données : le compte saisit et soumet les "
        "valeurs des indicateurs qu’elle produit.",
    )
    indicateurs = IndicateursField(
        queryset=Indicateur.objects.with_list_data(),
        required=False,
        label="Indicateurs que l’organisation produit",
        help_text="Facultatif : l’organisation en devient la productrice dès l’envoi. Un "
        "indicateur déjà produit par une autre organisation se réattribue depuis sa page de "
        "métadonnées.",
    )

    class Meta(InvitationForm.Meta):
        fields = ["email", "signataire"]

    def clean(self):
        donnees = super().clean()
        signataire = donnees.get("signataire")
        autres = [
            i
            for i in donnees.get("indicateurs") or []
            if signataire and i.producteur_id and i.producteur_id != signataire.pk
        ]
        if autres:
            self.add_error(
                "indicateurs",
                "Déjà produits par une autre organisation : "
                + ", ".join(f"{i.code} ({i.producteur.nom})" for i in autres)
                + ". Décochez-les, ou changez d’abord leur producteur depuis leur page.",
            )
        return donnees

    def save(self, invitee_par=None):
        invitation = super().save(invitee_par=invitee_par)
        for indicateur in self.cleaned_data.get("indicateurs") or []:
            if indicateur.producteur_id != invitation.signataire_id:
                indicateur.producteur_id = invitation.signataire_id
                indicateur._history_user = invitee_par
                indicateur._change_reason = (
                    f"Producteur désigné à l’invitation de {invitation.email}"
                )
                indicateur.save(update_fields=["producteur"])
        return invitation


FORMULAIRES = {
    Role.STRUCTURE: InvitationStructureForm,
    Role.DELEGUE: InvitationDelegueForm,
    Role.PARTENAIRE: InvitationPartenaireForm,
}


class AcceptationInvitationForm(UserCreationForm):
    """La personne invitée choisit son identifiant et son mot de passe."""

    first_name = forms.CharField(label="Prénom", max_length=150, required=False)
    last_name = forms.CharField(label="Nom", max_length=150, required=False)

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ["username", "first_name", "last_name"]
        labels = {"username": "Identifiant"}


class QuartiersDelegueForm(forms.Form):
    """Les QPV confiés à un délégué du Préfet (au moins un)."""

    quartiers = QuartiersField()
