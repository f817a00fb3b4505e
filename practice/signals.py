"""Sign-in events go to the audit trail (ids and the outcome only)."""

from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver

from practice.audit import audit_record
from practice.models import AuditAction


@receiver(auth_signals.user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_record(actor=user, action=AuditAction.LOGIN, target=user)


@receiver(auth_signals.user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action=AuditAction.LOGOUT, target=user)


@receiver(auth_signals.user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # The attempted email is deliberately not stored: it may be a client's address.
    audit_record(actor=None, action=AuditAction.LOGIN_FAILED)


@receiver(mfa_signals.authenticator_added)
def _mfa_added(sender, request, user, authenticator, **kwargs):
    audit_record(actor=user, action=AuditAction.MFA_ENABLED, target=authenticator)


@receiver(mfa_signals.authenticator_removed)
def _mfa_removed(sender, request, user, authenticator, **kwargs):
    audit_record(actor=user, action=AuditAction.MFA_DISABLED, target=authenticator)
