"""The trusted-proxy rule: X-Forwarded-For is believed only as far as our own proxies wrote it."""

import pytest
from allauth.account.adapter import get_adapter
from django.conf import settings as django_settings
from django.test import RequestFactory

from practice.models import AuditAction, AuditEvent
from practice.net import client_ip
from tests.factories import PASSWORD

LOGIN = "/accounts/login/"
PROXY = "10.0.0.2"  # what REMOTE_ADDR is behind the proxy
CLIENT = "203.0.113.7"


@pytest.fixture
def proxies(settings):
    """Set the number of trusted proxies the way production does: one value for both readers."""

    def set_count(n: int) -> None:
        settings.TRUSTED_PROXY_COUNT = n
        settings.ALLAUTH_TRUSTED_PROXY_COUNT = n

    return set_count


def request_from(remote: str, xff: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("count", "remote", "xff", "expected"),
    [
        (0, CLIENT, None, CLIENT),
        (0, CLIENT, "198.51.100.1", CLIENT),  # never read without a trusted proxy
        (1, PROXY, None, PROXY),  # came straight in: nothing to believe
        (1, PROXY, CLIENT, CLIENT),
        (1, PROXY, f"198.51.100.1, {CLIENT}", CLIENT),  # the left part is the client's own claim
        (1, PROXY, f"198.51.100.1,{CLIENT}", CLIENT),
        (2, PROXY, f"198.51.100.1, {CLIENT}, 10.0.0.1", CLIENT),
        (2, PROXY, CLIENT, PROXY),  # fewer entries than proxies: the header is not what we expect
        (1, PROXY, "not-an-address", PROXY),
        (1, PROXY, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip_follows_the_trusted_proxy_rule(proxies, count, remote, xff, expected):
    proxies(count)
    assert client_ip(request_from(remote, xff)) == expected


@pytest.mark.parametrize("count", [0, 1])
@pytest.mark.parametrize("xff", [None, CLIENT, f"198.51.100.1, {CLIENT}"])
def test_allauth_sees_the_same_address_as_the_app(proxies, count, xff):
    proxies(count)
    request = request_from(PROXY, xff)
    assert get_adapter().get_client_ip(request) == client_ip(request)


def test_allauth_reads_the_same_setting():
    assert django_settings.ALLAUTH_TRUSTED_PROXY_COUNT == django_settings.TRUSTED_PROXY_COUNT == 0


def fail_sign_ins(web, times: int, remote: str, xff_for) -> None:
    # A different account each time, so only the per-address limit (10 a minute) can trip.
    for i in range(times):
        extra = {"REMOTE_ADDR": remote}
        if xff_for(i) is not None:
            extra["HTTP_X_FORWARDED_FOR"] = xff_for(i)
        web.post(LOGIN, {"login": f"nobody{i}@example.org", "password": "wrong"}, **extra)


def is_limited(r) -> bool:
    return "Too many failed login attempts" in r.content.decode()


def test_a_forged_header_does_not_reset_the_sign_in_limit_without_a_proxy(client, alice, proxies):
    proxies(0)
    fail_sign_ins(client, 10, CLIENT, lambda i: f"198.51.100.{i}")
    r = client.post(
        LOGIN, {"login": alice.user.email, "password": PASSWORD}, REMOTE_ADDR=CLIENT, HTTP_X_FORWARDED_FOR="192.0.2.99"
    )
    assert is_limited(r)
    assert "_auth_user_id" not in client.session


def test_behind_one_proxy_the_right_most_address_is_limited(client, alice, proxies):
    proxies(1)
    fail_sign_ins(client, 10, PROXY, lambda i: f"198.51.100.{i}, {CLIENT}")  # forged left parts vary
    r = client.post(
        LOGIN,
        {"login": alice.user.email, "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=f"192.0.2.99, {CLIENT}",
    )
    assert is_limited(r)
    other = client.post(
        LOGIN,
        {"login": "nobody@example.org", "password": "wrong"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.200",
    )
    assert not is_limited(other)  # another visitor behind the same proxy is not locked out


def test_without_a_proxy_setting_every_visitor_behind_a_proxy_shares_one_limit(client, db, proxies):
    # Why TRUSTED_PROXY_COUNT must be set behind a proxy: REMOTE_ADDR is the proxy for everyone.
    proxies(0)
    fail_sign_ins(client, 10, PROXY, lambda i: f"198.51.100.{i}")
    r = client.post(
        LOGIN, {"login": "x@example.org", "password": "wrong"}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CLIENT
    )
    assert is_limited(r)


def test_the_audit_trail_records_the_client_behind_the_proxy(client, client_user, proxies):
    proxies(1)
    client.post(
        LOGIN,
        {"login": client_user.email, "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=f"192.0.2.99, {CLIENT}",
    )
    assert AuditEvent.objects.get(action=AuditAction.LOGIN).ip == CLIENT


def test_the_audit_trail_ignores_a_forged_header_without_a_proxy(client, client_user, proxies):
    proxies(0)
    client.post(
        LOGIN, {"login": client_user.email, "password": PASSWORD}, REMOTE_ADDR=CLIENT, HTTP_X_FORWARDED_FOR="192.0.2.99"
    )
    assert AuditEvent.objects.get(action=AuditAction.LOGIN).ip == CLIENT
