"""Reads for messaging pages, each in a fixed number of queries whatever the number of messages."""

from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce

from clients.models import Client, Member, treated_ids
from messaging.models import Attachment, Message, Receipt, Thread
from practice.models import User


def _readable_threads(user: User, co_treated: list[int] | None = None):
    """Every thread `user` may read (the same rules as messaging.access.can_read, as one filter).

    For a therapist, given the units they co-treat (`co_treated`), the threads are read through the
    copy of each unit's therapist (CaseloadCopy) and its index, not probed unit by unit."""
    if user.is_therapist and co_treated is not None:
        led = Q(primary_therapist=user.therapist)
        return Thread.objects.filter(led | Q(client_id__in=co_treated) if co_treated else led)
    if user.is_therapist:
        # The ids alone: through `Client.objects.treated_by`, each unit was read again by its key.
        return Thread.objects.filter(client__in=treated_ids(user.therapist))
    if user.is_practice_staff:
        return Thread.objects.filter(kind=Thread.Kind.ADMIN)
    if user.is_client:
        member = Member.objects.filter(user=user).values("pk", "client_id").first()
        if member is None:
            return Thread.objects.none()
        return Thread.objects.filter(
            Q(member_id=member["pk"]) | Q(kind=Thread.Kind.JOINT, client_id=member["client_id"])
        )
    return Thread.objects.none()


def _unread(user: User, via: str = "") -> Q:
    """The rule for a message waiting for `user`: someone else sent it, it is not withdrawn, and `user`
    has no receipt for it. `via` is the path from the query's model to the message ("" on Message)."""
    read = Receipt.objects.filter(message=OuterRef(f"{via}pk"), user=user)
    return Q(**{f"{via}withdrawn_at": None}) & ~Q(**{f"{via}sender": user}) & ~Exists(read)


def _unread_messages(user: User):
    """Messages someone else sent that `user` has not read (withdrawn ones are not waiting)."""
    return Message.objects.filter(_unread(user))


def _with_unread(threads, user: User):
    unread = (
        _unread_messages(user)
        .filter(thread=OuterRef("pk"))
        .order_by()
        .values("thread")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return threads.annotate(unread=Coalesce(Subquery(unread, output_field=IntegerField()), 0))


def unread_count(*, user: User) -> int:
    """For a therapist, their practice inbox: the private and joint threads of the units they treat
    (office threads are staff work; therapists read them on the client page)."""
    threads = _readable_threads(user)
    if user.is_therapist:
        threads = threads.exclude(kind=Thread.Kind.ADMIN)
    return _unread_messages(user).filter(thread__in=threads.values("pk")).count()


def inbox_summary(*, user: User, co_treated: list[int] | None = None) -> dict:
    """The dashboard's line: how many unread messages and when the last one came. Never text. One
    query: the readable threads joined to their messages, the newest thread's time and the count of
    the messages `unread_count` counts (the same rule, `_unread`, as a filter on the join). The
    dashboard gives a therapist's co-treated units (`co_treated`), read once for all its panels."""
    threads = _readable_threads(user, co_treated)
    if user.is_therapist:
        threads = threads.exclude(kind=Thread.Kind.ADMIN)
    unread = _unread(user, via="messages__")
    summary = threads.aggregate(at=Max("last_message_at"), unread=Count("messages", filter=unread))
    return {"unread": summary["unread"], "last_message_at": summary["at"]}


def inbox(*, user: User, limit: int = 100) -> list[Thread]:
    """The practice inbox: readable threads with messages, newest first, with unread counts. 1 query."""
    threads = _readable_threads(user).filter(last_message_at__isnull=False)
    if user.is_therapist:
        threads = threads.exclude(kind=Thread.Kind.ADMIN)
    threads = threads.select_related("client").only(
        "kind", "client_id", "member_id", "last_message_at", "client__reference", "client__kind"
    )
    threads = threads.annotate(position=Subquery(Member.objects.filter(pk=OuterRef("member_id")).values("position")))
    return list(_with_unread(threads, user).order_by("-last_message_at")[:limit])


def client_threads(*, client: Client, user: User) -> list[Thread]:
    """The unit's threads the viewer may read, with unread counts (the client page's panel). 1 query."""
    # The panel names each thread by the member it already has: the member's encrypted columns are
    # not read (and decrypted) again here.
    threads = Thread.objects.filter(client=client)
    if user.is_practice_staff:
        threads = threads.filter(kind=Thread.Kind.ADMIN)
    return list(_with_unread(threads, user).order_by("kind", "member__position"))


def portal_threads(*, member: Member) -> dict[str, Thread]:
    """The member's own threads by kind, with their unread counts. 1 query."""
    threads = Thread.objects.filter(Q(member=member) | Q(kind=Thread.Kind.JOINT, client_id=member.client_id))
    return {t.kind: t for t in _with_unread(threads, member.user)}


def thread_messages(thread: Thread | None) -> list[Message]:
    """The messages of a thread, oldest first, with their attachments and receipts. 3 queries."""
    if thread is None:
        return []
    receipts = Prefetch("receipts", queryset=Receipt.objects.order_by("read_at"))
    attachments = Prefetch("attachments", queryset=Attachment.objects.order_by("pk"))
    return list(
        thread.messages.select_related("sender").prefetch_related(receipts, attachments).order_by("sent_at", "pk")
    )


def has_sent_in(thread: Thread | None, user: User) -> bool:
    return thread is not None and thread.messages.filter(sender=user).exists()


def sender_labels(client: Client) -> dict[int, str]:
    """Who wrote what, as a reader of the unit's threads sees it: members by name, therapists by their
    display name, staff as the practice office. 2 queries."""
    from practice.models import Therapist

    labels = {m.user_id: m.display_name for m in client.members.exclude(user=None)}
    treating = Therapist.objects.filter(Q(pk=client.primary_therapist_id) | Q(co_clients=client)).distinct()
    labels.update({t.user_id: t.display_name for t in treating})
    return labels
