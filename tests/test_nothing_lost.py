"""No typed work is lost: drafts kept encrypted on the server, the idle warning, and a POST that
arrives after the idle sign-out kept and offered back after sign-in (practice/drafts.py,
practice/session_security.py, static/js/drafts.js).

The clock is set before anyone signs in, as in tests/practice/test_session_security.py.

And further down: no work is lost: a database outage, the error pages, and the length of free text.

The database is made unreachable the way a stopped server is: every attempt to use the connection
raises the driver's own OperationalError, wrapped by Django exactly as a refused connection is.
That works the same on SQLite and PostgreSQL.
"""

import logging
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client as Browser
from django.test import RequestFactory
from django.urls import reverse

from clients.models import IntakeResponse, Note
from practice import crypto, drafts
from practice.middleware import UNAVAILABLE_TEXT
from practice.models import AuditAction, AuditEvent, Draft
from practice.tasks import drafts_purge
from resources import services as resource_services
from resources.models import StepProgress
from tests.factories import PASSWORD, ClientFactory, couple, portal_user_for, programme

LOGIN = "/accounts/login/"
START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
MARKER = "ZQXKEPTWORDS"
SAVE = "/drafts/save/"
KEEPALIVE = "/session/keepalive/"
STATUS = "/session/status/"


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def note_fields(body: str) -> dict:
    return {"kind": "progress", "session_date": "2027-03-01", "body": body}


def raw_draft_column() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM practice_draft")
        return "\n".join(str(row[0]) for row in cursor.fetchall())


def audited(action: str) -> int:
    return AuditEvent.objects.filter(action=action, target_type="practice.draft").count()


def sign_in_fully(browser: Browser, therapist, next_url: str):
    """Password, then the TOTP code, as a person does; returns the page the second step lands on."""
    from devdata.demo import current_code

    browser.post(f"{LOGIN}?next={next_url}", {"login": therapist.user.email, "password": PASSWORD})
    return browser.post("/accounts/2fa/authenticate/", {"code": current_code(therapist.totp_secret)})


# --- A note POSTed after the idle sign-out --------------------------------------------------------


def test_a_note_posted_after_the_idle_sign_out_is_kept_and_given_back_after_sign_in(client, clock, alice, solo):
    page = reverse("clients:note_create", args=[solo.pk])
    client.force_login(alice.user)
    assert f'data-draft-key="clients.note_new:{solo.pk}"' in client.get(page).content.decode()
    clock.shift(timedelta(minutes=16))

    r = client.post(page, note_fields(f"{MARKER} a long note"))
    assert r.status_code == 302 and r.url == f"{LOGIN}?next={page}"
    assert "_auth_user_id" not in client.session
    assert not Note.objects.exists()
    draft = Draft.objects.get()
    assert (draft.user, draft.kind, draft.return_path) == (alice.user, Draft.Kind.KEPT_POST, page)
    assert MARKER not in raw_draft_column() and MARKER in draft.data
    assert audited(AuditAction.DRAFT_KEPT) == 1

    signed_out = client.get(r.url).content.decode()
    assert "You were signed out after 15 minutes without activity. What you were writing was kept" in signed_out
    assert sign_in_fully(client, alice, page).url == page
    form = client.get(page).content.decode()
    assert f"{MARKER} a long note" in form
    assert "We kept what you were writing when you were signed out. Check it and save." in form
    assert audited(AuditAction.DRAFT_RESTORED) == 1


def test_another_user_signing_in_on_the_same_browser_gets_nothing(client, clock, alice, charlie, solo):
    solo.co_therapists.add(charlie)  # charlie may write notes for this client too
    page = reverse("clients:note_create", args=[solo.pk])
    client.force_login(alice.user)
    client.get(page)
    clock.shift(timedelta(minutes=16))
    client.post(page, note_fields(MARKER))

    client.force_login(charlie.user)
    form = client.get(page).content.decode()
    assert form.count("<form") >= 2 and MARKER not in form and "We kept" not in form
    assert Draft.objects.get().user == alice.user


def test_editing_a_note_and_an_addendum_are_kept_too(client, clock, alice, solo):
    note = Note.objects.create(client=solo, author=alice, body="first words")
    signed = Note.objects.create(client=solo, author=alice, body="signed", signed_at=START)
    client.force_login(alice.user)
    client.get("/")
    clock.shift(timedelta(minutes=16))
    edit = reverse("clients:note_edit", args=[note.pk])
    assert client.post(edit, note_fields(f"{MARKER} edited")).url == f"{LOGIN}?next={edit}"

    client.force_login(alice.user)
    client.get("/")
    clock.shift(timedelta(minutes=16))
    detail = reverse("clients:note", args=[signed.pk])
    r = client.post(reverse("clients:addendum_add", args=[signed.pk]), {"body": f"{MARKER} addendum"})
    assert r.url == f"{LOGIN}?next={detail}"

    client.force_login(alice.user)
    note.refresh_from_db()
    assert note.body == "first words" and not signed.addenda.exists()
    assert f"{MARKER} edited" in client.get(edit).content.decode()
    assert f"{MARKER} addendum" in client.get(detail).content.decode()


def test_a_post_from_another_site_after_the_sign_out_keeps_nothing(clock, alice, solo):
    browser = Browser(enforce_csrf_checks=True)
    browser.force_login(alice.user)
    browser.get("/")
    clock.shift(timedelta(minutes=16))
    r = browser.post(reverse("clients:note_create", args=[solo.pk]), note_fields(MARKER))  # no CSRF token
    assert r.status_code == 302 and r.url == LOGIN
    assert not Draft.objects.exists()


def test_a_post_naming_a_record_the_person_may_not_write_keeps_nothing(client, clock, alice, charlie):
    theirs = ClientFactory(primary_therapist=charlie)
    client.force_login(alice.user)
    client.get("/")
    clock.shift(timedelta(minutes=16))
    r = client.post(reverse("clients:note_create", args=[theirs.pk]), note_fields(MARKER))
    assert r.status_code == 302 and r.url == LOGIN
    assert not Draft.objects.exists()


def test_kept_text_never_reaches_the_log(client, clock, alice, solo, caplog):
    client.force_login(alice.user)
    client.get("/")
    clock.shift(timedelta(minutes=16))
    connection.force_debug_cursor = True  # every SQL statement logged, with its values
    try:
        with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="django.db.backends"):
            client.post(reverse("clients:note_create", args=[solo.pk]), note_fields(MARKER))
            client.force_login(alice.user)
            client.get(reverse("clients:note_create", args=[solo.pk]))
    finally:
        connection.force_debug_cursor = False
    assert Draft.objects.exists() and "practice_draft" in caplog.text  # the writes were logged
    assert MARKER not in caplog.text


# --- The autosave endpoint ------------------------------------------------------------------------


def test_the_autosave_stores_ciphertext_only(client, alice, solo):
    client.force_login(alice.user)
    key = f"clients.note_new:{solo.pk}"
    r = client.post(SAVE, {"draft_key": key, **note_fields(MARKER), "csrfmiddlewaretoken": "x", "other": MARKER})
    assert r.status_code == 200 and r.json()["saved_at"] and r.json()["idle_seconds_left"] > 0

    raw = raw_draft_column()
    assert raw.startswith("gAAAA") and MARKER not in raw
    kept = crypto.decrypt_str(raw)
    assert MARKER in kept and "other" not in kept and "csrfmiddlewaretoken" not in kept  # registered fields only
    draft = Draft.objects.get()
    assert (draft.user, draft.key, draft.kind) == (alice.user, key, Draft.Kind.AUTOSAVE)
    assert draft.expires_at == draft.updated_at + timedelta(days=7)


def test_the_autosave_refuses_get_and_needs_sign_in(client, alice, solo):
    key = f"clients.note_new:{solo.pk}"
    r = client.post(SAVE, {"draft_key": key, "body": MARKER})
    assert r.status_code == 302 and r.url.startswith(LOGIN)
    client.force_login(alice.user)
    assert client.get(SAVE).status_code == 405
    assert not Draft.objects.exists()


@pytest.mark.parametrize(
    "which", ["charlies_client", "charlies_note", "other_partners_intake", "unknown", "malformed", "missing"]
)
def test_the_autosave_refuses_a_key_it_may_not_write_and_stores_nothing(client, alice, charlie, which):
    theirs = ClientFactory(primary_therapist=charlie)
    pair = couple(alice)
    partner_a, partner_b = pair.members.order_by("position")
    portal_user_for(partner_a)
    keys = {
        "charlies_client": f"clients.note_new:{theirs.pk}",
        "charlies_note": f"clients.note:{Note.objects.create(client=theirs, author=charlie, body='n').pk}",
        "other_partners_intake": f"clients.intake:{partner_b.pk}",
        "unknown": "nothing.here:1",
        "malformed": "clients.note_new:abc",
        "missing": "",
    }
    client.force_login(partner_a.user if which == "other_partners_intake" else alice.user)
    r = client.post(SAVE, {"draft_key": keys[which], "body": MARKER, "hopes": MARKER})
    assert r.status_code == 404
    assert not Draft.objects.exists()


def test_the_autosave_refuses_a_signed_note_and_a_sent_questionnaire(client, alice, solo):
    signed = Note.objects.create(client=solo, author=alice, body="n", signed_at=START)
    client.force_login(alice.user)
    assert client.post(SAVE, {"draft_key": f"clients.note:{signed.pk}", "body": MARKER}).status_code == 404
    member = solo.members.get()
    portal_user_for(member)
    IntakeResponse.objects.create(member=member, status="submitted")
    client.force_login(member.user)
    assert client.post(SAVE, {"draft_key": f"clients.intake:{member.pk}", "hopes": MARKER}).status_code == 404
    assert not Draft.objects.exists()


def test_a_draft_that_is_too_long_is_refused_with_a_message(client, alice, solo):
    client.force_login(alice.user)
    r = client.post(SAVE, {"draft_key": f"clients.note_new:{solo.pk}", "body": "x" * (drafts.MAX_CHARS + 1)})
    assert r.status_code == 400 and "too long" in r.json()["error"]
    assert not Draft.objects.exists()


def test_an_autosave_given_back_on_the_page_and_discarded_by_a_successful_save(client, alice, solo):
    page = reverse("clients:note_create", args=[solo.pk])
    client.force_login(alice.user)
    client.post(SAVE, {"draft_key": f"clients.note_new:{solo.pk}", **note_fields(f"{MARKER} typing")})
    form = client.get(page).content.decode()
    assert f"{MARKER} typing" in form and "not saved yet" in form

    r = client.post(page, note_fields("the final note"))
    assert r.status_code == 302 and Note.objects.get().body == "the final note"
    assert not Draft.objects.exists()
    assert MARKER not in client.get(page).content.decode()


def test_discarding_a_draft_shows_what_is_saved(client, alice, solo):
    note = Note.objects.create(client=solo, author=alice, body="stored words")
    client.force_login(alice.user)
    key = f"clients.note:{note.pk}"
    client.post(SAVE, {"draft_key": key, **note_fields(MARKER)})
    r = client.post(reverse("practice:draft_discard"), {"draft_key": key})
    assert r.status_code == 302 and r.url == reverse("clients:note_edit", args=[note.pk])
    assert not Draft.objects.exists()
    assert "stored words" in client.get(r.url).content.decode()


def test_only_the_owner_reads_a_draft(alice, charlie, solo):
    key = f"clients.note_new:{solo.pk}"
    drafts.draft_save(user=alice.user, key=key, fields={"body": [MARKER]}, return_path="/")
    assert drafts.draft_for(user=charlie.user, key=key) is None
    assert MARKER in drafts.draft_for(user=alice.user, key=key).data


def test_expired_drafts_are_purged(alice, solo, clock):
    drafts.draft_save(user=alice.user, key=f"clients.note_new:{solo.pk}", fields={"body": ["a"]}, return_path="/")
    clock.shift(timedelta(days=5))
    fresh, _ = drafts.draft_save(user=alice.user, key="clients.note:1", fields={"body": ["b"]}, return_path="/")
    drafts.draft_save(
        user=alice.user, key="clients.note:2", fields={"body": ["c"]}, return_path="/", kind=Draft.Kind.KEPT_POST
    )
    clock.shift(timedelta(days=3))  # 8 days after the first, 3 after the kept one, 3 after the fresh one
    assert drafts.draft_for(user=alice.user, key=f"clients.note_new:{solo.pk}") is None
    assert drafts_purge.delay().get() == 2
    assert list(Draft.objects.all()) == [fresh]


def test_the_purge_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["drafts-purge"]
    assert entry["task"] == "practice.tasks.drafts_purge" and entry["schedule"] <= 3600


# --- The idle clock: keep-alive, status, what counts as activity ----------------------------------


def test_the_keepalive_resets_the_idle_clock_to_the_second(client, clock, alice):
    client.force_login(alice.user)
    clock.shift(timedelta(minutes=14, seconds=30))
    assert client.get(reverse("dashboard")).status_code == 200  # stamped at 14:30
    clock.shift(timedelta(seconds=59))  # within the stamp's resolution: a page would not restamp
    r = client.post(KEEPALIVE)
    assert r.status_code == 200 and r.json()["idle_seconds_left"] == 15 * 60
    clock.shift(timedelta(minutes=14, seconds=30))  # 15:29 after the page, 14:30 after the keep-alive
    assert client.get(reverse("dashboard")).status_code == 200


def test_the_keepalive_is_post_only_and_needs_sign_in(client, alice):
    assert client.post(KEEPALIVE).url.startswith(LOGIN)
    client.force_login(alice.user)
    assert client.get(KEEPALIVE).status_code == 405


def test_a_page_left_open_still_times_out(client, clock, alice, solo):
    client.force_login(alice.user)
    key = f"clients.note_new:{solo.pk}"
    client.post(SAVE, {"draft_key": key, "body": "typed"})  # changed text: activity
    for _ in range(2):  # the script asking how long is left, and re-sending the same text: not activity
        clock.shift(timedelta(minutes=5))
        assert client.get(STATUS).status_code == 200
        assert client.post(SAVE, {"draft_key": key, "body": "typed"}).status_code == 200
    assert client.get(STATUS).json() == {"idle_seconds_left": 300}
    clock.shift(timedelta(minutes=5))
    assert client.get(reverse("dashboard")).status_code == 302


def test_typing_in_a_note_keeps_the_session_alive(client, clock, alice, solo):
    client.force_login(alice.user)
    for minute in range(4):  # 40 minutes of writing, an autosave with new text every ten
        clock.shift(timedelta(minutes=10))
        r = client.post(SAVE, {"draft_key": f"clients.note_new:{solo.pk}", "body": f"words {minute}"})
        assert r.status_code == 200
    assert client.get(reverse("dashboard")).status_code == 200


def test_the_pages_carry_the_idle_clock_for_the_warning(client, clock, alice, client_user):
    client.force_login(alice.user)
    page = client.get(reverse("dashboard")).content.decode()
    assert 'data-idle-minutes="15"' in page and 'data-idle-seconds-left="900"' in page
    assert 'data-keepalive-url="/session/keepalive/"' in page and "js/drafts" in page
    assert "You will be signed out in 2 minutes for your privacy" in page and "Stay signed in" in page
    clock.shift(timedelta(minutes=5))
    assert client.get(STATUS).json() == {"idle_seconds_left": 600}
    client.force_login(client_user)
    assert 'data-idle-minutes="30"' in client.get(reverse("usersessions_list")).content.decode()


def test_an_autosave_arriving_after_the_sign_out_is_kept(client, clock, alice, solo):
    client.force_login(alice.user)
    client.get("/")
    clock.shift(timedelta(minutes=16))
    r = client.post(SAVE, {"draft_key": f"clients.note_new:{solo.pk}", **note_fields(MARKER)})
    assert r.status_code == 302 and r.url == f"{LOGIN}?next=" + reverse("clients:note_create", args=[solo.pk])
    assert Draft.objects.get().kind == Draft.Kind.KEPT_POST


# --- The portal: the questionnaire, a log, a reflection --------------------------------------------


@pytest.fixture
def partners(alice):
    unit = couple(alice)
    partner_a, partner_b = unit.members.order_by("position")
    portal_user_for(partner_a)
    portal_user_for(partner_b)
    return partner_a, partner_b


def test_the_questionnaire_posted_after_the_sign_out_is_kept_for_that_partner_only(client, clock, partners):
    partner_a, partner_b = partners
    page = reverse("portal:intake")
    client.force_login(partner_a.user)
    client.get(page)
    clock.shift(timedelta(minutes=31))
    r = client.post(page, {"hopes": f"{MARKER} hopes", "concerns": [], "action": "submit"})
    assert r.status_code == 302 and r.url == f"{LOGIN}?next={page}"
    assert not IntakeResponse.objects.exists()
    assert MARKER not in raw_draft_column()

    client.force_login(partner_b.user)
    assert MARKER not in client.get(page).content.decode()
    client.force_login(partner_a.user)
    form = client.get(page).content.decode()
    assert f"{MARKER} hopes" in form and "We kept what you were writing" in form
    assert f'data-draft-key="clients.intake:{partner_a.pk}"' in form

    assert client.post(page, {"hopes": "saved", "action": "draft"}).status_code == 302
    assert IntakeResponse.objects.get(member=partner_a).hopes == "saved" and not Draft.objects.exists()


def test_a_stage_log_posted_after_the_sign_out_is_kept(client, clock, alice, partners):
    partner_a, _partner_b = partners
    staged = programme(2)
    assignment = resource_services.assignment_create(client=partner_a.client, resource=staged, by=alice.user)
    step = staged.steps.order_by("order").first()
    page = reverse("portal:assignment", args=[assignment.pk])
    client.force_login(partner_a.user)
    client.get(page)
    clock.shift(timedelta(minutes=31))
    r = client.post(reverse("portal:step_progress", args=[assignment.pk, step.pk]), {"log": f"{MARKER} stage"})
    assert r.status_code == 302 and r.url == f"{LOGIN}?next={page}"
    assert not StepProgress.objects.exists()

    client.force_login(partner_a.user)
    assert f"{MARKER} stage" in client.get(page).content.decode()


def test_a_reflection_posted_after_the_sign_out_is_kept_and_saving_it_discards_it(client, clock, alice, partners):
    partner_a, _partner_b = partners
    reading = resource_services.assignment_create(client=partner_a.client, resource=programme(0), by=alice.user)
    page = reverse("portal:assignment", args=[reading.pk])
    client.force_login(partner_a.user)
    client.get(page)
    clock.shift(timedelta(minutes=31))
    assert client.post(reverse("portal:progress", args=[reading.pk]), {"log": MARKER}).url == f"{LOGIN}?next={page}"

    client.force_login(partner_a.user)
    shown = client.get(page).content.decode()
    assert MARKER in shown and f'data-draft-key="resources.progress:{reading.pk}"' in shown
    assert client.post(reverse("portal:progress", args=[reading.pk]), {"log": "my reflection"}).status_code == 302
    assert StepProgress.objects.get().log == "my reflection" and not Draft.objects.exists()


# === A database outage, the error pages, and the length of free text ===============================


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
    return Browser(raise_request_exception=False)


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
    browser = Browser()
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
