"""The public referral form at /refer/: every referrer kind, returning referrers, abuse resistance,
bad input kept and explained, never a 500."""

import pytest
from django.urls import reverse

from outbox import services as outbox
from outbox.models import Notification
from practice.models import AuditAction, AuditEvent
from referrals.models import Referral, ReferralEvent, Referrer
from tests.factories import TherapistFactory, UserFactory
from tests.referrals.conftest import PERSON_MARKERS, form_data

URL = "/refer/"


def test_the_form_is_public_and_phone_ready(client, db):
    r = client.get(reverse("referrals:refer"))
    body = r.content.decode()
    assert r.status_code == 200 and reverse("referrals:refer") == URL
    assert 'name="viewport"' in body and "width=device-width" in body
    assert 'autocomplete="email"' in body and 'type="tel"' in body
    assert body.index('name="referrer_email"') < body.index('name="reason"')  # the short fields come first


def test_the_honeypot_is_hidden_from_people_and_screen_readers(client, db):
    body = client.get(URL).content.decode()
    start = body.index('class="hp-field')
    wrapper = body[body.rindex("<div", 0, start) : body.index("</div>", start)]
    assert 'aria-hidden="true"' in wrapper  # screen readers skip it
    assert "visually-hidden" in wrapper  # Bootstrap's: clipped to nothing (and off-screen with practice.css)
    assert 'tabindex="-1"' in wrapper and 'autocomplete="off"' in wrapper  # keyboards and autofill skip it too


def test_the_form_page_has_no_inline_script(client, db):
    body = client.get(URL).content.decode()
    assert "<script>" not in body and "referrals/refer.js" in body  # the Content-Security-Policy allows files only


@pytest.mark.parametrize("kind", [k for k, _label in Referrer.Kind.choices])
def test_each_referrer_kind_can_refer(client, db, kind):
    r = client.post(URL, form_data(referrer_kind=kind, referrer_email=f"{kind}@example.org"))
    assert r.status_code == 302 and r.url == reverse("referrals:thanks")
    referral = Referral.objects.get()
    assert referral.referrer.kind == kind and referral.status == Referral.Status.NEW
    assert (referral.first_name, referral.reason) == (PERSON_MARKERS["first_name"], PERSON_MARKERS["reason"])
    assert referral.consent_attested_at is not None
    assert ReferralEvent.objects.get().action == ReferralEvent.Action.SUBMITTED
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, target_type="referrals.referral").count() == 1


def test_the_thanks_page_shows_the_reference(client, db):
    r = client.post(URL, form_data(), follow=True)
    reference = Referral.objects.get().reference
    assert r.status_code == 200 and reference in r.content.decode()
    assert PERSON_MARKERS["first_name"] not in r.content.decode()


def test_a_couple_with_concerns_urgency_and_preferred_therapist(client, db):
    from clients.models import Concern

    therapist = TherapistFactory()
    concerns = list(Concern.objects.filter(slug__in=["arousal", "trust-commitment"]))
    data = form_data(
        kind="couple",
        partner_first_name="Una",
        partner_last_name="Quarrington",
        urgency="soon",
        concerns=[c.pk for c in concerns],
        preferred_therapist=therapist.pk,
    )
    assert client.post(URL, data).status_code == 302
    referral = Referral.objects.get()
    assert referral.is_couple and referral.partner_first_name == "Una" and referral.urgency == "soon"
    assert set(referral.concerns.all()) == set(concerns) and referral.preferred_therapist == therapist


def test_a_returning_referrer_is_recognised_by_email_whatever_the_case(client, db):
    client.post(URL, form_data(referrer_email="Ada.Stone@Clinic.example"))
    client.post(URL, form_data(referrer_email="ada.stone@clinic.EXAMPLE", referrer_name="Someone Else"))
    referrer = Referrer.objects.get()
    assert referrer.email == "ada.stone@clinic.example" and referrer.name == "Dr Ada Stone"  # not overwritten
    assert referrer.referrals.count() == 2


def test_a_returning_referrer_is_never_changed_by_the_form(client, db):
    client.post(URL, form_data(referrer_phone=""))
    client.post(URL, form_data(referrer_phone="+44 20 7946 1111", referrer_organisation="Elsewhere"))
    referrer = Referrer.objects.get()
    assert (referrer.phone, referrer.organisation) == ("", "Quay Clinic")  # not even a blank is filled
    second = referrer.referrals.order_by("pk").last()
    assert (second.referrer_claimed["phone"], second.referrer_claimed["organisation"]) == (
        "+44 20 7946 1111",
        "Elsewhere",
    )


def test_triage_shows_a_look_alike_beside_the_record(client, db, staff_user):
    client.post(URL, form_data())
    client.post(URL, form_data(referrer_name="Dr Ada Stone-Look", referrer_organisation="Elsewhere"))
    referrer = Referrer.objects.get()
    first, second = referrer.referrals.order_by("pk")
    client.force_login(staff_user)
    flagged = client.get(reverse("referrals:detail", args=[second.pk])).content.decode()
    assert "differ from the referrer on record" in flagged
    assert "Dr Ada Stone-Look" in flagged and "Elsewhere" in flagged and "Quay Clinic" in flagged
    plain = client.get(reverse("referrals:detail", args=[first.pk])).content.decode()
    assert "differ from the referrer on record" not in plain


# --- messages queued on submission ----------------------------------------------------------------


def test_submission_queues_the_acknowledgement_and_a_notice_per_therapist_and_staff(client, alice, charlie, staff_user):
    UserFactory(role="client")  # clients are never told
    UserFactory(role="staff", is_active=False)
    client.post(URL, form_data())
    referral = Referral.objects.get()
    ack = Notification.objects.get(kind="referral_acknowledgement")
    expected = ("ada.stone@clinic.example", referral.reference, str(referral.pk))
    assert (ack.address, ack.reference, ack.target_id) == expected
    notices = Notification.objects.filter(kind="referral_notice")
    assert {n.user for n in notices} == {alice.user, charlie.user, staff_user}
    assert all(n.reference == referral.reference and n.address == "" for n in notices)
    assert len({n.key for n in Notification.objects.all()}) == Notification.objects.count() == 4


def test_the_acknowledgement_holds_no_details_of_the_person_referred(client, db):
    client.post(URL, form_data(kind="couple", partner_first_name="Ulrika", partner_last_name="Vandersloot"))
    ack = Notification.objects.get(kind="referral_acknowledgement")
    message = outbox._BUILDERS["referral_acknowledgement"](ack)
    reference = Referral.objects.get().reference
    assert reference in message.subject and reference in message.text and reference in message.html
    everything = message.subject + message.text + message.html
    for value in [*PERSON_MARKERS.values(), "Ulrika", "Vandersloot", "erectile", "Low desire"]:
        assert value not in everything
    assert "Dr Ada Stone" in message.text


@pytest.mark.parametrize("kind", ["clergy", "psychiatrist"])
def test_clergy_get_the_same_non_clinical_acknowledgement(client, db, kind):
    client.post(URL, form_data(referrer_kind=kind))
    message = outbox._BUILDERS["referral_acknowledgement"](Notification.objects.get(kind="referral_acknowledgement"))
    reference = Referral.objects.get().reference
    assert message.text.replace(reference, "R-X").rstrip() == (
        "Dear Dr Ada Stone,\n\nThank you for your referral to Harbour Practice. It has arrived safely.\n\n"
        "Your reference number is R-X. Please quote it if you contact us about this referral.\n\n"
        "We will be in touch with the person you referred in the way you suggested. For their privacy, we do "
        "not repeat any details of the referral in email.\n\nWith thanks,\nHarbour Practice"
    )


def test_nothing_is_queued_when_the_form_is_refused(client, alice):
    client.post(URL, form_data(reason=""))
    assert not Notification.objects.exists() and not Referral.objects.exists() and not Referrer.objects.exists()


# --- abuse resistance -----------------------------------------------------------------------------


def test_the_rate_limit_refuses_the_sixth_submission_and_keeps_what_was_typed(client, db):
    for i in range(5):
        assert client.post(URL, form_data(referrer_email=f"r{i}@example.org")).status_code == 302
    r = client.post(URL, form_data(reason="SIXTH-REASON-KEPT"))
    body = r.content.decode()
    assert r.status_code == 429 and "Too many referrals" in body
    assert "SIXTH-REASON-KEPT" in body and PERSON_MARKERS["last_name"] in body
    assert Referral.objects.count() == 5


def test_the_rate_limit_is_per_address(client, db):
    for i in range(5):
        client.post(URL, form_data(referrer_email=f"r{i}@example.org"), REMOTE_ADDR="203.0.113.5")
    assert client.post(URL, form_data(), REMOTE_ADDR="203.0.113.5").status_code == 429
    assert client.post(URL, form_data(), REMOTE_ADDR="198.51.100.7").status_code == 302


def test_invalid_submissions_do_not_use_up_the_limit(client, db):
    for _ in range(8):
        assert client.post(URL, form_data(reason="")).status_code == 400
    assert client.post(URL, form_data()).status_code == 302


def test_the_window_passes(client, db, settings):
    import time_machine

    with time_machine.travel("2027-03-01 09:00 +0000", tick=False) as clock:
        for i in range(5):
            client.post(URL, form_data(referrer_email=f"r{i}@example.org"))
        assert client.post(URL, form_data()).status_code == 429
        clock.shift(601)
        assert client.post(URL, form_data()).status_code == 302


def test_the_honeypot_refuses_without_saving_or_sending(client, alice):
    r = client.post(URL, form_data(website="http://spam.example"))
    body = r.content.decode()
    assert r.status_code == 400 and "Please check the form and send it again" in body
    assert not Referral.objects.exists() and not Notification.objects.exists()
    assert PERSON_MARKERS["reason"] in body and "http://spam.example" not in body  # a person can resend as is


def test_honeypot_hits_count_towards_the_limit(client, db):
    for _ in range(5):
        client.post(URL, form_data(website="x"))
    assert client.post(URL, form_data()).status_code == 429


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("reason", "x" * 4001, "holds up to 4,000 characters and this text has 4,001"),
        ("first_name", "x" * 101, "at most 100 characters"),
        ("referrer_name", "x" * 151, "at most 150 characters"),
        ("referrer_organisation", "x" * 151, "at most 150 characters"),
        ("referrer_speciality", "x" * 101, "at most 100 characters"),
        ("contact_notes", "x" * 501, "holds up to 500 characters and this text has 501"),
        ("phone", "7" * 41, "at most 40 characters"),
        ("referrer_email", "a" * 250 + "@example.org", "at most 254 characters"),
        ("email", "not-an-email", "Enter a valid email address"),
        ("referrer_email", "ada@", "Enter a valid email address"),
        ("phone", "call me maybe", "Enter a phone number"),
        ("referrer_phone", "<script>", "Enter a phone number"),
        ("referrer_kind", "bishop", "Select a valid choice"),
        ("urgency", "yesterday", "Select a valid choice"),
        ("kind", "throuple", "Select a valid choice"),
        ("preferred_contact", "pigeon", "Select a valid choice"),
        ("preferred_therapist", "999999", "Select a valid choice"),
        ("preferred_therapist", "abc", "Select a valid choice"),
        ("concerns", "abc", "is not a valid value"),
        ("reason", "", "This field is required"),
        ("referrer_email", "", "This field is required"),
        ("consent", None, "Please confirm that the person agreed to be referred"),
        ("first_name", "nul\x00byte", "Null characters are not allowed"),
    ],
)
def test_bad_input_gets_a_clear_message_at_the_field_and_keeps_the_rest(client, db, field, value, message):
    data = form_data(**{field: value})
    r = client.post(URL, data)
    body = r.content.decode()
    assert r.status_code == 400 and message in body
    assert "Nothing you typed has been lost" in body
    for kept in {"reason", "last_name", "referrer_email", "referrer_organisation"} - {field}:
        assert data[kept] in body
    assert not Referral.objects.exists()


def test_an_oversized_reason_is_kept_for_trimming(client, db):
    long_reason = "KEEP-" + "y" * 4100
    body = client.post(URL, form_data(reason=long_reason)).content.decode()
    assert long_reason in body


def test_a_couple_needs_both_names(client, db):
    r = client.post(URL, form_data(kind="couple"))
    assert r.status_code == 400 and "For a couple, give both partners" in r.content.decode()


@pytest.mark.parametrize(("method", "missing"), [("email", "email"), ("phone", "phone"), ("sms", "phone")])
def test_the_preferred_contact_needs_its_address(client, db, method, missing):
    r = client.post(URL, form_data(preferred_contact=method, **{missing: ""}))
    assert r.status_code == 400 and "choose another way to contact them" in r.content.decode()


def test_through_the_referrer_needs_no_contact_details(client, db):
    assert client.post(URL, form_data(preferred_contact="referrer", email="", phone="")).status_code == 302


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"referrer_kind": ["physician", "clergy"]},
        {"concerns": [str(i) for i in range(500)]},
        {"kind": "couple", "partner_email": "@@"},
        {"reason": "\ud800"[:0] + "emoji 🙂 and ünïcödé"},
    ],
)
def test_malformed_posts_never_500(client, db, data):
    r = client.post(URL, {**form_data(), **data} if data else {})
    assert r.status_code in (302, 400)


def test_other_methods_are_refused(client, db):
    assert client.put(URL).status_code == 405
    assert client.delete(URL).status_code == 405
    assert client.post(reverse("referrals:thanks")).status_code == 405


def test_a_signed_in_therapist_may_use_the_form_too(client, alice):
    client.force_login(alice.user)
    assert client.get(URL).status_code == 200


def test_an_enormous_or_crowded_post_is_refused_not_crashed(client, db):
    assert client.post(URL, {**form_data(), "reason": "x" * 3_000_000}).status_code == 413  # too large to read
    assert client.post(URL, {f"field{i}": "x" for i in range(1500)}).status_code == 400
    assert not Referral.objects.exists()


@pytest.mark.parametrize("phone", ["(020) 7946 0000", "+44 20 7946 0000", "07700-900-123", "020.7946.0000"])
def test_usual_phone_formats_are_accepted(client, db, phone):
    assert client.post(URL, form_data(phone=phone)).status_code == 302


def test_the_release_choice_tells_two_referrers_of_the_same_name_apart(client, alice, solo):
    """A release is recorded as a signed document now (the paper consent form names the referrer)."""
    from tests.factories import ReferralFactory, ReferrerFactory

    for organisation in ("North Clinic", "St Mary's"):
        referrer = ReferrerFactory(name="Dr Sam Lee", organisation=organisation, kind="physician")
        ReferralFactory(referrer=referrer, client=solo)
    client.force_login(alice.user)
    page = client.get(reverse("documents:paper", args=[solo.pk])).content.decode()
    assert "Dr Sam Lee, North Clinic" in page
    assert "Dr Sam Lee, St Mary&#x27;s" in page
    assert 'name="referrer"' not in client.get(reverse("clients:consent_create", args=[solo.pk])).content.decode()
