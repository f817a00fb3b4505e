"""Letters back to the referrer, from the therapist treating the client (`referrals.access`), only
under a signed release of information naming that referrer: without one the page says who has not
signed it and links to the client's documents page, where a paper copy is recorded."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from practice.access import role_required
from practice.audit import audit_record
from practice.forms_support import apply_errors
from practice.models import AuditAction, User
from referrals import access, selectors, services
from referrals.forms import LetterForm


@require_http_methods(["GET", "POST"])
@role_required(User.Role.THERAPIST)
def letter(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = access.get_referral_for_letter(request.user, referral_id)
    therapist = request.user.therapist
    kinds = services.letter_kinds(referral)
    editable = not referral.referrer.is_clergy
    kind = request.GET.get("kind") if request.GET.get("kind") in dict(kinds) else kinds[0][0]
    draft = services.letter_draft(referral=referral, kind=kind, therapist=therapist)
    released, members = selectors.released_members(referral)
    partial = ", ".join(m.display_name for m in released) if released and len(released) < len(members) else ""
    if request.method == "GET":
        form = LetterForm(kinds=kinds, editable=editable, partial=partial, initial={"kind": kind, "body": draft})
        audit_record(actor=request.user, action=AuditAction.VIEW, target=referral)
        return _page(request, referral, form, kinds, draft, blocked=not released)

    form = LetterForm(request.POST, kinds=kinds, editable=editable, partial=partial)
    if form.is_valid():
        try:
            services.letter_send(
                referral=referral,
                by=request.user,
                body=form.cleaned_data.get("body", ""),
                kind=form.cleaned_data["kind"],
                token=form.cleaned_data["token"],
                speaks_of_released_only=form.cleaned_data.get("speaks_of_released_only", False),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Letter queued to %(name)s.") % {"name": referral.referrer.name})
            return redirect("referrals:letter", referral_id=referral.pk)
    messages.error(request, _("Please correct the errors below. Nothing you typed has been lost."))
    return _page(request, referral, form, kinds, draft, status=400)


def _page(request, referral, form, kinds, draft, *, status: int = 200, blocked: bool = False) -> HttpResponse:
    """The letter form; `blocked` (nobody released information yet): what is missing and where to
    record it, without the form."""
    context = {
        "blocked": blocked,
        "release_missing": selectors.release_missing(referral),
        "sign_url": reverse("documents:client", args=[referral.client_id]),
        "referral": referral,
        "client": referral.client,
        "form": form,
        "kinds": kinds,
        "draft": draft,
        "letters": selectors.letter_history(referral),
    }
    return render(request, "referrals/letter_form.html", context, status=status)
