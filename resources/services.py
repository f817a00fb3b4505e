"""Writes for the library, assignments, client work and workshops. Each service validates, saves
named fields, queues its messages in the same transaction (the outbox), and records an audit row.

Workshop capacity holds whatever the concurrency: registering and cancelling first lock the
workshop's row (`SELECT ... FOR UPDATE` on PostgreSQL; on SQLite every atomic block is IMMEDIATE,
so the write lock is taken first), then count the live registrations and decide. Nobody is ever
registered beyond capacity; the rest wait in line and the first in line moves up when a place frees.

Stages of a programme move on only when every member the assignment is for has finished the
current one AND the therapist releases the next (`stage_release`). The assignment row is locked for
both, so a double click cannot skip a stage.
"""

from datetime import UTC, date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clients.models import Client, Concern, Member
from outbox import services as outbox
from outbox.models import Notification
from practice.audit import audit_record
from practice.models import AuditAction, User
from resources import messages
from resources.models import Assignment, ExerciseStep, Feedback, Registration, Resource, StepProgress, Workshop
from resources.selectors import members_for, stages_of

RESOURCE_FIELDS = ["kind", "title", "summary", "instructions", "link", "suits", "nature", "active"]
STEP_FIELDS = ["title", "what_to_do", "not_yet", "suggested_days"]
DUE_REMINDER_AT = time(9, 0)  # in the member's own zone, the day before the due date


def _enqueue(*, key: str, **kwargs) -> Notification:
    """Queue a message; a key used before by a message since cancelled (a due date set back to an
    earlier value) gets a fresh suffix, so the new message is not swallowed by the old row."""
    if Notification.objects.filter(key=key, status=Notification.Status.CANCELLED).exists():
        key = f"{key}:{timezone.now():%Y%m%d%H%M%S%f}"
    return outbox.notification_enqueue(key=key, **kwargs)


# --- Library --------------------------------------------------------------------------------------


@transaction.atomic
def resource_save(
    *,
    by: User,
    resource: Resource | None = None,
    concerns: list[Concern] = (),
    steps: list[dict] | None = None,
    file=None,
    **fields,
) -> Resource:
    """Create or update a resource and its steps.

    `file`: None keeps the stored file, False removes it, an uploaded file replaces it. `steps`: one
    dict per form row with the step fields, `order`, `step` (the existing row or None) and `delete`.
    """
    creating = resource is None
    resource = resource or Resource(created_by=by)
    changed = [k for k in RESOURCE_FIELDS if k in fields]
    for name in changed:
        setattr(resource, name, fields[name])
    if file is not None:
        resource.file = file or ""
        changed.append("file")
    if resource.link and resource.file:
        raise ValidationError({"link": _("Give a link or a file, not both.")})
    resource.full_clean()
    if creating:
        resource.save()
    else:
        resource.save(update_fields=[*changed, "updated_at"])
    resource.concerns.set(concerns)
    if steps is not None:
        _steps_save(resource, steps)
    audit_record(actor=by, action=AuditAction.CREATE if creating else AuditAction.UPDATE, target=resource)
    return resource


def _steps_save(resource: Resource, rows: list[dict]) -> None:
    kept = []
    for position, row in enumerate(rows):
        step = row.get("step")
        if row.get("delete"):
            if step is not None:
                if step.progress.exists():
                    raise ValidationError(
                        _(
                            "Stage “%(title)s” has client work recorded against it and cannot be removed. "
                            "Mark the resource inactive and create a new version instead."
                        )
                        % {"title": step.title}
                    )
                step.delete()
            continue
        kept.append((row.get("order") or 10_000 + position, position, row, step))
    # Renumber 1..n in the order asked for; move the old rows out of the way first (unique order).
    ExerciseStep.objects.filter(resource=resource).update(order=F("order") + 10_000)
    for number, (_order, _position, row, step) in enumerate(sorted(kept, key=lambda k: k[:2]), start=1):
        step = step or ExerciseStep(resource=resource)
        for name in STEP_FIELDS:
            setattr(step, name, row.get(name) or (None if name == "suggested_days" else ""))
        step.order = number
        step.full_clean(exclude=["resource"], validate_constraints=False)
        step.save()


# --- Assignments ----------------------------------------------------------------------------------


@transaction.atomic
def assignment_create(
    *,
    client: Client,
    resource: Resource,
    by: User,
    member: Member | None = None,
    due_on: date | None = None,
    note: str = "",
) -> Assignment:
    therapist = by.therapist
    if not resource.active:
        raise ValidationError({"resource": _("That resource is no longer offered.")})
    if resource.kind == Resource.Kind.WORKSHOP:
        raise ValidationError({"resource": _("A workshop is not assigned: register the client for it instead.")})
    if member is not None and member.client_id != client.pk:
        raise ValidationError({"member": _("Choose a member of this client.")})
    if due_on is not None and due_on < timezone.localdate():
        raise ValidationError({"due_on": _("The due date is in the past.")})
    assignment = Assignment(
        resource=resource,
        client=client,
        member=member,
        due_on=due_on,
        note=note,
        created_by=therapist,
        primary_therapist_id=client.primary_therapist_id,  # the dashboard's copy (CaseloadCopy)
        released_stage=1 if resource.steps.exists() else 0,
    )
    assignment.full_clean()
    assignment.save()
    _schedule_due_reminders(assignment)
    audit_record(actor=by, action=AuditAction.CREATE, target=assignment)
    return assignment


@transaction.atomic
def assignment_update(*, assignment: Assignment, by: User, due_on: date | None, note: str) -> Assignment:
    moved = due_on != assignment.due_on
    if moved and due_on is not None and due_on < timezone.localdate():
        raise ValidationError({"due_on": _("The due date is in the past.")})
    assignment.due_on = due_on
    assignment.note = note
    assignment.full_clean()
    assignment.save(update_fields=["due_on", "note", "updated_at"])
    if moved:
        _schedule_due_reminders(assignment)
    audit_record(actor=by, action=AuditAction.UPDATE, target=assignment)
    return assignment


def _schedule_due_reminders(assignment: Assignment) -> None:
    """A reminder the day before the due date (09:00 in each member's zone) to each member it is for
    who accepts email reminders (`messages.may_email`); older pending reminders are cancelled."""
    keep = []
    now = timezone.now()
    if assignment.due_on is not None and not assignment.is_done:
        for member in members_for(assignment):
            if not messages.may_email(member, reminder=True):
                continue
            send_at = datetime.combine(assignment.due_on - timedelta(days=1), DUE_REMINDER_AT, tzinfo=member.zone)
            if send_at <= now:
                continue
            key = f"{messages.ASSIGNMENT_DUE}:{assignment.pk}:{member.pk}:{assignment.due_on}"
            notification = _enqueue(
                kind=messages.ASSIGNMENT_DUE,
                key=key,
                target=assignment,
                send_at=send_at,
                member=member,
                reference=assignment.client.reference,
            )
            keep.append(notification.key)
    outbox.notification_cancel_pending(target=assignment, kinds=[messages.ASSIGNMENT_DUE], keep_keys=keep)


def _locked(assignment: Assignment) -> Assignment:
    return (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("resource", "client", "member")
        .get(pk=assignment.pk)
    )


@transaction.atomic
def progress_save(
    *,
    assignment: Assignment,
    member: Member,
    by: User,
    step: ExerciseStep | None = None,
    log: str | None = None,
    mark_done: bool = False,
) -> StepProgress:
    """A member keeps their private log on a stage (or on the whole resource) and may mark it done."""
    assignment = _locked(assignment)
    members = members_for(assignment)
    if member.pk not in {m.pk for m in members}:
        raise ValidationError(_("This work is not yours to record."))
    stages = stages_of(assignment.resource)
    if step is None and stages:
        raise ValidationError(_("This programme is worked through stage by stage."))
    if step is not None:
        if step.resource_id != assignment.resource_id:
            raise ValidationError(_("That stage is not part of this programme."))
        if [s.pk for s in stages].index(step.pk) + 1 > assignment.released_stage:
            raise ValidationError(_("Your therapist has not released that stage yet."))

    progress, created = StepProgress.objects.get_or_create(assignment=assignment, step=step, member=member)
    changed = []
    if log is not None:
        progress.log = log
        changed.append("log")
    if mark_done and progress.done_at is None:
        progress.done_at = timezone.now()
        changed.append("done_at")
    if changed:
        progress.save(update_fields=[*changed, "updated_at"])
    _refresh_status(assignment, members, stages)
    action = AuditAction.CREATE if created else AuditAction.UPDATE
    audit_record(actor=by, action=action, target=progress, client_id=assignment.client_id)
    return progress


def _refresh_status(assignment: Assignment, members: list[Member], stages: list[ExerciseStep]) -> None:
    rows = StepProgress.objects.filter(assignment=assignment).values_list("member_id", "step_id", "done_at")
    done = {(m, s) for m, s, at in rows if at is not None}
    needed = {(m.pk, s.pk) for m in members for s in stages} if stages else {(m.pk, None) for m in members}
    if needed <= done:
        status = Assignment.Status.DONE
    elif rows:
        status = Assignment.Status.IN_PROGRESS
    else:
        status = Assignment.Status.ASSIGNED
    if status == assignment.status:
        return
    assignment.status = status
    assignment.completed_at = timezone.now() if status == Assignment.Status.DONE else None
    assignment.save(update_fields=["status", "completed_at", "updated_at"])
    if status == Assignment.Status.DONE:
        outbox.notification_cancel_pending(target=assignment, kinds=[messages.ASSIGNMENT_DUE])


@transaction.atomic
def stage_release(*, assignment: Assignment, by: User) -> Assignment:
    """Release the next stage: only once everyone the assignment is for finished the current one."""
    assignment = _locked(assignment)
    stages = stages_of(assignment.resource)
    if not stages:
        raise ValidationError(_("This resource has no stages."))
    if assignment.released_stage >= len(stages):
        raise ValidationError(_("Every stage is already released."))
    current = stages[assignment.released_stage - 1] if assignment.released_stage else None
    if current is not None:
        finished = set(
            StepProgress.objects.filter(assignment=assignment, step=current, done_at__isnull=False).values_list(
                "member_id", flat=True
            )
        )
        waiting = [m for m in members_for(assignment) if m.pk not in finished]
        if waiting:
            names = ", ".join(m.display_name for m in waiting)
            raise ValidationError(
                _("Stage %(n)s is not finished yet by: %(names)s. The next stage opens when everyone has finished it.")
                % {"n": assignment.released_stage, "names": names}
            )
    assignment.released_stage += 1
    if assignment.status == Assignment.Status.DONE:  # cannot happen with stages left, but never leave it so
        assignment.status = Assignment.Status.IN_PROGRESS
    assignment.save(update_fields=["released_stage", "status", "updated_at"])
    audit_record(actor=by, action=AuditAction.UPDATE, target=assignment)
    return assignment


@transaction.atomic
def feedback_add(*, assignment: Assignment, by: User, body: str, for_member: Member | None = None) -> Feedback:
    therapist = by.therapist
    if for_member is not None and for_member.pk not in {m.pk for m in members_for(assignment)}:
        raise ValidationError({"for_member": _("Choose someone this assignment is for.")})
    feedback = Feedback(assignment=assignment, author=therapist, body=body, for_member=for_member)
    feedback.full_clean()
    feedback.save()
    audit_record(actor=by, action=AuditAction.CREATE, target=feedback, client_id=assignment.client_id)
    return feedback


# --- Workshops ------------------------------------------------------------------------------------


def _lock_workshop(workshop_id: int) -> Workshop:
    return Workshop.objects.select_for_update().get(pk=workshop_id)


def _registered_count(workshop: Workshop) -> int:
    return Registration.objects.filter(workshop=workshop, status=Registration.Status.REGISTERED).count()


@transaction.atomic
def registration_create(*, workshop: Workshop, member: Member, by: User) -> Registration:
    """A place if one is free, else a place in line. Capacity is never exceeded (see module doc)."""
    workshop = _lock_workshop(workshop.pk)
    if not workshop.active or workshop.has_started:
        raise ValidationError(_("Registration for this workshop is closed."))
    if Registration.objects.filter(workshop=workshop, member=member, status__in=Registration.LIVE).exists():
        raise ValidationError(_("Already registered or on the waiting list for this workshop."))
    free = _registered_count(workshop) < workshop.capacity
    registration = Registration(
        workshop=workshop,
        member=member,
        registered_by=by,
        status=Registration.Status.REGISTERED if free else Registration.Status.WAITLISTED,
    )
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError as exc:  # the same member twice at once: the unique constraint decided
        raise ValidationError(_("Already registered or on the waiting list for this workshop.")) from exc
    if free:
        _schedule_workshop_reminder(registration, workshop)
    audit_record(actor=by, action=AuditAction.CREATE, target=registration, client_id=member.client_id)
    return registration


@transaction.atomic
def registration_cancel(*, registration: Registration, by: User) -> list[Registration]:
    """Cancel a place or a place in line. Returns whoever was moved up into the freed place."""
    workshop = _lock_workshop(registration.workshop_id)
    registration.refresh_from_db(fields=["status"])
    if not registration.is_live:
        raise ValidationError(_("This registration was already cancelled."))
    if workshop.has_started:
        raise ValidationError(_("This workshop has already started."))
    registration.status = Registration.Status.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["status", "cancelled_at", "updated_at"])
    outbox.notification_cancel_pending(target=registration)
    audit_record(actor=by, action=AuditAction.UPDATE, target=registration, client_id=registration.member.client_id)
    return _fill_from_waitlist(workshop, by=by)


def _fill_from_waitlist(workshop: Workshop, *, by: User | None) -> list[Registration]:
    """Move the first in line up while places are free, and tell each of them. Caller holds the lock."""
    free = workshop.capacity - _registered_count(workshop)
    if free <= 0 or not workshop.active or workshop.has_started:
        return []
    line = list(
        Registration.objects.filter(workshop=workshop, status=Registration.Status.WAITLISTED)
        .select_related("member__client")
        .order_by("created_at", "pk")[:free]
    )
    now = timezone.now()
    for registration in line:
        registration.status = Registration.Status.REGISTERED
        registration.promoted_at = now
        registration.save(update_fields=["status", "promoted_at", "updated_at"])
        _enqueue(
            kind=messages.WORKSHOP_PROMOTED,
            key=f"{messages.WORKSHOP_PROMOTED}:{registration.pk}",
            target=registration,
            member=registration.member,
            reference=registration.member.client.reference,
        )
        _schedule_workshop_reminder(registration, workshop)
        audit_record(actor=by, action=AuditAction.UPDATE, target=registration, client_id=registration.member.client_id)
    return line


def _schedule_workshop_reminder(registration: Registration, workshop: Workshop) -> None:
    send_at = workshop.starts_at - timedelta(days=1)
    keep = []
    if send_at > timezone.now():
        key = f"{messages.WORKSHOP_TOMORROW}:{registration.pk}:{workshop.starts_at.astimezone(UTC):%Y%m%dT%H%MZ}"
        notification = _enqueue(
            kind=messages.WORKSHOP_TOMORROW,
            key=key,
            target=registration,
            send_at=send_at,
            member=registration.member,
            reference=registration.member.client.reference,
        )
        keep.append(notification.key)
    outbox.notification_cancel_pending(target=registration, kinds=[messages.WORKSHOP_TOMORROW], keep_keys=keep)


WORKSHOP_FIELDS = [
    "title",
    "description",
    "starts_at",
    "ends_at",
    "capacity",
    "facilitator",
    "place",
    "video_link",
    "resource",
    "active",
]


@transaction.atomic
def workshop_save(*, workshop: Workshop | None, by: User, concerns, **fields) -> Workshop:
    """Create (`workshop=None`) or change a workshop, audited. A change holds the workshop's row, so
    a capacity is never set below the places already taken by a registration racing it; a larger
    capacity then fills places from the waiting list, and a new time or a closing re-times or drops
    the reminders (`workshop_changed`)."""
    creating = workshop is None
    if creating:
        workshop = Workshop()
    else:
        workshop = _lock_workshop(workshop.pk)
        taken = _registered_count(workshop)
        if fields.get("capacity", workshop.capacity) < taken:
            raise ValidationError(
                {
                    "capacity": ngettext(
                        "%(count)s person is registered: the capacity cannot be lower. Cancel a registration first.",
                        "%(count)s people are registered: the capacity cannot be lower. Cancel registrations first.",
                        taken,
                    )
                    % {"count": taken}
                }
            )
    changed = [name for name in WORKSHOP_FIELDS if name in fields]
    for name in changed:
        setattr(workshop, name, fields[name])
    workshop.full_clean()
    if creating:
        workshop.save()
    else:
        workshop.save(update_fields=[*changed, "updated_at"])
    workshop.concerns.set(concerns)
    audit_record(actor=by, action=AuditAction.CREATE if creating else AuditAction.UPDATE, target=workshop)
    if not creating:
        workshop_changed(workshop=workshop, by=by)
    return workshop


@transaction.atomic
def workshop_changed(*, workshop: Workshop, by: User | None) -> list[Registration]:
    """After an admin edits a workshop: fill places a larger capacity opened, and re-time the
    day-before reminders (a moved workshop) or drop them (a cancelled one)."""
    workshop = _lock_workshop(workshop.pk)
    promoted = _fill_from_waitlist(workshop, by=by)
    registered = Registration.objects.filter(workshop=workshop, status=Registration.Status.REGISTERED)
    for registration in registered.select_related("member__client"):
        if workshop.active:
            _schedule_workshop_reminder(registration, workshop)
        else:
            outbox.notification_cancel_pending(target=registration, kinds=[messages.WORKSHOP_TOMORROW])
    return promoted
