"""Workshop pages: therapists see numbers and register their own clients; clients register and cancel
in the portal; full means the waiting list, and a cancellation moves the first in line up."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from outbox.models import Notification
from practice.models import AuditAction, AuditEvent
from resources import messages, services
from resources.models import Registration
from tests.factories import ClientFactory, WorkshopFactory, portal_user_for

PORTAL = reverse("portal:workshops")


def register_url(workshop):
    return reverse("portal:workshop_register", args=[workshop.pk])


def cancel_url(workshop):
    return reverse("portal:workshop_cancel", args=[workshop.pk])


# --- Therapists -----------------------------------------------------------------------------------


def test_the_list_shows_upcoming_workshops_with_their_numbers(therapist_web, workshop, partner_a):
    WorkshopFactory(title="Past one", starts_at=timezone.now() - timedelta(days=3))
    WorkshopFactory(title="Called off", active=False)
    services.registration_create(workshop=workshop, member=partner_a, by=None)
    r = therapist_web.get(reverse("resources:workshops"))
    body = r.content.decode()
    assert workshop.title in body and "Past one" not in body and "Called off" not in body
    assert r.context["workshops"][0].registered_count == 1


def test_a_therapist_registers_both_partners_and_the_second_waits_when_full(therapist_web, unit, partner_a, partner_b):
    workshop = WorkshopFactory(capacity=1)
    r = therapist_web.post(
        reverse("resources:workshop_register", args=[workshop.pk]),
        {"members": [partner_a.pk, partner_b.pk]},
        follow=True,
    )
    body = r.content.decode()
    assert "is registered" in body and "waiting list" in body
    statuses = dict(Registration.objects.values_list("member_id", "status"))
    assert statuses == {partner_a.pk: "registered", partner_b.pk: "waitlisted"}
    assert Registration.objects.get(member=partner_a).registered_by.email == "alice@example.org"
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, target_type="resources.registration").count() == 2


def test_the_page_shows_only_the_therapists_own_clients(client, charlie, workshop, partner_a):
    services.registration_create(workshop=workshop, member=partner_a, by=None)
    client.force_login(charlie.user)
    r = client.get(reverse("resources:workshop", args=[workshop.pk]))
    assert r.status_code == 200 and r.context["registrations"] == [] and r.context["registered_count"] == 1
    assert partner_a.client.reference not in r.content.decode()


def test_a_therapist_cannot_register_another_therapists_client(client, charlie, workshop, partner_a):
    client.force_login(charlie.user)
    r = client.post(reverse("resources:workshop_register", args=[workshop.pk]), {"members": [partner_a.pk]})
    assert r.status_code == 400 and not Registration.objects.exists()


def test_from_a_client_page_only_that_units_members_are_offered(therapist_web, alice, unit, workshop):
    ClientFactory(primary_therapist=alice)
    r = therapist_web.get(reverse("resources:workshop", args=[workshop.pk]), {"client": unit.pk})
    assert [u.pk for u in r.context["units"]] == [unit.pk]


def test_a_discharged_unit_is_not_offered(therapist_web, unit, workshop):
    Client.objects.filter(pk=unit.pk).update(status="discharged")
    assert therapist_web.get(reverse("resources:workshop", args=[workshop.pk])).context["units"] == []


def test_a_therapist_cancels_and_the_first_in_line_moves_up(therapist_web, unit, partner_a, partner_b):
    workshop = WorkshopFactory(capacity=1)
    first = services.registration_create(workshop=workshop, member=partner_a, by=None)
    services.registration_create(workshop=workshop, member=partner_b, by=None)
    r = therapist_web.post(reverse("resources:registration_cancel", args=[first.pk]))
    assert r.status_code == 302
    assert dict(Registration.objects.values_list("member_id", "status")) == {
        partner_a.pk: "cancelled",
        partner_b.pk: "registered",
    }
    assert Notification.objects.filter(kind=messages.WORKSHOP_PROMOTED, member=partner_b).exists()


def test_cancelling_twice_says_so(therapist_web, workshop, partner_a):
    first = services.registration_create(workshop=workshop, member=partner_a, by=None)
    therapist_web.post(reverse("resources:registration_cancel", args=[first.pk]))
    r = therapist_web.post(reverse("resources:registration_cancel", args=[first.pk]), follow=True)
    assert "already cancelled" in r.content.decode()


def test_registration_closes_when_the_workshop_starts(therapist_web, partner_a):
    started = WorkshopFactory(starts_at=timezone.now() - timedelta(minutes=5))
    r = therapist_web.post(
        reverse("resources:workshop_register", args=[started.pk]), {"members": [partner_a.pk]}, follow=True
    )
    assert "closed" in r.content.decode() and not Registration.objects.exists()


# --- Clients in the portal ------------------------------------------------------------------------


def test_the_portal_lists_upcoming_workshops_with_places_left(web_a, workshop):
    r = web_a.get(PORTAL)
    assert r.status_code == 200 and workshop.title in r.content.decode() and "2 places left" in r.content.decode()


def test_a_client_registers_and_cancels(web_a, workshop, partner_a):
    r = web_a.post(register_url(workshop), follow=True)
    assert "You are registered" in r.content.decode()
    registration = Registration.objects.get()
    assert (registration.member, registration.status, registration.registered_by) == (
        partner_a,
        "registered",
        partner_a.user,
    )
    r = web_a.post(cancel_url(workshop), follow=True)
    assert "Cancelled" in r.content.decode()
    registration.refresh_from_db()
    assert registration.status == "cancelled" and registration.cancelled_at is not None


def test_registering_for_myself_never_registers_my_partner(web_a, workshop, partner_b):
    web_a.post(register_url(workshop))
    assert not Registration.objects.filter(member=partner_b).exists()


def test_when_full_the_client_joins_the_waiting_list_and_sees_their_place(web_a, alice, workshop):
    for _ in range(2):
        services.registration_create(
            workshop=workshop, member=ClientFactory(primary_therapist=alice).members.get(), by=None
        )
    services.registration_create(workshop=workshop, member=ClientFactory().members.get(), by=None)  # waiting first
    r = web_a.post(register_url(workshop), follow=True)
    body = r.content.decode()
    assert "waiting list" in body and "(number 2)" in body
    assert Registration.objects.filter(status="registered").count() == 2


def test_a_cancellation_moves_the_first_waiting_client_up(client, workshop, partner_a, partner_b):
    for member in (partner_a, partner_b):
        services.registration_create(workshop=workshop, member=member, by=None)
    waiting = ClientFactory().members.get()
    services.registration_create(workshop=workshop, member=waiting, by=None)
    client.force_login(partner_a.user)
    client.post(cancel_url(workshop))
    assert Registration.objects.get(member=waiting).status == "registered"
    assert Registration.objects.filter(status="registered").count() == workshop.capacity


def test_registering_twice_is_refused_kindly(web_a, workshop):
    web_a.post(register_url(workshop))
    r = web_a.post(register_url(workshop), follow=True)
    assert "Already registered" in r.content.decode() and Registration.objects.count() == 1


def test_cancelling_without_a_place_says_so(web_a, workshop):
    assert "were not registered" in web_a.post(cancel_url(workshop), follow=True).content.decode()


def test_a_called_off_workshop_is_404_in_the_portal(web_a):
    off = WorkshopFactory(active=False)
    assert web_a.post(register_url(off)).status_code == 404


def test_a_client_cannot_cancel_someone_elses_place(client, alice, workshop, partner_a):
    services.registration_create(workshop=workshop, member=partner_a, by=None)
    stranger = ClientFactory(primary_therapist=alice).members.get()
    client.force_login(portal_user_for(stranger))
    client.post(cancel_url(workshop))
    assert Registration.objects.get(member=partner_a).status == "registered"


def test_the_portal_page_query_count_is_fixed(web_a, partner_a, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.registration_create(workshop=WorkshopFactory(), member=partner_a, by=None)
    web_a.get(PORTAL)  # warm up: per-session bookkeeping of the first request is not the page's cost
    with CaptureQueriesContext(connection) as few:
        web_a.get(PORTAL)
    for _ in range(6):
        services.registration_create(workshop=WorkshopFactory(capacity=1), member=partner_a, by=None)
    with django_assert_num_queries(len(few.captured_queries)):
        web_a.get(PORTAL)


@pytest.mark.parametrize("who", ["alice", "staff_user", "client_user"])
def test_the_portal_pages_are_404_for_others(client, request, who, workshop):
    person = request.getfixturevalue(who)
    client.force_login(getattr(person, "user", person))
    assert client.get(PORTAL).status_code == 404
    assert client.post(register_url(workshop)).status_code == 404
    assert not Registration.objects.exists()


@pytest.mark.parametrize("who", ["staff_user", "client_user"])
def test_the_therapist_pages_are_404_for_staff_and_clients(client, request, who, workshop):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("resources:workshops")).status_code == 404
    assert client.get(reverse("resources:workshop", args=[workshop.pk])).status_code == 404


def test_anonymous_and_wrong_methods(client, therapist_web, workshop):
    assert therapist_web.post(reverse("resources:workshops")).status_code == 405
    assert therapist_web.get(reverse("resources:workshop_register", args=[workshop.pk])).status_code == 405
    therapist_web.logout()
    for url in (PORTAL, reverse("resources:workshops"), reverse("resources:workshop", args=[workshop.pk])):
        assert client.get(url).url.startswith("/accounts/login/")


def test_wrong_methods_in_the_portal(web_a, workshop):
    assert web_a.post(PORTAL).status_code == 405
    assert web_a.get(register_url(workshop)).status_code == 405
    assert web_a.put(cancel_url(workshop)).status_code == 405  # GET is the confirm page
