"""The dashboard's inbox line (messaging.selectors.inbox_summary) in one query: the same count as
`unread_count` (the rule the digests and notices use) and the newest readable thread's time, through
messages read, withdrawn, one's own, the office thread, and another therapist's units."""

from django.urls import reverse

from messaging import services
from messaging.models import Message, Thread
from messaging.selectors import inbox_summary, unread_count
from tests.factories import TherapistFactory, couple, portal_user_for
from tests.messaging.conftest import portal_url, practice_url, send


def _line(client) -> str:
    page = client.get(reverse("dashboard")).content.decode()
    start = page.index("data-inbox")
    return page[start : page.index("</p>", start)]


def _summary_matches(user, unread: int) -> dict:
    summary = inbox_summary(user=user)
    assert summary["unread"] == unread_count(user=user) == unread
    return summary


def test_the_count_follows_what_is_read_withdrawn_own_or_elsewhere(client, unit, ada, bea, alice):
    assert _summary_matches(alice.user, 0) == {"unread": 0, "last_message_at": None}

    client.force_login(ada.user)
    send(client, portal_url("private"), "one")
    send(client, portal_url("private"), "two")
    send(client, portal_url("admin"), "office: can I move Thursday?")  # staff's, not the therapist's
    client.force_login(bea.user)
    send(client, portal_url("joint"), "three")
    client.force_login(alice.user)
    send(client, practice_url(unit, "joint"), "the therapist's own")
    summary = _summary_matches(alice.user, 3)
    newest = Thread.objects.filter(client=unit).exclude(kind=Thread.Kind.ADMIN).order_by("-last_message_at").first()
    assert summary["last_message_at"] == newest.last_message_at
    assert '<span class="badge text-bg-primary">3</span> unread' in _line(client)

    # Another therapist's couple writes: nothing of it reaches Alice's line.
    other = couple(TherapistFactory())
    stranger = other.members.get(position=1)
    portal_user_for(stranger)
    client.force_login(stranger.user)
    send(client, portal_url("private"), "to my own therapist")
    assert _summary_matches(alice.user, 3)["last_message_at"] == summary["last_message_at"]

    # Reading the private thread leaves the joint one; a withdrawn message is no longer waiting.
    client.force_login(alice.user)
    assert client.get(practice_url(unit, "private-1")).status_code == 200
    _summary_matches(alice.user, 1)
    joint = Message.objects.get(sender=bea.user)  # the joint message (bodies are encrypted)
    services.message_withdraw(message=joint, by=bea.user)
    _summary_matches(alice.user, 0)
    assert "No unread messages" in _line(client)


def test_the_line_is_one_query(alice, unit, ada, client, django_assert_num_queries):
    client.force_login(ada.user)
    send(client, portal_url("private"), "one")
    with django_assert_num_queries(1):
        assert inbox_summary(user=alice.user)["unread"] == 1
