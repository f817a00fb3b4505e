"""Booking, moving, cancelling and marking sessions. No two live sessions overlap.

How overlap is prevented, whatever the concurrency:
- every booking or move first locks the therapist's row (PostgreSQL) or holds SQLite's write lock
  (every atomic block is IMMEDIATE there), then checks for a clash and writes;
- on PostgreSQL exclusion constraints refuse any overlap in the database itself (a room or a member
  shared with another therapist's booking, a script, the admin); the IntegrityError becomes
  `SlotTaken`, the same clean answer as a lost race.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import IntegerField, Value
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from clients.models import Client, Member
from documents.gates import Missing, missing_signatures
from practice.audit import audit_record
from practice.models import AuditAction, Therapist, User
from sessions_app import notifications, selectors, telehealth
from sessions_app.models import Appointment, Attendance, BookingRules, Modality, Room, Series
from sessions_app.signals import appointment_status_changed

TAKEN = _("That time was just taken. Please choose another.")
MAX_OCCURRENCES = 52


class SlotTaken(ValidationError):
    def __init__(self):
        super().__init__(TAKEN, code="taken")


def _lock(therapist: Therapist) -> BookingRules:
    """Serialise this therapist's bookings and moves, and read their rules, in one query.

    Only the therapist's row is locked (`of`: the rules are on the nullable side of the join). On
    SQLite `select_for_update` does nothing; the IMMEDIATE transaction already holds the write lock.
    The clash checks run as later statements, so on PostgreSQL they see every booking committed by
    whoever held the lock before.
    """
    locked = Therapist.objects.select_for_update(of=("self",)).select_related("booking_rules").get(pk=therapist.pk)
    return _rules_of(locked)


def _rules_of(therapist: Therapist) -> BookingRules:
    """The rules read with the therapist (`select_related`), or the unsaved defaults, as `rules_for`."""
    try:
        return therapist.booking_rules
    except BookingRules.DoesNotExist:
        return BookingRules(therapist=therapist)


def describe(appointment: Appointment, zone: zoneinfo.ZoneInfo) -> str:
    start, end = appointment.start.astimezone(zone), appointment.end.astimezone(zone)
    when = date_format(start, "D j M Y, H:i")
    return f"{appointment.title} on {when}–{end:%H:%M} ({zone.key})"


def _check_members(client: Client, members: list[Member]) -> None:
    if not members:
        raise ValidationError({"members": _("Choose who attends.")})
    if any(m.client_id != client.pk for m in members):
        raise ValidationError({"members": _("Only members of this client can attend.")})


SIGNATURE_MISSING = "signature_missing"
BOOKING, VIDEO = "booking", "video"  # the purposes of `documents.gates` that booking asks
THERAPIST_HOW = _(
    "They can read and sign it in their portal under Documents, or you can record a signed paper copy on the "
    "client's documents page."
)
STAFF_HOW = _(
    "They can read and sign it in their portal under Documents, or their therapist can record a signed paper copy."
)


def _portal_line(missing: Missing, by: User | None, video: bool) -> str:
    """One missing signature as the member booking in the portal reads it: what they sign and where."""
    words = {"document": missing.version.label}
    if missing.member is None:
        return _("One of you needs to sign the %(document)s under Documents first.") % words
    if missing.member.user_id is not None and missing.member.user_id == getattr(by, "pk", None):
        if video:
            return _("To book a video session, first read and sign the %(document)s under Documents.") % words
        return _("Before booking, please read and sign the %(document)s under Documents.") % words
    return (
        _(
            "A joint session needs you both to sign the %(document)s, and your partner has not signed it yet. "
            "They can sign it in their own portal under Documents."
        )
        % words
    )


def check_signatures(
    *, client: Client, members: list[Member], by: User | None, for_client: bool, purposes: tuple[str, ...]
) -> None:
    """The documents the attending members must have signed (`documents.gates`): the informed
    consent before any booking, each attending member's telehealth consent before a video session.

    The one gate for every road to a session (portal, calendar, series, a move to video). The message
    says who has not signed what and where to sign it; the pages add the link (`is_signature_refusal`).
    One query, whatever was asked.
    """
    missing = missing_signatures(client=client, members=members, purposes=purposes)
    if not missing:
        return
    video = VIDEO in purposes
    if for_client:
        lines = list(dict.fromkeys(_portal_line(m, by, video) for m in missing))
    else:
        lines = [m.text for m in missing] + [THERAPIST_HOW if by is not None and by.is_therapist else STAFF_HOW]
    # A video refusal goes next to the kind of session; a missing informed consent above the form.
    only_video = all(m.version.template.required_before == VIDEO for m in missing)
    field = "modality" if only_video else NON_FIELD_ERRORS
    raise ValidationError({field: [ValidationError(line, code=SIGNATURE_MISSING) for line in lines]})


def check_telehealth(*, client: Client, members: list[Member], by: User | None, for_client: bool) -> None:
    """A video session needs every attending member's signed telehealth consent."""
    check_signatures(client=client, members=members, by=by, for_client=for_client, purposes=(VIDEO,))


def is_signature_refusal(error: ValidationError) -> bool:
    """Whether a booking was refused for a missing signature (the page links to where to sign)."""
    groups = getattr(error, "error_dict", {}).values()
    return any(getattr(e, "code", None) == SIGNATURE_MISSING for errors in groups for e in errors)


def _clashes(*, therapist, start, end, room, members, ignore=None, buffer=timedelta(0)) -> Appointment | None:
    """The first live appointment this session would clash with, or None.

    The therapist's own sessions (widened by `buffer`) come first, then the room's, then any attending
    member's, each by start: one query (a UNION, so each part keeps its index), and one more to load
    the clash only when there is one.
    """

    def rank(rows, order: int):
        return rows.order_by().annotate(rank=Value(order, output_field=IntegerField()))

    live = Appointment.objects.live().exclude(pk=ignore)
    parts = [
        rank(live.filter(therapist=therapist).overlapping(start - buffer, end + buffer), 0).values_list(
            "rank", "start", "pk"
        )
    ]
    if room is not None:
        parts.append(rank(live.filter(room=room).overlapping(start, end), 1).values_list("rank", "start", "pk"))
    if members:
        attendance = selectors.attendance_clashes(
            member_ids=[m.pk for m in members], start=start, end=end, ignore_appointment_id=ignore
        )
        parts.append(rank(attendance, 2).values_list("rank", "start", "appointment_id"))
    first = parts[0].union(*parts[1:], all=True).order_by("rank", "start")[:1]
    found = list(first)
    if not found:
        return None
    return Appointment.objects.select_related("client").get(pk=found[0][2])


NOT_FREE = _("That time is not free: the room or someone attending is already booked then.")


def _refuse_clash(clash: Appointment, therapist: Therapist, *, for_client: bool) -> None:
    """Name the clash only when it is the therapist's own session. A room held by a colleague's
    session, or a partner's commitment elsewhere, reads like any other refusal: naming it would
    show another therapist's client, or what one partner does apart from the other."""
    if for_client:
        raise SlotTaken()
    if clash.therapist_id != therapist.pk:
        raise ValidationError(NOT_FREE, code="clash")
    raise ValidationError(
        _("This clashes with %(other)s.") % {"other": describe(clash, therapist.zone)},
        code="clash",
    )


def _place(
    *, rules: BookingRules, modality: str, room: Room | None, start, end, ignore=None
) -> tuple[Room | None, str]:
    """The room (in person) or video link for a session."""
    if modality == Modality.VIDEO:
        return None, rules.video_link
    if modality == Modality.PHONE:
        return None, ""
    if room is None:
        busy = Appointment.objects.live().exclude(pk=ignore).overlapping(start, end).values("room_id")
        room = Room.objects.filter(active=True).exclude(pk__in=busy).first()
        if room is None:
            raise ValidationError({"room": _("No room is free at that time.")})
    return room, ""


def _check_client_rules(*, rules, client, modality, start, therapist, ignore=None) -> None:
    """What the portal enforces: self-booking allowed, an offered modality, a free slot."""
    if not client.self_booking or client.status in (Client.Status.PAUSED, Client.Status.DISCHARGED):
        raise ValidationError(_("Online booking is not open for you yet. Please contact your therapist."))
    if modality not in rules.offered_modalities():
        raise ValidationError({"modality": _("Your therapist does not offer that kind of session.")})
    zone = therapist.zone
    day = start.astimezone(zone).date()
    slots = selectors.free_slots(
        therapist=therapist, first_day=day, last_day=day, modality=modality, rules=rules, ignore_appointment_id=ignore
    )
    if start not in {s.start for s in slots}:
        raise SlotTaken()


# The model's CHECK constraints, evaluated here instead of by one query each (what `full_clean` does);
# the database still enforces them. `test_booking_queries` fails if a constraint is added but not here.
CHECKS = {
    "appointment_end_after_start": lambda a: a.end > a.start,
    "appointment_in_person_has_room": lambda a: (
        not (a.modality == Modality.IN_PERSON and a.room_id is None and a.status == Appointment.Status.BOOKED)
    ),
}
# Foreign keys the booking is given as loaded objects: `full_clean` need not query that they exist.
LOADED_FKS = ["therapist", "client", "room", "series", "booked_by", "cancelled_by"]


def _validate(appointment: Appointment) -> None:
    """`full_clean` without its queries, with the same messages (constraints under NON_FIELD_ERRORS)."""
    appointment.full_clean(exclude=LOADED_FKS, validate_constraints=False)
    violated = [c for c in Appointment._meta.constraints if c.name in CHECKS and not CHECKS[c.name](appointment)]
    if violated:
        errors = [ValidationError(c.get_violation_error_message(), code=c.violation_error_code) for c in violated]
        raise ValidationError({NON_FIELD_ERRORS: errors})


@transaction.atomic
def appointment_book(
    *,
    therapist: Therapist,
    client: Client,
    members: list[Member],
    start: datetime,
    by: User,
    via: str = Appointment.Via.CALENDAR,
    modality: str = Modality.IN_PERSON,
    room: Room | None = None,
    minutes: int | None = None,
    series: Series | None = None,
    confirm: bool = True,
) -> Appointment:
    """Book one session. From the portal (`via=portal`) the client's rules apply too.

    Queues the booking confirmation (unless `confirm` is off, as for a series) and the reminders.
    """
    if timezone.is_naive(start):
        raise ValidationError({"start": _("A time without a zone cannot be booked.")})
    rules = _lock(therapist)
    for_client = via == Appointment.Via.PORTAL
    end = start + (timedelta(minutes=minutes) if minutes else rules.session_length)
    _check_members(client, members)
    if for_client:
        _check_client_rules(rules=rules, client=client, modality=modality, start=start, therapist=therapist)
    if series is None:  # a series asked once for all its dates (`series_create`)
        purposes = (BOOKING, VIDEO) if modality == Modality.VIDEO else (BOOKING,)
        check_signatures(client=client, members=members, by=by, for_client=for_client, purposes=purposes)
    room, video_link = _place(rules=rules, modality=modality, room=room, start=start, end=end)
    clash = _clashes(
        therapist=therapist,
        start=start,
        end=end,
        room=room,
        members=members,
        buffer=rules.buffer if for_client else timedelta(0),
    )
    if clash:
        _refuse_clash(clash, therapist, for_client=for_client)

    appointment = Appointment(
        therapist=therapist,
        client=client,
        start=start,
        end=end,
        modality=modality,
        room=room,
        video_link=video_link,
        video_room=telehealth.new_room() if modality == Modality.VIDEO else "",
        series=series,
        booked_by=by,
        booked_via=via,
    )
    _validate(appointment)
    try:
        with transaction.atomic():
            appointment.save()
            Attendance.objects.bulk_create(
                Attendance(appointment=appointment, member=m, start=start, end=end) for m in members
            )
    except IntegrityError as exc:  # the database's exclusion constraint: someone else was faster
        raise SlotTaken() from exc
    audit_record(actor=by, action=AuditAction.CREATE, target=appointment, client_id=client.pk)
    notifications.on_booked(appointment, confirm=confirm)
    return appointment


@transaction.atomic
def series_create(
    *,
    therapist: Therapist,
    client: Client,
    members: list[Member],
    first_start: datetime,
    frequency: str,
    by: User,
    count: int | None = None,
    until=None,
    modality: str = Modality.IN_PERSON,
    room: Room | None = None,
    minutes: int | None = None,
) -> Series:
    """Weekly or fortnightly sessions at the same local time, all or none. Each stays editable."""
    if count is None and until is None:
        raise ValidationError(_("Give a number of sessions or an end date."))
    zone = therapist.zone
    local = first_start.astimezone(zone)
    series = Series(
        therapist=therapist, client=client, frequency=frequency, local_time=local.time(), time_zone=zone.key
    )
    starts = _occurrences(local, series.step, count=count, until=until)
    _check_members(client, members)
    purposes = (BOOKING, VIDEO) if modality == Modality.VIDEO else (BOOKING,)  # once, not once per date
    check_signatures(client=client, members=members, by=by, for_client=False, purposes=purposes)
    series.save()
    refused = []
    for start in starts:
        try:
            appointment_book(
                therapist=therapist,
                client=client,
                members=members,
                start=start,
                by=by,
                modality=modality,
                room=room,
                series=series,
                confirm=False,
                minutes=minutes,
            )
        except ValidationError as error:
            refused.append(f"{date_format(start, 'D j M Y')}: {' '.join(error.messages)}")
    if refused:  # raising out of this atomic block rolls back the sessions already created
        raise ValidationError(_("No sessions were created. %(problems)s") % {"problems": " ".join(refused[:3])})
    notifications.on_series_booked(series, series.appointments.order_by("start").first())
    return series


def _occurrences(local_start: datetime, step: timedelta, *, count=None, until=None) -> list[datetime]:
    zone = local_start.tzinfo
    starts, day = [], local_start.date()
    while len(starts) < MAX_OCCURRENCES:
        if count is not None and len(starts) >= count:
            break
        if until is not None and day > until:
            break
        start = selectors.local_datetime(day, local_start.time(), zone)  # same wall-clock hour, DST or not
        if start is not None:
            starts.append(start)
        day += step
    return starts


def is_late(*, start: datetime, rules: BookingRules, now: datetime) -> bool:
    """Whether a change now counts as late: inside the therapist's late-cancellation window."""
    return start - now < timedelta(hours=rules.late_cancel_hours)


def move_refusal(*, appointment: Appointment, rules: BookingRules, now: datetime, online: bool = True) -> str | None:
    """Why this session cannot be moved (online: by the client themselves), or None.

    The portal's move page shows it before anyone picks a time; `appointment_move` refuses the same.
    """
    if appointment.status != Appointment.Status.BOOKED or appointment.start <= now:
        return _("Only an upcoming booked session can be moved.")
    if online and is_late(start=appointment.start, rules=rules, now=now):
        return _(
            "Less than %(hours)s hours before the session it can no longer be moved online. "
            "You can still cancel it (recorded as a late cancellation) or contact your therapist."
        ) % {"hours": rules.late_cancel_hours}
    return None


def _move_place(*, appointment: Appointment, rules: BookingRules, modality: str, start, end) -> tuple[Room | None, str]:
    """Where a moved session takes place: its own room if still free then, else another free one."""
    room = appointment.room if modality == Modality.IN_PERSON else None
    if room and _clashes(
        therapist=appointment.therapist, start=start, end=end, room=room, members=[], ignore=appointment.pk
    ):
        room = None  # the usual room is taken then: look for another
    room, link = _place(rules=rules, modality=modality, room=room, start=start, end=end, ignore=appointment.pk)
    if modality == appointment.modality == Modality.VIDEO and appointment.video_link:
        link = appointment.video_link  # keep the link the client was sent
    return room, link


@transaction.atomic
def appointment_move(
    *,
    appointment: Appointment,
    start: datetime,
    by: User,
    via: str,
    now=None,
    modality: str | None = None,
    notify: bool = True,
) -> Appointment:
    """Move a session to `start` (and, from the calendar, to another kind: `modality`).

    A session that is (or becomes) a video session needs every attendee's consent to video sessions.
    `notify` off (a series moved at once) leaves telling the attendees to the caller; reminders are
    always renewed.
    """
    now = now or timezone.now()
    therapist = appointment.therapist
    rules = _lock(therapist)
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("client", "room", "therapist")
        .get(pk=appointment.pk)
    )
    for_client = via == Appointment.Via.PORTAL
    refusal = move_refusal(appointment=appointment, rules=rules, now=now, online=for_client)
    if refusal:
        raise ValidationError(refusal)
    modality = appointment.modality if for_client or not modality else modality
    end = start + appointment.duration
    members = list(appointment.members.all())
    if for_client:
        _check_client_rules(
            rules=rules,
            client=appointment.client,
            modality=modality,
            start=start,
            therapist=therapist,
            ignore=appointment.pk,
        )
    if modality == Modality.VIDEO:  # booked under the informed consent already: only video is asked
        check_telehealth(client=appointment.client, members=members, by=by, for_client=for_client)
    room, link = _move_place(appointment=appointment, rules=rules, modality=modality, start=start, end=end)
    clash = _clashes(
        therapist=therapist,
        start=start,
        end=end,
        room=room,
        members=members,
        ignore=appointment.pk,
        buffer=rules.buffer if for_client else timedelta(0),
    )
    if clash:
        _refuse_clash(clash, therapist, for_client=for_client)

    previous_start = appointment.start
    appointment.start, appointment.end, appointment.room = start, end, room
    appointment.modality, appointment.video_link = modality, link
    if modality != Modality.VIDEO:
        appointment.video_room = ""
    elif not appointment.video_room:
        appointment.video_room = telehealth.new_room()
    appointment.sequence += 1  # the clients' calendars replace the event they hold (RFC 5546)
    try:
        with transaction.atomic():
            appointment.save(
                update_fields=["start", "end", "room", "modality", "video_link", "video_room", "sequence", "updated_at"]
            )
            appointment.attendances.update(start=start, end=end)
    except IntegrityError as exc:
        raise SlotTaken() from exc
    audit_record(actor=by, action=AuditAction.UPDATE, target=appointment, client_id=appointment.client_id)
    notifications.on_moved(appointment, tell=notify, previous_start=previous_start)
    return appointment


@dataclass(frozen=True)
class Preview:
    """What booking or moving to a slot in the portal would give, before anything is saved."""

    therapist: Therapist
    start: datetime
    end: datetime
    modality: str
    room: Room | None
    free_until: datetime  # cancelling or moving before this is free of charge
    late: bool  # the slot is already inside the late-cancellation window
    late_cancel_hours: int

    @property
    def video(self) -> bool:
        return self.modality == Modality.VIDEO


def booking_preview(
    *,
    therapist: Therapist,
    client: Client,
    members: list[Member],
    start: datetime,
    modality: str,
    by: User,
    moving: Appointment | None = None,
    now: datetime | None = None,
) -> Preview:
    """The portal's confirm step: the same checks as `appointment_book` (or `appointment_move` of
    `moving`), nothing locked or saved. Raises the same ValidationError the booking would."""
    now = now or timezone.now()
    rules = selectors.rules_for(therapist)
    if moving is not None:
        refusal = move_refusal(appointment=moving, rules=rules, now=now)
        if refusal:
            raise ValidationError(refusal)
        modality, members, end = moving.modality, list(moving.members.all()), start + moving.duration
    else:
        _check_members(client, members)
        end = start + rules.session_length
    ignore = moving.pk if moving else None
    _check_client_rules(rules=rules, client=client, modality=modality, start=start, therapist=therapist, ignore=ignore)
    if moving is None:
        purposes = (BOOKING, VIDEO) if modality == Modality.VIDEO else (BOOKING,)
        check_signatures(client=client, members=members, by=by, for_client=True, purposes=purposes)
    elif modality == Modality.VIDEO:
        check_telehealth(client=client, members=members, by=by, for_client=True)
    if moving is not None:
        room, _link = _move_place(appointment=moving, rules=rules, modality=modality, start=start, end=end)
    else:
        room, _link = _place(rules=rules, modality=modality, room=None, start=start, end=end)
    return Preview(
        therapist=therapist,
        start=start,
        end=end,
        modality=modality,
        room=room,
        free_until=start - timedelta(hours=rules.late_cancel_hours),
        late=is_late(start=start, rules=rules, now=now),
        late_cancel_hours=rules.late_cancel_hours,
    )


CLIENT_VIAS = (Appointment.Via.PORTAL, Appointment.Via.LINK, Appointment.Via.SMS)


@transaction.atomic
def appointment_cancel(
    *, appointment: Appointment, by: User | None, via: str, late: bool | None = None, now=None, notify: bool = True
) -> Appointment:
    """Cancel a session. By the client (portal or a reminder's link), inside the late-cancellation
    window it is recorded as a late cancellation and the therapist is told. Staff and therapists
    choose (`late`). Pending reminders are cancelled and the attendees are told."""
    now = now or timezone.now()
    appointment = (
        Appointment.objects.select_for_update(of=("self",))  # the session's row: nothing here can clash
        .select_related("therapist__booking_rules", "therapist__user", "client")
        .get(pk=appointment.pk)
    )
    by_client = via in CLIENT_VIAS
    if appointment.status != Appointment.Status.BOOKED:
        raise ValidationError(_("This session is not booked any more."))
    if via == Appointment.Via.PORTAL and not appointment.client.self_booking:
        raise ValidationError(_("Online changes are not open for you. Please contact your therapist."))
    if appointment.start <= now and by_client:
        raise ValidationError(_("A session that has started cannot be cancelled online."))
    rules = _rules_of(appointment.therapist)
    if late is None or by_client:
        late = is_late(start=appointment.start, rules=rules, now=now)

    appointment.status = Appointment.Status.LATE_CANCELLED if late else Appointment.Status.CANCELLED
    appointment.cancelled_at, appointment.cancelled_by = now, by
    appointment.save(update_fields=["status", "cancelled_at", "cancelled_by", "updated_at"])
    appointment.attendances.update(live=False)
    audit_record(actor=by, action=AuditAction.UPDATE, target=appointment, client_id=appointment.client_id)
    _status_changed(appointment, Appointment.Status.BOOKED, by)
    notifications.on_cancelled(appointment, late_by_client=late and by_client, tell=notify)
    return appointment


def series_following(appointment: Appointment) -> list[Appointment]:
    """This booked session and the booked sessions after it in its series (just this one without a series)."""
    if appointment.series_id is None:
        return [appointment]
    later = Appointment.objects.filter(
        series_id=appointment.series_id, status=Appointment.Status.BOOKED, start__gt=appointment.start
    )
    return [appointment, *later.select_related("therapist", "client", "room").order_by("start")]


@transaction.atomic
def series_cancel_following(
    *, appointment: Appointment, by: User, via: str = Appointment.Via.CALENDAR, late: bool = False, now=None
) -> list[Appointment]:
    """Cancel this session and every later booked session of its series, all or none.

    `late` is for this session only (the later ones are further away). Each is audited; each member is
    told once, in one message listing the cancelled sessions.
    """
    now = now or timezone.now()
    sessions = series_following(appointment)
    single = len(sessions) == 1
    cancelled = [
        appointment_cancel(appointment=a, by=by, via=via, late=late and a.pk == appointment.pk, now=now, notify=single)
        for a in sessions
    ]
    if not single:
        notifications.on_series_changed(notifications.SERIES_CANCELLED, cancelled)
    return cancelled


def _shifted(start: datetime, by: timedelta, zone: zoneinfo.ZoneInfo) -> datetime | None:
    """`start` moved by `by` on the wall clock of `zone` (a series keeps its local hour across DST)."""
    local = start.astimezone(zone)
    moved = local.replace(tzinfo=None) + by
    return selectors.local_datetime(moved.date(), moved.time(), zone)


@transaction.atomic
def series_move_following(
    *, appointment: Appointment, start: datetime, by: User, via: str = Appointment.Via.CALENDAR, now=None
) -> list[Appointment]:
    """Move this session to `start` and every later booked session of its series by the same shift
    (on the therapist's wall clock), all or none: one clash refuses the whole move, nothing changed.

    Sessions move in the order that keeps them clear of each other (the last first when moving later).
    Each is audited; each member is told once, in one message listing the new times.
    """
    now = now or timezone.now()
    zone = appointment.therapist.zone
    shift = start.astimezone(zone).replace(tzinfo=None) - appointment.start.astimezone(zone).replace(tzinfo=None)
    sessions = series_following(appointment)
    targets = []
    for session in sessions:
        target = start if session.pk == appointment.pk else _shifted(session.start, shift, zone)
        if target is None:
            raise ValidationError(_("Nothing was moved: one of the new times does not exist (clocks change)."))
        targets.append((session, target))
    if shift > timedelta(0):
        targets.reverse()
    moved, single = [], len(targets) == 1
    for session, target in targets:
        try:
            moved.append(appointment_move(appointment=session, start=target, by=by, via=via, now=now, notify=single))
        except ValidationError as error:
            when = date_format(target.astimezone(zone), "D j M Y, H:i")
            problem = " ".join(error.messages)
            raise ValidationError(
                _("Nothing was moved: the session that would move to %(when)s cannot. %(problem)s")
                % {"when": when, "problem": problem},
                code="clash",
            ) from error
    moved.sort(key=lambda a: a.start)
    if not single:
        notifications.on_series_changed(notifications.SERIES_MOVED, moved)
    return moved


@transaction.atomic
def attendance_confirm(*, attendance: Attendance, by: User | None, now=None, via: str = "link") -> Attendance:
    """A member confirms they will come (a reminder's link, or "C" by SMS: `via`). Audited;
    confirming twice keeps the first time."""
    now = now or timezone.now()
    attendance = Attendance.objects.select_for_update().select_related("appointment").get(pk=attendance.pk)
    if attendance.confirmed_at is None:
        attendance.confirmed_at, attendance.confirmed_via = now, via
        attendance.save(update_fields=["confirmed_at", "confirmed_via"])
    audit_record(actor=by, action=AuditAction.UPDATE, target=attendance, client_id=attendance.appointment.client_id)
    return attendance


MARKS = (Appointment.Status.ATTENDED, Appointment.Status.NO_SHOW)
CORRECTIONS = (Appointment.Status.CANCELLED, Appointment.Status.LATE_CANCELLED)
CHOOSE_MARK = _("Choose attended or no-show.")


@transaction.atomic
def appointment_mark(*, appointment: Appointment, status: str, by: User, now=None) -> Appointment:
    """Record attendance or a no-show once the session has started, or correct a mark.

    A session already marked may be corrected to the other mark, or to cancelled (in time or late)
    when it did not take place after all. A booked session is cancelled with `appointment_cancel`.
    Marking the same status again changes nothing. Apps above hear of every change through
    `appointment_status_changed`, in this transaction (billing charges or voids).
    """
    now = now or timezone.now()
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    previous = appointment.status
    correcting = previous in MARKS and status in CORRECTIONS
    if status not in MARKS and not correcting:
        raise ValidationError(CHOOSE_MARK)
    if previous not in Appointment.LIVE_STATUSES:
        raise ValidationError(_("A cancelled session cannot be marked."))
    if appointment.start > now:
        raise ValidationError(_("A session can be marked only once it has started."))
    if previous == status:
        return appointment
    appointment.status = status
    fields = ["status", "updated_at"]
    if correcting:
        appointment.cancelled_at, appointment.cancelled_by = now, by
        fields += ["cancelled_at", "cancelled_by"]
        appointment.attendances.update(live=False)
    appointment.save(update_fields=fields)
    audit_record(actor=by, action=AuditAction.UPDATE, target=appointment, client_id=appointment.client_id)
    _status_changed(appointment, previous, by)
    return appointment


def _status_changed(appointment: Appointment, previous: str, by: User | None) -> None:
    appointment_status_changed.send(sender=Appointment, appointment=appointment, previous=previous, by=by)


@transaction.atomic
def calendar_feed_reset(*, therapist: Therapist, by: User):
    """Give the therapist a new secret feed address; the old one stops working at once."""
    from sessions_app.models import CalendarFeed, new_feed_token

    feed, created = CalendarFeed.objects.get_or_create(therapist=therapist)
    if not created:
        feed.token = new_feed_token()
        feed.save(update_fields=["token", "updated_at"])
    audit_record(actor=by, action=AuditAction.UPDATE, target=feed)
    return feed


def member_calendar_feed(*, member: Member, by: User, reset: bool = False):
    """A member's own feed (created when first asked for); `reset` gives it a new secret address."""
    from sessions_app.models import MemberCalendarFeed, new_feed_token

    feed, created = MemberCalendarFeed.objects.get_or_create(member=member)
    if reset and not created:
        feed.token = new_feed_token()
        feed.save(update_fields=["token", "updated_at"])
    if created or reset:
        audit_record(actor=by, action=AuditAction.UPDATE, target=feed, client_id=member.client_id)
    return feed
