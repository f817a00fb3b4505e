"""A risk alert's page: what raised it, and acknowledging it with a follow-up note.

For the unit's therapists and the clinical lead (`clients.access.get_alert_for_user`); 404 for
everyone else. Reading it is audited, as the page shows the risk answers.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clients import alerts, selectors
from clients.access import get_alert_for_user
from clients.forms import RiskAlertAcknowledgeForm
from practice.access import role_required
from practice.audit import audit_record
from practice.forms_support import apply_errors, invalid
from practice.models import AuditAction, User

TEMPLATE = "clients/alert_detail.html"


@require_http_methods(["GET", "POST"])
@role_required(User.Role.THERAPIST)
def alert_detail(request: HttpRequest, client_id: int, alert_id: int) -> HttpResponse:
    alert = get_alert_for_user(request.user, client_id, alert_id)
    form = RiskAlertAcknowledgeForm(request.POST or None)
    context = {**selectors.risk_alert_page(alert=alert, user=request.user), "form": form}
    if request.method == "GET":
        audit_record(actor=request.user, action=AuditAction.VIEW, target=alert)
        return render(request, TEMPLATE, context)
    if not form.is_valid():
        return invalid(request, TEMPLATE, context)
    try:
        alerts.risk_alert_acknowledge(alert=alert, by=request.user, note=form.cleaned_data["follow_up_note"])
    except ValidationError as error:
        apply_errors(form, error)
        return invalid(request, TEMPLATE, context)
    messages.success(request, _("Alert acknowledged. Your follow-up note is on the record."))
    return redirect("clients:alert_detail", client_id=alert.client_id, alert_id=alert.pk)
