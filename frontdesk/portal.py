"""The portal home: the client's sessions, questionnaire, documents to sign, goals and consents."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from billing.money import format_money
from billing.selectors import account, is_billing_party
from clients.access import get_portal_member
from clients.selectors import portal_summary
from documents.selectors import documents_to_sign
from measures.selectors import portal_requests
from practice.access import role_required
from practice.audit import audit_record
from practice.models import AuditAction, User
from resources.selectors import portal_home
from sessions_app.selectors import member_appointments


def _billing(member) -> dict:
    """A link to the account for the member who pays (the other partner sees nothing of it)."""
    if not is_billing_party(member):
        return {"billing_party": False}
    return {"billing_party": True, "billing_owed": format_money(account(member.client).owed)}


@require_GET
@role_required(User.Role.CLIENT)
def portal(request: HttpRequest) -> HttpResponse:
    try:
        member = get_portal_member(request.user)
    except Http404:
        # A client account the practice has not linked to a record (yet): a page with nothing on it.
        return render(request, "frontdesk/portal.html", {"member": None})

    summary = portal_summary(member=member)
    # The shared goals are clinical text: one audit row for this read of the unit's record.
    audit_record(actor=request.user, action=AuditAction.VIEW, target=member.client)
    # The member's own sessions (by attendance: a partner's individual sessions are not theirs).
    context = {
        **summary,
        **member_appointments(member=member),
        **portal_home(member=member),
        "zone": member.zone,
        "documents_to_sign": len(documents_to_sign(member=member)),
        "measures_open": len(portal_requests(member=member)),
        **_billing(member),
    }
    return render(request, "frontdesk/portal.html", context)
