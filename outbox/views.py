from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from outbox import selectors, services
from outbox.forms import OutboxFilterForm
from outbox.sms_twilio import twilio_signature_valid
from practice.access import role_required
from practice.models import User


@require_GET
@role_required(User.Role.STAFF)
def outbox(request: HttpRequest) -> HttpResponse:
    """The practice's outbox: what was sent, when and to which reference; never message text."""
    form = OutboxFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = selectors.outbox_page(status=filters.get("status", ""), page=request.GET.get("page", 1))
    return render(request, "outbox/outbox.html", {"form": form, "page": page})


@csrf_exempt  # Twilio cannot hold a CSRF token: its signature is checked instead
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    """Twilio's delivery status callback for a text we sent: the latest status is recorded."""
    if not twilio_signature_valid(request):
        return HttpResponseForbidden()
    services.sms_status_record(
        provider_id=request.POST.get("MessageSid", ""),
        status=request.POST.get("MessageStatus", ""),
        error_code=request.POST.get("ErrorCode", ""),
    )
    return HttpResponse(status=204)
