"""Administration des comptes : le profil (rôle et rattachement) se saisit avec l'utilisateur ;
les jetons d'API s'émettent et se révoquent ici ; le journal des connexions (django-axes) se
consulte ici, comme les travaux de fond de tous les comptes.

Attribution des rôles (socle.roles.roles_attribuables, peut_modifier_compte) : seul un
superutilisateur donne le rôle SPV, qui ouvre l'administration ; un agent SPV attribue les
autres rôles, à des comptes qui ne sont ni superutilisateurs ni membres de l'équipe."""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.html import format_html

from socle.api.permissions import peut_emettre_jeton_pour
from socle.chiffres import compte_fr
from socle.models import Invitation, JetonAPI, Profil, Travail
from socle.roles import ROLES, Role, peut_modifier_compte, roles_attribuables

REFUS_ROLE = (
    "Vous ne pouvez pas attribuer ce rôle : le rôle « {} » ouvre l’administration du portail, "
    "seul un superutilisateur le donne."
)


def choix_de_role(user):
    """Les choix du champ « rôle » pour cet utilisateur (les rôles qu'il peut attribuer)."""
    return [("", "---------")] + [(r.value, r.label) for r in roles_attribuables(user)]


def comptes_modifiables(user, queryset):
    """Les comptes dont `user` peut modifier le profil (voir peut_modifier_compte)."""
    if user.is_superuser:
        return queryset
    roles_equipe = [r.value for r, d in ROLES.items() if d.acces_admin]
    return queryset.filter(is_superuser=False, is_staff=False).exclude(
        profil__role__in=roles_equipe
    )


def verifier_attribution(user, profil):
    """Dernier contrôle avant l'enregistrement d'un profil, quel que soit le formulaire."""
    if not peut_modifier_compte(user, profil.user):
        raise PermissionDenied("Vous ne pouvez pas modifier le rôle de ce compte.")
    if profil.role and Role(profil.role) not in roles_attribuables(user):
        raise PermissionDenied(REFUS_ROLE.format(Role(profil.role).label))


class AttributionDeRole:
    """Ce que partagent le profil seul et le profil saisi avec l'utilisateur : le champ
    « rôle » ne propose que les rôles que l'on peut attribuer, et le formulaire refuse les
    autres avec un message en français."""

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role":
            kwargs["choices"] = choix_de_role(request.user)
        return super().formfield_for_choice_field(db_field, request, **kwargs)


class ProfilInline(AttributionDeRole, admin.StackedInline):
    model = Profil
    can_delete = False
    filter_horizontal = ["quartiers"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("quartiers")

    autocomplete_fields = ["signataire", "structure"]

    def has_change_permission(self, request, obj=None):
        # `obj` est ici l'utilisateur saisi (l'objet parent).
        return super().has_change_permission(request, obj) and (
            obj is None or peut_modifier_compte(request.user, obj)
        )

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and (
            obj is None or peut_modifier_compte(request.user, obj)
        )


admin.site.unregister(User)


@admin.register(User)
class UtilisateurAdmin(UserAdmin):
    inlines = [ProfilInline]
    list_display = ["username", "email", "first_name", "last_name", "role", "is_active"]
    list_select_related = ["profil"]
    list_filter = ["profil__role", "is_active", "is_staff"]

    @admin.display(description="rôle", ordering="profil__role")
    def role(self, obj):
        profil = getattr(obj, "profil", None)
        return profil.get_role_display() if profil else "—"

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or peut_modifier_compte(request.user, obj)
        )

    def get_readonly_fields(self, request, obj=None):
        champs = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Le statut d'équipe suit le rôle ; superutilisateur, groupes et permissions ne se
            # donnent que par un superutilisateur.
            champs += ["is_staff", "is_superuser", "groups", "user_permissions"]
        return champs

    def save_formset(self, request, form, formset, change):
        if formset.model is Profil:
            for profil in formset.save(commit=False):
                verifier_attribution(request.user, profil)
        super().save_formset(request, form, formset, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Le groupe suit le rôle même quand seul l'inline a changé.
        profil = Profil.objects.filter(user=form.instance).first()
        if profil:
            profil.synchroniser_groupe()


@admin.register(Profil)
class ProfilAdmin(AttributionDeRole, admin.ModelAdmin):
    list_display = ["user", "role", "signataire", "structure"]
    list_filter = ["role"]
    list_select_related = ["user", "signataire", "structure"]
    search_fields = ["user__username", "user__last_name"]
    filter_horizontal = ["quartiers"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("quartiers")

    autocomplete_fields = ["signataire", "structure", "user"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = comptes_modifiables(request.user, User.objects.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or peut_modifier_compte(request.user, obj.user)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or peut_modifier_compte(request.user, obj.user)
        )

    def save_model(self, request, obj, form, change):
        verifier_attribution(request.user, obj)
        super().save_model(request, obj, form, change)


@admin.register(JetonAPI)
class JetonAPIAdmin(admin.ModelAdmin):
    """Émission et révocation des jetons d'API. La clé en clair n'est montrée qu'une fois,
    dans le message qui suit la création ; seule son empreinte est gardée."""

    list_display = [
        "nom",
        "user",
        "prefixe",
        "etat",
        "cree_le",
        "derniere_utilisation",
        "expire_le",
    ]
    list_select_related = ["user"]
    list_filter = [("revoque_le", admin.EmptyFieldListFilter), "cree_le"]
    search_fields = ["nom", "prefixe", "user__username", "user__last_name"]
    autocomplete_fields = ["user"]
    actions = ["revoquer"]
    readonly_fields = [
        "prefixe",
        "etat",
        "cree_le",
        "cree_par",
        "derniere_utilisation",
        "revoque_le",
    ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "nom", "expire_le"]
        return [
            "user",
            "nom",
            "prefixe",
            "etat",
            "expire_le",
            "cree_le",
            "cree_par",
            "derniere_utilisation",
            "revoque_le",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # Un jeton émis ne change pas de titulaire.
        return [*self.readonly_fields, "user"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None and "user" in form.base_fields:
            emetteur = request.user
            titulaires = form.base_fields["user"].queryset
            if not emetteur.is_superuser:
                # peut_emettre_jeton_pour : pas de jeton pour un autre membre de l'équipe.
                titulaires = titulaires.filter(
                    Q(is_staff=False, is_superuser=False) | Q(pk=emetteur.pk)
                )
            form.base_fields["user"].queryset = titulaires
        return form

    @admin.display(description="état")
    def etat(self, obj):
        return obj.etat

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        if not peut_emettre_jeton_pour(request.user, obj.user):
            raise PermissionDenied("Vous ne pouvez pas émettre de jeton pour ce compte.")
        obj.cree_par = request.user
        cle = obj.generer_cle()
        super().save_model(request, obj, form, change)
        self.message_user(
            request,
            format_html(
                "Clé du jeton « {} » : <code>{}</code> — copiez-la maintenant, elle ne sera "
                "plus jamais affichée. Elle s’utilise dans l’en-tête "
                "<code>Authorization: Bearer &lt;clé&gt;</code>.",
                obj.nom,
                cle,
            ),
            messages.SUCCESS,
        )

    @admin.action(description="Révoquer les jetons sélectionnés", permissions=["change"])
    def revoquer(self, request, queryset):
        nombre = 0
        for jeton in queryset.filter(revoque_le__isnull=True):
            jeton.revoquer()
            nombre += 1
        self.message_user(
            request,
            f"{compte_fr(nombre, 'jeton révoqué', 'jetons révoqués')}.",
            messages.SUCCESS,
        )


# --- journal des connexions (django-axes) ------------------------------------------------------
# L'admin d'axes est désactivé (AXES_ENABLE_ADMIN = False) au profit de celui-ci : colonnes en
# français, lecture seule, et une action pour lever un verrouillage.


class JournalConnexionAdmin(admin.ModelAdmin):
    """Lecture seule : le journal n'est écrit que par axes."""

    date_hierarchy = "attempt_time"
    search_fields = ["username", "ip_address"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="date", ordering="attempt_time")
    def date(self, obj):
        return obj.attempt_time

    @admin.display(description="identifiant saisi", ordering="username")
    def identifiant(self, obj):
        return obj.username or "—"

    @admin.display(description="adresse IP", ordering="ip_address")
    def adresse(self, obj):
        return obj.ip_address or "—"

    @admin.display(description="page", ordering="path_info")
    def page(self, obj):
        return obj.path_info

    @admin.display(description="navigateur")
    def navigateur(self, obj):
        return obj.user_agent[:80]


@admin.register(AccessFailureLog)
class EchecConnexionAdmin(JournalConnexionAdmin):
    """Chaque échec de connexion, sur le portail comme dans l'admin, et s'il a déclenché un
    verrouillage."""

    list_display = ["date", "identifiant", "adresse", "page", "verrouillage", "navigateur"]
    list_filter = ["locked_out", "path_info"]

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser  # le journal d'audit ne s'efface pas à la main

    @admin.display(description="verrouillage déclenché", boolean=True, ordering="locked_out")
    def verrouillage(self, obj):
        return obj.locked_out


@admin.register(AccessAttempt)
class TentativesAdmin(JournalConnexionAdmin):
    """Les échecs en cours de décompte, par compte, adresse et navigateur. Supprimer une ligne
    (action « Lever le verrouillage ») remet le décompte à zéro pour elle."""

    list_display = ["date", "identifiant", "adresse", "echecs", "verrouille", "page"]
    actions = ["lever_verrouillage"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # remplacée par lever_verrouillage
        return actions

    @admin.display(description="échecs", ordering="failures_since_start")
    def echecs(self, obj):
        return obj.failures_since_start

    @admin.display(description="compte verrouillé", boolean=True)
    def verrouille(self, obj):
        return obj.failures_since_start >= settings.AXES_FAILURE_LIMIT

    @admin.action(
        description="Lever le verrouillage des lignes sélectionnées", permissions=["delete"]
    )
    def lever_verrouillage(self, request, queryset):
        nombre, _ = queryset.delete()
        self.message_user(
            request,
            f"Décompte des échecs remis à zéro ({compte_fr(nombre, 'ligne')}).",
            messages.SUCCESS,
        )


@admin.register(AccessLog)
class ConnexionReussieAdmin(JournalConnexionAdmin):
    """Les connexions réussies et l'heure de déconnexion."""

    list_display = ["date", "identifiant", "adresse", "deconnexion", "navigateur"]

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.display(description="déconnexion", ordering="logout_time")
    def deconnexion(self, obj):
        return obj.logout_time or "—"


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Consultation des invitations (elles s'envoient depuis le portail : /comptes/invitations/)."""

    list_display = ["email", "role", "rattachement", "creee_le", "invitee_par", "acceptee_le"]
    list_filter = ["role"]
    list_select_related = ["structure", "signataire", "invitee_par", "utilisateur"]
    search_fields = ["email", "structure__nom", "signataire__nom"]
    readonly_fields = ["creee_le", "acceptee_le", "utilisateur", "invitee_par"]
    filter_horizontal = ["quartiers"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("quartiers")


# --- travaux de fond ----------------------------------------------------------------------------

# Les résultats bruts de la file (django-tasks-db, en anglais) ne sont pas une page du portail :
# les travaux se suivent ici, en français.
try:
    from django_tasks_db.models import DBTaskResult

    admin.site.unregister(DBTaskResult)
except admin.sites.NotRegistered:
    pass


@admin.register(Travail)
class TravailAdmin(admin.ModelAdmin):
    """Les travaux de fond de tous les comptes, en lecture seule (suivi d'exploitation)."""

    list_display = ["pk", "libelle", "type", "proprietaire", "etat", "cree_le", "termine_le"]
    list_filter = ["etat", "type"]
    list_select_related = ["proprietaire"]
    search_fields = ["libelle", "proprietaire__username"]
    date_hierarchy = "cree_le"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
