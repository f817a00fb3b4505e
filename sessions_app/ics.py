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


# --- Clients' calendars ---------------------------------------------------------------------------
# Invitations attached to the emails that confirm, move and cancel sessions (iTIP, RFC 5546:
# METHOD:REQUEST, then METHOD:CANCEL), and each member's own feed. One UID per session, stable
# across moves; SEQUENCE is the session's `sequence` (bumped by every move, and one more for a
# cancellation). The title is neutral: "Appointment", or "Appointment with <therapist>" for a member
# who did not ask for discreet wording; never a reference, a name of the practice a discreet member
# did not choose, or a word about the kind of care. Times carry the member's zone (VTIMEZONE).


def client_title(*, therapist_name: str, discreet: bool) -> str:
    return "Appointment" if discreet else f"Appointment with {therapist_name}"


def _client_event(appointment: Appointment, *, member, discreet: bool, organizer_name: str, now: datetime) -> Event:
    from email.utils import parseaddr

    from icalendar import vCalAddress

    zone = member.zone
    cancelled = not appointment.is_live
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["cn"] = organizer_name
    attendees = []
    if member.email:
        attendee = vCalAddress(f"mailto:{member.email}")
        attendee.params.update({"cn": member.display_name, "role": "REQ-PARTICIPANT", "rsvp": "FALSE"})
        attendees.append(attendee)
    return Event.new(
        uid=f"appointment-{appointment.pk}@practice",
        start=appointment.start.astimezone(zone),
        end=appointment.end.astimezone(zone),
        summary=client_title(therapist_name=appointment.therapist.display_name, discreet=discreet),
        location=_location(appointment),
        stamp=now.astimezone(UTC),
        sequence=appointment.sequence + (1 if cancelled else 0),
        status="CANCELLED" if cancelled else "CONFIRMED",
        transparency="TRANSPARENT" if cancelled else "OPAQUE",
        classification="PRIVATE",
        organizer=organizer,
        attendees=attendees,
    )


def invitation(
    *, appointments: list[Appointment], member, discreet: bool, organizer_name: str, now: datetime, cancel: bool
) -> bytes:
    """An iTIP message for a member's calendar: REQUEST (booked or moved) or CANCEL, one event per session."""
    calendar = Calendar.new(prodid="-//Appointments//EN", method="CANCEL" if cancel else "REQUEST")
    for appointment in appointments:
        calendar.add_component(
            _client_event(appointment, member=member, discreet=discreet, organizer_name=organizer_name, now=now)
        )
    calendar.add_missing_timezones()
    return calendar.to_ical()


def member_feed_document(*, member, appointments: list[Appointment], now: datetime) -> bytes:
    discreet = member.discreet_wording
    name = settings.PRACTICE_DISCREET_NAME if discreet else settings.PRACTICE_NAME
    calendar = Calendar.new(prodid="-//Appointments//EN", name="Appointments", uid=f"member-calendar-{member.pk}")
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    for appointment in appointments:
        calendar.add_component(
            _client_event(appointment, member=member, discreet=discreet, organizer_name=name, now=now)
        )
    calendar.add_missing_timezones()
    return calendar.to_ical()
