"""The public submission makes the same number of queries however many therapists and staff are told
and still queues the acknowledgement and one notice each. SAVEPOINT and RELEASE are not
counted."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients.models import Concern
from outbox.models import Notification
from practice.models import User
from referrals import services
from referrals.models import Referral
from tests.factories import ReferralFactory, TherapistFactory, UserFactory
from tests.referrals.conftest import form_data

URL = "/refer/"


def post_counted(client, data) -> list[str]:
    with CaptureQueriesContext(connection) as context:
        response = client.post(URL, data)
    assert response.status_code == 302
    return [q["sql"] for q in context.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def recipients(therapists: int, staff: int) -> set[int]:
    users = [TherapistFactory().user for _ in range(therapists)]
    users += [UserFactory(role=User.Role.STAFF) for _ in range(staff)]
    UserFactory(role=User.Role.CLIENT)  # never told
    UserFactory(role=User.Role.STAFF, is_active=False)  # nor is a former colleague
    return {user.pk for user in users}


@pytest.mark.parametrize(("therapists", "staff"), [(2, 1), (20, 10)])
def test_a_submission_makes_eleven_queries_whatever_the_number_of_recipients(client, db, therapists, staff):
    told = recipients(therapists, staff)
    queries = post_counted(client, form_data())
    # referrer read and insert, reference check, referral, the sources count (one upsert), event, audit,
    # recipients, messages, session x2
    assert len(queries) == 11, queries
    assert sum("referrals_referralmonth" in q for q in queries) == 1
    referral = Referral.objects.get()
    notices = Notification.objects.filter(kind="referral_notice")
    assert {n.user_id for n in notices} == told and notices.count() == len(told)
    assert {(n.reference, n.target_id, n.address) for n in notices} == {(referral.reference, str(referral.pk), "")}
    ack = Notification.objects.get(kind="referral_acknowledgement")
    assert (ack.address, ack.reference, ack.user_id) == ("ada.stone@clinic.example", referral.reference, None)


def test_concerns_and_a_preferred_therapist_cost_the_forms_two_reads_and_one_insert(client, db):
    recipients(2, 1)
    therapist = TherapistFactory()
    concerns = list(Concern.objects.filter(slug__in=["arousal", "trust-commitment"]))
    data = form_data(concerns=[c.pk for c in concerns], preferred_therapist=therapist.pk)
    queries = post_counted(client, data)
    # the form reads the concerns and the therapist; the service only inserts the concerns (the
    # therapist it is given is not looked up again)
    assert len(queries) == 11 + 2 + 1, queries
    referral = Referral.objects.get()
    assert set(referral.concerns.all()) == set(concerns) and referral.preferred_therapist == therapist


def test_a_returning_referrer_costs_no_more(client, db):
    recipients(2, 1)
    post_counted(client, form_data())
    queries = post_counted(client, form_data(referrer_email="Ada.Stone@Clinic.Example"))
    assert len(queries) == 10, queries  # no referrer insert; the stored details are complete already


def test_queueing_the_submission_messages_twice_adds_nothing(db):
    told = recipients(3, 2)
    referral = ReferralFactory()
    services._queue_submission_messages(referral)
    first = set(Notification.objects.values_list("kind", "user_id", "key"))
    with CaptureQueriesContext(connection) as context:
        services._queue_submission_messages(referral)
    assert len(context.captured_queries) == 2  # the recipients, one insert
    assert set(Notification.objects.values_list("kind", "user_id", "key")) == first
    assert Notification.objects.count() == len(told) + 1
    assert {user for kind, user, _key in first if kind == "referral_notice"} == told
