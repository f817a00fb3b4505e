"""The client's own pages: profile, questionnaire, consents, policy, invitation, and the portal home."""

import re
from datetime import UTC, datetime

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from clients import services
from clients.models import Client, Consent, IntakeResponse
from practice.models import AuditAction, AuditEvent
from tests.factories import ClientFactory, couple, portal_user_for

PORTAL = reverse("portal:home")
PROFILE = reverse("portal:profile")
INTAKE = reverse("portal:intake")
CONSENTS = reverse("portal:consents")
ACKNOWLEDGE = reverse("portal:policy_acknowledge")
SAFE = {"risk_self_harm": "no", "risk_harm_to_others": "no", "risk_unsafe_at_home": "unsure"}


@pytest.fixture
def unit(alice):
    """A couple treated by Alice; both partners have portal accounts."""
    unit = couple(alice)
    for member in unit.members.all():
        portal_user_for(member)
    return unit


@pytest.fixture
def partner_a(unit):
    return unit.members.get(position=1)


@pytest.fixture
def partner_b(unit):
    return unit.members.get(position=2)


@pytest.fixture
def web_a(client, partner_a):
    client.force_login(partner_a.user)
    return client


def withdraw_url(consent):
    return reverse("portal:consent_withdraw", args=[consent.pk])


def give(member, kind=Consent.Kind.REMINDERS_EMAIL):
    return services.consent_grant(member=member, kind=kind, by=member.user, source=Consent.Source.PORTAL)


def invitation_path(user):
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("portal:invitation_accept", args=[uidb64, default_token_generator.make_token(user)])


def every_page(web):
    """The text of every page a client can reach."""
    return "".join(web.get(url).content.decode() for url in (PORTAL, PROFILE, INTAKE, CONSENTS))


# --- Who may reach the pages ----------------------------------------------------------------------

PAGES = [("get", PROFILE), ("get", INTAKE), ("get", CONSENTS), ("post", ACKNOWLEDGE), ("post", "withdraw")]


def _url(url, partner_a):
    return withdraw_url(give(partner_a)) if url == "withdraw" else url


@pytest.mark.parametrize(("method", "url"), PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, partner_a, method, url):
    r = getattr(client, method)(_url(url, partner_a))
    assert r.status_code == 302 and r.url.startswith("/accounts/login/?next=")


@pytest.mark.parametrize(("method", "url"), PAGES)
def test_therapists_get_404(client, alice, partner_a, method, url):
    client.force_login(alice.user)
    assert getattr(client, method)(_url(url, partner_a)).status_code == 404


@pytest.mark.parametrize(("method", "url"), PAGES)
def test_a_client_account_without_a_member_record_gets_404(client, client_user, partner_a, method, url):
    client.force_login(client_user)
    assert getattr(client, method)(_url(url, partner_a)).status_code == 404


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("put", PROFILE),
        ("delete", INTAKE),
        ("put", CONSENTS),
        ("get", ACKNOWLEDGE),
        # GET "withdraw" is its confirm page: tests/sessions_app/test_booking_warnings.py
        ("put", "withdraw"),
        ("post", PORTAL),
    ],
)
def test_wrong_methods_are_refused(web_a, partner_a, method, url):
    assert getattr(web_a, method)(_url(url, partner_a)).status_code == 405


def test_a_partner_cannot_withdraw_the_other_partners_consent(web_a, partner_b):
    theirs = give(partner_b)
    assert web_a.post(withdraw_url(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


# --- Portal home ----------------------------------------------------------------------------------


def test_home_welcomes_by_preferred_name_and_offers_the_questionnaire(web_a, partner_a):
    services.member_update(member=partner_a, by=partner_a.user, preferred_name="Sunny")
    body = web_a.get(PORTAL).content.decode()
    assert "Welcome, Sunny" in body
    assert INTAKE in body and "Start the questionnaire" in body
    assert "Online booking is not open for you yet" in body


def test_clients_never_see_notes_or_unshared_goals(web_a, alice, unit):
    services.note_create(client=unit, author=alice, body="NOTE-MARKER-7731")
    services.goal_create(client=unit, by=alice.user, text="HIDDEN-GOAL-4410", shared_with_client=False)
    shared = services.goal_create(client=unit, by=alice.user, text="Weekly date night", shared_with_client=True)
    body = every_page(web_a)
    assert "NOTE-MARKER-7731" not in body and "HIDDEN-GOAL-4410" not in body
    assert "Weekly date night" in body
    assert shared.pk
    viewed = AuditEvent.objects.filter(action=AuditAction.VIEW, target_type="clients.client", actor=web_a_user(web_a))
    assert viewed.exists()


def test_home_takes_a_fixed_number_of_queries(web_a, alice, unit, partner_a, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.goal_create(client=unit, by=alice.user, text="Weekly date night", shared_with_client=True)
    give(partner_a)
    services.intake_save(member=partner_a, by=partner_a.user, submit=False, hopes="x")
    web_a.get(PORTAL)  # the first request of a session does one-off work (session bookkeeping)
    with CaptureQueriesContext(connection) as one_goal:
        assert web_a.get(PORTAL).status_code == 200
    # The session, the person, the member, then one statement for each card; who pays is two at most
    # (the party chosen, else whether the member is the unit's only one).
    assert len(one_goal.captured_queries) == 18, [q["sql"][:70] for q in one_goal.captured_queries]
    for i in range(5):
        services.goal_create(client=unit, by=alice.user, text=f"goal {i}", shared_with_client=True)
    with django_assert_num_queries(len(one_goal.captured_queries)):
        assert web_a.get(PORTAL).status_code == 200


def test_a_client_account_without_a_member_sees_an_empty_home(client, client_user):
    client.force_login(client_user)
    r = client.get(PORTAL)
    assert r.status_code == 200
    assert "not yet linked" in r.content.decode()


# --- Profile --------------------------------------------------------------------------------------


def test_profile_shows_own_details_with_names_read_only(web_a, partner_a):
    r = web_a.get(PROFILE)
    body = r.content.decode()
    assert r.status_code == 200
    assert partner_a.first_name in body and 'name="first_name"' not in body
    assert "Entirely optional" in body  # gender identity and orientation are explained as optional
    assert AuditEvent.objects.filter(action=AuditAction.VIEW, target_id=str(partner_a.pk)).exists()


def profile_data(**changes):
    data = {
        "preferred_name": "Sunny",
        "pronouns": "they/them",
        "email": "sunny@example.net",
        "phone": "+44 7700 900123",
        "time_zone": "America/New_York",
        "contact_by_email": "on",
        "discreet_wording": "on",
    }
    return {**data, **changes}


def test_profile_update_saves_the_members_own_fields_only(web_a, partner_a):
    first_name = partner_a.first_name
    r = web_a.post(PROFILE, profile_data(first_name="Mallory"))
    assert r.status_code == 302 and r.url == PROFILE
    partner_a.refresh_from_db()
    assert (partner_a.preferred_name, partner_a.time_zone) == ("Sunny", "America/New_York")
    assert partner_a.discreet_wording and not partner_a.contact_by_sms
    assert partner_a.first_name == first_name  # names are changed by the practice
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, target_type="clients.member").exists()


def test_profile_bad_input_is_refused_and_keeps_what_was_typed(web_a, partner_a):
    r = web_a.post(PROFILE, profile_data(phone="call me", time_zone="Mars/Olympus"))
    body = r.content.decode()
    assert r.status_code == 400
    assert 'value="call me"' in body and 'value="Sunny"' in body
    assert "Enter a phone number" in body and "Select a valid choice" in body
    partner_a.refresh_from_db()
    assert partner_a.preferred_name == ""


# --- Intake questionnaire -------------------------------------------------------------------------


def test_intake_draft_then_submit_then_locked(web_a, partner_a):
    r = web_a.post(INTAKE, {"action": "draft", "concerns": ["intimacy", "anxiety"], "hopes": "Feel closer"})
    assert r.status_code == 302
    intake = IntakeResponse.objects.get(member=partner_a)
    assert (intake.status, intake.concerns, intake.hopes) == ("draft", "intimacy,anxiety", "Feel closer")
    web_a.post(INTAKE, {"action": "submit", "hopes": "Feel closer again", **SAFE})
    intake.refresh_from_db()
    assert intake.status == "submitted" and intake.submitted_at is not None and intake.concerns == ""

    r = web_a.post(INTAKE, {"action": "draft", "hopes": "CHANGED"}, follow=True)
    assert "already sent" in r.content.decode()
    intake.refresh_from_db()
    assert intake.hopes == "Feel closer again"


def test_a_sent_intake_is_shown_read_only(web_a, partner_a):
    services.intake_save(member=partner_a, by=partner_a.user, submit=True, hopes="Feel closer", **SAFE)
    body = web_a.get(INTAKE).content.decode()
    assert "Feel closer" in body and "Not sure" in body
    assert "<textarea" not in body and "Send to my therapist</button>" not in body


def test_intake_with_invalid_input_keeps_the_typed_text(web_a, partner_a):
    data = {"action": "submit", "concerns": ["intimacy", "made-up"], "hopes": "TYPED-HOPES", "risk_self_harm": "no"}
    r = web_a.post(INTAKE, data)
    body = r.content.decode()
    assert r.status_code == 400
    assert "TYPED-HOPES" in body
    assert "Select a valid choice" in body and "Please answer this before sending" in body
    assert re.search(r'value="intimacy"[^>]* checked', body)  # ticked boxes stay ticked
    assert not IntakeResponse.objects.filter(member=partner_a).exists()


def test_reading_an_intake_is_audited(web_a, partner_a):
    web_a.get(INTAKE)
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW).exists()  # nothing to read yet
    intake = services.intake_save(member=partner_a, by=partner_a.user, submit=False, hopes="x")
    web_a.get(INTAKE)
    event = AuditEvent.objects.get(action=AuditAction.VIEW, target_type="clients.intakeresponse")
    assert (event.target_id, event.actor, event.client_id) == (str(intake.pk), partner_a.user, partner_a.client_id)


def test_a_partner_never_sees_the_other_partners_intake(web_a, partner_a, partner_b):
    services.intake_save(member=partner_b, by=partner_b.user, submit=True, hopes="B-SECRET-9921", **SAFE)
    assert "B-SECRET-9921" not in every_page(web_a)
    web_a.post(INTAKE, {"action": "draft", "hopes": "mine"})
    assert IntakeResponse.objects.get(member=partner_a).hopes == "mine"
    theirs = IntakeResponse.objects.get(member=partner_b)
    assert (theirs.hopes, theirs.status) == ("B-SECRET-9921", "submitted")


# --- Consents -------------------------------------------------------------------------------------


def test_consents_list_active_and_withdrawn_in_the_members_time_zone(web_a, partner_a):
    services.member_update(member=partner_a, by=partner_a.user, time_zone="America/New_York")
    at = datetime(2025, 1, 15, 15, 0, tzinfo=UTC)
    services.consent_grant(member=partner_a, kind="treatment", by=partner_a.user, granted_at=at)
    services.consent_revoke(consent=give(partner_a), by=partner_a.user)
    body = web_a.get(CONSENTS).content.decode()
    assert "15 January 2025, 10:00" in body and "America/New_York" in body
    assert "Active" in body and "Withdrawn" in body


def test_a_client_gives_a_portal_consent(web_a, partner_a):
    r = web_a.post(CONSENTS, {"kind": "reminders_email"})
    assert r.status_code == 302
    consent = Consent.objects.get(member=partner_a)
    assert (consent.kind, consent.source, consent.recorded_by) == ("reminders_email", "portal", partner_a.user)
    assert consent.is_active
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, target_type="clients.consent").exists()


def test_the_consents_page_offers_reminders_only_and_points_to_documents(web_a):
    page = web_a.get(CONSENTS).content.decode()
    assert 'value="reminders_email"' in page and 'value="reminders_sms"' in page
    assert 'value="telehealth"' not in page and 'value="treatment"' not in page
    assert reverse("portal:documents") in page


@pytest.mark.parametrize("kind", ["treatment", "telehealth", "release"])
def test_document_kinds_posted_here_lead_to_the_documents(web_a, partner_a, kind):
    r = web_a.post(CONSENTS, {"kind": kind}, follow=True)
    assert r.redirect_chain[-1][0] == reverse("portal:documents")
    assert "a document you read and sign" in r.content.decode()
    assert not Consent.objects.filter(member=partner_a).exists()


def test_unknown_kinds_are_refused(web_a, partner_a):
    r = web_a.post(CONSENTS, {"kind": "bogus"})
    assert r.status_code == 400
    assert "valid choice" in r.content.decode()
    assert not Consent.objects.filter(member=partner_a).exists()


def test_giving_a_consent_twice_is_refused(web_a, partner_a):
    give(partner_a)
    r = web_a.post(CONSENTS, {"kind": "reminders_email"})
    assert r.status_code == 400 and "already given" in r.content.decode()
    assert Consent.objects.filter(member=partner_a).count() == 1


def test_withdrawing_takes_effect_at_once(web_a, partner_a):
    consent = give(partner_a)
    r = web_a.post(withdraw_url(consent), follow=True)
    assert "Consent withdrawn" in r.content.decode()
    consent.refresh_from_db()
    assert consent.revoked_at is not None
    assert not services.consent_is_active(member=partner_a, kind="reminders_email")
    r = web_a.post(withdraw_url(consent), follow=True)
    assert "already withdrawn" in r.content.decode()


def test_an_old_treatment_consent_is_withdrawn_under_documents(web_a, partner_a):
    consent = give(partner_a, kind="treatment")
    page = web_a.get(CONSENTS).content.decode()
    assert withdraw_url(consent) not in page
    r = web_a.post(withdraw_url(consent), follow=True)
    assert r.redirect_chain[-1][0] == reverse("portal:documents")
    consent.refresh_from_db()
    assert consent.revoked_at is None and services.consent_is_active(member=partner_a, kind="treatment")


# --- Couple's confidentiality policy --------------------------------------------------------------


def test_policy_acknowledgement_shows_to_the_partner_as_a_fact_only(web_a, client, partner_a, partner_b):
    assert "I have read and understood this" in web_a.get(PORTAL).content.decode()
    r = web_a.post(ACKNOWLEDGE)
    assert r.status_code == 302 and r.url == PORTAL
    partner_a.refresh_from_db()
    assert partner_a.policy_acknowledged == "limited_secrets" and partner_a.policy_acknowledged_at
    assert "I have read and understood this" not in web_a.get(PORTAL).content.decode()
    client.force_login(partner_b.user)
    body = client.get(PORTAL).content.decode()
    assert "Your partner has acknowledged" in body and "I have read and understood this" in body


def test_an_individual_has_no_policy_to_acknowledge(client, alice):
    member = ClientFactory(primary_therapist=alice).members.get()
    client.force_login(portal_user_for(member))
    r = client.post(ACKNOWLEDGE, follow=True)
    assert "no confidentiality policy" in r.content.decode()
    member.refresh_from_db()
    assert member.policy_acknowledged == ""


# --- Invitation -----------------------------------------------------------------------------------


@pytest.fixture
def invited(alice, mailoutbox, deliver, settings):
    """A member invited by Alice: (member, the emailed link's path)."""
    settings.SITE_URL = "http://testserver"
    member = ClientFactory(primary_therapist=alice, kind=Client.Kind.INDIVIDUAL).members.get()
    services.member_invite(member=member, by=alice.user)
    deliver()
    assert len(mailoutbox) == 1
    return member, re.search(r"http://testserver(/invitation/\S+/)", mailoutbox[0].body).group(1)


def test_the_invitation_email_is_discreet(invited, mailoutbox):
    member, path = invited
    mail = mailoutbox[0]
    assert mail.to == [member.email]
    for text in (mail.subject, mail.body):
        assert not re.search(r"therap|sex", text, re.IGNORECASE)
    assert member.first_name not in mail.subject and member.last_name not in mail.subject
    assert f"Hello {member.display_name}" in mail.body and "3 days" in mail.body and "works once" in mail.body
    html = mail.alternatives[0][0]
    assert path in html and not re.search(r"therap|sex", html, re.IGNORECASE)


GOOD = {"new_password1": "a-long-new-pass-42", "new_password2": "a-long-new-pass-42"}


def open_link(web, path):
    """Follow the emailed link: the token moves into the session; returns the form's address."""
    r = web.get(path)
    assert r.status_code == 302 and r.url.endswith("/set-password/")
    assert path.split("/")[-2] not in r.url  # the token leaves the address bar, logs and Referer
    return r.url


def test_accepting_the_invitation_sets_the_password_and_signs_in(client, invited):
    member, path = invited
    form_url = open_link(client, path)
    assert 'name="new_password1"' in client.get(form_url).content.decode()
    r = client.post(form_url, GOOD)
    assert r.status_code == 302 and r.url == PORTAL
    assert client.session["_auth_user_id"] == str(member.user_id)
    member.user.refresh_from_db()
    assert member.user.check_password(GOOD["new_password1"])
    assert AuditEvent.objects.filter(actor=member.user, action=AuditAction.LOGIN).exists()
    assert AuditEvent.objects.filter(actor=member.user, action=AuditAction.UPDATE, target_type="practice.user").exists()
    assert reverse("mfa_activate_totp") in client.get(PORTAL).content.decode()


def test_mismatched_passwords_change_nothing(client, invited):
    member, path = invited
    r = client.post(open_link(client, path), {**GOOD, "new_password2": "something-else-42"})
    assert r.status_code == 400
    assert "match" in r.content.decode() and "invalid-feedback" in r.content.decode()
    member.user.refresh_from_db()
    assert not member.user.has_usable_password()
    assert "_auth_user_id" not in client.session


def test_a_used_link_shows_the_invalid_page(client, invited):
    member, path = invited
    client.post(open_link(client, path), GOOD)
    client.logout()
    r = client.get(path)
    assert r.status_code == 400 and "ask the practice to send you a new invitation" in r.content.decode()
    member.user.refresh_from_db()
    assert member.user.check_password(GOOD["new_password1"])


def test_a_tampered_link_or_a_form_without_a_link_shows_the_invalid_page(client, invited):
    member, path = invited
    assert client.get(path[:-3] + "zz/").status_code == 400
    uidb64 = path.split("/")[2]
    r = client.post(reverse("portal:invitation_accept", args=[uidb64, "set-password"]), GOOD)
    assert r.status_code == 400 and "new invitation" in r.content.decode()
    member.user.refresh_from_db()
    assert not member.user.has_usable_password()


def test_an_invitation_link_cannot_sign_in_a_therapist(client, alice):
    assert client.get(invitation_path(alice.user)).status_code == 400
    assert "_auth_user_id" not in client.session


def test_invitation_refuses_wrong_methods(client, invited):
    assert client.put(invited[1]).status_code == 405


def test_an_account_that_has_a_password_cannot_use_an_invitation_link(client, alice):
    # Otherwise a valid token would sign a client in past the second factor they added.
    user = portal_user_for(ClientFactory(primary_therapist=alice).members.get())
    assert client.get(invitation_path(user)).status_code == 400
    assert "_auth_user_id" not in client.session


def web_a_user(web):
    """The user signed in on test client `web`."""
    from practice.models import User

    return User.objects.get(pk=web.session["_auth_user_id"])


def test_after_accepting_a_second_factor_can_be_added_without_typing_the_password_again(client, invited):
    _member, path = invited
    client.post(open_link(client, path), GOOD)
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


def test_the_invitation_service_never_replaces_an_existing_password(invited):
    from django.core.exceptions import ValidationError

    member, _path = invited
    services.invitation_accept(user=member.user, password=GOOD["new_password1"])
    with pytest.raises(ValidationError, match="already has a password"):
        services.invitation_accept(user=member.user, password="another-long-pass-1")
    member.user.refresh_from_db()
    assert member.user.check_password(GOOD["new_password1"])
