"""The outbox: queue, dispatch and deliver every message the practice sends, each at most once.

How "at most once" holds:
- `notification_enqueue` is keyed: the same message (same key) is never queued twice.
- The database decides what is due. `notifications_dispatch` (beat, every minute) claims due rows
  with `select_for_update(skip_locked=True)`, marks them queued and, after commit, queues their ids.
  Rows queued long ago whose task was lost (a worker killed) are queued again; their delivery
  is still single because of the next step.
- `notification_deliver` claims its row again (skip_locked), re-builds the message from the target
  (None means "no longer wanted": cancelled), marks the row `sending` and commits, then sends, then
  marks it `sent`. A second delivery of the same id finds it no longer queued and does nothing.
  A worker dying between `sending` and `sent` leaves the row `sending`: it is never sent again,
  and `notifications_dispatch` marks such rows failed after a while so staff see them.

Builders turn a row into a `Message` at send time; apps register them per kind with `@builder`.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from practice.channels import Message, PermanentDeliveryError, TransientDeliveryError, send_email, send_sms
from practice.models import Notification

Builder = Callable[[Notification], Message | None]
_BUILDERS: dict[str, Builder] = {}
_ADDRESS_RESOLVERS: dict[str, Callable[[Notification], str]] = {}


def builder(kind: str) -> Callable[[Builder], Builder]:
    """Register the function that writes messages of `kind` (and decides whether still wanted)."""

    def register(function: Builder) -> Builder:
        _BUILDERS[kind] = function
        return function

    return register


# --- Queueing -------------------------------------------------------------------------------------


def notification_enqueue(
    *,
    kind: str,
    key: str,
    target: models.Model,
    send_at: datetime | None = None,
    channel: str = Notification.Channel.EMAIL,
    member=None,
    user=None,
    address: str = "",
    reference: str = "",
    context: dict | None = None,
) -> Notification:
    """Queue one message (in the caller's transaction). The same `key` twice returns the first row."""
    notification, _created = Notification.objects.get_or_create(
        key=key[:200],
        defaults={
            "kind": kind, "channel": channel, "send_at": send_at or timezone.now(), "member": member,
            "user": user, "address": address, "reference": reference,
            "target_type": target._meta.label_lower, "target_id": str(target.pk), "context": context or {},
        },
    )  # fmt: skip
    return notification


def notification_enqueue_many(rows: list[dict]) -> None:
    """Queue several messages in one insert. Keys already queued are left as they are."""
    Notification.objects.bulk_create(
        [
            Notification(
                kind=row["kind"],
                key=row["key"][:200],
                send_at=row.get("send_at") or timezone.now(),
                channel=row.get("channel", Notification.Channel.EMAIL),
                member=row.get("member"),
                user=row.get("user"),
                address=row.get("address", ""),
                reference=row.get("reference", ""),
                target_type=row["target"]._meta.label_lower,
                target_id=str(row["target"].pk),
                context=row.get("context") or {},
            )
            for row in rows
        ],
        ignore_conflicts=True,
    )


def notification_cancel_pending(*, target: models.Model, kinds: list[str] | None = None, keep_keys=()) -> int:
    """Cancel the not-yet-sent messages about `target` (optionally of `kinds`), except `keep_keys`."""
    rows = Notification.objects.filter(
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        status__in=[Notification.Status.PENDING, Notification.Status.QUEUED],
    ).exclude(key__in=list(keep_keys))
    if kinds is not None:
        rows = rows.filter(kind__in=kinds)
    return rows.update(status=Notification.Status.CANCELLED, updated_at=timezone.now())


# --- Dispatch (beat) ------------------------------------------------------------------------------


def notifications_dispatch(*, batch: int = 500, now: datetime | None = None) -> list[int]:
    """Claim due rows, mark them queued, and queue their delivery after commit. Returns the ids."""
    from practice import tasks

    now = now or timezone.now()
    requeue_before = now - timedelta(seconds=settings.NOTIFICATION_REQUEUE_AFTER_SECONDS)
    with transaction.atomic():
        _fail_stuck_sending(now)
        due = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(
                models.Q(status=Notification.Status.PENDING, send_at__lte=now)
                | models.Q(status=Notification.Status.QUEUED, queued_at__lt=requeue_before)
            )
            .order_by("send_at", "pk")
            .values_list("pk", flat=True)[:batch]
        )
        ids = list(due)
        Notification.objects.filter(pk__in=ids).update(status=Notification.Status.QUEUED, queued_at=now, updated_at=now)
        transaction.on_commit(lambda: [tasks.notification_deliver.delay(pk) for pk in ids])
    return ids


def _fail_stuck_sending(now: datetime) -> None:
    stuck_before = now - timedelta(seconds=settings.NOTIFICATION_SENDING_TIMEOUT_SECONDS)
    Notification.objects.filter(status=Notification.Status.SENDING, updated_at__lt=stuck_before).update(
        status=Notification.Status.FAILED, last_error="interrupted while sending; not retried", updated_at=now
    )


# --- Delivery (worker) ----------------------------------------------------------------------------


def notification_deliver(*, notification_id: int) -> str:
    """Send one queued message at most once. Returns what happened (for logs and tests)."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, status=Notification.Status.QUEUED)
            .first()
        )
        if notification is None:
            return "skipped"  # already sent, cancelled, or being handled by another worker
        if notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            _finish(notification, Notification.Status.FAILED, error="gave up after repeated failures")
            return "failed"
        try:
            message = _build(notification)
        except PermanentDeliveryError as exc:
            _finish(notification, Notification.Status.FAILED, error=str(exc))
            return "failed"
        if message is None:
            _finish(notification, Notification.Status.CANCELLED)
            return "cancelled"
        address = _address(notification)
        notification.status = Notification.Status.SENDING
        notification.attempts += 1
        notification.save(update_fields=["status", "attempts", "updated_at"])

    try:
        send = send_sms if notification.channel == Notification.Channel.SMS else send_email
        send(to=address, message=message, headers={"X-Notification-ID": str(notification.pk)})
    except TransientDeliveryError as exc:
        _finish(notification, Notification.Status.QUEUED, error=str(exc))
        raise
    except PermanentDeliveryError as exc:
        _finish(notification, Notification.Status.FAILED, error=str(exc))
        return "failed"
    _finish(notification, Notification.Status.SENT)
    return "sent"


def notification_give_up(*, notification_id: int, error: str) -> None:
    """After the last retry of a transient failure: record it as failed for staff to see."""
    Notification.objects.filter(pk=notification_id, status=Notification.Status.QUEUED).update(
        status=Notification.Status.FAILED, last_error=error[:200], updated_at=timezone.now()
    )


def _build(notification: Notification) -> Message | None:
    build = _BUILDERS.get(notification.kind)
    if build is None:
        raise PermanentDeliveryError(f"no builder for {notification.kind}")
    return build(notification)


def _address(notification: Notification) -> str:
    if notification.member_id:
        member = notification.member
        return member.phone if notification.channel == Notification.Channel.SMS else member.email
    if notification.user_id and not notification.address:
        return notification.user.email
    return notification.address


def _finish(notification: Notification, status: str, *, error: str = "") -> None:
    now = timezone.now()
    fields = {"status": status, "updated_at": now, "last_error": error[:200]}
    if status == Notification.Status.SENT:
        fields["sent_at"] = now
    Notification.objects.filter(pk=notification.pk).update(**fields)
