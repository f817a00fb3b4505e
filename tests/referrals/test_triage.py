"""Triage: the queue, the referral page (audited), and the actions, each recorded with who and when."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import Client, Concern, Member
from clients.services import client_update
from outbox.models import Notification
from practice.models import AuditAction, AuditEvent
from referrals import services
from referrals.models import Referral, ReferralEvent
from tests.factories import ReferralFactory, ReferrerFactory, TherapistFactory
from tests.practice.test_headers import offsite_assets

QUEUE = reverse("referrals:triage")


def detail(referral) -> str:
    return reverse("referrals:detail", args=[referral.pk])


# --- the queue ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "staff_user"])
def test_the_queue_lists_open_referrals_most_urgent_first(client, request, who):
    person = request.getfixturevalue(who)
    routine = ReferralFactory(urgency="routine")
    urgent = ReferralFactory(urgency="urgent")
    soon = ReferralFactory(urgency="soon")
    closed = ReferralFactory(status=Referral.Status.DECLINED)
    client.force_login(getattr(person, "user", person))
    r = client.get(QUEUE)
    body = r.content.decode()
    assert r.status_code == 200 and closed.reference not in body
    assert body.index(urgent.reference) < body.index(soon.reference) < body.index(routine.reference)


def test_the_queue_shows_no_names_or_reasons(client, alice, referral):
    client.force_login(alice.user)
    body = client.get(QUEUE).content.decode()
    assert referral.reference in body and referral.referrer.name in body
    assert referral.first_name not in body and referral.reason not in body


def test_the_queue_filters_by_status_and_urgency(client, alice):
    urgent = ReferralFactory(urgency="urgent")
    routine = ReferralFactory(urgency="routine")
    declined = ReferralFactory(status=Referral.Status.DECLINED, urgency="urgent")
    client.force_login(alice.user)
    body = client.get(QUEUE, {"urgency": "urgent"}).content.decode()
    assert urgent.reference in body and routine.reference not in body and declined.reference not in body
    body = client.get(QUEUE, {"status": "declined"}).content.decode()
    assert declined.reference in body and urgent.reference not in body
    body = client.get(QUEUE, {"status": "all"}).content.decode()
    assert all(r.reference in body for r in (urgent, routine, declined))


def test_the_queue_groups_a_referrers_referrals(client, alice):
    referrer = ReferrerFactory()
    mine = ReferralFactory.create_batch(2, referrer=referrer)
    other = ReferralFactory()
    client.force_login(alice.user)
    body = client.get(QUEUE, {"status": "all", "referrer": referrer.pk}).content.decode()
    assert all(r.reference in body for r in mine) and other.reference not in body


def test_bad_filters_fall_back_to_the_open_queue(client, alice, referral):
    client.force_login(alice.user)
    r = client.get(QUEUE, {"status": "nonsense", "urgency": "x" * 500, "referrer": "abc", "page": "-3"})
    assert r.status_code == 200 and referral.reference in r.content.decode()


def test_the_queue_hides_referrals_that_became_another_therapists_client(client, charlie, accepted):
    client.force_login(charlie.user)
    assert accepted.reference not in client.get(QUEUE, {"status": "all"}).content.decode()


def test_the_queue_query_count_does_not_grow(client, alice, django_assert_num_queries):
    client.force_login(alice.user)
    concern = Concern.objects.get(slug="depression")
    for _ in range(2):
        ReferralFactory().concerns.add(concern)
    client.get(QUEUE)  # the first request of a session records it (usersessions); measure the next ones
    with CaptureQueriesContext(connection) as small:
        assert client.get(QUEUE).status_code == 200
    for i in range(18):
        ReferralFactory(kind="couple" if i % 2 else "individual", preferred_therapist=alice).concerns.add(concern)
    with django_assert_num_queries(len(small.captured_queries)):
        r = client.get(QUEUE)
    assert r.content.decode().count("Intensive") == 20


def test_the_queue_is_for_therapists_and_staff(client, client_user, alice):
    r = client.get(QUEUE)
    assert r.status_code == 302 and r.url.startswith("/accounts/login/")
    client.force_login(client_user)
    assert client.get(QUEUE).status_code == 404
    client.force_login(alice.user)
    assert client.post(QUEUE).status_code == 405


# --- the referral page ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["alice", "staff_user"])
def test_the_referral_page_shows_everything_and_is_audited(client, request, who, couple_referral):
    person = request.getfixturevalue(who)
    user = getattr(person, "user", person)
    client.force_login(user)
    r = client.get(detail(couple_referral))
    body = r.content.decode()
    assert r.status_code == 200
    for value in (
        couple_referral.first_name,
        couple_referral.partner_first_name,
        couple_referral.reason,
        couple_referral.email,
        couple_referral.referrer.name,
    ):
        assert value in body
    event = AuditEvent.objects.get(action=AuditAction.VIEW, target_type="referrals.referral")
    assert (event.actor, event.target_id) == (user, str(couple_referral.pk))


def test_the_referral_page_refuses_clients_anonymous_and_post(client, client_user, referral):
    assert client.get(detail(referral)).url.startswith("/accounts/login/")
    client.force_login(client_user)
    assert client.get(detail(referral)).status_code == 404
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW).exists()


def test_the_referral_page_refuses_post(client, alice, referral):
    client.force_login(alice.user)
    assert client.post(detail(referral)).status_code == 405


def test_a_missing_referral_is_404(client, alice):
    client.force_login(alice.user)
    assert client.get(reverse("referrals:detail", args=[987654])).status_code == 404


def test_once_accepted_only_the_units_therapists_and_staff_read_it(client, alice, charlie, staff_user, accepted):
    client.force_login(charlie.user)
    assert client.get(detail(accepted)).status_code == 404
    client.force_login(staff_user)
    assert client.get(detail(accepted)).status_code == 200
    client.force_login(alice.user)
    body = client.get(detail(accepted)).content.decode()
    assert reverse("clients:detail", args=[accepted.client_id]) in body


# --- actions --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "status"),
    [
        ("contacted", {"contacted-note": "Left a voicemail"}, Referral.Status.CONTACTED),
        ("waitlist", {"waitlist-note": "No space until spring"}, Referral.Status.WAITLISTED),
        ("decline", {"decline-reason": "Needs inpatient care first"}, Referral.Status.DECLINED),
        ("refer_on", {"referon-note": "Referred to the gender clinic"}, Referral.Status.REFERRED_ON),
    ],
)
@pytest.mark.parametrize("who", ["alice", "staff_user"])
def test_each_action_is_recorded_with_who_and_when(client, request, referral, name, data, status, who):
    person = request.getfixturevalue(who)
    user = getattr(person, "user", person)
    client.force_login(user)
    r = client.post(reverse(f"referrals:{name}", args=[referral.pk]), data)
    assert r.status_code == 302 and r.url == detail(referral)
    referral.refresh_from_db()
    event = referral.events.get(action=status)
    note = next(iter(data.values()))
    assert referral.status == status and event.by == user and event.at is not None and event.note == note
    if status != Referral.Status.CONTACTED:
        assert referral.decision_note == note
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, target_type="referrals.referral", actor=user).exists()
    assert note in client.get(detail(referral)).content.decode()  # the history shows it


@pytest.mark.parametrize(("name", "field"), [("decline", "decline-reason"), ("refer_on", "referon-note")])
def test_decline_and_refer_on_need_a_note(client, alice, referral, name, field):
    client.force_login(alice.user)
    r = client.post(reverse(f"referrals:{name}", args=[referral.pk]), {field: "   "})
    assert r.status_code == 400 and "This field is required" in r.content.decode()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.NEW


def test_an_oversized_note_is_refused_and_kept(client, alice, referral):
    client.force_login(alice.user)
    note = "KEEP" + "z" * 2000
    r = client.post(reverse("referrals:decline", args=[referral.pk]), {"decline-reason": note})
    assert r.status_code == 400 and note in r.content.decode() and "holds up to 2,000 characters" in r.content.decode()


def test_a_closed_referral_takes_no_more_actions(client, alice, referral):
    services.referral_decline(referral=referral, by=alice.user, reason="Out of scope")
    client.force_login(alice.user)
    r = client.post(reverse("referrals:contacted", args=[referral.pk]), follow=True)
    assert "already closed" in r.content.decode()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.DECLINED and referral.events.count() == 1


def test_contacted_again_from_the_waiting_list(client, alice, referral):
    services.referral_waitlist(referral=referral, by=alice.user)
    client.force_login(alice.user)
    client.post(reverse("referrals:contacted", args=[referral.pk]))
    referral.refresh_from_db()
    assert referral.status == Referral.Status.CONTACTED


# --- accept ---------------------------------------------------------------------------------------


def test_accept_creates_exactly_one_unit_with_the_right_members_and_invitations(client, alice, charlie):
    referral = ReferralFactory(kind="couple", partner_email="")  # the partner has no email: no invitation
    referral.concerns.add(*Concern.objects.filter(slug__in=["low-desire", "intimacy"]))
    client.force_login(alice.user)
    r = client.post(reverse("referrals:accept", args=[referral.pk]), {"accept-therapist": charlie.pk})
    assert r.status_code == 302
    unit = Client.objects.get()
    referral.refresh_from_db()
    assert (referral.status, referral.client, referral.assigned_therapist) == ("accepted", unit, charlie)
    assert (unit.kind, unit.status, unit.primary_therapist) == ("couple", "prospective", charlie)
    assert set(unit.concerns.values_list("slug", flat=True)) == {"low-desire", "intimacy"}
    first, second = unit.members.order_by("position")
    assert (first.first_name, first.last_name, first.email, first.phone) == (
        referral.first_name,
        referral.last_name,
        referral.email,
        referral.phone,
    )
    assert (second.first_name, second.last_name) == (referral.partner_first_name, referral.partner_last_name)
    assert first.user is not None and first.invited_at and second.user is None
    invitations = Notification.objects.filter(kind="portal_invitation")
    assert [n.member for n in invitations] == [first]
    event = referral.events.get(action=ReferralEvent.Action.ACCEPTED)
    assert (event.by, event.therapist) == (alice.user, charlie)


def test_accepting_twice_does_not_create_two_units(client, alice, referral):
    client.force_login(alice.user)
    url = reverse("referrals:accept", args=[referral.pk])
    client.post(url, {"accept-therapist": alice.pk})
    r = client.post(url, {"accept-therapist": alice.pk}, follow=True)
    assert "already closed" in r.content.decode()
    assert Client.objects.count() == 1 and Member.objects.count() == 1
    assert Notification.objects.filter(kind="portal_invitation").count() == 1


def test_accepting_a_stale_copy_does_not_create_two_units(alice, referral):
    stale = Referral.objects.get(pk=referral.pk)
    services.referral_accept(referral=referral, by=alice.user, therapist=alice, base_url="http://x/")
    with pytest.raises(Exception, match="already closed"):
        services.referral_accept(referral=stale, by=alice.user, therapist=alice, base_url="http://x/")
    assert Client.objects.count() == 1


def test_an_address_that_already_has_an_account_is_reported_not_fatal(client, alice, client_user):
    referral = ReferralFactory(email=client_user.email)
    client.force_login(alice.user)
    r = client.post(reverse("referrals:accept", args=[referral.pk]), {"accept-therapist": alice.pk}, follow=True)
    assert "No invitation sent" in r.content.decode()
    assert Client.objects.count() == 1 and not Notification.objects.filter(kind="portal_invitation").exists()


def test_accept_needs_a_therapist(client, alice, referral):
    client.force_login(alice.user)
    r = client.post(reverse("referrals:accept", args=[referral.pk]), {"accept-therapist": "999999"})
    assert r.status_code == 400 and not Client.objects.exists()


def test_the_accept_form_offers_the_preferred_therapist_first(client, alice):
    preferred = TherapistFactory(display_name="Dr Preferred")
    referral = ReferralFactory(preferred_therapist=preferred)
    client.force_login(alice.user)
    body = client.get(detail(referral)).content.decode()
    assert f'<option value="{preferred.pk}" selected>' in body


def test_staff_can_accept(client, staff_user, alice, referral):
    client.force_login(staff_user)
    client.post(reverse("referrals:accept", args=[referral.pk]), {"accept-therapist": alice.pk})
    assert Client.objects.get().primary_therapist == alice


# --- report ---------------------------------------------------------------------------------------


def test_the_report_counts_sources_and_clients(client, alice, staff_user):
    ReferralFactory.create_batch(2, referrer=ReferrerFactory(kind="clergy"))
    accepted = ReferralFactory(referrer=ReferrerFactory(kind="psychiatrist"))
    services.referral_accept(referral=accepted, by=alice.user, therapist=alice, base_url="http://x/")
    client_update(client=Client.objects.get(), by=alice.user, status=Client.Status.ACTIVE)  # the intake done
    client.force_login(staff_user)
    r = client.get(reverse("referrals:report"))
    body = r.content.decode()
    assert r.status_code == 200 and "<svg" in body and offsite_assets(body) == []
    assert "Became clients: 1 of 3" in body and "Clergy: 2" in body and "Psychiatrist: 1" in body


def test_the_report_is_for_therapists_and_staff(client, client_user, alice):
    url = reverse("referrals:report")
    assert client.get(url).url.startswith("/accounts/login/")
    client.force_login(client_user)
    assert client.get(url).status_code == 404
    client.force_login(alice.user)
    assert client.get(url).status_code == 200 and client.post(url).status_code == 405


def test_the_queue_pages_keep_the_filters(client, alice):
    for _ in range(51):
        ReferralFactory(urgency="urgent")
    client.force_login(alice.user)
    first = client.get(QUEUE, {"status": "new", "urgency": "urgent"}).content.decode()
    assert "Page 1 of 2" in first and "?status=new&amp;urgency=urgent&amp;page=2" in first
