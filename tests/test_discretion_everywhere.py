"""Discretion in everything a discreet member is sent.

The busy day of tests/outbox/test_discretion.py queues every kind of message there is (its first
test fails when a kind is added that it does not send). Here every message of every kind for the
discreet partners is then really sent through the outbox's channels (email with its sender, HTML
alternative and calendar invitation; SMS), allauth's mails are triggered for them too, and in all
of it: no practice name but the discreet one, and no word from the list (sex, therapy, therap,
intimacy, and every concern's name) anywhere: sender, subject, text, HTML, SMS, ICS title.
"""

import re
from email.utils import parseaddr
from urllib.parse import urlparse

import pytest
import time_machine
from django.core import mail

from clients.models import Concern, Member
from outbox import services as outbox
from outbox.channels import LocmemSMSBackend, send_email, send_sms
from outbox.models import Notification
from tests.outbox.test_discretion import NOW, _busy_day

FULL_NAME = "Harbour Sex Therapy Clinic"  # the practice's real name gives everything away
DISCREET_NAME = "Quayside Appointments"
WORDS = ("sex", "therapy", "therap", "intimacy")


@pytest.fixture
def day(db, settings):
    settings.PRACTICE_NAME = FULL_NAME
    settings.PRACTICE_DISCREET_NAME = DISCREET_NAME
    settings.DEFAULT_FROM_EMAIL = f"{FULL_NAME} <no-reply@practice.invalid>"
    settings.TELEHEALTH_ROOM_PATTERN = "https://meet.example.org/{room}"
    with time_machine.travel(NOW, tick=False):
        yield _busy_day()


def banned() -> list[str]:
    return [*WORDS, *(name.lower() for name in Concern.objects.values_list("name", flat=True)), "harbour"]


URL = re.compile(r"https?://[^\s\"'<>]+")


def leaks(text: str) -> list[str]:
    """Banned words in the words of `text`, and in the words of its links' paths. A link's tokens
    are random (a signature may well hold "SEx"), so they are not words: only the path's segments
    made of letters and hyphens are read."""
    words = URL.sub(" ", text).lower()
    for url in URL.findall(text):
        words += " " + " ".join(seg for seg in urlparse(url).path.lower().split("/") if re.fullmatch(r"[a-z-]+", seg))
        words += " " + urlparse(url).netloc.lower()
    return [word for word in banned() if re.search(r"(?<![a-z])" + re.escape(word), words)]


def discreet_members() -> list[Member]:
    members = list(Member.objects.filter(discreet_wording=True))
    assert len(members) == 2  # the couple of the busy day
    return members


def sent_to_discreet_members(day) -> dict[str, list[str]]:
    """Send every message for a discreet member; {kind: [everything that went out, as text]}."""
    mail.outbox, LocmemSMSBackend.outbox = [], []
    ids = {m.pk for m in discreet_members()}
    seen: dict[str, list[str]] = {}
    for row in Notification.objects.filter(status=Notification.Status.PENDING, member_id__in=ids):
        message = outbox._build(row)
        if message is None:
            continue  # no longer wanted
        if row.channel == Notification.Channel.SMS:
            send_sms(to=message.to, message=message)
            seen.setdefault(row.kind, []).append(LocmemSMSBackend.outbox[-1][1])
            continue
        send_email(to=message.to, message=message)
        seen.setdefault(row.kind, []).append(_everything(mail.outbox[-1]))
    return seen


def _everything(email) -> str:
    parts = [email.from_email, email.subject, email.body]
    parts += [content for content, _mimetype in email.alternatives]
    parts += [content if isinstance(content, str) else content.decode() for _n, content, _m in email.attachments]
    parts += [f"{name}: {value}" for name, value in email.extra_headers.items()]
    return "\n".join(parts)


def test_every_kind_a_member_can_be_sent_reaches_the_discreet_members(day):
    member_kinds = {row.kind for row in Notification.objects.filter(member__isnull=False)}
    sent = sent_to_discreet_members(day)
    assert member_kinds - set(sent) == set(), "a member's message kind the discreet partners were not sent"
    channels = set(Notification.objects.filter(member__discreet_wording=True).values_list("channel", flat=True))
    assert channels == {"email", "sms"}


def test_the_check_finds_what_it_looks_for(db):
    assert leaks("Your Therapy session") == ["therapy", "therap"]
    assert leaks("http://x.example/sex-clinic/abc") == ["sex"] and leaks("Harbour Practice") == ["harbour"]
    assert leaks("12 Essex Road, https://x.example/r/confirm/rICvSExG_iW/") == []


def test_nothing_sent_to_a_discreet_member_gives_the_practice_away(day):
    for kind, messages in sent_to_discreet_members(day).items():
        for text in messages:
            assert not leaks(text), (kind, leaks(text), text[:400])


def test_every_email_comes_from_the_discreet_name_with_the_layout_and_a_text_alternative(day):
    sent_to_discreet_members(day)
    assert mail.outbox
    for email in mail.outbox:
        assert parseaddr(email.from_email) == (DISCREET_NAME, "no-reply@practice.invalid")
        (html, mimetype), *_rest = email.alternatives
        assert mimetype == "text/html" and email.body.strip()
        assert "border-bottom: 3px solid #1f4e5f" in html and DISCREET_NAME in html  # the one layout


def test_calendar_invitations_for_a_discreet_member_are_titled_appointment(day):
    sent_to_discreet_members(day)
    invitations = [
        content for email in mail.outbox for _n, content, m in email.attachments if m.startswith("text/calendar")
    ]
    assert invitations
    for ics in invitations:
        titles = {title.strip() for title in re.findall(r"^SUMMARY:(.*)$", ics, flags=re.M)}
        assert titles == {"Appointment"} and not leaks(ics)


def test_allauths_mails_follow_the_members_choice(client, day):
    _ada, bea = sorted(discreet_members(), key=lambda m: m.position)
    mail.outbox = []
    response = client.post("/accounts/password/reset/", {"email": bea.user.email})
    assert response.status_code == 302
    (reset,) = mail.outbox
    everything = _everything(reset)
    assert "/accounts/password/reset/key/" in reset.body
    assert parseaddr(reset.from_email)[0] == DISCREET_NAME and reset.subject.startswith(f"[{DISCREET_NAME}]")
    assert not leaks(everything), leaks(everything)
    assert "border-bottom: 3px solid #1f4e5f" in reset.alternatives[0][0]


def test_a_member_who_did_not_ask_for_discretion_gets_the_practices_name(client, day):
    bea = sorted(discreet_members(), key=lambda m: m.position)[1]
    Member.objects.filter(pk=bea.pk).update(discreet_wording=False)
    mail.outbox = []
    client.post("/accounts/password/reset/", {"email": bea.user.email})
    (reset,) = mail.outbox
    assert parseaddr(reset.from_email)[0] == FULL_NAME and reset.subject.startswith(f"[{FULL_NAME}]")
