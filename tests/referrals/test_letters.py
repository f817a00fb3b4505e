"""The loop back: letters to the referrer only under a live release consent; clergy get the
non-clinical text only; the letter is encrypted at rest and read at send time."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from outbox import services as outbox
from outbox.models import Notification
from practice.models import AuditAction, AuditEvent
from referrals import services
from referrals.models import ReferralEvent, ReferralLetter
from tests.factories import ReferralFactory, ReferrerFactory
from tests.referrals.conftest import grant_release, withdraw_release

CLINICAL = "MARKER-CLINICAL-medication-adjusted-progress-good"


def letter_url(referral) -> str:
    return reverse("referrals:letter", args=[referral.pk])


def send(client, referral, **data):
    form = client.get(letter_url(referral)).context["form"]
    payload = {"kind": "first_seen", "body": f"Dear colleague, {CLINICAL}", "token": form.initial["token"], **data}
    return client.post(letter_url(referral), payload)


def test_without_a_signed_release_the_letter_page_says_who_must_sign_and_where(client, alice, accepted):
    client.force_login(alice.user)
    page = client.get(letter_url(accepted))
    body = page.content.decode()
    first, second = accepted.client.members.order_by("position")
    assert page.status_code == 200 and 'name="body"' not in body  # no form to type into yet
    assert f"No letter may go to {accepted.referrer.name} yet" in body
    assert f"{first.display_name} has not signed the Release of information" in body
    assert f"{second.display_name} has not signed the Release of information" in body
    assert reverse("documents:client", args=[accepted.client_id]) in body
    refused = client.post(letter_url(accepted), {"kind": "received", "body": "KEEP-THIS-TEXT", "token": "a" * 32})
    assert refused.status_code == 400 and "KEEP-THIS-TEXT" in refused.content.decode()
    assert "nobody in this unit has signed a release of information" in refused.content.decode()
    detail = client.get(reverse("referrals:detail", args=[accepted.pk])).content.decode()
    assert letter_url(accepted) not in detail and reverse("documents:client", args=[accepted.client_id]) in detail
    assert not ReferralLetter.objects.exists()


def test_a_release_naming_another_referrer_does_not_count(client, alice, accepted):
    other = ReferralFactory(referrer=ReferrerFactory())
    other.client = accepted.client
    grant_release(other, alice.user, members=[accepted.client.members.first()])
    client.force_login(alice.user)
    page = client.get(letter_url(accepted))
    assert page.status_code == 200 and "release-missing" in page.content.decode()
    assert not ReferralLetter.objects.exists()


def test_with_consent_the_therapist_edits_and_sends_a_letter(client, alice, accepted):
    grant_release(accepted, alice.user)
    client.force_login(alice.user)
    page = client.get(letter_url(accepted), {"kind": "received"})
    assert page.status_code == 200 and accepted.reference in page.context["form"].initial["body"]
    assert letter_url(accepted) in client.get(reverse("referrals:detail", args=[accepted.pk])).content.decode()

    r = send(client, accepted)
    assert r.status_code == 302 and r.url == letter_url(accepted)
    letter = ReferralLetter.objects.get()
    assert (letter.kind, letter.sent_by, letter.body) == ("first_seen", alice.user, f"Dear colleague, {CLINICAL}")
    notification = Notification.objects.get(kind="referral_letter")
    assert (notification.address, notification.reference) == (accepted.referrer.email, accepted.reference)
    assert notification.target_type == "referrals.referralletter" and notification.target_id == str(letter.pk)
    assert accepted.events.filter(action=ReferralEvent.Action.LETTER_SENT, by=alice.user).exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, target_type="referrals.referralletter", client_id=accepted.client_id
    ).exists()


def test_the_message_subject_carries_the_reference_only(client, alice, accepted):
    grant_release(accepted, alice.user)
    client.force_login(alice.user)
    send(client, accepted)
    message = outbox._BUILDERS["referral_letter"](Notification.objects.get(kind="referral_letter"))
    assert message.subject == f"Your referral {accepted.reference}"
    assert CLINICAL in message.text and CLINICAL in message.html
    for name in (accepted.first_name, accepted.last_name, accepted.partner_first_name):
        assert name not in message.subject


def test_the_letter_is_delivered_through_the_outbox(
    client, alice, accepted, mailoutbox, django_capture_on_commit_callbacks
):
    grant_release(accepted, alice.user)
    client.force_login(alice.user)
    send(client, accepted)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        outbox.notifications_dispatch()
    letters = [m for m in mailoutbox if m.to == [accepted.referrer.email]]
    assert len(letters) == 1 and CLINICAL in letters[0].body and letters[0].subject.endswith(accepted.reference)
    assert Notification.objects.get(kind="referral_letter").status == Notification.Status.SENT


def test_a_consent_withdrawn_before_sending_stops_the_letter(client, alice, accepted, mailoutbox):
    signature = grant_release(accepted, alice.user)
    client.force_login(alice.user)
    send(client, accepted)
    withdraw_release(signature, alice.user)
    notification = Notification.objects.get(kind="referral_letter")
    assert outbox._BUILDERS["referral_letter"](notification) is None
    outbox.notifications_dispatch()
    outbox.notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == Notification.Status.CANCELLED
    assert not [m for m in mailoutbox if m.to == [accepted.referrer.email]]


def test_a_double_submit_queues_one_letter(client, alice, accepted):
    grant_release(accepted, alice.user)
    client.force_login(alice.user)
    token = client.get(letter_url(accepted)).context["form"].initial["token"]
    for _ in range(2):
        send(client, accepted, token=token)
    assert ReferralLetter.objects.count() == 1 and Notification.objects.filter(kind="referral_letter").count() == 1


def test_bad_letter_input_is_kept_and_explained(client, alice, accepted):
    grant_release(accepted, alice.user)
    client.force_login(alice.user)
    too_long = "KEEP" + "w" * 4000
    r = send(client, accepted, body=too_long)
    assert (
        r.status_code == 400 and too_long in r.content.decode() and "holds up to 4,000 characters" in r.content.decode()
    )
    r = send(client, accepted, kind="acknowledgement")  # the clergy text is not offered to a physician
    assert r.status_code == 400 and "Select a valid choice" in r.content.decode()
    r = send(client, accepted, token="not hex")
    assert r.status_code == 400
    assert not ReferralLetter.objects.exists()


# --- clergy ---------------------------------------------------------------------------------------


@pytest.fixture
def clergy_accepted(alice):
    referral = ReferralFactory(referrer=ReferrerFactory(kind="clergy", name="Rev. Anne Clarke", speciality=""))
    referral, _ = services.referral_accept(referral=referral, by=alice.user, therapist=alice, base_url="http://x/")
    grant_release(referral, alice.user)
    return referral


def test_clergy_get_the_non_clinical_acknowledgement_only(client, alice, clergy_accepted):
    client.force_login(alice.user)
    page = client.get(letter_url(clergy_accepted))
    body = page.content.decode()
    assert page.status_code == 200 and "body" not in page.context["form"].fields
    assert "has been in contact with our practice" in body and "First seen" not in body
    r = send(client, clergy_accepted, kind="acknowledgement")
    assert r.status_code == 302
    letter = ReferralLetter.objects.get()
    assert letter.kind == "acknowledgement" and CLINICAL not in letter.body
    assert "has been in contact with our practice" in letter.body and "not able to share anything more" in letter.body
    message = outbox._BUILDERS["referral_letter"](Notification.objects.get(kind="referral_letter"))
    assert CLINICAL not in message.text and clergy_accepted.first_name not in message.text


@pytest.mark.parametrize("kind", ["first_seen", "discharged", "received"])
def test_clergy_cannot_be_sent_a_clinical_letter(client, alice, clergy_accepted, kind):
    client.force_login(alice.user)
    r = send(client, clergy_accepted, kind=kind)
    assert r.status_code == 400 and not ReferralLetter.objects.exists()


def test_the_service_forces_the_clergy_text(alice, clergy_accepted):
    letter = services.letter_send(
        referral=clergy_accepted, by=alice.user, kind="first_seen", body=CLINICAL, token="b" * 32
    )
    assert letter.kind == "acknowledgement" and CLINICAL not in letter.body


def test_the_service_refuses_without_consent(alice, accepted):
    with pytest.raises(ValidationError, match="nobody in this unit has signed a release of information"):
        services.letter_send(referral=accepted, by=alice.user, kind="received", body="x", token="c" * 32)


# --- who may write --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["charlie", "staff_user", "client_user"])
def test_only_a_treating_therapist_writes(client, request, alice, accepted, who):
    grant_release(accepted, alice.user)
    person = request.getfixturevalue(who)
    client.force_login(getattr(person, "user", person))
    assert client.get(letter_url(accepted)).status_code == 404
    assert client.post(letter_url(accepted), {"kind": "received", "body": "x", "token": "d" * 32}).status_code == 404
    assert not ReferralLetter.objects.exists()


def test_a_co_therapist_may_write(client, alice, charlie, accepted):
    grant_release(accepted, alice.user)
    accepted.client.co_therapists.add(charlie)
    client.force_login(charlie.user)
    assert client.get(letter_url(accepted)).status_code == 200


def test_the_letter_page_refuses_anonymous_and_other_methods(client, alice, accepted):
    grant_release(accepted, alice.user)
    assert client.get(letter_url(accepted)).url.startswith("/accounts/login/")
    client.force_login(alice.user)
    assert client.put(letter_url(accepted)).status_code == 405


def test_a_referral_not_yet_accepted_has_no_letter(client, alice, referral):
    client.force_login(alice.user)
    assert client.get(letter_url(referral)).status_code == 404


def test_letters_for_client_lists_only_consented_referrers(alice, accepted):
    from referrals.selectors import letters_for_client

    assert letters_for_client(accepted.client) == []
    grant_release(accepted, alice.user)
    assert letters_for_client(accepted.client) == [accepted]
