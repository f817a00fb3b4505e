"""Right of access: a treating therapist downloads one person's record as one JSON file, or the same
record as a readable PDF (`clients/export_pdf.py`, drawn from the same structure, so the same scope).

For a couple the therapist chooses whose request it answers (one partner's record), or the whole
couple's record, which needs both partners' recorded consent (`Consent.Kind.COUPLE_EXPORT`).

The password is asked for again on every export (a signed-in session alone is not enough to take the
whole record away), attempts are rate-limited with allauth's re-authentication limit, and both a
refused attempt (DENIED) and the export (EXPORT) are audited.
"""

import json

from allauth.core import ratelimit
from django import forms
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from clients import access
from clients.export import client_record_export, couple_export_allowed
from clients.export_pdf import record_pdf
from practice.access import role_required
from practice.audit import audit_record
from practice.downloads import as_attachment
from practice.models import AuditAction, User

TEMPLATE = "clients/client_export.html"
WRONG_PASSWORD = _("That is not your password. Nothing was exported.")
TOO_MANY = _("Too many attempts. Wait a minute and try again. Nothing was exported.")
WHOLE_COUPLE = "couple"
NO_COUPLE_CONSENT = _(
    "The whole couple's record can be exported only when both partners have consented to it "
    "(record the consent first). You can export each partner's own record."
)


class ExportForm(forms.Form):
    """Lives beside its only view: it is the re-authentication step of this one page."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    file_format = forms.ChoiceField(
        label=_("File"),
        choices=[
            ("json", _("JSON (structured data, for another system)")),
            ("pdf", _("PDF (readable, to print or give to the client)")),
        ],
        initial="json",
        required=False,  # a request that names no format gets the JSON, as before there was a choice
        widget=forms.RadioSelect,
    )
    include_psychotherapy = forms.BooleanField(
        required=False,
        label=_("Include my own private psychotherapy notes"),
        help_text=_("Left out by default. Other therapists' psychotherapy notes are never included."),
    )

    def __init__(self, *args, user: User, members: list, couple_allowed: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.members, self.couple_allowed = user, {str(m.pk): m for m in members}, couple_allowed
        if len(members) > 1:
            choices = [(str(m.pk), _("%(name)s's own record") % {"name": m.display_name}) for m in members]
            choices.append((WHOLE_COUPLE, _("The whole couple's record (needs both partners' consent)")))
            self.fields["scope"] = forms.ChoiceField(label=_("Whose request is this?"), choices=choices)
            self.order_fields(["scope", "file_format", "password", "include_psychotherapy"])

    def clean_scope(self) -> str:
        scope = self.cleaned_data["scope"]
        if scope == WHOLE_COUPLE and not self.couple_allowed:
            raise forms.ValidationError(NO_COUPLE_CONSENT)
        return scope

    def member(self):
        """The member whose record it is, or None for the whole couple."""
        if len(self.members) == 1:
            return next(iter(self.members.values()))
        scope = self.cleaned_data["scope"]
        return None if scope == WHOLE_COUPLE else self.members[scope]

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(WRONG_PASSWORD, code="wrong_password")
        return password


@never_cache
@require_http_methods(["GET", "POST"])
@role_required(User.Role.THERAPIST)
def client_export(request: HttpRequest, client_id: int) -> HttpResponse:
    client = access.get_client_for_user(request.user, client_id)
    members = list(client.members.order_by("position"))
    couple_allowed = len(members) > 1 and couple_export_allowed(client)
    form = ExportForm(request.POST or None, user=request.user, members=members, couple_allowed=couple_allowed)
    context = {"client": client, "form": form}
    if request.method == "GET":
        return render(request, TEMPLATE, context)

    if not ratelimit.consume(request, action="reauthenticate", user=request.user):
        audit_record(actor=request.user, action=AuditAction.DENIED, target=client)
        form.add_error(None, TOO_MANY)
        return render(request, TEMPLATE, context, status=429)
    if not form.is_valid():
        if form.has_error("password", code="wrong_password"):
            audit_record(actor=request.user, action=AuditAction.DENIED, target=client)
        return render(request, TEMPLATE, context, status=400)

    include = form.cleaned_data["include_psychotherapy"]
    record = client_record_export(
        client=client, therapist=request.user.therapist, include_psychotherapy=include, member=form.member()
    )
    audit_record(actor=request.user, action=AuditAction.EXPORT, target=client)
    if form.cleaned_data.get("file_format") == "pdf":
        pdf = record_pdf(record, reference=client.reference)
        return as_attachment(HttpResponse(pdf, content_type="application/pdf"), f"{client.reference}-record.pdf")
    body = json.dumps(record, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    return as_attachment(HttpResponse(body, content_type="application/json"), f"{client.reference}-record.json")
