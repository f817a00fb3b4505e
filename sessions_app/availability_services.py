"""Writes to a therapist's availability: booking rules, weekly working hours, time off.

Small writes, each atomic, cleaned, audited (ids only). Working hours are checked for overlap
under the therapist's row lock (PostgreSQL) or SQLite's write lock, so two quick submissions
cannot both add overlapping blocks.
"""

from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from practice.audit import audit_record
from practice.models import AuditAction, Therapist, User
from sessions_app.models import BookingRules, TimeOff, WorkingHours

RULE_FIELDS = (
    "session_minutes",
    "min_notice_hours",
    "max_days_ahead",
    "buffer_minutes",
    "slot_grid_minutes",
    "late_cancel_hours",
    "offers_in_person",
    "offers_video",
    "offers_phone",
    "video_link",
)


def _lock(therapist: Therapist) -> None:
    Therapist.objects.select_for_update().filter(pk=therapist.pk).exists()


@transaction.atomic
def booking_rules_update(*, rules: BookingRules, by: User, **values) -> BookingRules:
    """Change some of the rules (`values` keyed by `RULE_FIELDS`). `rules` may be the unsaved
    defaults from `selectors.rules_for`."""
    unknown = set(values) - set(RULE_FIELDS)
    if unknown:
        raise TypeError(f"Not a booking rule: {', '.join(sorted(unknown))}")
    if not any(values.get(f, getattr(rules, f)) for f in ("offers_in_person", "offers_video", "offers_phone")):
        raise ValidationError(_("Offer at least one kind of session."))

    for field, value in values.items():
        setattr(rules, field, value)
    rules.full_clean()
    if rules.pk is None:
        rules.save()  # the first change: the defaults become the therapist's row
    else:
        rules.save(update_fields=list(values))

    audit_record(actor=by, action=AuditAction.UPDATE, target=rules)
    return rules


@transaction.atomic
def working_hours_add(*, therapist: Therapist, by: User, weekday: int, start: time, end: time) -> WorkingHours:
    if end <= start:
        raise ValidationError({"end": _("The end must be after the start.")})
    _lock(therapist)
    overlapping = WorkingHours.objects.filter(therapist=therapist, weekday=weekday, start__lt=end, end__gt=start)
    other = overlapping.first()
    if other is not None:
        raise ValidationError(_("This overlaps your block %(block)s.") % {"block": str(other)}, code="overlap")

    block = WorkingHours(therapist=therapist, weekday=weekday, start=start, end=end)
    block.full_clean()
    block.save()

    audit_record(actor=by, action=AuditAction.CREATE, target=block)
    return block


@transaction.atomic
def working_hours_delete(*, block: WorkingHours, by: User) -> None:
    audit_record(actor=by, action=AuditAction.DELETE, target=block)
    block.delete()


@transaction.atomic
def time_off_add(*, therapist: Therapist, by: User, start: datetime, end: datetime, label: str = "") -> TimeOff:
    """Time away. Sessions already booked then stay booked: the therapist moves or cancels them."""
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValidationError(_("A time without a zone cannot be saved."))
    if end <= start:
        raise ValidationError({"end_date": _("The end must be after the start.")})

    time_off = TimeOff(therapist=therapist, start=start, end=end, label=label.strip())
    time_off.full_clean()
    time_off.save()

    audit_record(actor=by, action=AuditAction.CREATE, target=time_off)
    return time_off


@transaction.atomic
def time_off_delete(*, time_off: TimeOff, by: User) -> None:
    audit_record(actor=by, action=AuditAction.DELETE, target=time_off)
    time_off.delete()
