"""`{% message_threads client as threads %}`: the unit's threads the viewer may read, with unread
counts, for the client page's panel (the panel hook gives the page only the client)."""

from django import template

from clients.selectors import DISPLAY_NAME_FIELDS
from messaging.models import Thread
from messaging.selectors import client_threads

register = template.Library()


@register.simple_tag(takes_context=True)
def message_threads(context, client) -> list[dict]:
    user = context["request"].user
    existing = {(t.kind, t.member_id): t for t in client_threads(client=client, user=user)}
    members = context.get("members")  # the client page's, already read
    if members is None or any(m.client_id != client.pk for m in members):
        members = list(client.members.only(*DISPLAY_NAME_FIELDS).order_by("position"))
    rows = []
    for member in members:
        rows.append(_row(existing, Thread.Kind.PRIVATE, member, f"private-{member.position}"))
    if client.kind == "couple":
        rows.append(_row(existing, Thread.Kind.JOINT, None, "joint"))
    for member in members:
        rows.append(_row(existing, Thread.Kind.ADMIN, member, f"admin-{member.position}"))
    return rows


def _row(existing, kind, member, slug) -> dict:
    thread = existing.get((kind, member.pk if member else None))
    return {"kind": kind, "member": member, "slug": slug, "thread": thread}
