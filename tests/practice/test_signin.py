"""Sign-in for each role, the second-factor gate, the admin login, anonymous redirects."""

import pytest
from django.urls import reverse

from devdata.demo import current_code
from practice.models import AuditAction, AuditEvent
from tests.factories import PASSWORD, has_totp

LOGIN = "/accounts/login/"
MFA_AUTH = "/accounts/2fa/authenticate/"
MFA_SETUP = "/accounts/2fa/totp/activate/"


def sign_in(web, email, secret=None):
    r = web.post(LOGIN, {"login": email, "password": PASSWORD})
    if secret is None:
        return r
    assert r.status_code == 302 and r.url == MFA_AUTH, "password step should ask for the second factor"
    return web.post(MFA_AUTH, {"code": current_code(secret)})


def test_therapist_signs_in_with_password_and_totp_and_lands_on_dashboard(client, alice):
    r = sign_in(client, "alice@example.org", alice.totp_secret)
    assert r.status_code == 302 and r.url == reverse("home")
    r = client.get(reverse("home"))
    assert r.url == reverse("dashboard")
    page = client.get(reverse("dashboard"))
    assert page.status_code == 200
    assert alice.display_name in page.content.decode()
    assert AuditEvent.objects.filter(actor=alice.user, action=AuditAction.LOGIN).count() == 1


def test_password_alone_does_not_sign_a_therapist_in(client, alice):
    sign_in(client, "alice@example.org")
    assert client.get(reverse("dashboard")).status_code == 302  # still anonymous
    r = client.post(MFA_AUTH, {"code": "000000"})
    assert r.status_code == 200
    assert client.get(reverse("dashboard")).url.startswith(LOGIN)


def test_staff_lands_on_the_schedule(client, staff_user):
    sign_in(client, staff_user.email, staff_user.totp_secret)
    assert client.get(reverse("home")).url == reverse("sessions_app:schedule")
    assert client.get(reverse("sessions_app:schedule")).status_code == 200


def test_client_signs_in_without_second_factor_and_lands_on_portal(client, client_user):
    r = sign_in(client, client_user.email)
    assert r.status_code == 302
    assert client.get(reverse("home")).url == reverse("portal:home")
    assert client.get(reverse("portal:home")).status_code == 200


def test_wrong_password_keeps_the_email_and_says_why(client, alice):
    r = client.post(LOGIN, {"login": "alice@example.org", "password": "nope"})
    assert r.status_code == 200
    body = r.content.decode()
    assert 'value="alice@example.org"' in body
    assert "not correct" in body
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, actor=None).count() == 1


def test_repeated_failures_are_rate_limited(client, alice):
    for _ in range(5):
        client.post(LOGIN, {"login": "alice@example.org", "password": "nope"})
    r = client.post(LOGIN, {"login": "alice@example.org", "password": PASSWORD})  # right password, too late
    assert r.status_code == 200
    assert "Too many failed login attempts" in r.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("path", ["/dashboard/", "/schedule/", "/admin/", "/"])
def test_therapist_without_second_factor_is_held_at_mfa_setup(client, bare_therapist, path):
    sign_in(client, bare_therapist.user.email)
    r = client.get(path)
    assert r.status_code == 302 and r.url == MFA_SETUP
    assert client.get(MFA_SETUP).status_code == 200  # the set-up page itself is reachable


def test_setting_up_totp_releases_the_gate(client, bare_therapist, django_capture_on_commit_callbacks):
    from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY

    sign_in(client, bare_therapist.user.email)
    client.get(MFA_SETUP)
    secret = client.session[SECRET_SESSION_KEY]
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(MFA_SETUP, {"code": current_code(secret)})
    assert r.status_code == 302
    assert has_totp(bare_therapist.user)
    assert client.get(reverse("dashboard")).status_code == 200
    assert AuditEvent.objects.filter(actor=bare_therapist.user, action=AuditAction.MFA_ENABLED).exists()


def test_admin_login_goes_through_allauth_and_needs_the_second_factor(client, admin_user):
    r = client.get("/admin/")
    assert r.status_code == 302 and r.url.startswith("/admin/login/")
    r = client.get(r.url)
    assert r.status_code == 302 and r.url.startswith(LOGIN)  # no admin-only password form
    sign_in(client, admin_user.email)
    assert client.get("/admin/").status_code == 302  # password alone is not enough
    client.post(MFA_AUTH, {"code": current_code(admin_user.totp_secret)})
    assert client.get("/admin/").status_code == 200


def test_admin_without_second_factor_cannot_reach_admin(client, db):
    from tests.factories import UserFactory

    UserFactory(email="root@example.org", role="staff", is_staff=True, is_superuser=True)
    sign_in(client, "root@example.org")
    assert client.get("/admin/").url == MFA_SETUP


def test_client_cannot_reach_admin(client, client_user):
    sign_in(client, client_user.email)
    r = client.get("/admin/", follow=True)
    assert r.status_code == 403


@pytest.mark.parametrize("path", ["/", "/dashboard/", "/portal/", "/schedule/"])
def test_anonymous_visitors_are_sent_to_sign_in(client, db, path):
    r = client.get(path)
    assert r.status_code == 302 and r.url.startswith(f"{LOGIN}?next=")


def test_open_signup_is_closed(client, db):
    from practice.models import User

    data = {"email": "x@example.org", "password1": "a-long-pass-1", "password2": "a-long-pass-1"}
    r = client.post("/accounts/signup/", data)
    assert r.status_code == 200
    assert "Sign Up Closed" in r.content.decode()
    assert not User.objects.filter(email="x@example.org").exists()


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("client_user", "/dashboard/"),
        ("client_user", "/schedule/"),
        ("staff_user", "/dashboard/"),
        ("alice", "/portal/"),
    ],
)
def test_other_roles_get_404(client, request, who, path):
    person = request.getfixturevalue(who)
    client.force_login(getattr(person, "user", person))
    assert client.get(path).status_code == 404


def test_pages_refuse_wrong_methods(client, alice):
    client.force_login(alice.user)
    assert client.post(reverse("dashboard")).status_code == 405


def test_password_reset_sends_a_mail_without_revealing_whether_the_account_exists(client, alice, mailoutbox):
    r1 = client.post("/accounts/password/reset/", {"email": "alice@example.org"})
    r2 = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert r1.status_code == r2.status_code == 302  # the page does not say which address exists
    to_alice, to_nobody = mailoutbox
    assert to_alice.to == ["alice@example.org"] and "/accounts/password/reset/key/" in to_alice.body
    assert to_nobody.to == ["nobody@example.org"] and "/reset/key/" not in to_nobody.body


def test_sign_in_page_does_not_invite_sign_up(client, db):
    body = client.get(LOGIN).content.decode()
    assert "/accounts/signup/" not in body
    assert "Accounts are created by the practice" in body
    assert 'for="id_login"' in body and 'for="id_password"' in body  # every input labelled


def test_the_welcome_message_names_the_person_not_a_record_id(client, client_user):
    client_user.first_name = "Jordan"
    client_user.save(update_fields=["first_name"])
    r = client.post(LOGIN, {"login": client_user.email, "password": PASSWORD}, follow=True)
    assert "Successfully signed in as Jordan." in r.content.decode()
