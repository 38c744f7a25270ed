from django.contrib import admin

from notifications.models import Notification, PreferenceNotification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Consultation des notifications envoyées (pour le support) : rien ne s'y modifie."""

    list_display = ("titre", "destinataire", "type", "creee_le", "lue_le", "envoyee_le")
    list_filter = ("type",)
    search_fields = ("titre", "destinataire__username", "destinataire__email")
    list_select_related = ("destinataire",)
    date_hierarchy = "creee_le"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PreferenceNotification)
class PreferenceNotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "frequence", "dernier_resume_le")
    list_select_related = ("user",)
    search_fields = ("user__username",)
