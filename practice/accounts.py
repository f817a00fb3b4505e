"""Account changes an admin may make for someone else, each audited: never a plain admin edit."""

from allauth.account.forms import ResetPasswordForm
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db import transaction
from django.http import HttpRequest

from practice.audit import audit_record
from practice.models import AuditAction, User
from practice.session_security import sessions_end


@transaction.atomic
def second_factor_remove(*, user: User, by: User) -> int:
    """Remove every second factor of `user` (a lost phone) and end all their sessions.

    They are asked to set one up again at their next sign-in (therapists, staff and admins cannot
    go on without it). Returns how many authenticators were removed.
    """
    authenticators = list(Authenticator.objects.filter(user=user))
    for authenticator in authenticators:
        audit_record(actor=by, action=AuditAction.MFA_DISABLED, target=authenticator)
    Authenticator.objects.filter(pk__in=[a.pk for a in authenticators]).delete()
    sessions_end(user_ids={user.pk})
    return len(authenticators)


def verified_primary_email(user: User) -> str | None:
    """The one address a password reset may go to: the verified primary address, else the sign-in
    address itself (the one the practice entered; allauth records it, unverified, on first use).
    An address added and not yet verified is never either: it becomes the sign-in address only
    once verified (ACCOUNT_CHANGE_EMAIL)."""
    primary = EmailAddress.objects.filter(user=user, primary=True, verified=True).first()
    if primary is not None:
        return primary.email
    return user.email or None


def password_reset_send(*, request: HttpRequest, user: User) -> bool:
    """Email `user` a password-reset link at their verified primary address (allauth's own flow).

    An admin never sets another person's password. False when the account has no verified primary
    address to send it to.
    """
    email = verified_primary_email(user)
    if email is None or not user.is_active:
        return False
    form = ResetPasswordForm(data={"email": email})
    if not form.is_valid():
        return False
    form.save(request)
    audit_record(actor=request.user, action=AuditAction.UPDATE, target=user)
    return True


@transaction.atomic
def preferences_update(*, user: User, language: str, date_style: str) -> User:
    """A person's own language and date format (practice/locale.py), audited as an update."""
    user.language = language
    user.date_style = date_style
    user.full_clean(exclude=["password", "email", "sign_in_email"])
    user.save(update_fields=["language", "date_style"])
    audit_record(actor=user, action=AuditAction.UPDATE, target=user)
    return user
