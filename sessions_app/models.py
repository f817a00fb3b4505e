"""Working hours, time off, rooms, booking rules, and one-hour appointments.

Nothing here is clinical text: an appointment says who (by reference), when, where and how. Times
are stored aware (UTC); a therapist's working hours and a series' local time are in the therapist's
zone. Two live appointments never overlap for a therapist, a room or a member: on PostgreSQL
exclusion constraints enforce it (migration 0002), on SQLite the booking service takes the write lock
before it checks (see `services.appointment_book`).
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from practice.fields import EncryptedCharField
from practice.models import TimeStampedModel


class Room(models.Model):
    name = models.CharField(max_length=80, unique=True)
    location = models.CharField(max_length=200, blank=True, help_text=_("Address or directions, shown in reminders."))
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Modality(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    VIDEO = "video", _("Video")
    PHONE = "phone", _("Phone")


class BookingRules(models.Model):
    """A therapist's booking rules. One row per therapist, created with defaults when first needed."""

    therapist = models.OneToOneField("practice.Therapist", models.CASCADE, related_name="booking_rules")
    session_minutes = models.PositiveSmallIntegerField(default=60)
    min_notice_hours = models.PositiveSmallIntegerField(default=24)
    max_days_ahead = models.PositiveSmallIntegerField(default=60)
    buffer_minutes = models.PositiveSmallIntegerField(default=0)
    slot_grid_minutes = models.PositiveSmallIntegerField(
        default=60, help_text=_("Sessions start on this grid: 60 on the hour, 30 on the half hour.")
    )
    late_cancel_hours = models.PositiveSmallIntegerField(default=48)
    offers_in_person = models.BooleanField(default=True)
    offers_video = models.BooleanField(default=True)
    offers_phone = models.BooleanField(default=False)
    video_link = models.URLField(
        blank=True, help_text=_("The therapist's video room; sent to clients, never in a title.")
    )

    class Meta:
        verbose_name_plural = "booking rules"

    def __str__(self) -> str:
        return f"Booking rules {self.pk}"

    @property
    def session_length(self) -> timedelta:
        return timedelta(minutes=self.session_minutes)

    @property
    def buffer(self) -> timedelta:
        return timedelta(minutes=self.buffer_minutes)

    def offered_modalities(self) -> list[str]:
        offered = [(self.offers_in_person, Modality.IN_PERSON), (self.offers_video, Modality.VIDEO)]
        offered.append((self.offers_phone, Modality.PHONE))
        return [modality for on, modality in offered if on]


class WorkingHours(models.Model):
    """One block of a therapist's weekly pattern, in the therapist's local time."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    therapist = models.ForeignKey("practice.Therapist", models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        verbose_name_plural = "working hours"
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="hours_end_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class TimeOff(models.Model):
    therapist = models.ForeignKey("practice.Therapist", models.CASCADE, related_name="time_off")
    start = models.DateTimeField()
    end = models.DateTimeField()
    label = models.CharField(max_length=80, blank=True, help_text=_('e.g. "Holiday", "Training". Not clinical.'))

    class Meta:
        verbose_name_plural = "time off"
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="timeoff_end_after_start")
        ]
        # Time off has no longest length (a holiday, a sabbatical): availability reads it from the end,
        # so past time off is skipped by the index, however much of it there is.
        indexes = [models.Index(fields=["therapist", "end"])]

    def __str__(self) -> str:
        return f"Time off {self.pk}"


class Series(TimeStampedModel):
    """A weekly or fortnightly repeat, created at once; each occurrence stays editable on its own.

    `local_time` in `time_zone` is what repeats, so a series keeps its hour across daylight saving.
    """

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        FORTNIGHTLY = "fortnightly", _("Fortnightly")

    therapist = models.ForeignKey("practice.Therapist", models.PROTECT, related_name="+")
    client = models.ForeignKey("clients.Client", models.PROTECT, related_name="series")
    frequency = models.CharField(max_length=12, choices=Frequency.choices)
    local_time = models.TimeField()
    time_zone = models.CharField(max_length=64)

    class Meta:
        verbose_name_plural = "series"

    def __str__(self) -> str:
        return f"Series {self.pk}"

    @property
    def step(self) -> timedelta:
        return timedelta(weeks=2 if self.frequency == self.Frequency.FORTNIGHTLY else 1)


# The longest a session may be. Availability reads only sessions that start less than this before
# the range it looks at, so its scan is bounded on both sides by an index. Enforced by `clean()` and,
# on PostgreSQL, by a CHECK constraint (migration 0005; not in Meta, where SQLite would need a
# Django-only SQL function in the constraint and a plain `sqlite3` could no longer check the file).
MAX_SESSION_LENGTH = timedelta(days=1)


class AppointmentQuerySet(models.QuerySet):
    def live(self) -> "AppointmentQuerySet":
        return self.filter(status__in=Appointment.LIVE_STATUSES)

    def overlapping(self, start, end) -> "AppointmentQuerySet":
        """Sessions overlapping [start, end). Bounded below (no session is longer than
        MAX_SESSION_LENGTH) so the (therapist, start) and (room, start) indexes are scanned over a
        window, not over the whole history."""
        return self.filter(start__gt=start - MAX_SESSION_LENGTH, start__lt=end, end__gt=start)


class Appointment(TimeStampedModel):
    """A session. No clinical content: titles and messages use the client's reference code."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        ATTENDED = "attended", _("Attended")
        CANCELLED = "cancelled", _("Cancelled")
        LATE_CANCELLED = "late_cancelled", _("Cancelled late")
        NO_SHOW = "no_show", _("No-show")

    class Via(models.TextChoices):
        PORTAL = "portal", _("Client portal")
        CALENDAR = "calendar", _("Practice calendar")
        ADMIN = "admin", _("Admin")
        LINK = "link", _("Link in a reminder")
        SMS = "sms", _("Reply to a text message")

    # Statuses that hold the time: a cancelled session frees it.
    LIVE_STATUSES = (Status.BOOKED, Status.ATTENDED, Status.NO_SHOW)

    therapist = models.ForeignKey("practice.Therapist", models.PROTECT, related_name="appointments")
    # Indexed with the start (`appointment_client_start`), which serves every read by unit.
    client = models.ForeignKey("clients.Client", models.PROTECT, related_name="appointments", db_index=False)
    members = models.ManyToManyField("clients.Member", through="Attendance", related_name="appointments")
    start = models.DateTimeField(db_index=True)
    end = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BOOKED)
    modality = models.CharField(max_length=12, choices=Modality.choices, default=Modality.IN_PERSON)
    room = models.ForeignKey(Room, models.PROTECT, null=True, blank=True, related_name="appointments")
    video_link = models.URLField(blank=True)
    series = models.ForeignKey(Series, models.SET_NULL, null=True, blank=True, related_name="appointments")
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    booked_via = models.CharField(max_length=10, choices=Via.choices, default=Via.CALENDAR)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    # Calendar invitations: SEQUENCE of the event clients were sent, bumped on every move (RFC 5546).
    sequence = models.PositiveIntegerField(default=0)
    # A video session's own room (TELEHEALTH_ROOM_PATTERN): an unguessable name, never in a message.
    video_room = models.CharField(max_length=64, blank=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="appointment_end_after_start"),
            models.CheckConstraint(
                condition=~models.Q(modality="in_person", room__isnull=True, status="booked"),
                name="appointment_in_person_has_room",
            ),
        ]
        indexes = [
            models.Index(fields=["therapist", "start"]),
            models.Index(fields=["room", "start"]),
            # A unit's sessions in order, and its last one before a time in one step of the index (the
            # dashboard asks it for each of up to 100 answers: "since the last session").
            models.Index(fields=["client", "start"], name="appointment_client_start"),
        ]

    def __str__(self) -> str:
        return f"Appointment {self.pk}"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def title(self) -> str:
        """The neutral title used in calendars and messages: the reference code, never a name."""
        return f"Session {self.client.reference}"

    def clean(self) -> None:
        if self.start and timezone.is_naive(self.start):
            raise ValidationError({"start": _("A time without a zone cannot be booked.")})
        if self.start and self.end and self.end - self.start > MAX_SESSION_LENGTH:
            raise ValidationError(_("A session lasts at most a day."))


class Attendance(models.Model):
    """Who attends an appointment. Copies the appointment's time and liveness so the database can
    refuse one member in two live sessions at once (exclusion constraint on PostgreSQL)."""

    appointment = models.ForeignKey(Appointment, models.CASCADE, related_name="attendances")
    member = models.ForeignKey("clients.Member", models.PROTECT, related_name="attendances")
    start = models.DateTimeField()
    end = models.DateTimeField()
    live = models.BooleanField(default=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_via = models.CharField(max_length=10, blank=True)  # "link" or "sms"
    # Where the member said they were when joining a video session (state or country): licensure
    # and place of service. Confidential (encrypted).
    location = EncryptedCharField(max_length=100, blank=True)
    location_confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["appointment", "member"], name="attendance_unique")]
        indexes = [models.Index(fields=["member", "start"])]

    def __str__(self) -> str:
        return f"Attendance {self.pk}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(TimeStampedModel):
    """A therapist's ICS feed at a secret URL. Revoking it (a new token) breaks old subscriptions."""

    therapist = models.OneToOneField("practice.Therapist", models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)

    def __str__(self) -> str:
        return f"Calendar feed {self.pk}"


class MemberCalendarFeed(TimeStampedModel):
    """A member's own sessions as an ICS feed at a secret URL; "Reset the address" replaces the token."""

    member = models.OneToOneField("clients.Member", models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)

    def __str__(self) -> str:
        return f"Member calendar feed {self.pk}"


class ReminderSchedule(TimeStampedModel):
    """When reminders go out: the practice's schedule (one row), a therapist's override, or a
    member's. The most specific row wins: member, then therapist, then practice, then
    settings.REMINDER_HOURS on both channels. Channels are still limited by the member's
    preferences, addresses and consents."""

    class Scope(models.TextChoices):
        PRACTICE = "practice", _("Practice")
        THERAPIST = "therapist", _("Therapist")
        MEMBER = "member", _("Member")

    class Mode(models.TextChoices):
        BOTH = "both", _("Email and SMS")
        EMAIL = "email", _("Email only")
        SMS = "sms", _("SMS only")
        OFF = "off", _("No reminders")

    scope = models.CharField(max_length=10, choices=Scope.choices)
    therapist = models.OneToOneField(
        "practice.Therapist", models.CASCADE, null=True, blank=True, related_name="reminder_schedule"
    )
    member = models.OneToOneField(
        "clients.Member", models.CASCADE, null=True, blank=True, related_name="reminder_schedule"
    )
    mode = models.CharField(max_length=5, choices=Mode.choices, default=Mode.BOTH)
    hours = models.JSONField(default=list, blank=True)  # hours before the start, e.g. [48, 2]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope"], condition=models.Q(scope="practice"), name="reminder_schedule_one_practice"
            ),
            models.CheckConstraint(
                condition=models.Q(scope="practice", therapist__isnull=True, member__isnull=True)
                | models.Q(scope="therapist", therapist__isnull=False, member__isnull=True)
                | models.Q(scope="member", therapist__isnull=True, member__isnull=False),
                name="reminder_schedule_scope_matches",
            ),
        ]

    def __str__(self) -> str:
        return f"Reminder schedule {self.pk}"

    def channels(self) -> set[str]:
        return {"both": {"email", "sms"}, "email": {"email"}, "sms": {"sms"}}.get(self.mode, set())


class SmsReply(models.Model):
    """A text a member sent us (Twilio's inbound webhook), and what it did. One row per MessageSid
    (unique): Twilio retrying a webhook can never confirm, cancel or unsubscribe twice. The text
    itself is not kept; `action` says what it was read as."""

    class Action(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED = "cancelled", _("Cancelled")
        REFUSED = "refused", _("Cancel refused")
        STOPPED = "stopped", _("Stopped texts")
        STARTED = "started", _("Started texts again")
        HELP = "help", _("Not understood: help sent")
        UNKNOWN_SENDER = "unknown", _("From an unknown number")

    message_sid = models.CharField(max_length=64, unique=True)
    member = models.ForeignKey("clients.Member", models.SET_NULL, null=True, blank=True, related_name="+")
    appointment = models.ForeignKey(Appointment, models.SET_NULL, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=10, choices=Action.choices)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "SMS replies"

    def __str__(self) -> str:
        return f"SMS reply {self.pk}"
