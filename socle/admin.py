"""Administration des comptes : le profil (rôle et rattachement) se saisit avec l'utilisateur ;
les jetons d'API s'émettent et se révoquent ici."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.html import format_html

from socle.api.permissions import peut_emettre_jeton_pour
from socle.models import JetonAPI, Profil, Travail


class ProfilInline(admin.StackedInline):
    model = Profil
    can_delete = False
    filter_horizontal = ["quartiers"]
    autocomplete_fields = ["signataire", "structure"]


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

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Le groupe suit le rôle même quand seul l'inline a changé.
        profil = Profil.objects.filter(user=form.instance).first()
        if profil:
            profil.synchroniser_groupe()


@admin.register(Profil)
class ProfilAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "signataire", "structure"]
    list_filter = ["role"]
    list_select_related = ["user", "signataire", "structure"]
    search_fields = ["user__username", "user__last_name"]
    filter_horizontal = ["quartiers"]
    autocomplete_fields = ["signataire", "structure", "user"]


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
        self.message_user(request, f"{nombre} jeton(s) révoqué(s).", messages.SUCCESS)


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
