"""No work is lost: a database outage, the error pages, and the length of free text.

The database is made unreachable the way a stopped server is: every attempt to use the connection
raises the driver's own OperationalError, wrapped by Django exactly as a refused connection is.
That works the same on SQLite and PostgreSQL.
"""

import logging
from contextlib import contextmanager

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse

from clients.models import IntakeResponse, Note
from practice.middleware import UNAVAILABLE_TEXT
from practice.models import AuditAction, AuditEvent

DRIVER_MESSAGE = "could not connect to server: Connection refused SECRET-STATEMENT-VALUE"


def _refuse(*args, **kwargs):
    with connection.wrap_database_errors:
        raise connection.Database.OperationalError(DRIVER_MESSAGE)


@contextmanager
def database_down():
    """Every query from now on fails as it does when the server cannot be reached."""
    connection.ensure_connection = _refuse
    try:
        yield
    finally:
        del connection.ensure_connection  # the class's own method again: the database is back


def is_insert_into(sql: str, table: str) -> bool:
    return sql.lstrip().upper().startswith("INSERT") and f'"{table}"' in sql


def looks_plain(body: str) -> None:
    """The 503 page: the message, the product's look, and nothing of the error itself."""
    assert UNAVAILABLE_TEXT in body
    assert "css/practice.css" in body and "bootstrap.min.css" in body
    for leak in ("Traceback", "OperationalError", "Connection refused", "SECRET-STATEMENT-VALUE", 'File "'):
        assert leak not in body


@pytest.fixture
def quiet_client():
    """A browser's view: an exception raised by middleware is not re-raised into the test."""
    return Client(raise_request_exception=False)


# --- The 503 page ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/dashboard/", "/clients/", "/"])
def test_an_unreachable_database_gives_the_plain_503_page(quiet_client, alice, path):
    quiet_client.force_login(alice.user)
    with database_down():
        r = quiet_client.get(path)
    assert r.status_code == 503
    assert r["Retry-After"] == "30"
    assert r["Cache-Control"] == "no-store"
    assert r["X-Request-ID"]
    looks_plain(r.content.decode())


def test_a_stranger_posting_the_public_referral_form_gets_the_503_page_too(quiet_client, db):
    with database_down():
        r = quiet_client.post(reverse("referrals:refer"), {"referrer_name": "Dr Lee"})
    assert r.status_code == 503
    looks_plain(r.content.decode())


def test_a_view_that_loses_the_database_answers_503_through_the_middleware(client, alice, solo):
    """Raised in the view, not in a middleware: caught before Django's own exception handling (the
    test client would re-raise it otherwise)."""
    client.force_login(alice.user)

    def fail_on_notes(execute, sql, params, many, context):
        if '"clients_note"' in sql:
            _refuse()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(fail_on_notes):
        r = client.get(reverse("clients:detail", args=[solo.pk]))
    assert r.status_code == 503
    looks_plain(r.content.decode())


@pytest.mark.django_db(transaction=True)
def test_a_write_that_fails_half_way_leaves_no_half_saved_rows(alice_committed, solo_committed):
    """The note is inserted, then the database goes away before the audit row: neither stays.

    ATOMIC_REQUESTS is off; what guarantees this is that every service is one transaction
    (@transaction.atomic), so a failure anywhere inside it rolls back everything it wrote.
    """
    browser = Client()
    browser.force_login(alice_committed.user)
    inserted = []

    def die_after_the_note(execute, sql, params, many, context):
        if is_insert_into(sql, "practice_auditevent") and inserted:
            _refuse()
        result = execute(sql, params, many, context)
        if is_insert_into(sql, "clients_note"):
            inserted.append(sql)
        return result

    data = {"kind": "progress", "session_date": "2026-11-20", "body": "MARKER-half-saved"}
    with connection.execute_wrapper(die_after_the_note):
        r = browser.post(reverse("clients:note_create", args=[solo_committed.pk]), data)
    assert inserted, "the first insert ran"
    assert r.status_code == 503
    assert Note.objects.count() == 0
    assert not AuditEvent.objects.filter(action=AuditAction.CREATE, target_type="clients.note").exists()


@pytest.fixture
def alice_committed(transactional_db):
    from tests.factories import TherapistFactory, give_totp

    therapist = TherapistFactory(user__email="alice@example.org")
    give_totp(therapist.user)
    return therapist


@pytest.fixture
def solo_committed(alice_committed):
    from tests.factories import ClientFactory

    return ClientFactory(primary_therapist=alice_committed)


# --- Logs -----------------------------------------------------------------------------------------


def test_one_warning_line_per_failed_request_and_no_traceback(quiet_client, alice, solo, caplog):
    quiet_client.force_login(alice.user)
    paths = ["/dashboard/", "/clients/?q=someone", reverse("clients:detail", args=[solo.pk])]
    with caplog.at_level(logging.INFO), database_down():
        responses = [quiet_client.get(path) for path in paths]
    assert [r.status_code for r in responses] == [503, 503, 503]

    outage = [rec for rec in caplog.records if rec.name == "practice.outage"]
    assert len(outage) == 3
    for record, response, path in zip(outage, responses, paths, strict=True):
        assert record.levelno == logging.WARNING
        assert record.getMessage() == (
            f"database unavailable: GET {path.split('?')[0]} request={response['X-Request-ID']} error=OperationalError"
        )
    assert not [rec for rec in caplog.records if rec.name.startswith("django.request")]
    assert not [rec for rec in caplog.records if rec.exc_info or rec.exc_text or rec.levelno >= logging.ERROR]
    assert "SECRET-STATEMENT-VALUE" not in caplog.text and "someone" not in caplog.text


def test_a_write_failing_in_the_view_is_logged_once_too(client, alice, solo, caplog):
    client.force_login(alice.user)

    def fail_on_insert(execute, sql, params, many, context):
        if is_insert_into(sql, "clients_note"):
            _refuse()
        return execute(sql, params, many, context)

    data = {"kind": "progress", "session_date": "2026-11-20", "body": "MARKER-log-once"}
    with caplog.at_level(logging.INFO), connection.execute_wrapper(fail_on_insert):
        r = client.post(reverse("clients:note_create", args=[solo.pk]), data)
    assert r.status_code == 503
    assert [rec.name for rec in caplog.records if rec.levelno >= logging.WARNING] == ["practice.outage"]
    assert "MARKER-log-once" not in caplog.text


# --- /healthz/ ------------------------------------------------------------------------------------


def test_healthz_names_the_database_when_it_is_down(client, db):
    with database_down():
        r = client.get("/healthz/")
    assert r.status_code == 503
    assert r.json() == {"database": "down", "cache": "ok", "broker": "ok", "status": "down: database"}


def test_healthz_names_the_cache_when_it_is_down(client, db, monkeypatch):
    from django.core.cache import cache

    def unreachable(*args, **kwargs):
        raise ConnectionError("cache at redis://:SECRET@cache:6379 refused")

    monkeypatch.setattr(cache, "set", unreachable)
    r = client.get("/healthz/")
    assert r.status_code == 503
    assert r.json() == {"database": "ok", "cache": "down", "broker": "ok", "status": "down: cache"}
    assert "SECRET" not in r.content.decode()


# --- Recovery -------------------------------------------------------------------------------------


def test_the_site_answers_again_once_the_database_is_back(quiet_client, alice):
    quiet_client.force_login(alice.user)
    with database_down():
        assert quiet_client.get("/dashboard/").status_code == 503
    assert quiet_client.get("/dashboard/").status_code == 200


def _wsgi_get(path: str) -> int:
    """A request through the real WSGI handler, which (unlike the test client) runs Django's
    close_old_connections at the start and end of every request, as the server does."""
    handler = WSGIHandler()
    statuses = []
    environ = RequestFactory().get(path).environ
    result = handler(environ, lambda status, headers, exc_info=None: statuses.append(status))
    result.close()  # request_finished
    return int(statuses[0].split()[0])


@pytest.mark.django_db(transaction=True)
def test_a_connection_broken_by_a_database_restart_is_not_reused(monkeypatch):
    """PostgreSQL keeps connections open between requests (CONN_MAX_AGE, 60 s in production): one
    the server dropped is noticed by the health check (CONN_HEALTH_CHECKS) and replaced before the
    next request uses it. SQLite closes its connection at the end of every request."""
    if connection.vendor == "postgresql":
        monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    connection.close()
    assert _wsgi_get("/healthz/") == 200
    if connection.vendor == "sqlite":
        assert connection.connection is None
        return
    broken = connection.connection
    assert broken is not None, "kept open between requests"
    broken.close()  # what a server restart does to the socket
    assert _wsgi_get("/healthz/") == 200
    assert connection.connection is not None and connection.connection is not broken


# --- Error pages ----------------------------------------------------------------------------------


def test_any_other_error_gets_the_500_page_in_the_products_look(quiet_client, alice, monkeypatch, settings):
    def broken(**kwargs):
        raise RuntimeError("a bug with SECRET-DETAIL")

    monkeypatch.setattr("frontdesk.selectors.dashboard", broken)
    quiet_client.force_login(alice.user)
    r = quiet_client.get("/dashboard/")
    body = r.content.decode()
    assert r.status_code == 500
    assert "Something went wrong" in body and settings.PRACTICE_NAME in body
    assert "css/practice.css" in body and 'class="navbar' in body
    assert "SECRET-DETAIL" not in body and "Traceback" not in body


def test_the_500_page_is_rendered_without_the_database(django_assert_num_queries, db):
    from practice.views import server_error

    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            response = server_error(request)
    assert response.status_code == 500 and "Something went wrong" in response.content.decode()


def test_the_404_page_stays_the_products_own(client, db):
    r = client.get("/no-such-page/")
    assert r.status_code == 404 and "Page not found" in r.content.decode()


def test_a_huge_post_gets_a_clear_413_page_not_a_500(client, alice, solo):
    client.force_login(alice.user)
    data = {"kind": "progress", "session_date": "2026-11-20", "body": "x" * (2 * 1024 * 1024)}
    r = client.post(reverse("clients:note_create", args=[solo.pk]), data)
    assert r.status_code == 413
    body = r.content.decode()
    assert "too large" in body and "nothing from it was saved" in body and "css/practice.css" in body
    assert Note.objects.count() == 0


# --- How much free text a box holds ---------------------------------------------------------------

LIMITED_FORM_MODULES = ["clients.forms", "clients.portal_forms", "referrals.forms", "resources.forms"]


def _text_boxes():
    import importlib
    import inspect

    from django import forms

    for module_name in LIMITED_FORM_MODULES:
        module = importlib.import_module(module_name)
        for name, form_class in inspect.getmembers(module, inspect.isclass):
            if issubclass(form_class, forms.BaseForm) and form_class.__module__ == module_name:
                for field_name, field in form_class.base_fields.items():
                    if isinstance(field.widget, forms.Textarea):
                        yield f"{name}.{field_name}", field


def test_every_free_text_box_has_a_limit_shown_next_to_it():
    from practice.forms_support import TextLimit

    boxes = dict(_text_boxes())
    assert len(boxes) >= 25 and "NoteForm.body" in boxes and "IntakeForm.sexual_history" in boxes
    for name, field in boxes.items():
        limits = [v.limit for v in field.validators if isinstance(v, TextLimit)]
        assert len(limits) == 1, name
        assert field.widget.attrs["maxlength"] == str(limits[0]), name
        assert f"Up to {limits[0]:,} characters." in str(field.help_text), name


def test_the_limits_are_the_stated_ones():
    from clients.forms import AddendumForm, GoalForm, NoteForm
    from clients.portal_forms import IntakeForm
    from referrals.forms import ReferralForm

    assert NoteForm.base_fields["body"].max_length == 50_000
    assert AddendumForm.base_fields["body"].max_length == 50_000
    assert IntakeForm.base_fields["hopes"].max_length == 5_000
    assert GoalForm.base_fields["text"].max_length == 1_000
    assert ReferralForm.base_fields["reason"].max_length == 4_000


def test_an_over_long_note_is_refused_next_to_the_box_and_the_rest_is_kept(client, alice, solo):
    client.force_login(alice.user)
    data = {"kind": "progress", "session_date": "2026-11-20", "body": "MARKER-long " + "x" * 50_000}
    r = client.post(reverse("clients:note_create", args=[solo.pk]), data)
    body = r.content.decode()
    assert r.status_code == 400
    assert "This box holds up to 50,000 characters and this text has 50,012." in body
    assert "MARKER-long" in body and 'value="2026-11-20"' in body  # nothing typed is lost
    assert 'maxlength="50000"' in body and "Up to 50,000 characters." in body
    assert Note.objects.count() == 0


def test_a_note_at_the_limit_is_saved_whole(client, alice, solo):
    client.force_login(alice.user)
    text = "é" * 50_000
    data = {"kind": "progress", "session_date": "2026-11-20", "body": text}
    assert client.post(reverse("clients:note_create", args=[solo.pk]), data).status_code == 302
    assert Note.objects.get().body == text


def test_an_over_long_intake_answer_is_refused_and_the_other_answers_kept(client, alice):
    from tests.factories import couple, portal_user_for

    member = couple(alice).members.get(position=1)
    portal_user_for(member)
    client.force_login(member.user)
    data = {"action": "draft", "hopes": "MARKER-hopes-kept", "medications": "m" * 5_001}
    r = client.post(reverse("portal:intake"), data)
    body = r.content.decode()
    assert r.status_code == 400
    assert "This box holds up to 5,000 characters and this text has 5,001." in body
    assert "MARKER-hopes-kept" in body and "m" * 5_001 in body
    assert not IntakeResponse.objects.filter(member=member).exists()


def test_an_over_long_referral_reason_is_refused_and_the_form_kept(client, db):
    from referrals.models import Referral
    from tests.referrals.conftest import form_data

    r = client.post("/refer/", form_data(reason="r" * 4_001))
    body = r.content.decode()
    assert r.status_code == 400
    assert "This box holds up to 4,000 characters and this text has 4,001." in body
    assert "Zebedee" in body and "ada.stone@clinic.example" in body
    assert Referral.objects.count() == 0
