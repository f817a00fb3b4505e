"""Every resources URL with an id: anonymous → sign in; everyone not entitled → 404 (never 403, so ids
leak nothing). New routes must be added to ROUTES, and `test_every_route_is_covered` fails until they are.

Outsiders per route: the library is shared by therapists and admins (so another therapist is not an
outsider there); workshops are visible to every therapist; everything about a client (assignments,
logs, registrations) is for the treating therapists only; portal routes are for the member the work
is for (the fixture's assignment is for partner B alone, so partner A is an outsider too).
"""

import pytest
from django.urls import get_resolver, reverse

from resources import services
from resources.models import Assignment, Feedback, Registration, Resource, StepProgress
from tests.factories import ClientFactory, portal_user_for

CLINICAL = ["charlie", "staff_user", "client_user", "partner_a"]
LIBRARY = ["staff_user", "client_user", "partner_a"]
PORTAL = ["alice", "charlie", "staff_user", "client_user", "partner_a", "stranger"]
PORTAL_WORKSHOP = ["alice", "staff_user", "client_user"]

ROUTES = {  # url name → (args from the fixture `record`, who must get 404)
    "resource": (lambda r: [r["resource"].pk], LIBRARY),
    "resource_edit": (lambda r: [r["resource"].pk], LIBRARY),
    "resource_file": (lambda r: [r["resource"].pk], LIBRARY),
    "workshop": (lambda r: [r["workshop"].pk], LIBRARY),
    "workshop_edit": (lambda r: [r["workshop"].pk], LIBRARY),  # every therapist runs the practice's workshops
    "workshop_register": (lambda r: [r["workshop"].pk], LIBRARY),
    "registration_cancel": (lambda r: [r["registration"].pk], CLINICAL),
    "client_assignments": (lambda r: [r["unit"].pk], CLINICAL),
    "assignment_create": (lambda r: [r["unit"].pk], CLINICAL),
    "assignment": (lambda r: [r["assignment"].pk], CLINICAL),
    "assignment_edit": (lambda r: [r["assignment"].pk], CLINICAL),
    "assignment_release": (lambda r: [r["assignment"].pk], CLINICAL),
    "assignment_feedback": (lambda r: [r["assignment"].pk], CLINICAL),
    "member_log": (lambda r: [r["assignment"].pk, r["partner_b"].pk], CLINICAL),
    "portal_assignment": (lambda r: [r["assignment"].pk], PORTAL),
    "portal_assignment_open": (lambda r: [r["assignment"].pk], PORTAL),
    "portal_progress": (lambda r: [r["assignment"].pk], PORTAL),
    "portal_step_progress": (lambda r: [r["programme"].pk, r["step"].pk], PORTAL),
    "portal_workshop_register": (lambda r: [r["workshop"].pk], PORTAL_WORKSHOP),
    "portal_workshop_cancel": (lambda r: [r["workshop"].pk], PORTAL_WORKSHOP),
}


@pytest.fixture
def stranger(alice):
    """A client of Alice's in another unit, with a portal account."""
    return portal_user_for(ClientFactory(primary_therapist=alice).members.get())


@pytest.fixture
def record(alice, unit, reading, sensate, partner_a, partner_b, workshop):
    assignment = services.assignment_create(client=unit, resource=reading, by=alice.user, member=partner_b)
    programme = services.assignment_create(client=unit, resource=sensate, by=alice.user, member=partner_b)
    step = sensate.steps.order_by("order").first()
    services.progress_save(assignment=programme, member=partner_b, by=partner_b.user, step=step, log="B's own")
    return {
        "unit": unit,
        "resource": reading,
        "assignment": assignment,
        "programme": programme,
        "step": step,
        "partner_b": partner_b,
        "workshop": workshop,
        "registration": services.registration_create(workshop=workshop, member=partner_b, by=partner_b.user),
    }


def url(name, record):
    # The client's pages are in the portal's namespace (portal:assignment for portal_assignment).
    full = f"portal:{name.removeprefix('portal_')}" if name.startswith("portal_") else f"resources:{name}"
    return reverse(full, args=ROUTES[name][0](record))


def login(client, request, who):
    person = request.getfixturevalue(who)
    user = getattr(person, "user", person)
    client.force_login(user)


def test_every_route_is_covered():
    names = {p.name for p in get_resolver("resources.urls").url_patterns if "<" in str(p.pattern)}
    portal = {f"portal_{p.name}" for p in get_resolver("resources.portal_urls").url_patterns if "<" in str(p.pattern)}
    assert names | portal == set(ROUTES)


@pytest.mark.parametrize("name", sorted(ROUTES))
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_sent_to_sign_in(client, record, name, method):
    r = getattr(client, method)(url(name, record))
    if r.status_code != 405:  # a method the route does not take is refused before anything else
        assert r.status_code == 302 and r.url.startswith("/accounts/login/")


@pytest.mark.parametrize(("name", "who"), [(name, who) for name in sorted(ROUTES) for who in ROUTES[name][1]])
def test_outsiders_get_404(client, request, record, stranger, name, who):
    login(client, request, who)
    statuses = {client.get(url(name, record)).status_code, client.post(url(name, record)).status_code}
    assert statuses in ({404}, {404, 405})  # 405 only for the method the route does not take


@pytest.mark.parametrize("who", ["charlie", "partner_a", "stranger"])
def test_outsiders_change_nothing(client, request, record, stranger, who):
    login(client, request, who)
    payload = {
        "body": "x",
        "log": "OUTSIDER",
        "done": "on",
        "due_on": "2099-01-01",
        "note": "n",
        "title": "t",
        "members": [record["partner_b"].pk],
    }
    for name in sorted(ROUTES):
        if name.startswith("portal_workshop") and who in ("partner_a", "stranger"):
            continue  # any client may register themselves: not an outsider there
        if name in ("resource_edit", "workshop_edit") and who == "charlie":
            continue  # the library and the workshops are shared by every therapist
        client.post(url(name, record), payload)
    assert Assignment.objects.count() == 2 and Assignment.objects.filter(due_on__isnull=False).count() == 0
    assert not Feedback.objects.exists() and Resource.objects.filter(title="t").count() == 0
    assert [p.log for p in StepProgress.objects.all()] == ["B's own"]
    assert list(Registration.objects.values_list("status", flat=True)) == ["registered"]
    assert Assignment.objects.get(pk=record["programme"].pk).released_stage == 1


GET_POST = {"get", "post"}
METHODS = {  # what each route takes; anything else is refused with 405, even for the entitled user
    "resource": {"get"},
    "resource_edit": GET_POST,
    "resource_file": {"get"},
    "workshop": {"get"},
    "workshop_edit": GET_POST,
    "workshop_register": {"post"},
    "registration_cancel": GET_POST,  # GET: its confirm page
    "client_assignments": {"get"},
    "assignment_create": GET_POST,
    "assignment": {"get"},
    "assignment_edit": GET_POST,
    "assignment_release": {"post"},
    "assignment_feedback": {"post"},
    "member_log": {"get"},
    "portal_assignment": {"get"},
    "portal_assignment_open": {"get"},
    "portal_progress": {"post"},
    "portal_step_progress": {"post"},
    "portal_workshop_register": {"post"},
    "portal_workshop_cancel": GET_POST,  # GET: its confirm page
}


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_the_entitled_user_gets_405_for_methods_a_route_does_not_take(client, record, name):
    entitled = record["partner_b"].user if name.startswith("portal_") else record["unit"].primary_therapist.user
    client.force_login(entitled)
    for method in {"get", "post", "put", "delete"} - METHODS[name]:
        assert getattr(client, method)(url(name, record)).status_code == 405, method
