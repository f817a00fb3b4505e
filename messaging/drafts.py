"""The message box keeps drafts (practice/drafts.py), registered from `MessagingConfig.ready()`: what
a member or therapist was typing survives an idle sign-out and is put back in the box.

Keys: "messaging.message:portal:<channel>" (a member's own thread) and
"messaging.message:<client id>:<channel>" (the practice's page). The check is `messaging.access`:
the same road as the page itself, and only where the person may write.
"""

from django.http import Http404
from django.urls import reverse

from messaging import access
from practice.drafts import draft_key, register_draft_form
from practice.models import User

MESSAGE = "messaging.message"


def message_key(channel: access.Channel, *, portal: bool) -> str:
    return draft_key(MESSAGE, "portal" if portal else channel.client.pk, channel.slug)


def _channel(user: User, ident: str) -> access.Channel:
    where, _sep, channel = ident.partition(":")
    if where == "portal":
        return access.get_portal_channel(user, channel)
    if not where.isdigit():
        raise Http404
    return access.get_practice_channel(user, int(where), channel)


def may_write(user: User, ident: str) -> bool:
    if not _channel(user, ident).can_write:
        raise Http404
    return True


def _page(ident: str) -> str:
    where, _sep, channel = ident.partition(":")
    if where == "portal":
        return reverse("portal:message_thread", args=[channel])
    return reverse("messaging:thread", args=[int(where), channel])


def register() -> None:
    register_draft_form(
        MESSAGE,
        check=may_write,
        fields=["body"],
        page=_page,
        posts={
            "portal:message_thread": lambda user, kw: f"portal:{kw['channel']}",
            "messaging:thread": lambda user, kw: f"{kw['client_id']}:{kw['channel']}",
        },
    )
