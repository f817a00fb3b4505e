"""Logs carry no confidential text. Every kind of record is made with a marker string in each encrypted
field; then model instances are logged (`%s` and `%r`), exceptions built from records are logged with
their tracebacks, and views that log 404s and refused posts are run. All output, through the project's
configured console handler (its formatter and its filters) and through caplog at DEBUG on the root
logger, is searched for the markers: none may appear.
"""

import io
import logging
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from clients import services as client_services
from clients.models import Addendum, Consent, Goal, IntakeResponse, Member, Note
from practice.crypto import DecryptionError, decrypt_str
from referrals import services as referral_services
from referrals.models import ReferralEvent
from resources import services as resource_services
from resources.models import Feedback, StepProgress
from tests.factories import ClientFactory, MemberFactory, ReferralFactory, ResourceFactory, portal_user_for, programme

MARK = "ZQXMARK"  # every marker starts with this, so one search finds them all


def m(field: str) -> str:
    return f"{MARK}-{field}"


@pytest.fixture
def output(caplog):
    """Everything logged from now on, as the configured console handler would write it."""
    configured = next(
        (h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler and h.formatter),
        None,
    )
    assert configured is not None, "the project's console handler is not configured on the root logger"
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(configured.formatter)
    for f in configured.filters:
        handler.addFilter(f)
    root = logging.getLogger()
    root.addHandler(handler)
    caplog.set_level(logging.DEBUG)
    yield lambda: buffer.getvalue() + "\n" + caplog.text + "\n" + "\n".join(str(r.__dict__) for r in caplog.records)
    root.removeHandler(handler)


@pytest.fixture
def records(alice):
    unit = ClientFactory(primary_therapist=alice, with_members=False)
    member = MemberFactory(
        client=unit,
        first_name=m("first"),
        last_name=m("last"),
        preferred_name=m("preferred"),
        pronouns=m("pronouns"),
        email="zqxmark-email@example.net",
        phone="+44 7700 900999",
        address=m("address"),
        emergency_contact=m("emergency"),
        gender_identity=m("gender"),
        sexual_orientation=m("orientation"),
        date_of_birth=date(1980, 1, 2),
    )
    portal_user_for(member)
    intake = IntakeResponse.objects.create(
        member=member,
        status="draft",
        concerns=m("concerns"),
        concerns_in_own_words=m("own-words"),
        hopes=m("hopes"),
        relationship_history=m("relationships"),
        sexual_history=m("sexual-history"),
        medical_conditions=m("medical"),
        medications=m("medications"),
        prior_therapy=m("prior"),
        risk_self_harm="no",
        risk_harm_to_others="no",
        risk_unsafe_at_home="no",
        risk_details=m("risk"),
    )
    goal = Goal.objects.create(client=unit, text=m("goal"), created_by=alice)
    note = Note.objects.create(client=unit, author=alice, body=m("note"))
    addendum = Addendum.objects.create(note=note, author=alice, body=m("addendum"))
    consent = Consent.objects.create(client=unit, member=member, kind="treatment", recorded_by=alice.user)
    referral = ReferralFactory(
        kind="couple",
        first_name=m("ref-first"),
        last_name=m("ref-last"),
        email="zqxmark-ref@example.net",
        phone="+44 7700 900888",
        partner_first_name=m("ref-partner-first"),
        partner_last_name=m("ref-partner-last"),
        partner_email="zqxmark-partner@example.net",
        contact_notes=m("contact-notes"),
        reason=m("reason"),
        decision_note=m("decision"),
    )
    event = ReferralEvent.objects.create(referral=referral, action="contacted", by=alice.user, note=m("event"))
    reading = ResourceFactory(title="Reading")
    staged = programme(2)
    assignment = resource_services.assignment_create(client=unit, resource=reading, by=alice.user, member=member)
    staged_assignment = resource_services.assignment_create(client=unit, resource=staged, by=alice.user, member=member)
    assignment.note = m("assignment-note")
    assignment.save(update_fields=["note"])
    progress = resource_services.progress_save(
        assignment=staged_assignment, member=member, by=member.user, step=staged.steps.first(), log=m("log")
    )
    feedback = resource_services.feedback_add(assignment=assignment, by=alice.user, body=m("feedback"))
    return {
        "unit": unit,
        "member": member,
        "intake": intake,
        "goal": goal,
        "note": note,
        "addendum": addendum,
        "consent": consent,
        "referral": referral,
        "event": event,
        "assignment": assignment,
        "progress": progress if isinstance(progress, StepProgress) else StepProgress.objects.first(),
        "feedback": feedback if isinstance(feedback, Feedback) else Feedback.objects.first(),
        "alice": alice,
    }


def test_the_markers_are_really_stored(records):
    """The fixture is not vacuous: the records hold the markers (decrypted on read)."""
    assert records["member"].first_name.startswith(MARK) and records["intake"].hopes.startswith(MARK)
    assert records["progress"].log.startswith(MARK) and records["feedback"].body.startswith(MARK)


def test_logging_model_instances_shows_no_marker(records, output):
    log = logging.getLogger("x")
    for obj in records.values():
        log.warning("%s %r", obj, obj)
        log.debug("as a list: %s", [obj])
        log.info("as a dict: %r", {"obj": obj})
    assert records["member"].first_name in str(records["member"].__dict__)  # the data is there to leak...
    text = output()
    assert "Member" in text
    assert MARK not in text and "zqxmark" not in text.lower()  # ...and did not


def test_exceptions_built_from_records_show_no_marker(records, output):
    log = logging.getLogger("x")
    member, alice = records["member"], records["alice"]
    attempts = [
        lambda: client_services.member_update(member=member, by=alice.user, email=m("not-an-email")),
        lambda: client_services.member_update(member=member, by=alice.user, phone=m("phone") * 10),
        lambda: client_services.goal_create(client=records["unit"], by=alice.user, text=""),
        lambda: client_services.goal_update(goal=records["goal"], by=alice.user, text=m("goal") * 1000, status="x"),
        lambda: client_services.intake_save(member=member, by=member.user, submit=True, risk_self_harm="x"),
        lambda: referral_services.referral_decline(referral=records["referral"], by=alice.user, reason=m("r") * 999),
        lambda: referral_services.referral_refer_on(referral=records["referral"], by=alice.user, note=""),
    ]
    # A choice field's "Value 'x' is not a valid choice." repeats the rejected input (Django's message):
    # that input is never stored, and no real answer is ever outside the choices, so the choice
    # attempts above pass a non-marker value. Stored text (the markers) must never appear.
    raised = 0
    for attempt in attempts:
        try:
            attempt()
        except (ValidationError, ValueError, TypeError) as exc:
            raised += 1
            log.warning("refused: %s %r", exc, exc)
            log.exception("with traceback")
    assert raised >= 5
    text = output()
    assert "refused" in text and MARK not in text


def test_an_undecryptable_value_raises_without_text(records, output):
    with connection.cursor() as cursor:
        table = Member._meta.db_table
        cursor.execute(f"UPDATE {table} SET first_name = %s WHERE id = %s", [m("garbage"), records["member"].pk])  # noqa: S608
    try:
        decrypt_str(m("not-a-token"))
    except DecryptionError:
        logging.getLogger("x").exception("decrypt failed")
    try:
        Member.objects.get(pk=records["member"].pk)
    except Exception:  # whatever the field library raises, its text must be clean
        logging.getLogger("x").exception("load failed")
    text = output()
    assert "decrypt failed" in text
    # The stored garbage is not confidential (it is what a dump holds), but the error must not
    # repeat the value it could not read, nor anything else about the member.
    assert m("not-a-token") not in text and m("first") not in text


def test_views_that_log_404s_and_refusals_show_no_marker(client, records, charlie, output):
    unit, member, note = records["unit"], records["member"], records["note"]
    client.force_login(charlie.user)
    for url in (
        reverse("clients:detail", args=[unit.pk]),
        reverse("clients:note", args=[note.pk]),
        reverse("clients:intake", args=[unit.pk, member.pk]),
        reverse("resources:assignment", args=[records["assignment"].pk]),
    ):
        assert client.get(url).status_code == 404
        client.post(url, {"body": m("posted"), "text": m("posted")})
    client.post(reverse("referrals:decline", args=[records["referral"].pk]), {"decline-reason": m("x") * 999})
    client.force_login(member.user)
    client.post(reverse("portal:intake"), {"hopes": m("posted") + "\x00", "action": "submit"})
    client.post(reverse("portal:profile"), {"email": m("posted"), "preferred_name": m("posted")})
    client.logout()
    client.post("/refer/", {"first_name": m("posted"), "reason": m("posted")})
    text = output()
    assert "Not Found" in text
    assert MARK not in text
