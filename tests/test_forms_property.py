"""Property-based tests of every public and portal form: whatever is typed (huge strings, NUL bytes,
unicode, control characters, SQL- and HTML-looking text) never gives a 500, and a refused submission
leaves nothing half-saved (row counts, and the rows already there, unchanged).

The Django test client re-raises any exception a view lets escape, so "never a 500" is checked both
ways: no exception, and no 500 status.
"""

from datetime import UTC, datetime, time, timedelta
from urllib.parse import quote

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clients.models import Client, Consent, IntakeResponse, Member
from outbox.models import Notification
from practice.models import AuditEvent, User
from referrals.models import Referral, ReferralEvent, Referrer
from sessions_app import notifications
from sessions_app import services as session_services
from sessions_app.models import Appointment, Attendance, Modality, WorkingHours
from tests.factories import ClientFactory, UserFactory, couple, portal_user_for, sign_for_video
from tests.referrals.conftest import form_data

# One place for the settings every property here shares: few examples, so the suite stays fast.
FUZZ = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture], database=None
)  # no .hypothesis/ example database written into the repository

NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n\t\x0b\x0c",
    "\x1b[31m",
    "\u202e\u200b\ufeff",
    "😀" * 50,
    "Ω≈ç√∫",
    "' OR 1=1 --",
    "'; DROP TABLE clients_client; --",
    '" OR ""="',
    "1; SELECT pg_sleep(5)",
    "%s%s%s%n",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "{{ 7*7 }}",
    "{% debug %}",
    "../../etc/passwd",
    "-1",
    "0",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "null",
    "[]",
    "{}",
]
huge = st.builds(lambda c, n: c * n, st.sampled_from(["a", "é", "😀", "\x00", "<", "'"]), st.integers(5_000, 120_000))
# Text anyone could post: printable or not, any plane (surrogates cannot be encoded, so none).
anything = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=300),
    st.text(st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=50),
    huge,
)


def counts(*models) -> dict:
    return {m.__name__: m.objects.count() for m in models}


def refused(response) -> bool:
    assert response.status_code != 500
    return response.status_code >= 400


# --- the public referral form ---------------------------------------------------------------------

REFERRAL_FIELDS = sorted(form_data(kind="couple", partner_first_name="A", partner_last_name="B"))
REFERRAL_MODELS = (Referral, Referrer, ReferralEvent, Notification, AuditEvent)


@pytest.mark.django_db
@FUZZ
@given(field=st.sampled_from([*REFERRAL_FIELDS, "website", "partner_email", "unknown"]), value=anything)
def test_referral_form_any_one_field(client, field, value):
    cache.clear()  # the form is rate limited per address: every example is a first visit
    before = counts(*REFERRAL_MODELS)
    r = client.post("/refer/", form_data(**{field: value}))
    if refused(r):
        assert counts(*REFERRAL_MODELS) == before


@pytest.mark.django_db
@FUZZ
@given(data=st.dictionaries(st.sampled_from(REFERRAL_FIELDS), anything, max_size=len(REFERRAL_FIELDS)))
def test_referral_form_any_fields(client, data):
    cache.clear()
    before = counts(*REFERRAL_MODELS)
    if refused(client.post("/refer/", data)):
        assert counts(*REFERRAL_MODELS) == before


# --- the portal ------------------------------------------------------------------------------------


@pytest.fixture
def member(alice):
    """A couple's partner with a portal account, allowed to book online; Alice works weekdays."""
    unit = couple(alice)
    Client.objects.filter(pk=unit.pk).update(self_booking=True)
    for weekday in range(5):
        WorkingHours.objects.create(therapist=alice, weekday=weekday, start=time(9), end=time(17))
    member = unit.members.get(position=1)
    portal_user_for(member)
    return member


@pytest.fixture
def web(client, member):
    client.force_login(member.user)
    return client


def snapshot(member: Member) -> dict:
    fresh = Member.objects.get(pk=member.pk)
    return {f.attname: getattr(fresh, f.attname) for f in Member._meta.concrete_fields if f.attname != "updated_at"}


PROFILE_FIELDS = [
    "preferred_name",
    "pronouns",
    "email",
    "phone",
    "address",
    "emergency_contact",
    "gender_identity",
    "sexual_orientation",
    "time_zone",
    "contact_by_email",
    "contact_by_sms",
    "discreet_wording",
]


@pytest.mark.django_db
@FUZZ
@given(data=st.dictionaries(st.sampled_from(PROFILE_FIELDS), anything, min_size=1))
def test_profile_form(web, member, data):
    before, rows = snapshot(member), counts(Member, AuditEvent)
    if refused(web.post(reverse("portal:profile"), data)):
        assert snapshot(member) == before and counts(Member, AuditEvent) == rows


INTAKE_FIELDS = [
    "concerns",
    "concerns_in_own_words",
    "hopes",
    "relationship_history",
    "sexual_history",
    "medical_conditions",
    "medications",
    "prior_therapy",
    "risk_self_harm",
    "risk_harm_to_others",
    "risk_unsafe_at_home",
    "risk_details",
]
SAFE = {"risk_self_harm": "no", "risk_harm_to_others": "no", "risk_unsafe_at_home": "no"}


@pytest.mark.django_db
@FUZZ
@given(
    data=st.dictionaries(st.sampled_from(INTAKE_FIELDS), anything, min_size=1),
    action=st.one_of(st.sampled_from(["save", "submit"]), anything),
    safe=st.booleans(),
)
def test_intake_form(web, member, data, action, safe):
    rows = counts(IntakeResponse, AuditEvent, Notification)
    saved = list(IntakeResponse.objects.filter(member=member).values())
    r = web.post(reverse("portal:intake"), {**(SAFE if safe else {}), **data, "action": action})
    if refused(r):
        assert counts(IntakeResponse, AuditEvent, Notification) == rows
        assert list(IntakeResponse.objects.filter(member=member).values()) == saved


@pytest.mark.django_db
@FUZZ
@given(kind=st.one_of(st.sampled_from([k for k, _ in Consent.Kind.choices]), anything), extra=anything)
def test_consents_form(web, member, kind, extra):
    rows = counts(Consent, AuditEvent)
    if refused(web.post(reverse("portal:consents"), {"kind": kind, "note": extra})):
        assert counts(Consent, AuditEvent) == rows


def _iso(moment: datetime) -> str:
    return moment.isoformat()


starts = st.one_of(
    anything,
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)).map(_iso),
    st.integers(-30 * 24, 90 * 24).map(lambda h: _iso(timezone.now().replace(minute=0, second=0) + timedelta(hours=h))),
    st.datetimes().map(_iso),  # naive
)


@pytest.mark.django_db
@FUZZ
@given(start=starts, modality=st.one_of(st.sampled_from([m for m, _ in Modality.choices]), anything))
def test_booking_post(web, member, start, modality):
    rows = counts(Appointment, Attendance, Notification, AuditEvent)
    if refused(web.post(reverse("portal:book"), {"start": start, "modality": modality})):
        assert counts(Appointment, Attendance, Notification, AuditEvent) == rows


# --- the invitation's set-password form --------------------------------------------------------------


@pytest.fixture
def invited(alice):
    """A client who was invited and has not set a password yet."""
    member = ClientFactory(primary_therapist=alice).members.get()
    user = UserFactory(email="invited@example.org", role=User.Role.CLIENT)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    member.user = user
    member.save(update_fields=["user"])
    return user


@pytest.mark.django_db
@FUZZ
@given(password1=anything, password2=anything, same=st.booleans())
def test_invitation_set_password(client, invited, password1, password2, same):
    uidb64 = urlsafe_base64_encode(force_bytes(invited.pk))
    token = default_token_generator.make_token(invited)
    first = client.get(reverse("portal:invitation_accept", args=[uidb64, token]))
    assert first.status_code == 302
    r = client.post(first.url, {"new_password1": password1, "new_password2": password1 if same else password2})
    invited.refresh_from_db()
    if refused(r):
        assert not invited.has_usable_password()
    else:
        assert invited.has_usable_password()
        invited.set_unusable_password()  # the next example starts invited again
        invited.save(update_fields=["password"])
        client.logout()


@pytest.mark.django_db
@FUZZ
@given(uidb64=anything, token=anything, method=st.sampled_from(["get", "post"]))
def test_invitation_link_with_any_path(client, invited, uidb64, token, method):
    url = f"/invitation/{quote(uidb64[:2000], safe='')}/{quote(token[:2000], safe='')}/"
    getattr(client, method)(url, {"new_password1": "x" * 20, "new_password2": "x" * 20})
    invited.refresh_from_db()
    assert not invited.has_usable_password()


# --- the reminder links: /r/<action>/<token>/ ------------------------------------------------------


@pytest.fixture
def booked(alice, member):
    start = (timezone.now() + timedelta(days=10)).replace(hour=10, minute=0, second=0, microsecond=0)
    sign_for_video(member.client)
    return session_services.appointment_book(
        therapist=alice,
        client=member.client,
        members=list(member.client.members.all()),
        start=start,
        by=alice.user,
        modality=Modality.VIDEO,
    )


@pytest.mark.django_db
@FUZZ
@given(
    action=st.one_of(st.sampled_from(sorted(notifications.LINK_SALTS)), anything),
    token=anything,
    method=st.sampled_from(["get", "post"]),
)
def test_reminder_links_with_any_token(client, booked, action, token, method):
    url = f"/r/{quote(action[:500], safe='')}/{quote(token[:3000], safe='')}/"
    r = getattr(client, method)(url)
    assert r.status_code != 500
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.BOOKED
    assert not Attendance.objects.filter(appointment=booked, confirmed_at__isnull=False).exists()


def test_the_fuzzed_strings_include_the_nasty_ones():
    assert "\x00" in "".join(NASTY) and any("<script>" in s for s in NASTY)
