"""Response headers: the Content-Security-Policy (and pages that keep to it), frame denial,
Referrer-Policy, no-store for signed-in pages, and `check --deploy` under the production settings."""

import os
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, whole_record
from tests.practice.test_settings import GOOD

ROOT = Path(__file__).resolve().parents[2]
LOGIN = "/accounts/login/"


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


def test_every_page_carries_a_strict_content_security_policy(client, db):
    policy = directives(client.get(LOGIN))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert "unsafe-inline" not in str(policy) and "unsafe-eval" not in str(policy)


@pytest.mark.parametrize("path", [LOGIN, "/healthz/", "/no-such-page/"])
def test_frames_referrers_and_sniffing_are_denied(client, db, path):
    r = client.get(path)
    assert r["X-Frame-Options"] == "DENY"
    assert r["Referrer-Policy"] == "same-origin"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in r["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("alice", "/dashboard/"),
        ("alice", "/clients/"),
        ("alice", "/"),  # a redirect to the home page of the role
        ("staff_user", "/schedule/"),
        ("client_user", "/portal/"),
        ("admin_user", "/admin/"),
        ("client_user", "/accounts/sessions/"),
    ],
)
def test_signed_in_pages_are_never_stored(client, request, who, path):
    person = request.getfixturevalue(who)
    client.force_login(getattr(person, "user", person))
    r = client.get(path)
    assert r.status_code in (200, 302)
    assert "no-store" in r["Cache-Control"] and "private" in r["Cache-Control"]
    assert r["Pragma"] == "no-cache"


def test_a_clients_record_is_never_stored(client, alice, pair):
    client.force_login(alice.user)
    r = client.get(reverse("clients:detail", args=[pair.id]))
    assert r.status_code == 200 and "no-store" in r["Cache-Control"]


def test_the_sign_out_response_is_not_stored_either(client, client_user):
    client.force_login(client_user)
    r = client.post("/accounts/logout/")
    assert r.status_code == 302 and "no-store" in r["Cache-Control"]


def test_pages_of_anonymous_visitors_keep_their_own_caching(client, db):
    assert "Pragma" not in client.get("/healthz/")


# --- Pages keep to the policy ---------------------------------------------------------------------


class InlineCode(HTMLParser):
    """Collects what a no-'unsafe-inline' policy would block: style attributes and <style>,
    inline <script> (JSON data blocks are inert and allowed), on* handlers, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "style" in attributes:
            self.found.append(f"<{tag} style=…>")
        if tag == "style":
            self.found.append("<style>")
        if tag == "script" and not attributes.get("src") and attributes.get("type") != "application/json":
            self.found.append("inline <script>")
        self.found += [f"<{tag} {name}=…>" for name in attributes if name.startswith("on")]
        self.found += [
            f"<{tag} {name}=javascript:…>" for name, value in attrs if (value or "").startswith("javascript:")
        ]


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


class OffsiteAssets(HTMLParser):
    """Collects what a page would fetch from elsewhere (a CDN): the address of every script, stylesheet,
    image, frame or other embedded thing that is not a path on this site."""

    FETCHED = {"script": "src", "img": "src", "iframe": "src", "source": "src", "embed": "src", "link": "href"}

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        address = dict(attrs).get(self.FETCHED.get(tag, ""))
        if address and (not address.startswith("/") or address.startswith("//")):
            self.found.append(f"<{tag}> {address}")


def offsite_assets(html: str) -> list[str]:
    """Assets fetched from another site (a word like "cdn" in a random token is not one)."""
    parser = OffsiteAssets()
    parser.feed(html)
    return parser.found


PDF_ONLY = {
    "documents/signed_copy.html",
    "billing/_pdf_style.html",
    "billing/invoice_pdf.html",
    "billing/statement_pdf.html",
    "billing/superbill_pdf.html",
    "billing/estimate_pdf.html",
    "clients/client_record_pdf.html",  # the record export as a PDF (clients/export_pdf.py)
}


def test_no_template_has_inline_style_or_script():
    offenders = {}
    for path in sorted((ROOT / "templates").rglob("*.html")):
        if "emails" in path.parts:
            continue  # mail clients, not browsers under our policy, read these
        if path.relative_to(ROOT / "templates").as_posix() in PDF_ONLY:
            continue  # rendered by WeasyPrint into a PDF (documents/pdf.py), never served as a page
        found = inline_code(path.read_text())
        if found:
            offenders[str(path.relative_to(ROOT))] = found
    assert not offenders, f"move these to static/css/practice.css or a static script: {offenders}"


def test_the_checker_finds_what_the_policy_blocks():
    html = '<p style="x"></p><script>x()</script><a onclick="x()" href="javascript:x()"></a><style></style>'
    assert len(inline_code(html)) == 5
    assert inline_code('<script src="/static/x.js"></script><script type="application/json">{}</script>') == []


@pytest.mark.parametrize(
    ("who", "path"),
    [
        (None, LOGIN),
        (None, "/accounts/password/reset/"),
        ("alice", "/dashboard/"),
        ("alice", "/clients/"),
        ("alice", "/schedule/"),
        ("alice", "/accounts/2fa/"),
        ("client_user", "/portal/"),
        ("client_user", "/accounts/sessions/"),
        ("staff_user", "/outbox/"),
        ("admin_user", "/admin/"),
        ("admin_user", "/admin/practice/user/"),
    ],
)
def test_rendered_pages_have_no_inline_code(client, request, db, who, path):
    if who:
        person = request.getfixturevalue(who)
        client.force_login(getattr(person, "user", person))
    r = client.get(path)
    assert r.status_code == 200, path
    assert inline_code(r.content.decode()) == []


def test_the_client_record_has_no_inline_code(client, alice, pair):
    client.force_login(alice.user)
    assert inline_code(whole_record(client, pair)) == []  # every tab


def test_the_totp_qr_code_is_a_data_image_the_policy_allows(client, bare_therapist):
    client.post(LOGIN, {"login": bare_therapist.user.email, "password": PASSWORD})
    r = client.get("/accounts/2fa/totp/activate/")
    assert r.status_code == 200
    assert 'src="data:image/svg+xml' in r.content.decode()
    assert "data:" in directives(r)["img-src"]
    assert inline_code(r.content.decode()) == []


# --- Production -----------------------------------------------------------------------------------


def production_env(**overrides) -> dict[str, str]:
    # Only the server's own variables: none of the test run's (the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE) and no hardening override, so the defaults are what is checked.
    leaks = ("DJANGO_", "SECURE_", "SESSION_", "TEST_", "DEBUG")
    env = {k: v for k, v in os.environ.items() if k not in GOOD and not k.startswith(leaks)}
    # GOOD's key is long but all one letter: enough to start, not enough for Django's W009.
    env.update({**GOOD, "SECRET_KEY": secrets.token_urlsafe(50), **overrides})
    env["DJANGO_SETTINGS_MODULE"] = "practice.settings.production"
    return env


def test_check_deploy_is_clean_under_the_production_settings():
    command = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    result = subprocess.run(command, cwd=ROOT, env=production_env(), capture_output=True, text=True, timeout=120)  # noqa: S603
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNING" not in output.upper()


def test_production_sends_hsts_and_secure_cookies():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SECURE_SSL_REDIRECT, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_NAME, "
        "s.X_FRAME_OPTIONS, s.SECURE_REFERRER_POLICY)"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=production_env(), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "31536000",
        "True",
        "True",
        "True",
        "True",
        "True",
        "True",
        "__Host-sessionid",
        "DENY",
        "same-origin",
    ]
