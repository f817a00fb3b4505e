from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from practice.admin_support import ReadOnlyAdmin
from practice.audit import audit_record
from practice.models import AuditAction, AuditEvent, Therapist, User
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
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the trail is append-only, even for superusers."""

    list_display = ["at", "action", "actor", "target_type", "target_id", "client_id", "ip"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_id", "request_id"]
    date_hierarchy = "at"
