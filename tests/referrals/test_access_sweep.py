"""Every triage URL with an id: anonymous → sign in, client → 404; therapists other than the
unit's → 404 once a referral became a client; the letter only for the treating therapist.
New routes must be added to ROUTES, and `test_every_route_is_covered` fails until they are."""

import pytest
from django.urls import get_resolver, reverse

from referrals.models import Referral, ReferralLetter
from tests.referrals.conftest import grant_release

ROUTES = {  # url name → whether it answers GET, POST
    "detail": ("GET",),
    "contacted": ("POST",),
    "accept": ("POST",),
    "waitlist": ("POST",),
    "decline": ("POST",),
    "refer_on": ("POST",),
    "letter": ("GET", "POST"),
}
PUBLIC = {"refer", "thanks"}
PAYLOAD = {
    "contacted-note": "x",
    "waitlist-note": "x",
    "decline-reason": "x",
    "referon-note": "x",
    "kind": "received",
    "body": "x",
    "token": "e" * 32,
}


@pytest.fixture
def record(alice, accepted):
    grant_release(accepted, alice.user)
    return accepted


def urls(referral):
    return {name: reverse(f"referrals:{name}", args=[referral.pk]) for name in ROUTES}


def test_every_route_is_covered():
    names = {p.name for p in get_resolver("referrals.urls").url_patterns if "<" in str(p.pattern)}
    assert names == set(ROUTES)
    plain = {p.name for p in get_resolver("referrals.urls").url_patterns if "<" not in str(p.pattern)}
    assert plain == PUBLIC | {"triage", "report"}


@pytest.mark.parametrize("name", sorted(ROUTES))
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_is_sent_to_sign_in(client, record, name, method):
    r = getattr(client, method)(urls(record)[name])
    if method.upper() in ROUTES[name]:
        assert r.status_code == 302 and r.url.startswith("/accounts/login/")
    else:
        assert r.status_code == 405


@pytest.mark.parametrize("name", sorted(ROUTES))
@pytest.mark.parametrize("who", ["charlie", "client_user"])
def test_outsiders_get_404(client, request, record, name, who):
    person = request.getfixturevalue(who)
    client.force_login(getattr(person, "user", person))
    url = urls(record)[name]
    statuses = {client.get(url).status_code, client.post(url, PAYLOAD).status_code}
    assert statuses in ({404}, {404, 405})


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_clients_get_404_on_an_open_referral_too(client, client_user, referral, name):
    client.force_login(client_user)
    url = reverse(f"referrals:{name}", args=[referral.pk])
    assert {client.get(url).status_code, client.post(url, PAYLOAD).status_code} in ({404}, {404, 405})


def test_staff_reach_everything_but_the_letter(client, staff_user, record):
    client.force_login(staff_user)
    assert client.get(urls(record)["detail"]).status_code == 200
    assert client.get(urls(record)["letter"]).status_code == 404


def test_outsiders_change_nothing(client, charlie, client_user, record):
    for person in (charlie.user, client_user):
        client.force_login(person)
        for url in urls(record).values():
            client.post(url, PAYLOAD)
    record.refresh_from_db()
    assert record.status == Referral.Status.ACCEPTED and record.events.count() == 1
    assert not ReferralLetter.objects.exists()


def test_missing_ids_look_like_forbidden_ones(client, alice):
    client.force_login(alice.user)
    for name in ROUTES:
        url = reverse(f"referrals:{name}", args=[424242])
        assert {client.get(url).status_code, client.post(url, PAYLOAD).status_code} in ({404}, {404, 405})
