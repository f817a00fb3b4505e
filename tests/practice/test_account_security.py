"""Accounts: a sign-in address changes only after the password and through a verified new address,
with the old one told; a reset link goes only to the verified primary address; failed second factors
and failed sign-ins are audited against the account; a stranger cannot lock the owner out."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from practice.models import AuditAction, AuditEvent
from tests.factories import PASSWORD

LOGIN = "/accounts/login/"
EMAIL = "/accounts/email/"
MFA_AUTH = "/accounts/2fa/authenticate/"


def test_changing_the_sign_in_address_asks_for_the_password_first(client, bare_therapist):
    client.force_login(bare_therapist.user)  # signed in long ago: no recent password
    r = client.post(EMAIL, {"email": "new@example.org", "action_add": ""})
    assert r.status_code == 302 and "/reauthenticate/" in r.url
    assert not EmailAddress.objects.filter(email="new@example.org").exists()


def test_a_new_address_is_used_only_once_verified_and_the_old_one_is_told(client, bare_therapist):
    user = bare_therapist.user
    old = user.email
    client.post(LOGIN, {"login": old, "password": PASSWORD})
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    r = client.post(EMAIL, {"email": "new@example.org", "action_add": ""})
    assert r.status_code == 302
    added = EmailAddress.objects.get(email="new@example.org")
    assert not added.verified
    user.refresh_from_db()
    assert user.email == old  # still the old address until verified
    assert [m.to for m in mail.outbox] == [["new@example.org"]]  # the verification link

    other = client.__class__()
    other.post(LOGIN, {"login": "new@example.org", "password": PASSWORD})
    assert "_auth_user_id" not in other.session  # an unverified address signs nobody in

    key = mail.outbox[0].body.split("/accounts/confirm-email/")[1].split("/")[0]
    client.post(f"/accounts/confirm-email/{key}/")
    user.refresh_from_db()
    assert user.email == "new@example.org"
    assert [old] in [m.to for m in mail.outbox[1:]]  # the old address is told


def test_a_client_changes_their_sign_in_address_through_the_practice(client, client_user):
    client.force_login(client_user)
    r = client.get(EMAIL)
    assert r.status_code == 302 and r.url == reverse("portal:profile")
    r = client.post(EMAIL, {"email": "new@example.org", "action_add": ""})
    assert r.status_code == 302 and not EmailAddress.objects.filter(email="new@example.org").exists()


def test_a_reset_link_never_goes_to_an_unverified_address(client, bare_therapist):
    user = bare_therapist.user
    EmailAddress.objects.create(user=user, email="added@example.org", primary=False, verified=False)
    client.post("/accounts/password/reset/", {"email": "added@example.org"})
    assert all("/accounts/password/reset/key/" not in m.body for m in mail.outbox)
    client.post("/accounts/password/reset/", {"email": user.email})
    assert [m.to for m in mail.outbox if "/accounts/password/reset/key/" in m.body] == [[user.email]]


def test_a_client_resets_with_their_real_address_and_the_link_goes_there(client, client_user):
    client.post("/accounts/password/reset/", {"email": "client@example.org"})
    assert [m.to for m in mail.outbox if "/accounts/password/reset/key/" in m.body] == [["client@example.org"]]


def test_a_client_signs_in_with_their_real_address(client, client_user):
    client.post(LOGIN, {"login": "Client@Example.org", "password": PASSWORD})
    assert client.session.get("_auth_user_id") == str(client_user.pk)


def test_a_wrong_second_factor_is_audited_against_the_account(client, alice):
    client.post(LOGIN, {"login": alice.user.email, "password": PASSWORD})
    r = client.post(MFA_AUTH, {"code": "000000"})
    assert r.status_code == 200  # asked again
    row = AuditEvent.objects.get(action=AuditAction.MFA_FAILED)
    assert (row.target_type, row.target_id) == ("practice.user", str(alice.user.pk))


def test_a_failed_sign_in_names_the_account_never_the_typed_address(client, alice):
    client.post(LOGIN, {"login": alice.user.email, "password": "wrong-password"})
    client.post(LOGIN, {"login": "stranger-guess@example.org", "password": "wrong-password"})
    failed = list(AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).order_by("id"))
    assert [(r.target_type, r.target_id) for r in failed] == [("practice.user", str(alice.user.pk)), ("", "")]


@pytest.mark.parametrize("attempts", [8])
def test_a_stranger_cannot_lock_the_owner_out(client, client_user, attempts):
    stranger = client.__class__(REMOTE_ADDR="203.0.113.9")
    for _ in range(attempts):
        stranger.post(LOGIN, {"login": client_user.email, "password": "wrong-password"})
    refused = stranger.post(LOGIN, {"login": client_user.email, "password": PASSWORD})
    assert "_auth_user_id" not in stranger.session  # the stranger's address is limited, even with the password

    owner = client.__class__(REMOTE_ADDR="198.51.100.7")
    owner.post(LOGIN, {"login": client_user.email, "password": PASSWORD})
    assert owner.session.get("_auth_user_id") == str(client_user.pk)
    assert refused.status_code in (200, 429)
