from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from outbox import selectors
from outbox.forms import OutboxFilterForm
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
