"""Reminder schedules: the practice's, a therapist's override, a member's override.

The effective schedule of a member for a session is the most specific row: the member's, then the
session's therapist's, then the practice's, then settings.REMINDER_HOURS on both channels. It says
on which channels (email, SMS, both or none) and how many hours before the start reminders go;
the member's own preferences, addresses and consents still decide whether each channel is usable.

Changing a schedule re-plans the queued reminders of every upcoming session it touches in the same
transaction (`reminders_replan`): reminders no longer in the plan are cancelled before they are
sent, new ones are queued, and one already sent is never queued again (its key is taken).
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Member
from practice.audit import audit_record
from practice.models import AuditAction, Therapist, User
from sessions_app.models import Appointment, ReminderSchedule

MAX_HOURS = 24 * 14  # two weeks: nothing is reminded further ahead


@dataclass(frozen=True)
class Effective:
    mode: str
    hours: tuple[int, ...]
    source: str  # "member", "therapist", "practice" or "default"

    @property
    def channels(self) -> set[str]:
        return {"both": {"email", "sms"}, "email": {"email"}, "sms": {"sms"}}.get(self.mode, set())

    @property
    def source_label(self) -> str:
        labels = {"member": "", "therapist": _("the therapist's schedule"), "practice": _("the practice's schedule")}
        return labels.get(self.source, _("the practice's default"))

    def describe(self) -> str:
        if self.mode == ReminderSchedule.Mode.OFF or not self.hours:
            return _("No reminders")
        hours = ", ".join(f"{h} h" for h in self.hours)
        return _("%(mode)s, %(hours)s before") % {"mode": ReminderSchedule.Mode(self.mode).label, "hours": hours}


def _default() -> Effective:
    return Effective(ReminderSchedule.Mode.BOTH, tuple(sorted(set(settings.REMINDER_HOURS), reverse=True)), "default")


def _from_row(row: ReminderSchedule) -> Effective:
    return Effective(row.mode, tuple(sorted(set(row.hours), reverse=True)), row.scope)


def schedules_for(*, therapist_ids, member_ids) -> dict[tuple[str, int | None], ReminderSchedule]:
    """Every row that may apply, in one query: {(scope, id): row}."""
    rows = ReminderSchedule.objects.filter(
        Q(scope=ReminderSchedule.Scope.PRACTICE) | Q(therapist__in=therapist_ids) | Q(member__in=member_ids)
    )
    found = {}
    for row in rows:
        key = {"practice": None, "therapist": row.therapist_id, "member": row.member_id}[row.scope]
        found[(row.scope, key)] = row
    return found


def effective(schedules: dict, *, therapist_id: int, member_id: int) -> Effective:
    for key in (("member", member_id), ("therapist", therapist_id), ("practice", None)):
        if key in schedules:
            return _from_row(schedules[key])
    return _default()


def effective_for(*, member: Member, therapist: Therapist) -> Effective:
    schedules = schedules_for(therapist_ids=[therapist.pk], member_ids=[member.pk])
    return effective(schedules, therapist_id=therapist.pk, member_id=member.pk)


def clean_hours(text: str) -> list[int]:
    """ "48, 2" -> [48, 2]; a clear message for anything else."""
    parts = [p.strip() for p in (text or "").replace(";", ",").split(",") if p.strip()]
    hours = []
    for part in parts:
        if not part.isdigit() or not 1 <= int(part) <= MAX_HOURS:
            raise ValidationError(
                _("Give whole hours between 1 and %(max)s, separated by commas (for example 48, 2).")
                % {"max": MAX_HOURS}
            )
        hours.append(int(part))
    if len(hours) > 5:
        raise ValidationError(_("At most five reminders per session."))
    return sorted(set(hours), reverse=True)


@transaction.atomic
def reminder_schedule_set(
    *, by: User, mode: str, hours: list[int], therapist: Therapist | None = None, member: Member | None = None
) -> ReminderSchedule:
    """Set the practice's schedule (neither therapist nor member), a therapist's or a member's, and
    re-plan the queued reminders of the upcoming sessions it touches."""
    if mode not in ReminderSchedule.Mode.values:
        raise ValidationError(_("Choose how reminders are sent."))
    if mode != ReminderSchedule.Mode.OFF and not hours:
        raise ValidationError(_("Give at least one time before the session, or choose no reminders."))
    scope = "member" if member else "therapist" if therapist else "practice"
    row, _created = ReminderSchedule.objects.select_for_update().get_or_create(
        scope=scope, therapist=therapist, member=member, defaults={"mode": mode, "hours": hours}
    )
    row.mode, row.hours = mode, hours
    row.full_clean()
    row.save(update_fields=["mode", "hours", "updated_at"])
    audit_record(actor=by, action=AuditAction.UPDATE, target=row, client_id=member.client_id if member else None)
    reminders_replan(appointments=_touched(therapist=therapist, member=member))
    return row


@transaction.atomic
def reminder_schedule_clear(*, by: User, therapist: Therapist | None = None, member: Member | None = None) -> None:
    """Remove a therapist's or member's override (back to the level above) and re-plan."""
    rows = ReminderSchedule.objects.filter(therapist=therapist, member=member).exclude(scope="practice")
    for row in rows:
        audit_record(actor=by, action=AuditAction.DELETE, target=row, client_id=member.client_id if member else None)
    rows.delete()
    reminders_replan(appointments=_touched(therapist=therapist, member=member))


def _touched(*, therapist: Therapist | None, member: Member | None):
    upcoming = Appointment.objects.filter(status=Appointment.Status.BOOKED, start__gt=timezone.now())
    if member is not None:
        return upcoming.filter(attendances__member=member, attendances__live=True)
    if therapist is not None:
        return upcoming.filter(therapist=therapist)
    return upcoming


def reminders_replan(*, appointments) -> int:
    """Bring the queued reminders of these sessions in line with the schedules now in force.

    In the caller's transaction. Pending or queued reminders that are no longer planned are
    cancelled (a queued one's delivery then fails its claim); planned ones that a re-plan had
    cancelled earlier and that are still ahead are pending again; new ones are queued. A reminder
    already sent keeps its key, so it is never queued twice. Returns how many sessions were re-planned.
    """
    from outbox.models import Notification
    from outbox.services import notification_enqueue_many
    from sessions_app import notifications as n

    now = timezone.now()
    sessions = list(appointments.select_related("client", "therapist").distinct())
    for appointment in sessions:
        rows = n.reminder_rows(appointment)
        keys = [row["key"][:200] for row in rows]
        mine = Notification.objects.filter(
            kind=n.REMINDER, target_type=appointment._meta.label_lower, target_id=str(appointment.pk)
        )
        mine.filter(status__in=[Notification.Status.PENDING, Notification.Status.QUEUED]).exclude(key__in=keys).update(
            status=Notification.Status.CANCELLED, updated_at=now
        )
        mine.filter(key__in=keys, status=Notification.Status.CANCELLED, send_at__gt=now).update(
            status=Notification.Status.PENDING, updated_at=now
        )
        notification_enqueue_many(rows)
    return len(sessions)


def client_plans(client) -> list[tuple[Member, Effective]]:
    """Each member of the unit with the schedule in force for their sessions with the primary
    therapist (the client page's panel): two queries."""
    members = list(client.members.order_by("position"))
    therapist_id = client.primary_therapist_id
    schedules = schedules_for(therapist_ids=[therapist_id], member_ids=[m.pk for m in members])
    return [(m, effective(schedules, therapist_id=therapist_id, member_id=m.pk)) for m in members]
