"""Referral messages through the outbox: built at send time, delivered once, no details."""

from django.urls import reverse

from outbox import services as outbox
from outbox.models import Notification
from referrals import services
from tests.referrals.conftest import PERSON_MARKERS, form_data


def submit(client):
    assert client.post("/refer/", form_data()).status_code == 302


def test_submission_messages_are_delivered_once_each(
    client, alice, staff_user, mailoutbox, django_capture_on_commit_callbacks
):
    submit(client)
    with django_capture_on_commit_callbacks(execute=True):
        outbox.notifications_dispatch()
    with django_capture_on_commit_callbacks(execute=True):
        outbox.notifications_dispatch()  # nothing is sent twice
    recipients = sorted(m.to[0] for m in mailoutbox)
    assert recipients == sorted(["ada.stone@clinic.example", alice.user.email, staff_user.email])
    for mail in mailoutbox:
        everything = mail.subject + mail.body + mail.alternatives[0][0]
        assert all(value not in everything for value in PERSON_MARKERS.values())
    assert set(Notification.objects.values_list("status", flat=True)) == {Notification.Status.SENT}


def test_the_notice_links_to_the_referral_on_the_site(client, alice, settings):
    settings.SITE_URL = "https://practice.example"
    submit(client)
    notice = Notification.objects.get(kind="referral_notice")
    message = outbox._BUILDERS["referral_notice"](notice)
    referral_id = notice.target_id
    link = "https://practice.example" + reverse("referrals:detail", args=[referral_id])
    assert link in message.text and link in message.html
    assert message.subject == f"New referral {notice.reference}"


def test_the_notice_is_not_sent_once_the_referral_is_being_handled(client, alice):
    submit(client)
    notice = Notification.objects.get(kind="referral_notice")
    from referrals.models import Referral

    services.referral_mark_contacted(referral=Referral.objects.get(), by=alice.user)
    assert outbox._BUILDERS["referral_notice"](notice) is None


def test_the_notice_is_not_sent_to_someone_who_left(client, alice):
    submit(client)
    alice.user.is_active = False
    alice.user.save(update_fields=["is_active"])
    notice = Notification.objects.get(kind="referral_notice")
    assert outbox._BUILDERS["referral_notice"](notice) is None


def test_a_deleted_target_cancels_the_message(client, db):
    submit(client)
    ack = Notification.objects.get(kind="referral_acknowledgement")
    ack.target_id = "987654"
    assert outbox._BUILDERS["referral_acknowledgement"](ack) is None
