"""The public referral form: no account, fast on a phone, hard to abuse.

Nothing typed is lost: a refused or invalid submission re-renders the form with every value kept
(the honeypot excepted) and the reason next to the field. Rate-limited submissions get 429.
"""

import hashlib

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from practice.forms_support import apply_errors
from practice.middleware import current_request_context
from referrals import ratelimit, services
from referrals.forms import SPECIALITIES, ReferralForm

TEMPLATE = "referrals/refer.html"


# The fields whose choices the practice's data decides; every other choice is fixed in the code.
CHOICES_FROM_DATA = ("concerns", "preferred_therapist")


def _page(request: HttpRequest, form: ReferralForm, *, status: int = 200, refused: str = "") -> HttpResponse:
    context = {"form": form, "specialities": SPECIALITIES, "refused": refused}
    if not form.is_bound:
        context["blank_form_key"] = blank_form_key(form)
    return render(request, TEMPLATE, context, status=status)


def blank_form_key(form: ReferralForm) -> str:
    """What the blank form's fields are drawn from besides the code and the language: the concerns and
    therapists offered, each as the value and label the page shows. The page keeps the drawn fields
    under this key (`{% cache %}` in refer.html, the per-process "fragments" cache), so a concern added
    or renamed, or a therapist who stops taking new clients, changes the key and shows on the next
    visit; drawing 19 fields took about four fifths of the page (10 of 13 ms here)."""
    choices = [
        (name, str(value), str(label)) for name in CHOICES_FROM_DATA for value, label in form.fields[name].choices
    ]
    return hashlib.sha256(repr(choices).encode()).hexdigest()


def _client_ip(request: HttpRequest) -> str:
    """The address the audit trail records for this request (`RequestContextMiddleware`), so the limit
    follows the practice's proxy rule wherever that is decided; REMOTE_ADDR without the middleware."""
    return current_request_context().ip or request.META.get("REMOTE_ADDR", "")


@require_http_methods(["GET", "POST"])
def refer(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request, ReferralForm())

    ip = _client_ip(request)
    if ratelimit.is_limited(ip):
        message = _(
            "Too many referrals were sent from this connection just now. Please wait ten minutes and "
            "send again (everything you typed is still here), or telephone the practice."
        )
        return _page(request, ReferralForm(request.POST), status=429, refused=message)
    if request.POST.get("website"):  # the honeypot: people never see it
        ratelimit.count(ip)
        data = request.POST.copy()
        data["website"] = ""
        return _page(request, ReferralForm(data), status=400, refused=_("Please check the form and send it again."))

    form = ReferralForm(request.POST)
    if not form.is_valid():
        refused = _("Please correct the marked fields. Nothing you typed has been lost.")
        return _page(request, form, status=400, refused=refused)
    try:
        referral = services.referral_submit(**form.submission())
    except ValidationError as error:
        apply_errors(form, error)
        return _page(request, form, status=400, refused=_("Please correct the marked fields."))
    ratelimit.count(ip)
    request.session["referral_reference"] = referral.reference
    return redirect("referrals:thanks")


@require_GET
def thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "referrals/thanks.html", {"reference": request.session.get("referral_reference", "")})
