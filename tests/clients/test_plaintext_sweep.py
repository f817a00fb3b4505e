"""Every encrypted field of every clinical record: the marker must not appear in the raw database.

On SQLite the whole database is read as bytes (`serialize()` gives the file image of the in-memory
test database); on PostgreSQL every table is read with SQL.
"""

import datetime

from django.db import connection

from billing import services as billing
from billing.models import BillingParty, Service
from clients import services
from clients.models import Addendum, Consent, IntakeResponse, Note, RiskAlert
from practice.drafts import draft_save
from practice.fields import encrypted_fields
from tests.factories import couple

MARKER = "ZQXMARKER"
BIRTHDAY = datetime.date(1917, 3, 14)


def raw_database_text() -> str:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return connection.connection.serialize().decode("latin-1")
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def fill(instance, index: int) -> None:
    """Put the marker (or the marker date) into every encrypted field of `instance`."""
    for field in encrypted_fields(type(instance)):
        if field.get_internal_type() == "DateField" or field.name == "date_of_birth":
            value = BIRTHDAY
        elif field.name == "email":
            value = f"{MARKER.lower()}{index}@example.net"
        elif field.choices:
            value = field.choices[-1][0]
        else:
            value = f"{MARKER}-{field.name}-{index}"[: field.max_length or 200]
        setattr(instance, field.name, value)


def test_no_marker_reaches_the_raw_database(alice):
    unit = couple(alice)
    for index, member in enumerate(unit.members.all()):
        fill(member, index)
        member.save()
        services._refresh_search_tokens(member)
        intake = IntakeResponse(member=member)
        fill(intake, index)
        intake.save()
    note = Note(client=unit, author=alice)
    fill(note, 0)
    note.save()
    addendum = Addendum(note=note, author=alice)
    fill(addendum, 0)
    addendum.save()
    goal = services.goal_create(client=unit, by=alice.user, text=f"{MARKER}-goal")
    # A draft of a note (practice/drafts.py): the words typed before the note itself was saved.
    draft_save(user=alice.user, key=f"clients.note:{note.pk}", fields={"body": [f"{MARKER}-draft"]}, return_path="/")
    Consent.objects.create(client=unit, member=unit.members.first(), kind="treatment", recorded_by=alice.user)
    alert = RiskAlert(client=unit, member=unit.members.first(), source="intake", source_id="1")
    fill(alert, 0)
    alert.save()
    from documents.models import DocumentTemplate, Signature

    signature = Signature(
        version=DocumentTemplate.objects.get(kind="release").versions.first(),
        client=unit,
        member=unit.members.first(),
        recorded_by=alice.user,
        referrer_id=1,
    )
    fill(signature, 0)
    signature.save()
    # Billing: a third-party payer's name and address, and the reasons on the ledger's trail.
    party = BillingParty(client=unit, kind="third_party")
    fill(party, 0)
    party.save()
    fee, _ = Service.objects.get_or_create(code="WORKSHOP", defaults={"name": "Workshop", "default_fee": 60})
    today = datetime.date.today()
    charges = [billing.charge_create(client=unit, service=fee, on=today, by=alice.user) for _ in range(2)]
    billing.charge_void(charge=charges[0], reason=f"{MARKER}-void", by=alice.user)
    billing.write_off_record(charge=charges[1], amount=5, written_off_on=today, reason=f"{MARKER}-wo", by=alice.user)
    billing.payment_record(
        client=unit, amount=100, method="cash", received_on=today, keep_as_credit=True, by=alice.user
    )
    billing.refund_record(client=unit, amount=10, method="cash", refunded_on=today, reason=f"{MARKER}-r", by=alice.user)
    # An invoice keeps who it was billed to (the third party's name and address) and why it was voided.
    invoice = billing.invoice_issue(client=unit, by=alice.user, charges=[charges[1]])
    billing.invoice_void(invoice=invoice, reason=f"{MARKER}-invoice-void", by=alice.user)
    # Superbills and estimates: a member's diagnosis codes (clinical), a therapist's tax id, an
    # estimate's lines (the services a client is expected to receive).
    from billing import superbill_services
    from billing.models import GoodFaithEstimate, MemberDiagnosis, TherapistBillingProfile

    member = unit.members.first()
    code = "F52.21"  # a real code: choices refuse a marker, so this exact string must not be readable
    superbill_services.diagnosis_add(member=member, code=code, by=alice.user)
    superbill_services.superbill_issue(member=member, period_start=today, period_end=today, by=alice.user)
    profile = TherapistBillingProfile(therapist=alice)
    fill(profile, 0)
    profile.save()
    estimate = GoodFaithEstimate(
        client=unit,
        member=member,
        period_start=today,
        period_end=today,
        total=10,
        issued_on=today,
        issued_by=alice.user,
    )
    fill(estimate, 0)
    estimate.save()
    assert {f.name for f in encrypted_fields(MemberDiagnosis)} == {"code"}
    # Telehealth: where a member said they were when joining a video session.
    from sessions_app.models import Appointment, Attendance

    now = datetime.datetime.now(datetime.UTC)
    session = Appointment.objects.create(
        therapist=alice,
        client=unit,
        start=now,
        end=now + datetime.timedelta(hours=1),
        modality="video",
        booked_by=alice.user,
    )
    attendance = Attendance(appointment=session, member=member, start=session.start, end=session.end)
    fill(attendance, 0)
    attendance.save()
    assert {f.name for f in encrypted_fields(Attendance)} == {"location"}

    # Measures: answers and scores (encrypted JSON), from a real submission and from the marker.
    from measures import services as measures
    from measures.models import MeasureResponse

    measured = unit.members.first()
    submitted, _score = measures.response_administer(
        member=measured, instrument="csi4", by=alice.user, answers={"1": 1, "2": 0, "3": 2, "4": 1}
    )
    assert {f.name for f in encrypted_fields(MeasureResponse)} == {"answers", "score"}
    marked = MeasureResponse(client=unit, member=measured, instrument="csi4", entered_by=alice.user)
    fill(marked, 0)
    marked.save()
    # Messages: the text of every kind of thread, and an attachment's original file name.
    from django.core.files.uploadedfile import SimpleUploadedFile

    from messaging import access as messaging_access
    from messaging import services as messaging
    from messaging.models import Attachment, Message
    from tests.factories import portal_user_for

    portal_user_for(member)
    for channel in ("private", "joint", "admin"):
        messaging.message_send(
            channel=messaging_access.get_portal_channel(member.user, channel),
            by=member.user,
            body=f"{MARKER}-message-{channel}",
            upload=SimpleUploadedFile(f"{MARKER}-scan.pdf", b"%PDF-1.4", content_type="application/pdf"),
        )
    assert {f.name for f in encrypted_fields(Message)} == {"body"}
    assert {f.name for f in encrypted_fields(Attachment)} == {"filename"}

    raw = raw_database_text()
    assert submitted.answers not in raw and "Notable relationship dissatisfaction" not in raw
    assert unit.reference in raw  # plain columns are readable here, so the sweep can see a leak
    assert goal.pk and "gAAAA" in raw  # the rows are there, as Fernet tokens
    assert MARKER not in raw and MARKER.lower() not in raw
    assert BIRTHDAY.isoformat() not in raw
    assert code not in raw
