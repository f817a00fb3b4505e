"""The client's own record in the portal: profile, questionnaire, consents, policy, invitation.

Every page starts from the signed-in user (`get_portal_member`), never from an id in the URL, so
one partner of a couple cannot reach the other's answers. Consents are the one object loaded by id,
and only through `get_portal_consent`, which checks it belongs to the signed-in member.
"""

from allauth.account.internal.flows.login import record_authentication
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from clients import services
from clients.access import get_portal_consent, get_portal_member
from clients.drafts import INTAKE
from clients.models import Consent, IntakeResponse, Member
from clients.portal_forms import (
    CONSENT_EXPLANATIONS,
    ConsentGrantForm,
    IntakeForm,
    ProfileForm,
    intake_answers,
)
from clients.selectors import consent_withdraw_effects
from practice import drafts
from practice.access import role_required
from practice.audit import audit_record
from practice.forms_support import refuse
from practice.models import AuditAction, User

SIGNED_IN_DOCUMENTS = gettext_lazy(
    "Consent to treatment, to video sessions and to sharing information is a document you read and sign: "
    "you will find it under Documents."
)
INTAKE_ALREADY_SENT = gettext_lazy(
    "Your questionnaire was already sent to your therapist, so it can no longer be changed."
)


# --- Profile --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(User.Role.CLIENT)
def profile(request: HttpRequest) -> HttpResponse:
    member = get_portal_member(request.user)
    if request.method == "GET":
        audit_record(actor=request.user, action=AuditAction.VIEW, target=member, client_id=member.client_id)
        return _profile_page(request, member, ProfileForm(instance=member))

    form = ProfileForm(request.POST, instance=member)
    if not form.is_valid():
        return _profile_page(request, member, form, status=400)

    services.member_update(member=member, by=request.user, **form.cleaned_data)
    messages.success(request, _("Your details are saved."))
    return redirect("portal:profile")


def _profile_page(request: HttpRequest, member: Member, form: ProfileForm, status: int = 200) -> HttpResponse:
    # Names and date of birth are not form fields, so a rejected form leaves them as stored.
    return render(request, "clients/portal/profile.html", {"member": member, "form": form}, status=status)


# --- Intake questionnaire -------------------------------------------------------------------------


def _own_intake(member: Member) -> IntakeResponse | None:
    try:
        return member.intake
    except IntakeResponse.DoesNotExist:
        return None


@require_http_methods(["GET", "POST"])
@role_required(User.Role.CLIENT)
def intake(request: HttpRequest) -> HttpResponse:
    member = get_portal_member(request.user)
    own = _own_intake(member)
    if request.method == "POST":
        return _intake_post(request, member, own)

    if own is not None:
        audit_record(actor=request.user, action=AuditAction.VIEW, target=own, client_id=member.client_id)
    sent = own is not None and own.status == IntakeResponse.Status.SUBMITTED
    draft, kept = (None, {}) if sent else drafts.draft_page(user=request.user, key=drafts.draft_key(INTAKE, member.pk))
    return _intake_page(request, member, own, IntakeForm(instance=own, initial=kept), draft=draft)


def _intake_post(request: HttpRequest, member: Member, own: IntakeResponse | None) -> HttpResponse:
    if own is not None and own.status == IntakeResponse.Status.SUBMITTED:
        messages.info(request, INTAKE_ALREADY_SENT)
        return redirect("portal:intake")

    submit = request.POST.get("action") == "submit"
    form = IntakeForm(request.POST, instance=own or IntakeResponse(member=member), submitting=submit)
    if not form.is_valid():
        return _intake_page(request, member, own, form, status=400)

    try:
        services.intake_save(member=member, by=request.user, submit=submit, **form.cleaned_data)
    except ValidationError:  # sent from another tab in the meantime
        messages.info(request, INTAKE_ALREADY_SENT)
        return redirect("portal:intake")

    drafts.draft_discard(user=request.user, key=drafts.draft_key(INTAKE, member.pk))
    if submit:
        messages.success(request, _("Thank you. Your answers are sent to your therapist."))
        # The page it lands on shows the crisis text when the answers raised an alert (`_intake_page`).
    else:
        messages.success(request, _("Draft saved. Nobody else sees it until you send it."))
    return redirect("portal:intake")


def _intake_page(
    request: HttpRequest, member: Member, own: IntakeResponse | None, form: IntakeForm, status: int = 200, draft=None
) -> HttpResponse:
    submitted = own is not None and own.status == IntakeResponse.Status.SUBMITTED
    context = {
        "member": member,
        "intake": own,
        "form": None if submitted else form,
        "answers": intake_answers(own) if submitted else None,
        # Right after sending risk answers, and whenever they come back to them: nobody may read them for hours.
        "show_crisis_text": submitted and own.has_risk_answers,
        "zone": member.zone,
        "draft": draft,
        "draft_key": drafts.draft_key(INTAKE, member.pk),
    }
    return render(request, "clients/portal/intake.html", context, status=status)


# --- Consents -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(User.Role.CLIENT)
def consents(request: HttpRequest) -> HttpResponse:
    member = get_portal_member(request.user)
    if request.method == "GET":
        return _consents_page(request, member, ConsentGrantForm(member=member))
    if request.POST.get("kind") in Consent.DOCUMENT_KINDS:
        messages.info(request, SIGNED_IN_DOCUMENTS)
        return redirect("portal:documents")

    form = ConsentGrantForm(request.POST, member=member)
    if form.is_valid():
        kind = form.cleaned_data["kind"]
        try:
            services.consent_grant(member=member, kind=kind, by=request.user, source=Consent.Source.PORTAL)
        except ValidationError as exc:
            form.add_error("kind", exc)
        else:
            messages.success(request, _("Thank you. Consent given: %(kind)s.") % {"kind": Consent.Kind(kind).label})
            return redirect("portal:consents")
    return _consents_page(request, member, form, status=400)


def _consents_page(request: HttpRequest, member: Member, form: ConsentGrantForm, status: int = 200) -> HttpResponse:
    own = list(member.consents.select_related("referrer").order_by("-granted_at"))
    active_kinds = {c.kind for c in own if c.is_active}
    can_give = [
        (kind, kind.label, CONSENT_EXPLANATIONS[kind]) for kind in Consent.PORTAL_KINDS if kind not in active_kinds
    ]
    context = {
        "member": member,
        "consents": [(c, CONSENT_EXPLANATIONS.get(c.kind, "")) for c in own],
        "can_give": can_give,
        "form": form,
        "zone": member.zone,
    }
    return render(request, "clients/portal/consents.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(User.Role.CLIENT)
def consent_withdraw(request: HttpRequest, consent_id: int) -> HttpResponse:
    """GET: what withdrawing the consent does; POST: withdraw it."""
    consent = get_portal_consent(request.user, consent_id)
    if consent.is_document_kind:  # withdrawing the signature takes this old record with it
        messages.info(request, _("This consent is kept with your signed documents now: you can withdraw it there."))
        return redirect("portal:documents")
    if request.method == "GET":
        context = {"consent": consent, "effects": consent_withdraw_effects(consent), "zone": consent.member.zone}
        return render(request, "clients/portal/consent_withdraw.html", context)
    try:
        services.consent_revoke(consent=consent, by=request.user)
    except ValidationError:
        messages.info(request, _("That consent was already withdrawn."))
        return redirect("portal:consents")

    message = _("Consent withdrawn: %(kind)s. This took effect straight away.") % {"kind": consent.get_kind_display()}
    if consent.kind not in Consent.PORTAL_KINDS:
        message += " " + _("Your therapist will talk with you about what this means for your sessions.")
    messages.success(request, message)
    return redirect("portal:consents")


# --- Couple's confidentiality policy --------------------------------------------------------------


@require_POST
@role_required(User.Role.CLIENT)
def policy_acknowledge(request: HttpRequest) -> HttpResponse:
    member = get_portal_member(request.user)
    if member.has_acknowledged_policy:
        messages.info(request, _("You have already acknowledged this policy."))
        return redirect("portal:home")
    try:
        services.policy_acknowledge(member=member, by=request.user)
    except ValidationError as exc:
        refuse(request, exc)
    else:
        messages.success(request, _("Thank you for acknowledging the confidentiality policy."))
    return redirect("portal:home")


# --- Invitation ------------------------------------------------------------------------------------


def _invited_user(uidb64: str, token: str) -> User | None:
    """The client whose invitation link this is, if it is still good; else None.

    Only accounts that never had a password qualify: the link is for setting the first one, and it
    must not become a way round a second factor the client added later.
    """
    try:
        user = User.objects.get(pk=urlsafe_base64_decode(uidb64).decode())
    except (TypeError, ValueError, OverflowError, ValidationError, User.DoesNotExist):
        return None
    if not (user.is_active and user.is_client and not user.has_usable_password()):
        return None
    if not Member.objects.filter(user=user).exists():
        return None
    if not default_token_generator.check_token(user, token):
        return None
    return user


# Like Django's password reset: the token leaves the address bar (and so request logs, browser
# history and Referer headers) at the first visit, and waits in the session instead.
INVITATION_SESSION_TOKEN = "set-password"  # noqa: S105 - a placeholder, not a secret
_INVITATION_TOKEN_KEY = "_invitation_token"  # noqa: S105 - a session key name


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    if token != INVITATION_SESSION_TOKEN:
        if _invited_user(uidb64, token) is None:
            return render(request, "clients/portal/invitation_invalid.html", status=400)
        request.session[_INVITATION_TOKEN_KEY] = token
        return redirect("portal:invitation_accept", uidb64=uidb64, token=INVITATION_SESSION_TOKEN)

    user = _invited_user(uidb64, request.session.get(_INVITATION_TOKEN_KEY, ""))
    if user is None:
        return render(request, "clients/portal/invitation_invalid.html", status=400)

    form = SetPasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "GET" or not form.is_valid():
        status = 400 if form.is_bound else 200
        return render(request, "clients/portal/invitation_accept.html", {"form": form, "invited": user}, status=status)

    services.invitation_accept(user=user, password=form.cleaned_data["new_password1"])
    del request.session[_INVITATION_TOKEN_KEY]
    login(request, user, backend="practice.auth_backends.ModelBackend")
    # Tell allauth a password was just entered, so adding a second factor now does not ask again.
    record_authentication(request, user, method="password", email=user.email)
    messages.success(request, _("Welcome. Your password is set and you are signed in."))
    messages.info(request, _second_factor_offer())
    return redirect("portal:home")


def _second_factor_offer() -> str:
    return format_html(
        '{} <a href="{}">{}</a>',
        _("Optional but recommended: add a second factor, so your password alone cannot open your account."),
        reverse("mfa_activate_totp"),
        _("Set up an authenticator app"),
    )
