"""SMS through Twilio: texts sent through the real library (answered at its HTTP client), delivery
status callbacks and replies at webhooks whose signatures are checked with Twilio's own validator,
C to confirm, X to cancel (the links' rules), STOP and START as consent changes, help for anything
else, and one action per inbound MessageSid."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from twilio.request_validator import RequestValidator

from clients import services as clients
from clients.models import Consent
from outbox.models import Notification, SmsReceipt
from sessions_app import services
from sessions_app.models import Appointment, Attendance, Modality, SmsReply
from tests.factories import sign_for_video
from tests.sessions_app.twilio_transport import ACCOUNT_SID, AUTH_TOKEN, FROM, RecordedTwilio

START = datetime(2027, 1, 8, 10, 0, tzinfo=UTC)  # Friday 10:00, four days after `monday`
SOON = datetime(2027, 1, 5, 10, 0, tzinfo=UTC)  # Tuesday 10:00: inside the 48-hour late window
PHONE = "+44 7700 900123"
SENDER = "+447700900123"  # how Twilio writes the same number (E.164)
INBOUND = reverse("sessions_app:sms_inbound")
STATUS = reverse("twilio_status")


@pytest.fixture(autouse=True)
def twilio(settings):
    settings.SMS_BACKEND = "outbox.sms_twilio.TwilioSMSBackend"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, settings.TWILIO_FROM_NUMBER = ACCOUNT_SID, AUTH_TOKEN, FROM
    settings.TWILIO_HTTP_CLIENT = "tests.sessions_app.twilio_transport.RecordedTwilio"
    RecordedTwilio.requests, RecordedTwilio.errors = [], []
    return RecordedTwilio


@pytest.fixture
def member(solo):
    person = solo.members.get()
    clients.member_update(member=person, by=solo.primary_therapist.user, phone=PHONE, contact_by_sms=True)
    clients.consent_grant(member=person, kind=Consent.Kind.REMINDERS_SMS, by=solo.primary_therapist.user)
    sign_for_video(solo)
    return person


def book(member, start=START):
    therapist = member.client.primary_therapist
    return services.appointment_book(
        therapist=therapist,
        client=member.client,
        members=[member],
        start=start,
        by=therapist.user,
        modality=Modality.VIDEO,
    )


def signed_post(client, path, params, token=AUTH_TOKEN):
    signature = RequestValidator(token).compute_signature(settings.SITE_URL + path, params)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


def reply(client, body, sid="SM" + "a" * 32, sender=SENDER):
    return signed_post(
        client, INBOUND, {"MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": sender, "To": FROM, "Body": body}
    )


def texted(member, monday, deliver, start=START):
    appointment = book(member, start)
    deliver()  # the confirmation goes out by text (and by email)
    return appointment


def test_texts_go_through_twilio_with_a_status_callback_and_leave_a_receipt(member, monday, deliver, twilio):
    texted(member, monday, deliver)
    (sent,) = twilio.requests
    assert sent["method"] == "POST"
    assert sent["uri"] == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert sent["data"]["To"] == PHONE and sent["data"]["From"] == FROM
    assert sent["data"]["StatusCallback"] == settings.SITE_URL + STATUS
    assert "Reply C to confirm or X to cancel" in sent["data"]["Body"]
    receipt = SmsReceipt.objects.get()
    assert receipt.provider_id == "SM" + f"{1:032x}" and receipt.notification.channel == "sms"
    assert receipt.notification.status == Notification.Status.SENT
    assert PHONE not in receipt.address_digest and SENDER not in receipt.address_digest


def test_twilio_refusals_are_permanent_and_its_outages_are_retried(member, monday, deliver, twilio):
    twilio.errors.append({"status": 400, "code": 21211, "message": "The 'To' number is not a valid phone number."})
    texted(member, monday, deliver)
    row = Notification.objects.get(kind="appointment_booked")
    assert row.status == Notification.Status.FAILED and row.last_error == "twilio 400 21211"
    book(member, START + timedelta(days=1))
    twilio.errors.append({"status": 503, "code": 20503, "message": "Service unavailable"})
    deliver()
    retried = Notification.objects.filter(kind="appointment_booked").latest("pk")
    assert retried.status == Notification.Status.PENDING and retried.send_at > monday
    assert not SmsReceipt.objects.exists()


@pytest.mark.parametrize("path", [INBOUND, STATUS])
def test_webhooks_refuse_requests_twilio_did_not_sign(client, member, monday, deliver, path):
    texted(member, monday, deliver)
    params = {"MessageSid": "SM" + "b" * 32, "From": SENDER, "Body": "X", "MessageStatus": "delivered"}
    assert client.post(path, params).status_code == 403  # no signature
    assert signed_post(client, path, params, token="not-the-token").status_code == 403
    signature = RequestValidator(AUTH_TOKEN).compute_signature(settings.SITE_URL + path, params)
    tampered = {**params, "Body": "C"}
    assert client.post(path, tampered, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 403
    assert client.get(path).status_code == 405
    assert not SmsReply.objects.exists() and SmsReceipt.objects.get().status == "queued"
    assert Appointment.objects.get().status == Appointment.Status.BOOKED


def test_without_an_auth_token_every_webhook_is_refused(client, member, monday, deliver, settings):
    texted(member, monday, deliver)
    settings.TWILIO_AUTH_TOKEN = ""
    assert reply(client, "C").status_code == 403
    assert not Attendance.objects.filter(confirmed_at__isnull=False).exists()


def test_status_callbacks_record_the_latest_status_and_never_go_back(client, member, monday, deliver):
    texted(member, monday, deliver)
    receipt = SmsReceipt.objects.get()
    for status in ("sent", "delivered", "sent"):  # callbacks may arrive out of order
        response = signed_post(client, STATUS, {"MessageSid": receipt.provider_id, "MessageStatus": status})
        assert response.status_code == 204
    receipt.refresh_from_db()
    assert receipt.status == "delivered"
    failed = signed_post(
        client, STATUS, {"MessageSid": "SM" + "f" * 32, "MessageStatus": "failed", "ErrorCode": "30003"}
    )
    assert failed.status_code == 204 and SmsReceipt.objects.count() == 1  # an id we never sent: ignored


def test_c_confirms_and_the_confirmation_shows_on_the_session_page(client, alice, member, monday, deliver):
    appointment = texted(member, monday, deliver)
    response = reply(client, " c ")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    assert "<Message>Thank you: Fri 8 Jan 10:00 Europe/London is confirmed.</Message>" in response.content.decode()
    attendance = Attendance.objects.get(appointment=appointment)
    assert attendance.confirmed_at == monday and attendance.confirmed_via == "sms"
    assert SmsReply.objects.get().action == SmsReply.Action.CONFIRMED
    client.force_login(alice.user)
    page = client.get(reverse("sessions_app:appointment", args=[appointment.pk])).content.decode()
    assert f"Confirmed by {member.display_name}" in page


def test_x_cancels_in_time_free_of_charge(client, member, monday, deliver):
    appointment = texted(member, monday, deliver)
    body = reply(client, "X").content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED and appointment.booked_via == "calendar"
    assert "is cancelled.</Message>" in body and "late" not in body
    assert not Notification.objects.filter(kind="late_cancellation_notice").exists()
    assert Notification.objects.filter(kind="appointment_reminder", status="pending").count() == 0


def test_x_inside_the_late_window_is_a_late_cancellation_as_by_the_link(client, member, monday, deliver):
    appointment = texted(member, monday, deliver, start=SOON)
    body = reply(client, "x").content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.LATE_CANCELLED
    assert "recorded as a late cancellation" in body
    assert Notification.objects.filter(kind="late_cancellation_notice", status="pending").count() == 1


def test_c_or_x_about_a_session_that_moved_since_the_text_does_nothing(client, alice, member, monday, deliver):
    appointment = texted(member, monday, deliver)
    services.appointment_move(appointment=appointment, start=START + timedelta(hours=2), by=alice.user, via="calendar")
    body = reply(client, "X").content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED and "has changed since our last text" in body


def test_stop_and_start_are_recorded_as_consent_changes(client, member, monday, deliver):
    texted(member, monday, deliver)
    assert reply(client, "STOP", sid="SM" + "1" * 32).content.decode().count("<Message>") == 0  # Twilio answers STOP
    stopped = Consent.objects.get(member=member, kind=Consent.Kind.REMINDERS_SMS)
    assert stopped.revoked_at == monday
    reminders = Notification.objects.filter(kind="appointment_reminder", channel="sms", status="pending")
    assert reminders.exists()
    deliver(now=START - timedelta(hours=2))  # the text reminders are no longer wanted
    assert not reminders.exists() and len(RecordedTwilio.requests) == 1
    body = reply(client, "Start", sid="SM" + "2" * 32).content.decode()
    assert "Texts are on again" in body
    live = Consent.objects.get(member=member, kind=Consent.Kind.REMINDERS_SMS, revoked_at=None)
    assert live.source == Consent.Source.SMS
    assert [r.action for r in SmsReply.objects.order_by("pk")] == ["stopped", "started"]


def test_a_reply_that_is_not_understood_gets_the_help_text(client, member, monday, deliver):
    appointment = texted(member, monday, deliver)
    body = reply(client, "what time is it again?").content.decode()
    assert "Reply C to confirm or X to cancel" in body and "STOP" in body
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
    assert SmsReply.objects.get().action == SmsReply.Action.HELP


def test_a_text_from_a_number_we_never_wrote_to_gets_no_answer(client, member, monday, deliver):
    texted(member, monday, deliver)
    body = reply(client, "C", sender="+15550001111").content.decode()
    assert "<Message>" not in body and SmsReply.objects.get().action == SmsReply.Action.UNKNOWN_SENDER
    assert not Attendance.objects.filter(confirmed_at__isnull=False).exists()


def test_one_action_per_inbound_message_id(client, member, monday, deliver):
    appointment = texted(member, monday, deliver)
    first = reply(client, "X", sid="SM" + "c" * 32)
    services_cancelled = Appointment.objects.get(pk=appointment.pk).cancelled_at
    again = reply(client, "X", sid="SM" + "c" * 32)  # Twilio retried the webhook
    assert first.status_code == again.status_code == 200
    assert "<Message>" in first.content.decode() and "<Message>" not in again.content.decode()
    assert SmsReply.objects.count() == 1
    assert Appointment.objects.get(pk=appointment.pk).cancelled_at == services_cancelled
    assert Notification.objects.filter(kind="appointment_cancelled").count() == 1  # one text, once


def test_a_confirmation_by_text_shows_on_the_dashboards_today(client, alice, member, monday, deliver):
    today = texted(member, monday, deliver, start=monday + timedelta(hours=6))
    client.force_login(alice.user)
    dashboard = reverse("dashboard")
    assert 'badge text-bg-success">Confirmed' not in client.get(dashboard).content.decode()
    reply(client, "C")
    page = client.get(dashboard).content.decode()
    assert reverse("sessions_app:appointment", args=[today.pk]) in page
    assert 'badge text-bg-success">Confirmed' in page
