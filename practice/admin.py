from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from practice import accounts
from practice.admin_support import ReadOnlyAdmin
from practice.audit import audit_record
from practice.models import AuditAction, AuditEvent, PracticeSettings, Therapist, User
from practice.pagination import CappedCountPaginator
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
        (None, {"fields": ["email"]}),  # no password field: people reset their own (see the action)
        (_("Person"), {"fields": ["first_name", "last_name", "role"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "practice_owner", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "role", "password1", "password2"]})]
    actions = ["deactivate", "send_password_reset", "remove_second_factor"]

    def get_readonly_fields(self, request, obj=None):
        # A sign-in address changes only through the person's own verified change (allauth).
        return ["email"] if obj is not None else []

    def user_change_password(self, request, id, form_url=""):
        # Nobody sets another person's password: they get a reset link at their own address.
        raise PermissionDenied

    @admin.action(description="Email a password-reset link (to the verified primary address)")
    def send_password_reset(self, request, queryset):
        sent = sum(accounts.password_reset_send(request=request, user=user) for user in queryset)
        self.message_user(request, f"Sent {sent} password-reset link(s); accounts without a verified address got none.")

    @admin.action(description="Remove the second factor and sign out everywhere")
    def remove_second_factor(self, request, queryset):
        removed = sum(accounts.second_factor_remove(user=user, by=request.user) for user in queryset)
        self.message_user(request, f"Removed {removed} authenticator(s); those people set one up at next sign-in.")

    @admin.action(description="Deactivate and sign out everywhere")
    def deactivate(self, request, queryset):
        users = list(queryset.exclude(pk=request.user.pk))
        for user in users:
            User.objects.filter(pk=user.pk).update(is_active=False)
            audit_record(actor=request.user, action=AuditAction.UPDATE, target=user)
        ended = end_sessions_of({u.pk for u in users})
        accounts = ngettext("%(count)s account", "%(count)s accounts", len(users)) % {"count": len(users)}
        sessions = ngettext("%(count)s session", "%(count)s sessions", ended) % {"count": ended}
        self.message_user(request, f"Deactivated {accounts} and ended {sessions}.")


@admin.register(Therapist)
class TherapistAdmin(admin.ModelAdmin):
    list_display = ["display_name", "credentials", "licence_region", "time_zone", "accepts_new_clients"]
    list_filter = ["accepts_new_clients", "time_zone"]
    search_fields = ["display_name", "licence_number"]
    raw_id_fields = ["user"]

    def get_readonly_fields(self, request, obj=None):
        # A profile is never re-pointed at another account (it would hand over its clients).
        return ["user"] if obj is not None else []


# allauth's own admin lets an admin delete someone's second factor in place; here that is the
# audited "Remove the second factor" action on the user, which also signs them out everywhere.
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(ReadOnlyAdmin):
    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type"]
    fields = ["user", "type", "created_at", "last_used_at"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the trail is append-only, even for superusers."""

    list_display = ["at", "action", "actor", "target_type", "target_id", "client_id", "amount", "ip"]
    # A date filter, not a date hierarchy: the hierarchy reads every row's year (10 s at 10 million rows).
    # No filter by target type: its choices are a SELECT DISTINCT over the whole trail (1.6 s at 10
    # million rows); the type shows in each row.
    list_filter = [("at", admin.DateFieldListFilter), "action"]
    search_fields = ["target_id", "request_id"]
    ordering = ["-at", "-id"]
    # The actor may be empty (the system's own actions): Django's automatic select_related follows only
    # required keys, so without this each row's actor was a query of its own (39 queries a page at L).
    list_select_related = ["actor"]
    # The trail grows without end: count at most 10,000 matching rows (practice/pagination.py), and
    # never the whole table a second time for "N results (M total)".
    paginator = CappedCountPaginator
    show_full_result_count = False


@admin.register(PracticeSettings)
class PracticeSettingsAdmin(admin.ModelAdmin):
    """One row: the crisis text and the clinical lead (every change is audited by the admin site)."""

    fields = [
        "crisis_text",
        "clinical_lead",
        "referral_target_urgent_days",
        "referral_target_soon_days",
        "referral_target_routine_days",
    ]

    def has_add_permission(self, request):
        return not PracticeSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
