"""Writes for messaging: send, withdraw, mark read, the therapist's notice choice, notices, digests.

Notices never carry a message's text or a name: the outbox row is keyed by thread and recipient, and
one pending notice per recipient, thread and channel absorbs every later message until it is sent
(one notice per batch). The builders (`messaging/notices.py`) drop a notice whose messages were read
before it went.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from clients.models import Member
from messaging.access import Channel
from messaging.models import Attachment, Message, NoticePreference, Receipt, Thread
from outbox.models import Notification
from outbox.services import notification_enqueue
from practice.audit import audit_record
from practice.models import AuditAction, Therapist, User

WITHDRAW_MINUTES = 5
NOTICE_MEMBER = "message_notice"
NOTICE_PRACTICE = "message_notice_practice"
DIGEST = "message_digest"
OPEN = (Notification.Status.PENDING, Notification.Status.QUEUED, Notification.Status.SENDING)

RATE_LIMITED = (
    "You have sent {limit} messages in the last {minutes} minutes, which is as many as we take at once. "
    "Your message is still in the box: please send it a little later, or call the practice if it is urgent."
)
NOT_YOURS_TO_WRITE = "Therapists read the office thread; practice staff answer it."
TOO_LATE = "A message can be withdrawn only within five minutes of sending it."
ALREADY_WITHDRAWN = "This message was already withdrawn."


def _check_rate(by: User, now: datetime) -> None:
    """Members only: a limit per person over a sliding window, counted from the messages themselves."""
    if not by.is_client:
        return
    window = timedelta(seconds=settings.MESSAGING_RATE_WINDOW_SECONDS)
    sent = Message.objects.filter(sender=by, sent_at__gte=now - window).count()
    if sent >= settings.MESSAGING_RATE_LIMIT:
        minutes = settings.MESSAGING_RATE_WINDOW_SECONDS // 60
        raise ValidationError(RATE_LIMITED.format(limit=settings.MESSAGING_RATE_LIMIT, minutes=minutes), "rate")


@transaction.atomic
def message_send(*, channel: Channel, by: User, body: str, upload=None) -> Message:
    """Send one message in `channel` (its thread is created by its first message), then queue the
    notices. The caller reached `channel` through `messaging.access`."""
    if not channel.can_write:
        raise ValidationError(NOT_YOURS_TO_WRITE, "read_only")
    now = timezone.now()
    _check_rate(by, now)
    thread, _created = Thread.objects.get_or_create(client=channel.client, kind=channel.kind, member=channel.member)
    message = Message(thread=thread, sender=by, body=body, sent_at=now)
    message.full_clean(exclude=["thread", "sender"])
    message.save()
    if upload is not None:
        Attachment.objects.create(
            message=message,
            file=upload,
            filename=upload.name[-200:],
            size=upload.size,
            content_type=getattr(upload, "content_type", "") or "application/octet-stream",
        )
    Receipt.objects.create(message=message, user=by, read_at=now)
    Thread.objects.filter(pk=thread.pk).update(last_message_at=now)
    channel.thread = thread
    audit_record(actor=by, action=AuditAction.MESSAGE_SENT, target=message, client_id=thread.client_id)
    _queue_notices(thread=thread, by=by, now=now)
    return message


@transaction.atomic
def message_withdraw(*, message: Message, by: User) -> Message:
    """The sender takes a message back within five minutes; the withdrawal is recorded (time and
    audit row). The text stays encrypted in the record and is shown to nobody."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.sender_id != by.pk:
        raise ValidationError(TOO_LATE, "not_sender")
    if message.withdrawn_at is not None:
        raise ValidationError(ALREADY_WITHDRAWN, "withdrawn")
    now = timezone.now()
    if now - message.sent_at > timedelta(minutes=WITHDRAW_MINUTES):
        raise ValidationError(TOO_LATE, "too_late")
    message.withdrawn_at = now
    message.save(update_fields=["withdrawn_at"])
    audit_record(actor=by, action=AuditAction.MESSAGE_WITHDRAWN, target=message, client_id=message.thread.client_id)
    return message


def thread_read(*, channel: Channel, by: User, audit: bool = True) -> int:
    """Record that `by` read the thread: a receipt per message not read before, and (for therapists
    and staff) a view audit row. Returns how many messages were new to the reader."""
    thread = channel.thread
    new = 0
    if thread is not None:
        unread = thread.messages.exclude(receipts__user=by).filter(withdrawn_at=None).values_list("pk", flat=True)
        now = timezone.now()
        receipts = [Receipt(message_id=pk, user=by, read_at=now) for pk in unread]
        Receipt.objects.bulk_create(receipts, ignore_conflicts=True)
        new = len(receipts)
    if audit and not by.is_client:
        audit_record(actor=by, action=AuditAction.VIEW, target=thread or channel.client, client_id=channel.client.pk)
    return new


def notice_preference_set(*, user: User, mode: str, by: User) -> NoticePreference:
    preference, _created = NoticePreference.objects.update_or_create(user=user, defaults={"mode": mode})
    audit_record(actor=by, action=AuditAction.UPDATE, target=preference)
    return preference


# --- Notices --------------------------------------------------------------------------------------


def _member_readers(thread: Thread) -> list[Member]:
    if thread.kind == Thread.Kind.JOINT:
        return list(thread.client.members.select_related("user"))
    return [Member.objects.select_related("user").get(pk=thread.member_id)]


def _practice_readers(thread: Thread) -> list[User]:
    """Who hears of a member's message: the unit's therapists (private, joint) or staff (office)."""
    if thread.kind == Thread.Kind.ADMIN:
        return list(User.objects.filter(role=User.Role.STAFF, is_active=True))
    client = thread.client
    therapists = Therapist.objects.filter(Q(pk=client.primary_therapist_id) | Q(co_clients=client)).distinct()
    return [t.user for t in therapists.select_related("user") if t.user.is_active]


def _delay() -> timedelta:
    return timedelta(seconds=settings.MESSAGING_NOTICE_DELAY_SECONDS)


def _coalesced(*, kind: str, thread: Thread, channel: str, member=None, user=None) -> bool:
    """A notice for this recipient and thread not yet sent absorbs the new message."""
    return Notification.objects.filter(
        kind=kind,
        target_type=thread._meta.label_lower,
        target_id=str(thread.pk),
        channel=channel,
        member=member,
        user=user,
        status__in=OPEN,
    ).exists()


def _queue_notices(*, thread: Thread, by: User, now: datetime) -> None:
    reference = thread.client.reference
    for member in _member_readers(thread):
        if member.user_id is None or member.user_id == by.pk or not member.user.is_active:
            continue
        for channel in member_channels(member):
            if _coalesced(kind=NOTICE_MEMBER, thread=thread, channel=channel, member=member):
                continue
            notification_enqueue(
                kind=NOTICE_MEMBER,
                key=f"{NOTICE_MEMBER}:{thread.pk}:{member.pk}:{channel}:{now.timestamp():.6f}",
                target=thread,
                member=member,
                channel=channel,
                send_at=now + _delay(),
                reference=reference,
            )
    if not by.is_client:
        return  # the practice hears of what members write
    for user in _practice_readers(thread):
        if user.is_therapist and _mode(user) == NoticePreference.Mode.DIGEST:
            continue  # the morning digest tells them (digests_queue)
        if _coalesced(kind=NOTICE_PRACTICE, thread=thread, channel=Notification.Channel.EMAIL, user=user):
            continue
        notification_enqueue(
            kind=NOTICE_PRACTICE,
            key=f"{NOTICE_PRACTICE}:{thread.pk}:{user.pk}:{now.timestamp():.6f}",
            target=thread,
            user=user,
            send_at=now + _delay(),
            reference=reference,
        )


def member_channels(member: Member) -> list[str]:
    """The member's own choice of channels, where they gave us the address."""
    channels = []
    if member.contact_by_email and member.email:
        channels.append(Notification.Channel.EMAIL)
    if member.contact_by_sms and member.phone:
        channels.append(Notification.Channel.SMS)
    return channels


def _mode(user: User) -> str:
    preference = NoticePreference.objects.filter(user=user).first()
    return preference.mode if preference else NoticePreference.Mode.IMMEDIATE


def digests_queue(*, now: datetime | None = None) -> int:
    """Beat, hourly: queue today's digest for each therapist who chose one, once their local time has
    reached MESSAGING_DIGEST_HOUR and they have unread messages. Keyed by their local date: once a day."""
    from messaging.selectors import unread_count  # selectors read; this writes the outbox rows

    now = now or timezone.now()
    queued = 0
    preferences = NoticePreference.objects.filter(
        mode=NoticePreference.Mode.DIGEST, user__is_active=True, user__role=User.Role.THERAPIST
    ).select_related("user__therapist")
    for preference in preferences:
        user = preference.user
        local = now.astimezone(user.therapist.zone)
        if local.hour < settings.MESSAGING_DIGEST_HOUR or not unread_count(user=user):
            continue
        notification_enqueue(
            kind=DIGEST, key=f"{DIGEST}:{user.pk}:{local.date().isoformat()}", target=user, user=user, send_at=now
        )
        queued += 1
    return queued
