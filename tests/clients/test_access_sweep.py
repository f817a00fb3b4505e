"""Every therapist-side client URL: anonymous → sign in, other therapist / client → 404, and
staff → 404 everywhere except the contact list and page. New routes must be added to ROUTES,
and `test_every_route_is_covered` fails until they are."""

import pytest
from django.urls import get_resolver, reverse

from clients.alerts import risk_alert_raise
from clients.models import Consent, Goal, IntakeResponse, Note, NoteTemplate, RiskAlert

ROUTES = {  # url name → how to build its args from the fixture `record`
    "detail": lambda r: [r["client"].pk],
    "edit": lambda r: [r["client"].pk],
    "contact": lambda r: [r["client"].pk],
    "member_edit": lambda r: [r["client"].pk, r["member"].pk],
    "member_invite": lambda r: [r["client"].pk, r["member"].pk],
    "intake": lambda r: [r["client"].pk, r["member"].pk],
    "intake_reviewed": lambda r: [r["client"].pk, r["member"].pk],
    "goal_create": lambda r: [r["client"].pk],
    "goal_edit": lambda r: [r["goal"].pk],
    "note_create": lambda r: [r["client"].pk],
    "note": lambda r: [r["note"].pk],
    "note_edit": lambda r: [r["note"].pk],
    "note_sign": lambda r: [r["note"].pk],
    "addendum_add": lambda r: [r["note"].pk],
    "consent_create": lambda r: [r["client"].pk],
    "consent_revoke": lambda r: [r["consent"].pk],
    "export": lambda r: [r["client"].pk],
    "alert_detail": lambda r: [r["client"].pk, r["alert"].pk],
    "note_template_edit": lambda r: [r["note_template"].pk],  # its author's only
}
STAFF_MAY = {"contact"}


@pytest.fixture
def record(alice, solo):
    member = solo.members.get()
    intake = IntakeResponse.objects.create(member=member, status="submitted", hopes="x", risk_self_harm="yes")
    alert = risk_alert_raise(member=member, source=RiskAlert.Source.INTAKE, source_id=intake.pk, by=alice.user)
    return {
        "alert": alert,
        "client": solo,
        "member": member,
        "goal": Goal.objects.create(client=solo, text="g", created_by=alice),
        "note": Note.objects.create(client=solo, author=alice, body="n"),
        "note_template": NoteTemplate.objects.create(name="Alice's own", created_by=alice),
        "consent": Consent.objects.create(client=solo, member=member, kind="treatment", recorded_by=alice.user),
    }


def test_every_route_is_covered():
    names = {p.name for p in get_resolver("clients.urls").url_patterns if "<" in str(p.pattern)}
    assert names == set(ROUTES)


@pytest.mark.parametrize("name", sorted(ROUTES))
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_sent_to_sign_in(client, record, name, method):
    r = getattr(client, method)(reverse(f"clients:{name}", args=ROUTES[name](record)))
    if r.status_code != 405:  # a method the route does not take is refused before anything else
        assert r.status_code == 302 and r.url.startswith("/accounts/login/")


@pytest.mark.parametrize("name", sorted(ROUTES))
@pytest.mark.parametrize("who", ["charlie", "client_user", "staff_user"])
def test_outsiders_get_404(client, request, record, name, who):
    if who == "staff_user" and name in STAFF_MAY:
        return  # covered by test_staff_reach_contact_details_only
    person = request.getfixturevalue(who)
    client.force_login(getattr(person, "user", person))
    url = reverse(f"clients:{name}", args=ROUTES[name](record))
    statuses = {client.get(url).status_code, client.post(url).status_code}
    assert statuses in ({404}, {404, 405})  # 405 only for the method the route does not take


def test_staff_reach_contact_details_only(client, staff_user, record):
    client.force_login(staff_user)
    assert client.get(reverse("clients:contact", args=[record["client"].pk])).status_code == 200


def test_outsiders_change_nothing(client, charlie, record):
    client.force_login(charlie.user)
    for name in sorted(ROUTES):
        client.post(reverse(f"clients:{name}", args=ROUTES[name](record)), {"body": "x", "text": "y"})
    record["note"].refresh_from_db()
    record["consent"].refresh_from_db()
    assert not record["note"].is_signed and record["consent"].revoked_at is None
    assert Note.objects.count() == 1 and Goal.objects.count() == 1
    assert NoteTemplate.objects.get(pk=record["note_template"].pk).name == "Alice's own"
