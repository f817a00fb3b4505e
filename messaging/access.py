"""Who may read and write which thread. The only road to threads, messages and attachments.

Not entitled and missing look the same (404). Rules, one per line below:
- a member reads and writes their own private thread, their own office thread, and (in a couple)
  the joint thread; never the partner's private or office thread;
- the unit's therapists (primary or co-therapist) read and write the private and joint threads and
  read the office threads (scheduling and billing; they do not write there);
- practice staff read and write the office threads only: never a private or joint thread, which
  hold clinical text;
- a message is withdrawn only by its sender; an attachment is served to whoever may read its thread,
  never once its message is withdrawn.

Portal pages name a channel ("private", "joint", "admin"): a member never gives a thread id.
Practice pages name the unit and a channel ("joint", "private-1", "admin-2": the member's position).
"""

from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import get_object_or_404

from clients.access import get_client_for_user, get_portal_member
from clients.models import Client, Member
from messaging.models import Attachment, Message, Thread
from practice.models import User

PORTAL_CHANNELS = ("private", "joint", "admin")


@dataclass
class Channel:
    """A thread as someone reaches it: it may not exist yet (created by its first message)."""

    client: Client
    kind: str
    member: Member | None  # the member a private or office thread is for; None for the joint thread
    thread: Thread | None
    can_write: bool
    slug: str  # the channel in the URL, as this viewer names it

    @property
    def holds_clinical_text(self) -> bool:
        return self.kind != Thread.Kind.ADMIN


def _thread(client: Client, kind: str, member: Member | None) -> Thread | None:
    return Thread.objects.filter(client=client, kind=kind, member=member).first()


def get_portal_channel(user: User, channel: str) -> Channel:
    """The signed-in member's own thread of `channel`."""
    member = get_portal_member(user)
    client = member.client
    if channel not in PORTAL_CHANNELS:
        raise Http404
    if channel == "joint" and client.kind != Client.Kind.COUPLE:
        raise Http404
    owner = None if channel == "joint" else member
    return Channel(client, channel, owner, _thread(client, channel, owner), can_write=True, slug=channel)


def parse_practice_channel(channel: str) -> tuple[str, int | None]:
    if channel == "joint":
        return "joint", None
    kind, _sep, position = channel.partition("-")
    if kind not in ("private", "admin") or not position.isdigit():
        raise Http404
    return kind, int(position)


def get_practice_channel(user: User, client_id: int, channel: str) -> Channel:
    """A unit's thread for one of its therapists, or (office threads only) for staff."""
    kind, position = parse_practice_channel(channel)
    if user.is_practice_staff and kind != Thread.Kind.ADMIN:
        raise Http404
    client = get_client_for_user(user, client_id, clinical=kind != Thread.Kind.ADMIN)
    if kind == Thread.Kind.JOINT and client.kind != Client.Kind.COUPLE:
        raise Http404
    member = None
    if position is not None:
        member = get_object_or_404(Member.objects.select_related("user"), client=client, position=position)
    can_write = kind != Thread.Kind.ADMIN or user.is_practice_staff
    return Channel(client, kind, member, _thread(client, kind, member), can_write=can_write, slug=channel)


def can_read(user: User, thread: Thread) -> bool:
    """Whether `user` may read `thread` (the thread's client and member loaded)."""
    if user.is_client:
        if thread.kind == Thread.Kind.JOINT:
            return thread.client.members.filter(user=user).exists()
        return thread.member is not None and thread.member.user_id == user.pk
    if user.is_therapist:
        return thread.client.is_treated_by(user.therapist)
    if user.is_practice_staff:
        return thread.kind == Thread.Kind.ADMIN
    return False


def get_own_message(user: User, message_id: int) -> Message:
    """A message `user` sent, in a thread they may still read (to withdraw it)."""
    message = get_object_or_404(
        Message.objects.select_related("thread__client", "thread__member"), pk=message_id, sender=user
    )

    if can_read(user, message.thread):
        return message

    raise Http404


def get_attachment_for_user(user: User, attachment_id: int) -> Attachment:
    attachment = get_object_or_404(
        Attachment.objects.select_related("message__thread__client", "message__thread__member"), pk=attachment_id
    )

    if attachment.message.withdrawn_at is not None:
        raise Http404
    if can_read(user, attachment.message.thread):
        return attachment

    raise Http404
