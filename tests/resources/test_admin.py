"""The admin: library and workshops managed there; assignments listed without their confidential text."""

from django.urls import reverse
from django.utils import timezone

from resources import services
from resources.models import Registration
from tests.factories import ClientFactory, WorkshopFactory


def test_the_admin_lists_resources_with_stages_and_workshops_with_numbers(client, admin_user, sensate, partner_a):
    workshop = WorkshopFactory(capacity=1)
    services.registration_create(workshop=workshop, member=partner_a, by=None)
    services.registration_create(workshop=workshop, member=ClientFactory().members.get(), by=None)
    client.force_login(admin_user)
    resources = client.get(reverse("admin:resources_resource_changelist")).content.decode()
    assert sensate.title in resources
    assert client.get(reverse("admin:resources_resource_change", args=[sensate.pk])).status_code == 200
    listing = client.get(reverse("admin:resources_workshop_changelist"))
    row = listing.context["cl"].result_list[0]
    assert (row.registered_total, row.waiting_total) == (1, 1)


def test_assignments_are_listed_and_searched_without_the_note(client, admin_user, alice, unit, sensate, partner_a):
    assignment = services.assignment_create(client=unit, resource=sensate, by=alice.user, note="ADMINMUSTNOTSEE")
    services.progress_save(
        assignment=assignment, member=partner_a, by=partner_a.user, step=sensate.steps.first(), log="ADMINMUSTNOTSEE"
    )
    client.force_login(admin_user)
    listing = client.get(reverse("admin:resources_assignment_changelist"), {"q": unit.reference})
    assert unit.reference in listing.content.decode() and listing.context["cl"].result_count == 1
    assert (
        client.get(reverse("admin:resources_assignment_changelist"), {"q": "ADMINMUSTNOTSEE"})
        .context["cl"]
        .result_count
        == 0
    )
    page = client.get(reverse("admin:resources_assignment_change", args=[assignment.pk])).content.decode()
    assert "ADMINMUSTNOTSEE" not in listing.content.decode() + page
    assert client.get(reverse("admin:resources_assignment_add")).status_code == 403


def test_raising_the_capacity_in_the_admin_fills_places_from_the_waiting_list(client, admin_user, partner_a, partner_b):
    workshop = WorkshopFactory(capacity=1)
    for member in (partner_a, partner_b):
        services.registration_create(workshop=workshop, member=member, by=None)
    client.force_login(admin_user)
    url = reverse("admin:resources_workshop_change", args=[workshop.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    starts, ends = timezone.localtime(workshop.starts_at), timezone.localtime(workshop.ends_at)  # the admin's zone
    data.update(
        {
            "capacity": 2,
            "active": "on",
            "concerns": [],
            "starts_at_0": f"{starts:%Y-%m-%d}",
            "starts_at_1": f"{starts:%H:%M:%S}",
            "ends_at_0": f"{ends:%Y-%m-%d}",
            "ends_at_1": f"{ends:%H:%M:%S}",
            "registrations-TOTAL_FORMS": 2,
            "registrations-INITIAL_FORMS": 2,
            "registrations-MIN_NUM_FORMS": 0,
            "registrations-MAX_NUM_FORMS": 1000,
            "registrations-0-id": Registration.objects.get(member=partner_a).pk,
            "registrations-0-workshop": workshop.pk,
            "registrations-1-id": Registration.objects.get(member=partner_b).pk,
            "registrations-1-workshop": workshop.pk,
        }
    )
    data.pop("starts_at", None)
    data.pop("ends_at", None)
    r = client.post(url, data)
    assert r.status_code == 302, r.context["adminform"].form.errors if r.context else r
    assert Registration.objects.get(member=partner_b).status == "registered"
    workshop.refresh_from_db()
    assert workshop.capacity == 2 and workshop.starts_at == starts
