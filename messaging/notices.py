"""Notices of new messages, built at send time (see outbox.services). Never a message's text, never
a name: "You have a new message from your practice. Sign in to read it." A notice whose messages were
read (or withdrawn) before it went is no longer wanted."""

from django.conf import settings
from django.urls import reverse

from messaging.models import Thread
from messaging.selectors import _unread_messages, unread_count
from messaging.services import DIGEST, NOTICE_MEMBER, NOTICE_PRACTICE
from outbox.channels import Message, render_message
from outbox.models import Notification
from outbox.services import builder

MEMBER_TEXT = "You have a new message from your practice. Sign in to read it."


def _thread(notification: Notification) -> Thread | None:
    return Thread.objects.select_related("client").filter(pk=notification.target_id).first()


@builder(NOTICE_MEMBER)
def member_notice(notification: Notification) -> Message | None:
    thread, member = _thread(notification), notification.member
    if thread is None or member is None or member.user is None or not member.user.is_active:
        return None
    if not _unread_messages(member.user).filter(thread=thread).exists():
        return None  # read (or withdrawn) before the notice went
    discreet = member.discreet_wording
    name = settings.PRACTICE_DISCREET_NAME if discreet else settings.PRACTICE_NAME
    context = {"practice_name": name, "text": MEMBER_TEXT, "link": settings.SITE_URL + reverse("portal:messages")}
    return render_message(
        "message_notice",
        context,
        subject=f"A new message from {name}",
        sms=f"{MEMBER_TEXT} {context['link']}",
        to=member.address_for(notification.channel),
    )


@builder(NOTICE_PRACTICE)
def practice_notice(notification: Notification) -> Message | None:
    """To a therapist who chose immediate notices, or to staff for the office threads. The unit's
    reference and a link only."""
    thread, user = _thread(notification), notification.user
    if thread is None or user is None or not user.is_active:
        return None
    if not _unread_messages(user).filter(thread=thread).exists():
        return None
    reference = thread.client.reference
    if thread.kind == Thread.Kind.ADMIN:
        slug = f"admin-{thread.member.position}"
    elif thread.kind == Thread.Kind.JOINT:
        slug = "joint"
    else:
        slug = f"private-{thread.member.position}"
    link = settings.SITE_URL + reverse("messaging:thread", args=[thread.client_id, slug])
    text = f"You have a new message from a client: {reference}. Sign in to read it."
    return render_message("message_notice", {"text": text, "link": link}, subject=f"New message: {reference}")


@builder(DIGEST)
def digest(notification: Notification) -> Message | None:
    """The therapist's morning digest: how many messages wait, nothing else."""
    user = notification.user
    if user is None or not user.is_active:
        return None
    count = unread_count(user=user)
    if not count:
        return None
    noun = "message" if count == 1 else "messages"
    text = f"You have {count} unread {noun} from clients. Sign in to read them."
    link = settings.SITE_URL + reverse("messaging:inbox")
    return render_message("message_notice", {"text": text, "link": link}, subject="Your messages today")
