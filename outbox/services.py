"""The outbox: queue, dispatch and deliver every message the practice sends, each at most once.

How "at most once" holds:
- `notification_enqueue` is keyed: the same message (same key) is never queued twice.
- The database decides what is due. `notifications_dispatch` (beat, every minute) claims due rows
  with `select_for_update(skip_locked=True)`, marks them queued (stamping `queued_at`) and, after
  commit, queues their ids in batches (one task per NOTIFICATION_DELIVERY_BATCH ids). Rows queued
  long ago whose task was lost (a worker killed) are queued again with a new `queued_at`.
- A delivery task stamps its rows `taken_at` when it starts. A row still queued and taken is one a
  task had and has not sent: when a worker starts (`worker_ready`, outbox/tasks.py) every such row
  is queued again at once, so a killed worker's remaining messages go out as soon as a worker is
  back; and dispatch queues them again once the task's hard time limit has passed (the task is dead
  by then), for when no worker restarts. Queuing again is always safe: it gives the row a new
  `queued_at`, so a task still holding the old one fails its claim below and skips the row.
- `notifications_deliver` reads its batch, builds every message from its target as it is now (None
  means "no longer wanted": cancelled), then for each message in turn claims the row with one
  conditional update (queued, with the `queued_at` it read -> `sending`), sends, and marks it
  `sent`. A row cancelled, delivered or queued again by someone else meanwhile fails the claim and
  is skipped, so two deliveries of the same id never both send. A worker dying between `sending`
  and `sent` leaves that one row `sending`: it is never sent again, and `notifications_dispatch`
  marks such rows failed after a while so staff see them. The rest of its batch is still `queued`
  and is queued again.
- A transient failure puts the row back to `pending` with a later `send_at` (backoff); after
  NOTIFICATION_MAX_ATTEMPTS attempts it is failed.

Builders turn a row into a `Message` at send time; apps register them per kind with `@builder`,
or with `@builder_many` for a function that builds a whole batch of that kind in a few queries.
A builder returns the recipient's address with the message (`Message.to`) when the row is for a
member: the outbox reads no domain model's columns. A row for a user goes to the user's email, and
a row with its own (encrypted) `address` to that.
"""

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, models, transaction
from django.utils import timezone

from outbox.channels import (
    Message,
    PermanentDeliveryError,
    TransientDeliveryError,
    phone_digest,
    send_email,
    send_sms,
)
from outbox.models import Notification, SmsReceipt

Builder = Callable[[Notification], Message | None]
ManyBuilder = Callable[[list[Notification]], dict[int, Message | None]]
_BUILDERS: dict[str, Builder] = {}
_MANY_BUILDERS: dict[str, ManyBuilder] = {}


def builder(kind: str) -> Callable[[Builder], Builder]:
    """Register the function that writes messages of `kind` (and decides whether still wanted)."""

    def register(function: Builder) -> Builder:
        _BUILDERS[kind] = function
        return function

    return register


def builder_many(*kinds: str) -> Callable[[ManyBuilder], ManyBuilder]:
    """Register a function that writes a batch of messages of `kinds` at once: {row id: message or None}.

    A single-row builder is registered too (the batch of one), so callers never need to know.
    """

    def register(function: ManyBuilder) -> ManyBuilder:
        for kind in kinds:
            _MANY_BUILDERS[kind] = function
            _BUILDERS[kind] = lambda notification, build=function: build([notification])[notification.pk]
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
            "kind": kind,
            "channel": channel,
            "send_at": send_at or timezone.now(),
            "member": member,
            "user": user,
            "address": address,
            "reference": reference,
            "target_type": target._meta.label_lower,
            "target_id": str(target.pk),
            "context": context or {},
        },
    )
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


def notifications_dispatch(
    *, batch: int = 500, now: datetime | None = None, taken_before: datetime | None = None
) -> list[int]:
    """Claim due rows, mark them queued, and queue their delivery after commit. Returns the ids.

    Also queued again: rows queued long ago (their task lost before it started), and rows a task
    took before `taken_before` and never sent (by default: longer ago than a task may live).
    """
    from outbox import tasks  # tasks call these services; the services queue tasks after commit

    now = now or timezone.now()
    requeue_before = now - timedelta(seconds=settings.NOTIFICATION_REQUEUE_AFTER_SECONDS)
    if taken_before is None:
        taken_before = now - timedelta(seconds=settings.NOTIFICATION_TAKEN_TIMEOUT_SECONDS)
    with transaction.atomic():
        _fail_stuck_sending(now)
        due = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(
                models.Q(status=Notification.Status.PENDING, send_at__lte=now)
                | models.Q(status=Notification.Status.QUEUED, queued_at__lt=requeue_before)
                | models.Q(status=Notification.Status.QUEUED, taken_at__lt=taken_before)
            )
            .order_by("send_at", "pk")
            .values_list("pk", flat=True)[:batch]
        )
        ids = list(due)
        Notification.objects.filter(pk__in=ids).update(
            status=Notification.Status.QUEUED, queued_at=now, taken_at=None, updated_at=now
        )
        size = settings.NOTIFICATION_DELIVERY_BATCH
        chunks = [ids[i : i + size] for i in range(0, len(ids), size)]
        transaction.on_commit(lambda: [tasks.notifications_deliver.delay(chunk) for chunk in chunks])
    return ids


def notifications_recover(*, now: datetime | None = None) -> list[int]:
    """A worker has started: queue again at once every row a task took and did not send.

    Those tasks are gone (a killed worker) or still running elsewhere; either way the new
    `queued_at` makes them skip the row, so nothing is sent twice. A row that was `sending` when
    its worker died is never queued again (it may have left; `_fail_stuck_sending` fails it later).
    """
    now = now or timezone.now()
    return notifications_dispatch(now=now, taken_before=now)


def _fail_stuck_sending(now: datetime) -> None:
    stuck_before = now - timedelta(seconds=settings.NOTIFICATION_SENDING_TIMEOUT_SECONDS)
    Notification.objects.filter(status=Notification.Status.SENDING, updated_at__lt=stuck_before).update(
        status=Notification.Status.FAILED, last_error="interrupted while sending; not retried", updated_at=now
    )


# --- Delivery (worker) ----------------------------------------------------------------------------


def notification_deliver(*, notification_id: int) -> str:
    """Send one queued message at most once. Returns what happened (for logs and tests)."""
    return notifications_deliver(notification_ids=[notification_id])[notification_id]


def notifications_deliver(*, notification_ids: list[int]) -> dict[int, str]:
    """Send a batch of queued messages, each at most once. Returns what happened to each id.

    Outcomes: "sent", "cancelled" (no longer wanted), "failed", "retry" (transient failure: back to
    pending with a later send time), "skipped" (not queued any more, or claimed by someone else).
    """
    outcomes = dict.fromkeys(notification_ids, "skipped")
    # By id only, the status checked here: with `status = 'queued'` in SQL, PostgreSQL also scanned
    # the status index (every queued row, 10,000 in the benchmark) to intersect it with 50 ids.
    rows = [
        row
        for row in Notification.objects.select_related("user").filter(pk__in=notification_ids).order_by("pk")
        if row.status == Notification.Status.QUEUED
    ]
    _take(rows)
    exhausted = [row for row in rows if row.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS]
    for row in exhausted:
        outcomes[row.pk] = _finish_queued(row, Notification.Status.FAILED, error="gave up after repeated failures")
    rows = [row for row in rows if row.attempts < settings.NOTIFICATION_MAX_ATTEMPTS]
    built = _build_all(rows)

    unwanted = [row.pk for row in rows if built[row.pk] is None]
    if unwanted:
        Notification.objects.filter(pk__in=unwanted, status=Notification.Status.QUEUED).update(
            status=Notification.Status.CANCELLED, updated_at=timezone.now()
        )
        outcomes.update(dict.fromkeys(unwanted, "cancelled"))
    for row in rows:
        if isinstance(built[row.pk], PermanentDeliveryError):
            outcomes[row.pk] = _finish_queued(row, Notification.Status.FAILED, error=str(built[row.pk]))

    to_send = [row for row in rows if isinstance(built[row.pk], Message)]
    mail = get_connection() if any(r.channel == Notification.Channel.EMAIL for r in to_send) else None
    ended = None  # (row, fields): how the previous message ended, written by the next claim's statement
    try:
        for row in to_send:
            claimed, ended = _claim(row, ended), None
            if claimed:
                outcomes[row.pk], ended = _send(row, built[row.pk], mail)
    finally:
        if ended:
            _finish(*ended)
        if mail is not None:
            mail.close()
    return outcomes


def _take(rows: list[Notification]) -> None:
    """Stamp the batch as taken by a running task (one statement): what `notifications_recover`
    looks for after a worker dies. A row queued again meanwhile (a new `queued_at`) is not stamped."""
    if not rows:
        return
    by_queued: dict[datetime, list[int]] = defaultdict(list)
    for row in rows:
        by_queued[row.queued_at].append(row.pk)
    taken = models.Q()
    for queued_at, ids in by_queued.items():
        taken |= models.Q(pk__in=ids, queued_at=queued_at)
    Notification.objects.filter(taken, status=Notification.Status.QUEUED).update(taken_at=timezone.now())


def _build_all(rows: list[Notification]) -> dict[int, Message | PermanentDeliveryError | None]:
    """Every row's message (None: no longer wanted; an error: cannot be built), a batch per kind."""
    built: dict[int, Message | PermanentDeliveryError | None] = {}
    by_kind: dict[str, list[Notification]] = defaultdict(list)
    for row in rows:
        by_kind[row.kind].append(row)
    for kind, group in by_kind.items():
        if kind in _MANY_BUILDERS:
            try:
                built.update(_MANY_BUILDERS[kind](group))
            except PermanentDeliveryError as exc:
                built.update(dict.fromkeys((row.pk for row in group), exc))
            continue
        for row in group:
            try:
                built[row.pk] = _build(row)
            except PermanentDeliveryError as exc:
                built[row.pk] = exc
    return built


# Claim one row (when still queued with the queued_at read) and record how the previous one ended
# (its own values where id is the previous id; 0 when there is none, which matches nothing). Standard SQL with
# double-quoted names: SQLite and PostgreSQL alike. The rows are found by id (`IN`), the status is
# only a condition on them: with `status = 'queued'` in an OR, PostgreSQL used the status index
# when its statistics said few rows were queued, and walked every queued row for each claim.
_CLAIM_SQL = """
UPDATE "practice_notification" SET
  "status" = CASE WHEN "id" = %s THEN %s ELSE %s END,
  "attempts" = CASE WHEN "id" = %s THEN "attempts" ELSE "attempts" + 1 END,
  "last_error" = CASE WHEN "id" = %s THEN %s ELSE "last_error" END,
  "sent_at" = CASE WHEN "id" = %s THEN COALESCE(%s, "sent_at") ELSE "sent_at" END,
  "send_at" = CASE WHEN "id" = %s THEN COALESCE(%s, "send_at") ELSE "send_at" END,
  "updated_at" = %s
WHERE "id" IN (%s, %s) AND ("id" = %s OR ("status" = %s AND "queued_at" = %s))
"""


def _claim(row: Notification, ended: tuple | None) -> bool:
    """Queued (as we read it) -> sending: False when anyone else got there first.

    One statement, which also records how the previous message of the batch ended (`ended`): one
    round trip and one commit per message. Written in SQL because it runs once per message and the
    ORM's CASE expressions cost more to build than the statement costs to run (docs/benchmarks.md).
    """
    previous, outcome = ended if ended is not None else (None, {})
    adapt = connection.ops.adapt_datetimefield_value
    before = previous.pk if previous is not None else 0  # no row has id 0 (a NULL let PostgreSQL drop the IN)
    params = [
        before,
        outcome.get("status"),
        Notification.Status.SENDING,
        before,
        before,
        outcome.get("last_error", ""),
        before,
        adapt(outcome.get("sent_at")),
        before,
        adapt(outcome.get("send_at")),
        adapt(timezone.now()),
        before,
        row.pk,
        before,
        Notification.Status.QUEUED,
        adapt(row.queued_at),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_SQL, params)
        updated = cursor.rowcount
    row.attempts += 1
    return updated == (2 if previous is not None else 1)


def _send(row: Notification, message: Message, mail) -> tuple[str, tuple]:
    """Send one claimed row. Returns the outcome and (row, fields) to record it with."""
    try:
        if row.channel == Notification.Channel.SMS:
            to = _address(row, message)
            provider_id = send_sms(to=to, message=message)
            if provider_id:  # the status callbacks and replies find the text by it
                SmsReceipt.objects.create(notification=row, provider_id=provider_id, address_digest=phone_digest(to))
        else:
            send_email(
                to=_address(row, message), message=message, headers={"X-Notification-ID": str(row.pk)}, connection=mail
            )
    except TransientDeliveryError as exc:
        if row.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            error = f"gave up after repeated failures: {exc}"
            return "failed", (row, _outcome(Notification.Status.FAILED, error=error))
        retry_at = timezone.now() + timedelta(seconds=settings.NOTIFICATION_RETRY_SECONDS * 2 ** (row.attempts - 1))
        return "retry", (row, _outcome(Notification.Status.PENDING, error=str(exc), send_at=retry_at))
    except PermanentDeliveryError as exc:
        return "failed", (row, _outcome(Notification.Status.FAILED, error=str(exc)))
    return "sent", (row, _outcome(Notification.Status.SENT))


def _build(notification: Notification) -> Message | None:
    build = _BUILDERS.get(notification.kind)
    if build is None:
        raise PermanentDeliveryError(f"no builder for {notification.kind}")
    return build(notification)


def _address(notification: Notification, message: Message) -> str:
    """Where the message goes: what the builder said, else the user's email, else the row's own."""
    if message.to:
        return message.to
    if notification.user_id and not notification.address:
        return notification.user.contact_email
    return notification.address


def _finish_queued(row: Notification, status: str, *, error: str = "") -> str:
    """Finish a row that was never claimed (still queued); skipped if someone else has it now."""
    done = Notification.objects.filter(pk=row.pk, status=Notification.Status.QUEUED).update(
        status=status, updated_at=timezone.now(), last_error=error[:200]
    )
    return status if done else "skipped"


def _outcome(status: str, *, error: str = "", send_at: datetime | None = None) -> dict:
    """The fields that record how a claimed message ended."""
    fields = {"status": status, "last_error": error[:200], "updated_at": timezone.now()}
    if status == Notification.Status.SENT:
        fields["sent_at"] = fields["updated_at"]
    if send_at is not None:
        fields["send_at"] = send_at
    return fields


def _finish(notification: Notification, fields: dict) -> None:
    Notification.objects.filter(pk=notification.pk).update(**fields)


# --- SMS provider callbacks -----------------------------------------------------------------------

# Twilio's statuses, in the order a text goes through them; a late callback never moves one back.
SMS_STATUS_ORDER = ["accepted", "scheduled", "queued", "sending", "sent", "undelivered", "failed", "delivered", "read"]


def sms_status_record(*, provider_id: str, status: str, error_code: str = "") -> SmsReceipt | None:
    """Record the provider's word on a text we sent (a status callback). Unknown ids are ignored;
    callbacks arrive out of order, so a status earlier in a text's life than the recorded one is kept out."""
    status = status.strip().lower()[:20]
    with transaction.atomic():
        receipt = SmsReceipt.objects.select_for_update().filter(provider_id=provider_id).first()
        if receipt is None or status not in SMS_STATUS_ORDER:
            return receipt
        if SMS_STATUS_ORDER.index(status) < SMS_STATUS_ORDER.index(receipt.status):
            return receipt
        receipt.status, receipt.error_code = status, error_code.strip()[:10]
        receipt.save(update_fields=["status", "error_code", "updated_at"])
    return receipt
