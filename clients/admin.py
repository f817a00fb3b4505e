"""Admin for the client record: non-confidential fields only.

Names, notes, intake answers and goals are encrypted and deliberately absent here: admins manage
the practice, not the clinical record. The concern taxonomy is editable.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse

from clients import services
from clients.models import (
    Addendum,
    Client,
    Concern,
    Consent,
    Goal,
    IntakeResponse,
    Member,
    MemberSearchToken,
    Note,
    NoteTemplate,
    RiskAlert,
)
from practice.admin_support import ReadOnlyAdmin
from practice.models import Therapist


class TherapistsForm(forms.Form):
    primary = forms.ModelChoiceField(queryset=Therapist.objects.all(), label="Primary therapist")
    co_therapists = forms.ModelMultipleChoiceField(queryset=Therapist.objects.all(), required=False)


@admin.register(Concern)
class ConcernAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "group", "intensive", "order"]
    list_filter = ["group", "intensive"]
    list_editable = ["order"]
    search_fields = ["name", "slug"]


@admin.register(NoteTemplate)
class NoteTemplateAdmin(admin.ModelAdmin):
    """Not confidential (headings only): the practice renames, orders and retires templates here."""

    list_display = ["name", "note_kind", "position", "active", "created_by"]
    list_select_related = ["created_by"]  # optional keys: Django's automatic join skips them
    list_filter = ["active", "note_kind"]
    list_editable = ["position", "active"]
    search_fields = ["name"]
    raw_id_fields = ["created_by"]


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["reference", "kind", "status", "primary_therapist", "created_at"]
    list_filter = ["kind", "status", "primary_therapist"]
    search_fields = ["reference"]
    fields = ["reference", "kind", "status", "primary_therapist", "co_therapists", "created_at", "updated_at"]
    # Who treats a unit changes only through `client_therapists_set` (audited, tells the therapists),
    # from the "Change therapists" page below, never as a plain edit of these fields.
    readonly_fields = ["reference", "kind", "primary_therapist", "co_therapists", "created_at", "updated_at"]
    change_form_template = "admin/clients/client/change_form.html"

    def get_urls(self):
        extra = [
            path(
                "<int:client_id>/therapists/",
                self.admin_site.admin_view(self.therapists_view),
                name="clients_client_therapists",
            )
        ]
        return extra + super().get_urls()

    def therapists_view(self, request, client_id: int):
        client = get_object_or_404(Client, pk=client_id)
        if not self.has_change_permission(request, client):
            raise PermissionDenied
        initial = {"primary": client.primary_therapist, "co_therapists": list(client.co_therapists.all())}
        form = TherapistsForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            services.client_therapists_set(
                client=client,
                primary=form.cleaned_data["primary"],
                co_therapists=list(form.cleaned_data["co_therapists"]),
                by=request.user,
            )
            self.message_user(request, f"Therapists of {client.reference} changed; the therapists involved were told.")
            return redirect(reverse("admin:clients_client_change", args=[client.pk]))
        context = {**self.admin_site.each_context(request), "client": client, "form": form, "opts": self.model._meta}
        return render(request, "admin/clients/client/therapists.html", context, status=400 if form.errors else 200)

    def has_add_permission(self, request):
        return False  # units are created by therapists, with their members, in the app

    def has_delete_permission(self, request, obj=None):
        return False  # clinical records are retained, not deleted from the admin


class ClinicalReadOnlyAdmin(ReadOnlyAdmin):
    """Clinical records are listed by reference and dates only; their text is never shown here."""


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    """Names and contact details are encrypted and absent: a member is known here by unit and position."""

    list_display = ["__str__", "client", "position", "has_portal_account", "invited_at", "time_zone"]
    list_select_related = ["client", "user"]
    list_filter = ["contact_by_email", "contact_by_sms", "discreet_wording", "reminders_enabled"]
    search_fields = ["client__reference"]
    fields = [
        "client",
        "position",
        "user",
        "invited_at",
        "time_zone",
        "contact_by_email",
        "contact_by_sms",
        "discreet_wording",
        "reminders_enabled",
    ]
    readonly_fields = ["client", "position", "user", "invited_at"]
    actions = ["resend_invitation"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(boolean=True, description="Portal account")
    def has_portal_account(self, member: Member) -> bool:
        return bool(member.user_id and member.user.has_usable_password())

    @admin.action(description="Send (again) the portal invitation")
    def resend_invitation(self, request, queryset):
        sent, refused = 0, 0
        for member in queryset.select_related("client", "user"):
            try:
                services.member_invite(member=member, by=request.user)
                sent += 1
            except ValidationError:
                refused += 1
        self.message_user(
            request, f"Invitations queued: {sent}. Not possible (no email, or account already set up): {refused}."
        )


@admin.register(Note)
class NoteAdmin(ClinicalReadOnlyAdmin):
    list_display = ["__str__", "client", "author", "kind", "session_date", "signed_at"]
    list_filter = ["kind", "author"]
    list_select_related = ["client", "author"]
    search_fields = ["client__reference"]
    fields = ["client", "author", "kind", "session_date", "appointment", "signed_at"]


@admin.register(Goal)
class GoalAdmin(ClinicalReadOnlyAdmin):
    list_display = ["__str__", "client", "status", "review_on", "shared_with_client"]
    list_filter = ["status", "shared_with_client"]
    list_select_related = ["client"]
    search_fields = ["client__reference"]
    fields = ["client", "status", "review_on", "shared_with_client", "completed_on", "created_by"]


@admin.register(IntakeResponse)
class IntakeResponseAdmin(ClinicalReadOnlyAdmin):
    list_display = ["__str__", "member", "status", "submitted_at", "reviewed_at"]
    list_filter = ["status"]
    list_select_related = ["member"]
    fields = ["member", "status", "submitted_at", "reviewed_at", "reviewed_by"]


@admin.register(Addendum)
class AddendumAdmin(ClinicalReadOnlyAdmin):
    list_display = ["__str__", "note", "author", "created_at"]
    list_select_related = ["note", "author"]
    fields = ["note", "author", "created_at"]


@admin.register(Consent)
class ConsentAdmin(ClinicalReadOnlyAdmin):
    list_display = ["__str__", "client", "member", "kind", "referrer", "granted_at", "revoked_at", "source"]
    list_filter = ["kind", "source"]
    list_select_related = ["client", "member", "referrer"]
    search_fields = ["client__reference"]


@admin.register(MemberSearchToken)
class MemberSearchTokenAdmin(ClinicalReadOnlyAdmin):
    list_display = ["__str__", "client", "member"]
    fields = ["client", "member"]  # the digest itself is not worth showing anyone


@admin.register(RiskAlert)
class RiskAlertAdmin(ClinicalReadOnlyAdmin):
    """Alerts are raised and acknowledged in the product (audited); the follow-up note is never shown here."""

    list_display = ["__str__", "client", "member", "source", "raised_at", "acknowledged_at", "acknowledged_by"]
    list_filter = ["source"]
    list_select_related = ["client", "member", "acknowledged_by"]
    search_fields = ["client__reference"]
    fields = ["client", "member", "source", "source_id", "raised_at", "acknowledged_at", "acknowledged_by"]
