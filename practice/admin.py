from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from practice.audit import audit_record
from practice.models import AuditAction, AuditEvent, Notification, Therapist, User
from practice.session_security import sessions_end


def end_sessions_of(user_ids: set[int]) -> int:
    """End every session of these users, each audited (allauth's UserSession rows list them)."""
    return sessions_end(user_ids=user_ids)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "role", "is_active", "is_staff", "last_login"]
    list_filter = ["role", "is_active", "is_staff", "is_superuser"]
    search_fields = ["email"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["first_name", "last_name", "role"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "role", "password1", "password2"]})]
    actions = ["deactivate"]

    @admin.action(description="Deactivate and sign out everywhere")
    def deactivate(self, request, queryset):
        users = list(queryset.exclude(pk=request.user.pk))
        for user in users:
            User.objects.filter(pk=user.pk).update(is_active=False)
            audit_record(actor=request.user, action=AuditAction.UPDATE, target=user)
        ended = end_sessions_of({u.pk for u in users})
        self.message_user(request, f"Deactivated {len(users)} account(s) and ended {ended} session(s).")


@admin.register(Therapist)
class TherapistAdmin(admin.ModelAdmin):
    list_display = ["display_name", "credentials", "licence_region", "time_zone", "accepts_new_clients"]
    list_filter = ["accepts_new_clients", "time_zone"]
    search_fields = ["display_name", "licence_number"]
    raw_id_fields = ["user"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is append-only, even for superusers."""

    list_display = ["at", "action", "actor", "target_type", "target_id", "client_id", "ip"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_id", "request_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox, by reference: no addresses, no message text (it is never stored)."""

    list_display = ["send_at", "kind", "channel", "reference", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["reference", "key"]
    date_hierarchy = "send_at"
    fields = [
        "kind",
        "channel",
        "reference",
        "status",
        "send_at",
        "attempts",
        "queued_at",
        "sent_at",
        "last_error",
        "target_type",
        "target_id",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
