"""Sign-in events go to the audit trail (ids and the outcome only)."""

from allauth.account.models import EmailAddress
from allauth.mfa import signals as mfa_signals
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth import signals as auth_signals
from django.db.models.signals import post_save
from django.dispatch import receiver

from practice.audit import audit_record, audit_record_ids
from practice.models import AuditAction, User


@receiver(auth_signals.user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_record(actor=user, action=AuditAction.LOGIN, target=user)


@receiver(auth_signals.user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action=AuditAction.LOGOUT, target=user)


@receiver(auth_signals.user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # The row names the account tried (by id) when there is one; the typed address is never stored:
    # it may be a client's, or a stranger's guess.
    login = (credentials.get("email") or credentials.get("username") or "").strip()
    account = User.objects.by_address(login).first() if login else None
    audit_record(actor=None, action=AuditAction.LOGIN_FAILED, target=account)


@receiver(mfa_signals.authentication_failed)
def _mfa_failed(sender, request, user, authenticator, **kwargs):
    audit_record(actor=None, action=AuditAction.MFA_FAILED, target=user)


@receiver(mfa_signals.authenticator_added)
def _mfa_added(sender, request, user, authenticator, **kwargs):
    audit_record(actor=user, action=AuditAction.MFA_ENABLED, target=authenticator)


@receiver(mfa_signals.authenticator_removed)
def _mfa_removed(sender, request, user, authenticator, **kwargs):
    audit_record(actor=user, action=AuditAction.MFA_DISABLED, target=authenticator)


_ADMIN_LOG_ACTIONS = {ADDITION: AuditAction.CREATE, CHANGE: AuditAction.UPDATE, DELETION: AuditAction.DELETE}


@receiver(post_save, sender=LogEntry)
def _admin_change(sender, instance: LogEntry, created: bool, **kwargs):
    """Every save and deletion through the admin (ours and third parties' models) is audited."""
    if not created or instance.action_flag not in _ADMIN_LOG_ACTIONS:
        return
    content_type = instance.content_type
    target_type = f"{content_type.app_label}.{content_type.model}" if content_type else ""
    audit_record_ids(
        actor=instance.user,
        action=_ADMIN_LOG_ACTIONS[instance.action_flag],
        target_type=target_type,
        target_id=instance.object_id or "",
    )


@receiver(post_save, sender=User)
def _sign_in_address_recorded(sender, instance: User, created: bool, raw: bool = False, **kwargs):
    """Every account's sign-in address is its verified primary address from the start (the practice
    entered it). allauth's change-email flow then swaps it only for a new address once verified."""
    if created and not raw and instance.email:
        EmailAddress.objects.get_or_create(
            user=instance, email=instance.email, defaults={"primary": True, "verified": True}
        )
