"""Notices of new messages: one per batch, no content anywhere, discreet wording, the digest."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from clients import services as clients
from messaging import services
from messaging.models import NoticePreference
from outbox.channels import LocmemSMSBackend
from outbox.models import Notification
from tests.messaging.conftest import portal_url, practice_url, send

SECRET = "MARKER-clinical-erection-worries"


@pytest.fixture(autouse=True)
def _sms():
    LocmemSMSBackend.outbox.clear()


def _later():
    return timezone.now() + timedelta(minutes=10)


def test_a_batch_of_messages_gives_one_notice_per_recipient(client, unit, ada, bea, alice, deliver):
    client.force_login(alice.user)
    for n in range(3):
        send(client, practice_url(unit, "joint"), f"{SECRET} {n}")
    rows = Notification.objects.filter(kind="message_notice")
    assert sorted(rows.values_list("member_id", flat=True)) == sorted([ada.pk, bea.pk])
    deliver(now=_later())
    assert sorted(m.to[0] for m in mail.outbox) == sorted([ada.email, bea.email])


def test_after_a_notice_went_the_next_message_gives_a_new_one(client, unit, ada, alice, deliver):
    client.force_login(alice.user)
    send(client, practice_url(unit, "private-1"), "first")
    deliver(now=_later())
    assert len(mail.outbox) == 1
    with time_machine.travel(_later()):
        send(client, practice_url(unit, "private-1"), "second")
    assert Notification.objects.filter(kind="message_notice", member=ada).count() == 2


def test_a_message_read_before_its_notice_went_sends_nothing(client, unit, ada, alice, deliver):
    client.force_login(alice.user)
    send(client, practice_url(unit, "private-1"), "hello")
    client.force_login(ada.user)
    client.get(portal_url("private"))
    deliver(now=_later())
    assert mail.outbox == []


def test_a_withdrawn_message_sends_no_notice(client, unit, ada, alice, deliver):
    client.force_login(alice.user)
    send(client, practice_url(unit, "private-1"), "oops")
    message = unit.threads.get().messages.get()
    client.post(f"/messages/withdraw/{message.pk}/")
    deliver(now=_later())
    assert mail.outbox == []


def test_no_content_and_no_name_in_any_subject_or_body(client, unit, ada, bea, alice, deliver):
    client.force_login(ada.user)
    send(client, portal_url("private"), SECRET)
    client.force_login(alice.user)
    send(client, practice_url(unit, "joint"), SECRET)
    deliver(now=_later())
    assert len(mail.outbox) == 3  # Alice (Ada's message), Ada and Bea (Alice's)
    for email in mail.outbox:
        everything = email.subject + email.body + "".join(str(a[0]) for a in email.alternatives)
        assert SECRET not in everything
        for name in (ada.first_name, ada.last_name, bea.first_name, bea.last_name):
            assert name not in email.subject, email.subject
        assert "Sign in to read" in everything


def test_member_notices_have_the_practice_wording(client, unit, ada, alice, deliver):
    client.force_login(alice.user)
    send(client, practice_url(unit, "private-1"), SECRET)
    deliver(now=_later())
    (email,) = mail.outbox
    assert "You have a new message from your practice. Sign in to read it." in email.body


def test_discreet_members_get_no_word_of_therapy_or_sex_on_their_channels(client, settings, unit, ada, alice, deliver):
    settings.PRACTICE_NAME = "Harbour Sex Therapy"
    settings.PRACTICE_DISCREET_NAME = "Harbour Associates"
    clients.member_update(
        member=ada, by=alice.user, discreet_wording=True, contact_by_sms=True, phone="+44 7700 900123"
    )
    client.force_login(alice.user)
    send(client, practice_url(unit, "private-1"), SECRET)
    assert set(Notification.objects.filter(member=ada).values_list("channel", flat=True)) == {"email", "sms"}
    deliver(now=_later())
    (email,) = mail.outbox
    (sms,) = LocmemSMSBackend.outbox
    for text in (email.subject, email.body, sms[1]):
        words = re.sub(r"https?://\S+", "", text)
        assert not re.search(r"therap|sex", words, re.IGNORECASE), text
    assert "Harbour Associates" in email.subject


def test_a_member_who_chose_no_email_gets_none(client, unit, ada, alice):
    clients.member_update(member=ada, by=alice.user, contact_by_email=False)
    client.force_login(alice.user)
    send(client, practice_url(unit, "private-1"), "hi")
    assert not Notification.objects.filter(member=ada).exists()


def test_therapists_get_an_immediate_notice_with_the_reference_only(client, unit, ada, alice, deliver):
    client.force_login(ada.user)
    send(client, portal_url("private"), SECRET)
    send(client, portal_url("private"), SECRET)
    assert Notification.objects.filter(kind="message_notice_practice", user=alice.user).count() == 1
    deliver(now=_later())
    (email,) = mail.outbox
    assert unit.reference in email.subject and SECRET not in email.body
    assert ada.first_name not in email.subject + email.body


def test_staff_hear_of_office_messages_and_therapists_do_not(client, unit, ada, alice, staff_user):
    client.force_login(ada.user)
    send(client, portal_url("admin"), "invoice question")
    users = set(Notification.objects.filter(kind="message_notice_practice").values_list("user", flat=True))
    assert users == {staff_user.pk}


def test_therapists_who_chose_the_digest_get_it_once_a_morning(client, settings, unit, ada, alice, deliver):
    settings.MESSAGING_DIGEST_HOUR = 8
    alice.time_zone = "Europe/London"
    alice.save(update_fields=["time_zone"])
    client.force_login(alice.user)
    assert client.post("/messages/notices/", {"mode": "digest"}).status_code == 302
    assert NoticePreference.objects.get(user=alice.user).mode == "digest"
    client.force_login(ada.user)
    send(client, portal_url("private"), SECRET)
    send(client, portal_url("joint"), SECRET)
    assert not Notification.objects.filter(user=alice.user).exists()  # no immediate notice

    early = datetime(2030, 1, 7, 7, 30, tzinfo=UTC)
    assert services.digests_queue(now=early) == 0
    morning = datetime(2030, 1, 7, 8, 5, tzinfo=UTC)
    assert services.digests_queue(now=morning) == 1
    assert services.digests_queue(now=morning + timedelta(hours=3)) == 1  # same key: still one row
    assert Notification.objects.filter(kind="message_digest", user=alice.user).count() == 1
    deliver(now=morning + timedelta(minutes=1))
    (email,) = [m for m in mail.outbox if m.to == [alice.user.email]]  # Bea hears of the joint message
    assert "You have 2 unread messages from clients" in email.body
    assert SECRET not in email.body + email.subject


def test_no_digest_when_nothing_is_unread(unit, alice):
    services.notice_preference_set(user=alice.user, mode="digest", by=alice.user)
    assert services.digests_queue(now=datetime(2030, 1, 7, 9, tzinfo=UTC)) == 0


def test_the_digest_is_a_beat_task(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "messaging.tasks.message_digests_queue" in tasks
