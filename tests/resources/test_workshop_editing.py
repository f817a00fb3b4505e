"""Therapists create and edit workshops in the app (not only in the admin): validated with clear
messages and nothing lost, audited, a larger capacity moves the waiting list up, a capacity below
those registered is refused; staff, clients and strangers get 404."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from practice.models import AuditAction, AuditEvent
from resources import services
from resources.models import Registration, Workshop
from tests.factories import ClientFactory, WorkshopFactory

NEW = reverse("resources:workshop_create")


def local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def data(**overrides) -> dict:
    start = (timezone.now() + timedelta(days=14)).replace(hour=18, minute=0, second=0, microsecond=0)
    values = {
        "title": "Intimacy after children",
        "description": "A small group for couples.",
        "starts_at": local(start),
        "ends_at": local(start + timedelta(hours=2)),
        "capacity": "8",
        "facilitator": "Dr Ada Byron",
        "place": "12 Quay Street, group room",
        "video_link": "",
        "active": "on",
    }
    values.update(overrides)
    return values


@pytest.fixture
def web(client, alice):
    client.force_login(alice.user)
    return client


def test_a_therapist_creates_a_workshop_and_it_is_audited(web, alice):
    assert 'href="/resources/workshops/new/"' in web.get(reverse("resources:workshops")).content.decode()
    assert web.get(NEW).status_code == 200
    r = web.post(NEW, data())
    workshop = Workshop.objects.get()
    assert r.status_code == 302 and r.url == reverse("resources:workshop", args=[workshop.pk])
    assert (workshop.title, workshop.capacity, workshop.active) == ("Intimacy after children", 8, True)
    assert timezone.localtime(workshop.starts_at).hour == 18
    event = AuditEvent.objects.get(action=AuditAction.CREATE, target_type="resources.workshop")
    assert (event.actor_id, event.target_id) == (alice.user.pk, str(workshop.pk))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"starts_at": "2020-01-01T10:00", "ends_at": "2020-01-01T12:00"}, "choose a start later than now"),
        ({"ends_at": None}, "This field is required"),
        ({"capacity": "0"}, "greater than or equal to 1"),
        ({"place": "", "video_link": ""}, "Give an address for an event in person, or a video link"),
        ({"video_link": "not a link"}, "Enter a valid URL"),
    ],
)
def test_bad_input_is_a_clear_message_and_nothing_is_lost(web, overrides, message):
    sent = {k: v for k, v in data(**overrides).items() if v is not None}
    r = web.post(NEW, sent)
    assert r.status_code == 400 and not Workshop.objects.exists()
    page = r.content.decode()
    assert message in page and "Nothing you typed has been lost" in page
    assert "Intimacy after children" in page and "A small group for couples." in page


def test_the_end_must_follow_the_start(web):
    values = data()
    r = web.post(NEW, {**values, "ends_at": values["starts_at"]})
    assert r.status_code == 400 and "The end must be after the start." in r.content.decode()


def test_another_therapist_edits_a_workshop_and_the_waiting_list_moves_up(client, charlie, alice):
    workshop = WorkshopFactory(capacity=1)
    first, second = (ClientFactory(primary_therapist=alice).members.get() for _ in range(2))
    services.registration_create(workshop=workshop, member=first, by=alice.user)
    waiting = services.registration_create(workshop=workshop, member=second, by=alice.user)
    assert waiting.status == Registration.Status.WAITLISTED
    client.force_login(charlie.user)
    url = reverse("resources:workshop_edit", args=[workshop.pk])
    assert "Edit workshop" in client.get(reverse("resources:workshop", args=[workshop.pk])).content.decode()
    values = data(title="Renamed", capacity="2", starts_at=local(workshop.starts_at), ends_at=local(workshop.ends_at))
    assert client.post(url, values).status_code == 302
    workshop.refresh_from_db()
    waiting.refresh_from_db()
    assert (workshop.title, workshop.capacity) == ("Renamed", 2)
    assert waiting.status == Registration.Status.REGISTERED
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, target_type="resources.workshop").count() == 1


def test_a_capacity_below_those_registered_is_refused(web, alice):
    workshop = WorkshopFactory(capacity=3)
    for _ in range(2):
        services.registration_create(
            workshop=workshop, member=ClientFactory(primary_therapist=alice).members.get(), by=alice.user
        )
    url = reverse("resources:workshop_edit", args=[workshop.pk])
    values = data(capacity="1", starts_at=local(workshop.starts_at), ends_at=local(workshop.ends_at))
    r = web.post(url, values)
    assert r.status_code == 400
    assert "2 people are registered: the capacity cannot be lower." in r.content.decode()
    workshop.refresh_from_db()
    assert workshop.capacity == 3 and workshop.title != "Intimacy after children"


def test_a_started_workshop_can_keep_its_time_when_edited(web):
    workshop = WorkshopFactory(starts_at=timezone.now() - timedelta(minutes=30))
    url = reverse("resources:workshop_edit", args=[workshop.pk])
    values = data(starts_at=local(workshop.starts_at), ends_at=local(workshop.ends_at))
    workshop.starts_at = workshop.starts_at.replace(second=0, microsecond=0)
    Workshop.objects.filter(pk=workshop.pk).update(starts_at=workshop.starts_at)
    assert web.post(url, values).status_code == 302


@pytest.mark.parametrize("who", ["staff_user", "client_user"])
def test_others_get_404(client, db, request, who):
    workshop = WorkshopFactory()
    client.force_login(request.getfixturevalue(who))
    for url in (NEW, reverse("resources:workshop_edit", args=[workshop.pk])):
        assert client.get(url).status_code == 404
        assert client.post(url, data()).status_code == 404
    assert not AuditEvent.objects.filter(target_type="resources.workshop").exists()


def test_anonymous_is_sent_to_sign_in_and_other_methods_are_refused(client, web):
    assert web.put(NEW).status_code == 405
    web.logout()
    r = client.get(NEW)
    assert r.status_code == 302 and r.url.startswith("/accounts/login/")
