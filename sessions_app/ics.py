"""The therapist's sessions as an iCalendar document (RFC 5545), for calendar subscriptions.

A subscribed calendar lives on phones and in other companies' clouds, so each event carries only
what the title rule allows: "Session C-ABC123", the time in UTC, the room name or "Video"/"Phone".
No names, no description, no video link. Events are marked private.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from icalendar import Calendar, Event, vDuration

from sessions_app.models import Appointment, CalendarFeed, Modality

# SEQUENCE must grow when a session changes; seconds since this instant fit in 32 bits until 2092.
SEQUENCE_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
REFRESH = timedelta(hours=1)
_LOCATIONS = {Modality.VIDEO: "Video", Modality.PHONE: "Phone"}


def feed_document(*, feed: CalendarFeed, appointments: list[Appointment], now: datetime) -> bytes:
    calendar = Calendar.new(
        prodid=f"-//{settings.PRACTICE_NAME}//Sessions//EN",
        name=f"Sessions · {settings.PRACTICE_NAME}",
        uid=f"calendar-{feed.pk}@practice",
    )
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH).to_ical().decode())  # Outlook's name for the same
    for appointment in appointments:
        calendar.add_component(_event(appointment, now))
    return calendar.to_ical()


def _event(appointment: Appointment, now: datetime) -> Event:
    cancelled = not appointment.is_live
    return Event.new(
        uid=f"appointment-{appointment.pk}@practice",
        start=appointment.start.astimezone(UTC),
        end=appointment.end.astimezone(UTC),
        summary=appointment.title,
        location=_location(appointment),
        stamp=now.astimezone(UTC),
        last_modified=appointment.updated_at.astimezone(UTC),
        sequence=max(0, int((appointment.updated_at - SEQUENCE_EPOCH).total_seconds())),
        status="CANCELLED" if cancelled else "CONFIRMED",
        transparency="TRANSPARENT" if cancelled else "OPAQUE",
        classification="PRIVATE",
    )


def _location(appointment: Appointment) -> str:
    if appointment.modality == Modality.IN_PERSON:
        return appointment.room.name if appointment.room_id else "In person"
    return _LOCATIONS.get(appointment.modality, "")
