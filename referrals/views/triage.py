"""Triage for therapists and staff: the queue, the referral page (audited) and its actions.

Every referral comes through `referrals.access`; every action goes through a service that records
who did it and when.
"""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from practice.access import role_required
from practice.audit import audit_record
from practice.forms_support import apply_errors, refuse
from practice.models import AuditAction, User
from referrals import access, selectors, services
from referrals.forms import AcceptForm, DeclineForm, NoteForm, ReferOnForm, TriageFilterForm
from referrals.models import Referral, Referrer

THERAPIST = User.Role.THERAPIST
STAFF = User.Role.STAFF
ACTION_FORMS = {"contacted": NoteForm, "waitlist": NoteForm, "decline": DeclineForm, "referon": ReferOnForm}


@require_GET
@role_required(THERAPIST, STAFF)
def triage(request: HttpRequest) -> HttpResponse:
    form = TriageFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    status = filters.get("status") or "open"
    rows = selectors.referral_queue(
        user=request.user, status=status, urgency=filters.get("urgency", ""), referrer_id=filters.get("referrer")
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    selectors.with_waits(page.object_list)
    context = {
        "form": form,
        "status": status,
        "page": page,
        "referrer": Referrer.objects.filter(pk=filters["referrer"]).first() if filters.get("referrer") else None,
    }
    return render(request, "referrals/triage.html", context)


def _detail(request: HttpRequest, referral: Referral, *, status: int = 200, **bound) -> HttpResponse:
    """The referral page. Reading it (again, after a refused action too) is audited."""
    context = selectors.referral_page(referral=referral, user=request.user)
    therapist = referral.preferred_therapist or getattr(request.user, "therapist", None)
    context["forms"] = {
        "accept": AcceptForm(prefix="accept", initial={"therapist": therapist}),
        **{prefix: form_class(prefix=prefix) for prefix, form_class in ACTION_FORMS.items()},
        **bound,
    }
    audit_record(actor=request.user, action=AuditAction.VIEW, target=referral)
    return render(request, "referrals/referral_detail.html", context, status=status)


@require_GET
@role_required(THERAPIST, STAFF)
def referral_detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = access.get_referral_for_user(request.user, referral_id)
    return _detail(request, referral)


def _act(request: HttpRequest, referral_id: int, prefix: str, service: Callable, done: str) -> HttpResponse:
    referral = access.get_referral_for_user(request.user, referral_id)
    form = ACTION_FORMS[prefix](request.POST, prefix=prefix)
    if form.is_valid():
        try:
            service(referral=referral, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                refuse(request, error)
                return redirect("referrals:detail", referral_id=referral.pk)
            apply_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("referrals:detail", referral_id=referral.pk)
    messages.error(request, _("Please correct the errors below. Nothing you typed has been lost."))
    return _detail(request, referral, status=400, **{prefix: form})


@require_POST
@role_required(THERAPIST, STAFF)
def referral_contacted(request: HttpRequest, referral_id: int) -> HttpResponse:
    return _act(request, referral_id, "contacted", services.referral_mark_contacted, _("Marked as contacted."))


@require_POST
@role_required(THERAPIST, STAFF)
def referral_waitlist(request: HttpRequest, referral_id: int) -> HttpResponse:
    return _act(request, referral_id, "waitlist", services.referral_waitlist, _("Put on the waiting list."))


@require_POST
@role_required(THERAPIST, STAFF)
def referral_decline(request: HttpRequest, referral_id: int) -> HttpResponse:
    return _act(request, referral_id, "decline", services.referral_decline, _("Referral declined."))


@require_POST
@role_required(THERAPIST, STAFF)
def referral_refer_on(request: HttpRequest, referral_id: int) -> HttpResponse:
    return _act(request, referral_id, "referon", services.referral_refer_on, _("Recorded as referred on."))


@require_POST
@role_required(THERAPIST, STAFF)
def referral_accept(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = access.get_referral_for_user(request.user, referral_id)
    form = AcceptForm(request.POST, prefix="accept")
    if not form.is_valid():
        messages.error(request, _("Choose the therapist who will see them."))
        return _detail(request, referral, status=400, accept=form)
    try:
        referral, problems = services.referral_accept(
            referral=referral,
            by=request.user,
            therapist=form.cleaned_data["therapist"],
            base_url=request.build_absolute_uri("/"),
        )
    except ValidationError as error:
        refuse(request, error)
        return redirect("referrals:detail", referral_id=referral.pk)
    messages.success(request, _("Accepted: client %(ref)s created.") % {"ref": referral.client.reference})
    for problem in problems:
        messages.warning(request, _("No invitation sent to %(problem)s") % {"problem": problem})
    return redirect("referrals:detail", referral_id=referral.pk)


@require_GET
@role_required(THERAPIST, STAFF)
def report(request: HttpRequest) -> HttpResponse:
    return render(request, "referrals/report.html", {"sources": selectors.referral_sources()})
