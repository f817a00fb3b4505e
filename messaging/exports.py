"""The member's messages in the right-of-access export (registered in MessagingConfig.ready()).

One member's export holds their own private thread, their own office thread and the couple's joint
thread: never the partner's private or office thread. The whole couple's export (both partners
consented) holds the joint thread only: each partner's private thread is theirs to ask for.
Withdrawn messages are included with the time of their withdrawal: they are part of the record.
"""

from django.db.models import Q

from messaging.models import Message, Thread


def record_section(scope) -> dict | None:
    client, member = scope.client, scope.member
    mine = Q(kind=Thread.Kind.JOINT)
    if member is not None:
        mine |= Q(member=member)
    threads = Thread.objects.filter(mine, client=client).order_by("kind", "pk")
    messages = (
        Message.objects.filter(thread__in=threads)
        .select_related("thread")
        .prefetch_related("attachments")
        .order_by("sent_at", "pk")
    )
    by_thread: dict[int, list] = {}
    for message in messages:
        by_thread.setdefault(message.thread_id, []).append(
            {
                "sent_at": message.sent_at.isoformat(),
                "from_this_member": member is not None and member.user_id == message.sender_id,
                "body": message.body,
                "withdrawn_at": message.withdrawn_at.isoformat() if message.withdrawn_at else None,
                "attachments": [a.filename for a in message.attachments.all()],
            }
        )
    rows = [{"thread": t.kind, "messages": by_thread.get(t.pk, [])} for t in threads]
    return {"messages": rows} if rows else None
