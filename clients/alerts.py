"""Risk alerts: one mechanism for every risk signal (the intake today; scored measures and messages later).

`risk_alert_raise` is called inside the transaction that saves the answer, so an answer never exists
without its alert. It tells every therapist of the unit and the practice's clinical lead at once,
through the outbox, with the unit's reference only. Nobody is skipped for time off: a therapist who
is away must not silence the alert, and this app cannot see time off anyway (it lives above us, in
`sessions_app`). `risk_alert_acknowledge` closes an alert, and only with a follow-up note.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client, Member, RiskAlert
from clients.selectors import clinical_lead_id
from outbox import tasks as outbox_tasks
from outbox.services import notification_enqueue
from practice.audit import audit_record
from practice.models import AuditAction, Therapist, User

RISK_ALERT = "risk_alert"  # the outbox kind (builder in clients/messages.py)
NOTE_REQUIRED = _("Write what you did to follow this up (at least a few words) before closing the alert.")
NOTE_TOO_LONG = _("The follow-up note is too long: %(limit)s characters at most.")
ALREADY_ACKNOWLEDGED = _("This alert was already acknowledged; it stays on the record as it is.")


@transaction.atomic
def risk_alert_raise(*, member: Member, source: str, source_id: str | int, by: User) -> RiskAlert:
    """Raise the alert for one set of risk answers (`source`, `source_id`), once.

    Called again for the same answers (a retry, a double submit) it returns the first alert and
    queues nothing more: the unique constraint on (source, source_id) makes it exactly one.
    """
    alert, created = RiskAlert.objects.get_or_create(
        source=source,
        source_id=str(source_id),
        defaults={"client_id": member.client_id, "member": member, "raised_at": timezone.now()},
    )
    if not created:
        return alert
    audit_record(actor=by, action=AuditAction.ALERT_RAISED, target=alert, client_id=alert.client_id)
    _notify(alert)
    return alert


def alert_recipients(client: Client) -> list[Therapist]:
    """Every therapist of the unit and the clinical lead, each once (time off does not matter)."""
    lead_id = clinical_lead_id()
    ids = {client.primary_therapist_id, *client.co_therapists.values_list("pk", flat=True), lead_id} - {None}
    return list(Therapist.objects.filter(pk__in=ids, user__is_active=True).select_related("user").order_by("pk"))


def _notify(alert: RiskAlert) -> None:
    reference = alert.client.reference
    for therapist in alert_recipients(alert.client):
        notification_enqueue(
            kind=RISK_ALERT,
            key=f"{RISK_ALERT}:{alert.pk}:{therapist.pk}",  # once per alert and recipient
            target=alert,
            user=therapist.user,
            reference=reference,
        )
    # Now, not at the next beat (up to a minute later): hand the due messages to a worker after commit.
    # `robust`: a broker that is down must not turn a saved answer into an error page; beat sends it.
    transaction.on_commit(outbox_tasks.notifications_dispatch.delay, robust=True)


@transaction.atomic
def risk_alert_acknowledge(*, alert: RiskAlert, by: User, note: str) -> RiskAlert:
    """Close an open alert with the therapist's follow-up note (required). Audited."""
    therapist = by.therapist
    note = (note or "").strip()
    if not note:
        raise ValidationError({"follow_up_note": NOTE_REQUIRED})
    if len(note) > RiskAlert.FOLLOW_UP_MAX_LENGTH:
        raise ValidationError({"follow_up_note": NOTE_TOO_LONG % {"limit": RiskAlert.FOLLOW_UP_MAX_LENGTH}})
    alert = RiskAlert.objects.select_for_update().get(pk=alert.pk)  # two therapists at once: one wins
    if not alert.is_open:
        raise ValidationError(ALREADY_ACKNOWLEDGED)

    alert.follow_up_note = note
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = therapist
    alert.save(update_fields=["follow_up_note", "acknowledged_at", "acknowledged_by", "updated_at"])
    audit_record(actor=by, action=AuditAction.ALERT_ACKNOWLEDGED, target=alert, client_id=alert.client_id)
    return alert
