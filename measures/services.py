"""Writes: assign an instrument, end an assignment, submit answers (portal or in session), upload a definition.

Every write is one transaction and audited. Submitting scores the answers with the instrument's own
rules (measures/definitions.py) and, when a risk item is answered above its threshold, raises the
risk alert in the same transaction (`clients.alerts.risk_alert_raise`, once per response).
"""

import json

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.alerts import risk_alert_raise
from clients.models import Client, Member, RiskAlert
from measures import definitions
from measures.models import InstrumentDefinition, MeasureAssignment, MeasureRequest, MeasureResponse
from measures.schedule import assignment_schedule
from practice.audit import audit_record
from practice.models import AuditAction, User

UNKNOWN_INSTRUMENT = _("Choose one of the instruments in the list.")
NOT_THIS_UNIT = _("Choose a member of this client.")
ALREADY_ANSWERED = _("These answers were already sent; they stay as they are.")
NOT_OPEN = _("This questionnaire is no longer open.")
NOT_SCORABLE = _("Some answers are missing: %(instrument)s needs an answer to question %(items)s to be scored.")


@transaction.atomic
def assignment_create(
    *, client: Client, by: User, instrument: str, schedule: str, every: int = 1, member: Member | None = None
) -> MeasureAssignment:
    try:
        definitions.get_definition(instrument)
    except KeyError:
        raise ValidationError({"instrument": UNKNOWN_INSTRUMENT}) from None
    if member is not None and member.client_id != client.pk:
        raise ValidationError({"member": NOT_THIS_UNIT})
    assignment = MeasureAssignment(
        client=client,
        member=member,
        instrument=instrument,
        schedule=schedule,
        every=every
        if schedule in (MeasureAssignment.Schedule.EVERY_N_SESSIONS, MeasureAssignment.Schedule.EVERY_N_WEEKS)
        else 1,
        assigned_by=by.therapist,
        primary_therapist_id=client.primary_therapist_id,  # the dashboard's copy (CaseloadCopy)
        starts_at=timezone.now(),
    )
    assignment.full_clean()
    assignment.save()
    audit_record(actor=by, action=AuditAction.CREATE, target=assignment)
    assignment_schedule(assignment=assignment)  # "once" (and a session already within the lead time) is asked now
    return assignment


@transaction.atomic
def assignment_end(*, assignment: MeasureAssignment, by: User) -> MeasureAssignment:
    """Stop asking. Open requests are withdrawn and their messages cancelled; answers stay."""
    from outbox.services import notification_cancel_pending

    assignment = MeasureAssignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.ended_at is None:
        assignment.ended_at = timezone.now()
        assignment.save(update_fields=["ended_at", "updated_at"])
        for request in assignment.requests.filter(status=MeasureRequest.Status.OPEN):
            request.status = MeasureRequest.Status.WITHDRAWN
            request.save(update_fields=["status", "updated_at"])
            notification_cancel_pending(target=request)
        audit_record(actor=by, action=AuditAction.UPDATE, target=assignment)
    return assignment


def clean_answers(definition: dict, raw: dict[str, str | None]) -> dict[str, int | None]:
    """The form's answers as option values ({item id: value or None}); anything else is refused."""
    answers = {}
    for item in definition["items"]:
        value = raw.get(item["id"])
        if value in (None, ""):
            answers[item["id"]] = None
            continue
        allowed = {str(o["value"]): o["value"] for o in definitions.options_of(definition, item)}
        if str(value) not in allowed:
            raise ValidationError(_("Question %(item)s: choose one of its answers.") % {"item": item["id"]})
        answers[item["id"]] = allowed[str(value)]
    return answers


def _save_response(*, member: Member, instrument: str, answers: dict, by: User, via: str, request=None):
    definition = definitions.get_definition(instrument)
    result = definitions.score(definition, answers)
    if not result.valid:
        raise ValidationError(NOT_SCORABLE % {"instrument": definition["name"], "items": ", ".join(result.missing)})
    response = MeasureResponse.objects.create(
        client_id=member.client_id,
        member=member,
        instrument=instrument,
        request=request,
        answers=json.dumps(answers, sort_keys=True),
        score=json.dumps(result.as_dict(), sort_keys=True),
        via=via,
        entered_by=by,
    )
    audit_record(actor=by, action=AuditAction.CREATE, target=response)
    if result.risk_items:
        risk_alert_raise(member=member, source=RiskAlert.Source.MEASURE, source_id=response.pk, by=by)
    return response, result


@transaction.atomic
def response_submit(*, request: MeasureRequest, by: User, answers: dict) -> tuple[MeasureResponse, definitions.Score]:
    """The member's answers to an open request, scored; the risk alert with them when a risk item says so."""
    request = MeasureRequest.objects.select_for_update().select_related("assignment").get(pk=request.pk)
    if request.status == MeasureRequest.Status.COMPLETED:
        raise ValidationError(ALREADY_ANSWERED)
    if request.status != MeasureRequest.Status.OPEN:
        raise ValidationError(NOT_OPEN)
    response, result = _save_response(
        member=request.member,
        instrument=request.assignment.instrument,
        answers=answers,
        by=by,
        via=MeasureResponse.Via.PORTAL,
        request=request,
    )
    request.status = MeasureRequest.Status.COMPLETED
    request.save(update_fields=["status", "updated_at"])
    return response, result


@transaction.atomic
def response_administer(
    *, member: Member, instrument: str, by: User, answers: dict
) -> tuple[MeasureResponse, definitions.Score]:
    """The therapist enters a member's answers given in session (the answers are the member's)."""
    try:
        definitions.get_definition(instrument)
    except KeyError:
        raise ValidationError({"instrument": UNKNOWN_INSTRUMENT}) from None
    return _save_response(
        member=member, instrument=instrument, answers=answers, by=by, via=MeasureResponse.Via.IN_SESSION
    )


@transaction.atomic
def definition_upload(*, data, licence_note: str, by: User | None) -> InstrumentDefinition:
    """A licensed instrument's definition file, validated against the schema (every problem named)."""
    definition = definitions.validate_definition(data)
    if definition["slug"] in definitions.shipped():
        raise ValidationError(_("%(slug)s is a shipped instrument: give the file another slug.") % definition)
    if not (licence_note or "").strip():
        raise ValidationError(_("Record the licence under which the practice uses this instrument."))
    row, _created = InstrumentDefinition.objects.update_or_create(
        slug=definition["slug"],
        defaults={"definition": definition, "licence_note": licence_note.strip(), "uploaded_by": by, "active": True},
    )
    audit_record(actor=by, action=AuditAction.UPDATE, target=row)
    return row
