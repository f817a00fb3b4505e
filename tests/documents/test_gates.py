"""The gates (documents.gates): what is missing before booking, video and a release letter, and the
services and pages that refuse with it: booking and series in the portal and the calendar, video on
every road (book, series, portal, a move to video), letters back to a referrer. Runs on both
databases (bin/test)."""

import re
from datetime import UTC, date, datetime, time

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clients.models import Client
from documents import services
from documents.gates import missing_signatures, require_signatures
from documents.models import DocumentTemplate
from outbox import services as outbox
from outbox.models import Notification
from referrals import services as referral_services
from referrals.models import ReferralLetter
from sessions_app import services as sessions
from sessions_app.models import Appointment, Modality, Room, Series, WorkingHours
from tests.documents.conftest import current, sign
from tests.factories import ReferralFactory, ReferrerFactory


def _texts(unit, members, purpose, **kwargs):
    return [m.text for m in missing_signatures(client=unit, members=members, purpose=purpose, **kwargs)]


def test_booking_is_refused_without_informed_consent_naming_the_member_and_the_document(signed_pair):
    unit, jordan, sam = signed_pair
    version = current("treatment")
    with pytest.raises(ValidationError) as refusal:
        require_signatures(client=unit, members=[jordan], purpose="booking")
    assert (
        refusal.value.messages[0]
        == f"Jordan has not signed the Informed consent to treatment (version {version.number})."
    )
    assert "sign it in their portal under Documents" in refusal.value.messages[-1]
    sign(version, jordan)
    require_signatures(client=unit, members=[jordan], purpose="booking")  # Jordan's own session: open
    assert _texts(unit, [jordan, sam], "booking") == [
        f"Sam has not signed the Informed consent to treatment (version {version.number})."
    ]


def test_video_needs_each_attending_members_telehealth_consent(signed_pair):
    unit, jordan, sam = signed_pair
    sign(current("telehealth"), jordan)
    assert len(_texts(unit, [jordan, sam], "video")) == 1
    sign(current("telehealth"), sam)
    assert _texts(unit, [jordan, sam], "video") == []
    assert _texts(unit, [jordan, sam], "booking") != []  # telehealth does not stand in for treatment


def test_a_one_member_document_is_satisfied_by_either_partner(signed_pair, alice):
    unit, jordan, sam = signed_pair
    financial = DocumentTemplate.objects.get(kind="financial")
    financial.required_before = "booking"
    financial.save()
    for member in (jordan, sam):
        sign(current("treatment"), member)
    assert _texts(unit, [jordan, sam], "booking") == [
        f"Nobody in this unit has signed the Financial and cancellation policy (version {current('financial').number}) "
        "(one member's signature is enough)."
    ]
    sign(current("financial"), sam)
    assert _texts(unit, [jordan], "booking") == []  # Sam signed for the unit, even for Jordan's own session


def test_a_release_counts_only_for_the_referrer_it_names(signed_pair):
    unit, jordan, _sam = signed_pair
    assert len(_texts(unit, [jordan], "release", referrer_id=7)) == 1
    sign(current("release"), jordan, referrer_id=8, referrer_name="Dr Eight")
    assert len(_texts(unit, [jordan], "release", referrer_id=7)) == 1
    sign(current("release"), jordan, referrer_id=7, referrer_name="Dr Seven")
    assert _texts(unit, [jordan], "release", referrer_id=7) == []


def test_a_release_must_name_a_referrer(signed_pair):
    _unit, jordan, _sam = signed_pair
    with pytest.raises(ValidationError, match="must name the professional"):
        sign(current("release"), jordan)


def test_withdrawn_and_superseded_signatures_do_not_count(signed_pair, alice):
    unit, jordan, _sam = signed_pair
    signature = sign(current("treatment"), jordan)
    services.signature_withdraw(signature=signature, by=jordan.user)
    assert len(_texts(unit, [jordan], "booking")) == 1
    again = sign(current("treatment"), jordan)  # signing again after a withdrawal is allowed
    assert _texts(unit, [jordan], "booking") == []
    services.version_publish(
        template=again.version.template, body="New text.", effective_date=again.version.effective_date, by=alice.user
    )
    assert _texts(unit, [jordan], "booking") == [
        f"Jordan has not signed the Informed consent to treatment (version {again.version.number + 1})."
    ]


def test_an_inactive_or_ungated_document_does_not_gate(signed_pair):
    unit, jordan, _sam = signed_pair
    DocumentTemplate.objects.filter(kind="treatment").update(active=False)
    assert _texts(unit, [jordan], "booking") == []


def test_an_unknown_purpose_is_a_programming_error(signed_pair):
    unit, jordan, _sam = signed_pair
    with pytest.raises(ValueError, match="unknown purpose"):
        missing_signatures(client=unit, members=[jordan], purpose="fees")


def test_the_gate_takes_one_query_whatever_the_documents(signed_pair, django_assert_max_num_queries):
    unit, jordan, sam = signed_pair
    with django_assert_max_num_queries(1):
        missing_signatures(client=unit, members=[jordan, sam], purpose="booking")


# --- Wired into the services and the pages (sessions_app, referrals) --------------------------------

MONDAY = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)  # Alice works weekdays 09:00–17:00 London (UTC in winter)
BOOK = reverse("portal:book")
NEW = reverse("sessions_app:appointment_new")
TREATMENT = "Informed consent to treatment (version 1)"
TELEHEALTH = "Telehealth consent (version 1)"


def at(day: int, hour: int) -> datetime:
    return datetime(2027, 1, day, hour, tzinfo=UTC)


@pytest.fixture
def week(alice):
    """Frozen on Monday 4 January 2027; Alice works weekdays 9 to 5 and has a room."""
    for day in range(5):
        WorkingHours.objects.create(therapist=alice, weekday=day, start=time(9), end=time(17))
    Room.objects.create(name="Room 1", location="12 Quay Street")
    with time_machine.travel(MONDAY, tick=False):
        yield


@pytest.fixture
def open_pair(signed_pair, week):
    unit, jordan, sam = signed_pair
    Client.objects.filter(pk=unit.pk).update(self_booking=True)
    unit.refresh_from_db()
    return unit, jordan, sam


def book(unit, members, *, modality=Modality.IN_PERSON, start=None, **kwargs):
    therapist = unit.primary_therapist
    return sessions.appointment_book(
        therapist=therapist,
        client=unit,
        members=members,
        start=start or at(12, 10),
        by=kwargs.pop("by", therapist.user),
        modality=modality,
        **kwargs,
    )


def portal_post(client, member, modality="in_person", hour=15):
    client.force_login(member.user)
    return client.post(BOOK, {"start": at(12, hour).isoformat(), "modality": modality, "confirm": "1"})


def test_the_portal_refuses_a_booking_until_each_partner_signed_the_informed_consent(client, open_pair):
    _unit, jordan, sam = open_pair
    refused = portal_post(client, jordan)
    body = refused.content.decode()
    assert refused.status_code == 400 and not Appointment.objects.exists()
    assert f"Before booking, please read and sign the {TREATMENT} under Documents." in body
    assert "your partner has not signed it yet" in body
    assert f'href="{reverse("portal:documents")}"' in body
    client.post(BOOK, {"start": at(12, 15).isoformat(), "modality": "in_person"})  # nor the confirm step
    assert not Appointment.objects.exists()

    sign(current("treatment"), jordan)
    assert "your partner has not signed it yet" in portal_post(client, jordan).content.decode()
    sign(current("treatment"), sam)
    assert portal_post(client, jordan).status_code == 302 and Appointment.objects.count() == 1


def test_the_calendar_refuses_a_booking_naming_who_and_linking_to_the_documents(client, alice, signed_pair, week):
    unit, jordan, sam = signed_pair
    sign(current("treatment"), jordan)
    client.force_login(alice.user)
    data = {"client": unit.pk, "date": "2027-01-12", "start_time": "10:00", "modality": "in_person", "repeat": ""}
    refused = client.post(NEW, data)
    body = refused.content.decode()
    assert refused.status_code == 400 and not Appointment.objects.exists()
    assert f"Sam has not signed the {TREATMENT}." in body and "Jordan has not signed" not in body
    assert "you can record a signed paper copy on the client&#x27;s documents page" in body
    assert reverse("documents:client", args=[unit.pk]) in body
    assert 'value="2027-01-12"' in body  # what was typed is kept
    sign(current("treatment"), sam)
    assert client.post(NEW, data).status_code == 302 and Appointment.objects.count() == 1


def test_one_partner_alone_needs_only_their_own_informed_consent(signed_pair, week):
    unit, jordan, sam = signed_pair
    sign(current("treatment"), jordan)
    with pytest.raises(ValidationError, match="Sam has not signed"):
        book(unit, [jordan, sam])
    assert book(unit, [jordan]).members.get() == jordan


def test_a_series_is_refused_once_and_creates_nothing_without_the_informed_consent(alice, signed_pair, week):
    unit, jordan, _sam = signed_pair
    with pytest.raises(ValidationError) as refusal:
        sessions.series_create(
            therapist=alice,
            client=unit,
            members=[jordan],
            first_start=at(12, 10),
            frequency="weekly",
            count=4,
            by=alice.user,
        )
    assert refusal.value.messages[0] == f"Jordan has not signed the {TREATMENT}."
    assert not Appointment.objects.exists() and not Series.objects.exists()


def test_video_needs_each_attending_members_telehealth_signature_on_every_road(client, alice, open_pair):
    unit, jordan, sam = open_pair
    for member in (jordan, sam):
        sign(current("treatment"), member)
    sign(current("telehealth"), jordan)
    both = [jordan, sam]
    with pytest.raises(ValidationError, match=re.escape(f"Sam has not signed the {TELEHEALTH}")):
        book(unit, both, modality=Modality.VIDEO)
    with pytest.raises(ValidationError, match=re.escape(f"Sam has not signed the {TELEHEALTH}")):
        sessions.series_create(
            therapist=alice,
            client=unit,
            members=both,
            first_start=at(12, 10),
            frequency="weekly",
            count=2,
            by=alice.user,
            modality=Modality.VIDEO,
        )
    refused = portal_post(client, jordan, modality="video")
    assert refused.status_code == 400 and "your partner has not signed it yet" in refused.content.decode()
    assert f'href="{reverse("portal:documents")}"' in refused.content.decode()

    in_person = book(unit, both)
    with pytest.raises(ValidationError, match=re.escape(f"Sam has not signed the {TELEHEALTH}")):
        sessions.appointment_move(
            appointment=in_person, start=at(13, 10), by=alice.user, via="calendar", modality=Modality.VIDEO
        )
    client.force_login(alice.user)
    move_url = reverse("sessions_app:appointment_move", args=[in_person.pk])
    page = client.post(move_url, {"date": "2027-01-13", "start_time": "10:00", "modality": "video"})
    assert page.status_code == 400 and f"Sam has not signed the {TELEHEALTH}" in page.content.decode()
    assert reverse("documents:client", args=[unit.pk]) in page.content.decode()
    in_person.refresh_from_db()
    assert (in_person.modality, in_person.start) == ("in_person", at(12, 10))

    assert book(unit, [jordan], modality=Modality.VIDEO, start=at(14, 10)).modality == "video"  # Jordan alone
    sign(current("telehealth"), sam)
    moved = sessions.appointment_move(
        appointment=in_person, start=at(13, 10), by=alice.user, via="calendar", modality=Modality.VIDEO
    )
    assert moved.modality == "video"


def test_moving_a_session_is_not_gated_by_the_booking_documents(alice, signed_pair, week):
    unit, jordan, _sam = signed_pair
    signature = sign(current("treatment"), jordan)
    appointment = book(unit, [jordan])
    services.signature_withdraw(signature=signature, by=jordan.user)
    with pytest.raises(ValidationError, match="Jordan has not signed"):
        book(unit, [jordan], start=at(13, 10))
    moved = sessions.appointment_move(appointment=appointment, start=at(14, 10), by=alice.user, via="calendar")
    assert moved.start == at(14, 10)  # booked under the consent then; withdrawing it is the therapist's to discuss


def test_a_new_version_of_the_informed_consent_closes_the_booking_gate_until_signed_again(alice, signed_pair, week):
    unit, jordan, _sam = signed_pair
    signed = sign(current("treatment"), jordan)
    book(unit, [jordan])
    services.version_publish(
        template=signed.version.template, body="New wording.", effective_date=date(2027, 1, 4), by=alice.user
    )
    with pytest.raises(
        ValidationError, match="Jordan has not signed the Informed consent to treatment \\(version 2\\)"
    ):
        book(unit, [jordan], start=at(13, 10))
    sign(current("treatment"), jordan)
    assert book(unit, [jordan], start=at(13, 10)).start == at(13, 10)


# --- Release letters ---------------------------------------------------------------------------------


@pytest.fixture
def referral(alice):
    """A couple referral accepted into a unit Alice treats; nobody has released information yet."""
    made = ReferralFactory(kind="couple", referrer=ReferrerFactory(kind="physician", name="Dr Ada Quill"))
    made, _problems = referral_services.referral_accept(
        referral=made, by=alice.user, therapist=alice, base_url="http://testserver/"
    )
    return made


def release(referral, member, by, referrer=None):
    referrer = referrer or referral.referrer
    return services.paper_consent_record(
        version=current("release"),
        member=member,
        by=by,
        signed_on=date.today(),
        scan=SimpleUploadedFile("release.pdf", b"%PDF-1.4 release", content_type="application/pdf"),
        referrer_id=referrer.pk,
        referrer_name=referrer.name,
    )


def send(referral, by, token, **kwargs):
    return referral_services.letter_send(
        referral=referral, by=by, kind="first_seen", body="Dear colleague.", token=token, **kwargs
    )


def test_a_letter_needs_a_signed_release_naming_that_referrer(alice, referral):
    first, second = referral.client.members.order_by("position")
    with pytest.raises(ValidationError) as refusal:
        send(referral, alice.user, "a" * 32)
    assert refusal.value.messages[0] == (
        "No letter may go to Dr Ada Quill: nobody in this unit has signed a release of information naming them."
    )
    assert f"{first.display_name} has not signed the Release of information" in refusal.value.messages[1]
    release(referral, first, alice.user, referrer=ReferrerFactory())  # another referrer does not count
    with pytest.raises(ValidationError, match="nobody in this unit has signed"):
        send(referral, alice.user, "b" * 32)

    signature = release(referral, first, alice.user)
    with pytest.raises(ValidationError, match="speaks of them alone"):  # the couple rule of issue 15
        send(referral, alice.user, "c" * 32)
    letter = send(referral, alice.user, "c" * 32, speaks_of_released_only=True)
    assert letter.about_member == first

    services.signature_withdraw(signature=signature, by=alice.user)
    with pytest.raises(ValidationError, match="nobody in this unit has signed"):
        send(referral, alice.user, "d" * 32)
    notification = Notification.objects.get(kind="referral_letter")
    assert outbox._BUILDERS["referral_letter"](notification) is None  # the queued letter stops too
    release(referral, second, alice.user)
    assert send(referral, alice.user, "e" * 32, speaks_of_released_only=True).about_member == second


def test_the_letter_page_says_what_is_missing_and_where_to_record_it(client, alice, referral):
    first, _second = referral.client.members.order_by("position")
    url = reverse("referrals:letter", args=[referral.pk])
    client.force_login(alice.user)
    page = client.get(url).content.decode()
    assert "No letter may go to Dr Ada Quill yet" in page and 'name="body"' not in page
    assert f"{first.display_name} has not signed the Release of information" in page
    assert reverse("documents:client", args=[referral.client_id]) in page
    refused = client.post(url, {"kind": "first_seen", "body": "KEEP-THIS-LETTER", "token": "f" * 32})
    assert refused.status_code == 400 and "KEEP-THIS-LETTER" in refused.content.decode()
    assert not ReferralLetter.objects.exists()

    signature = release(referral, first, alice.user)
    page = client.get(url)
    assert page.status_code == 200 and "release-missing" not in page.content.decode()
    token = page.context["form"].initial["token"]
    data = {"kind": "first_seen", "body": "Dear colleague.", "token": token, "speaks_of_released_only": "on"}
    assert client.post(url, data).status_code == 302 and ReferralLetter.objects.count() == 1

    services.signature_withdraw(signature=signature, by=alice.user)
    assert "No letter may go to Dr Ada Quill yet" in client.get(url).content.decode()
    detail = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert url not in detail and "Record or request a release" in detail
