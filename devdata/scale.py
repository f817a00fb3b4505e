"""Practice-sized data for benchmarks and query-count tests (`python manage.py seed_scale`).

Deterministic: one `random.Random(SEED)` drives every choice and references are derived from row
counts, so two loads of the same size into empty databases are the same. Fast: rows go in with
`bulk_create(batch_size=...)`. Encrypted fields still go through their field, so every value is
encrypted with Fernet one by one (about 10 µs each on the bench machine; a member has 11 encrypted
columns, blanks included). Name search tokens are bulk-created with `clients.search.name_digests`,
as `clients.services._refresh_search_tokens` would make them.

Appointments are laid out on a grid per therapist (weekdays, one-hour sessions from 09:00 local
time), so no two of a therapist's sessions overlap; a unit belongs to one therapist, so no member
is in two sessions at once either. Past sessions fill every grid hour going back from yesterday;
future ones take every other hour going forward from tomorrow, leaving free slots to book.

Only for development and benchmarks: refused when `settings.ALLOW_DEMO_DATA` is off.
"""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

SEED = 20261127
BATCH = 2000
DOMAIN = "scale.practice"
PASSWORD = "scale-pass"  # noqa: S105  (bench accounts, never in production)
TOTP_SECRET = "SCALETHERAPISTTOTPSECRETAAAAAAAA"  # noqa: S105  (public, like the demo accounts')
PAST_HOURS = (9, 10, 11, 12, 13, 14, 15, 16)
FUTURE_HOURS = (9, 11, 13, 15)
ZONE = "Europe/London"


@dataclass(frozen=True)
class Size:
    therapists: int
    units: int
    past: int
    future: int
    referrals: int
    outbox: int
    due: int


SIZES = {
    "XS": Size(therapists=2, units=50, past=1_000, future=20, referrals=10, outbox=1_000, due=100),
    "S": Size(therapists=10, units=500, past=10_000, future=200, referrals=100, outbox=10_000, due=1_000),
    "M": Size(therapists=10, units=5_000, past=100_000, future=2_000, referrals=1_000, outbox=100_000, due=10_000),
    "L": Size(
        therapists=50, units=50_000, past=1_000_000, future=20_000, referrals=10_000, outbox=1_000_000, due=100_000
    ),
}

FIRST = [
    "Alex",
    "Sam",
    "Jordan",
    "Casey",
    "Robin",
    "Morgan",
    "Taylor",
    "Jamie",
    "Riley",
    "Avery",
    "Quinn",
    "Rowan",
    "Sasha",
    "Noor",
    "Ines",
    "Tomas",
    "Mei",
    "Kofi",
    "Anya",
    "Luca",
]
LAST = [
    "Lee",
    "Hale",
    "Reyes",
    "Okafor",
    "Nguyen",
    "Schmidt",
    "Rossi",
    "Kowalski",
    "Haddad",
    "Silva",
    "Murphy",
    "Tanaka",
    "Novak",
    "Dubois",
    "Ahmed",
    "Larsen",
    "Costa",
    "Fischer",
    "Ward",
    "Patel",
]


class ScaleRefused(Exception):
    pass


def has_scale_data() -> bool:
    from practice.models import User

    return User.objects.filter(email__endswith="@" + DOMAIN).exists()


def seed(size: str = "S", *, force: bool = False, now: datetime | None = None, log=None) -> dict[str, int]:
    """Load `size` (XS, S, M or L). Returns the number of rows made per kind."""
    from django.conf import settings

    if not settings.ALLOW_DEMO_DATA:
        raise ScaleRefused("Scale data is disabled in these settings (ALLOW_DEMO_DATA is off).")
    if has_scale_data() and not force:
        raise ScaleRefused("This database already has scale data; use --force to add another load.")
    spec = SIZES[size]
    now = now or timezone.now()
    rng = random.Random(SEED)  # noqa: S311  (deterministic data, not secrets)
    log = log or (lambda message: None)
    made: dict[str, int] = {}
    with transaction.atomic():
        people = ensure_people(spec.therapists)
        log(f"people: {len(people.therapists)} therapists, staff, portal client")
        made |= add_units(people.therapists, spec.units, rng=rng)
        log(f"units: {made}")
        made |= add_appointments(people.therapists, past=spec.past, future=spec.future, rng=rng, now=now)
        log("appointments done")
        link_portal_user(people)
        made |= add_referrals(spec.referrals, rng=rng, therapists=people.therapists)
        made |= add_clinical_work(people.therapists, rng=rng, now=now)
        made |= add_outbox(spec.outbox, due=spec.due, rng=rng, now=now)
    refresh_statistics()
    return made


def refresh_statistics() -> None:
    """ANALYZE: bulk inserts leave the query planner's statistics stale until autovacuum catches up,
    where a practice that grew over years has them. Without it PostgreSQL picked a hash join over
    every member for a booking's two attendees at size M (7 ms instead of 0.1)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


@dataclass
class People:
    therapists: list
    staff: object
    portal: object


def _user(email: str, role: str, first: str, last: str, *, totp: bool):
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    from practice.models import User

    user = User.objects.by_address(email).first()
    if user is None:
        user = User(email=email, role=role, first_name=first, last_name=last)
        user.set_password(PASSWORD)
        user.save()
        EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    if totp and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, TOTP_SECRET)
    return user


def ensure_people(therapists: int) -> People:
    """The therapists (with working hours and booking rules), a staff user and a portal client user."""
    from practice.models import Therapist, User
    from sessions_app.models import BookingRules, WorkingHours

    made = []
    for i in range(therapists):
        user = _user(f"therapist-{i}@{DOMAIN}", User.Role.THERAPIST, FIRST[i % 20], LAST[i % 20], totp=True)
        therapist, created = Therapist.objects.get_or_create(
            user=user, defaults={"display_name": f"Dr {FIRST[i % 20]} {LAST[i % 20]} {i}", "time_zone": ZONE}
        )
        if created:
            BookingRules.objects.create(therapist=therapist, min_notice_hours=0, max_days_ahead=365)
            WorkingHours.objects.bulk_create(
                WorkingHours(therapist=therapist, weekday=d, start=time(9), end=time(17)) for d in range(5)
            )
        made.append(therapist)
    staff = _user(f"staff@{DOMAIN}", User.Role.STAFF, "Staff", "Scale", totp=True)
    portal = _user(f"client@{DOMAIN}", User.Role.CLIENT, "Portal", "Scale", totp=False)
    return People(made, staff, portal)


def _reference(prefix: str, number: int) -> str:
    from clients.models import REFERENCE_ALPHABET as alphabet

    chars = []
    number += 7 * len(alphabet) ** 5  # starts with "H", unlike the demo's C-DEM...
    for _ in range(6):
        number, digit = divmod(number, len(alphabet))
        chars.append(alphabet[digit])
    return prefix + "".join(reversed(chars))


def add_units(therapists: list, units: int, *, rng: random.Random) -> dict[str, int]:
    """`units` client units shared round-robin between `therapists`; a third are couples."""
    from clients import search
    from clients.models import Client, Consent, Member, MemberSearchToken

    first_number = Client.objects.filter(reference__startswith="C-").count()
    clients = [
        Client(
            reference=_reference("C-", first_number + i),
            kind=Client.Kind.COUPLE if i % 3 == 0 else Client.Kind.INDIVIDUAL,
            status=Client.Status.ACTIVE,
            primary_therapist=therapists[i % len(therapists)],
            confidentiality_policy=Client.Policy.LIMITED_SECRETS if i % 3 == 0 else "",
        )
        for i in range(units)
    ]
    Client.objects.bulk_create(clients, batch_size=BATCH)
    members = []
    for unit in clients:
        for position in range(1, 3 if unit.kind == Client.Kind.COUPLE else 2):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            members.append(
                Member(
                    client=unit,
                    position=position,
                    first_name=first,
                    last_name=last,
                    pronouns="they/them",
                    email=f"{first.lower()}.{unit.reference.lower()}{position}@example.org",
                    phone="+44 7700 900000",
                )
            )
    Member.objects.bulk_create(members, batch_size=BATCH)
    tokens = [
        MemberSearchToken(member=m, client_id=m.client_id, digest=d)
        for m in members
        for d in sorted(search.name_digests(m.first_name, m.last_name, m.preferred_name))
    ]
    MemberSearchToken.objects.bulk_create(tokens, batch_size=BATCH)
    therapist_user = {t.pk: t.user_id for t in therapists}
    Consent.objects.bulk_create(
        (
            Consent(
                client=m.client,
                member=m,
                kind=Consent.Kind.REMINDERS_EMAIL,
                recorded_by_id=therapist_user[m.client.primary_therapist_id],
            )
            for m in members
        ),
        batch_size=BATCH,
    )
    signatures = _sign_for_booking_and_video(members, therapist_user)
    return {"units": len(clients), "members": len(members), "search_tokens": len(tokens), "signatures": signatures}


def _sign_for_booking_and_video(members: list, therapist_user: dict[int, int]) -> int:
    """Every member has signed the informed consent and the telehealth consent (the documents
    booking and video sessions need, `documents.gates`), recorded by their therapist from paper:
    the scale data must be bookable. One insert per batch."""
    from documents.gates import current_versions
    from documents.models import DocumentTemplate, Signature

    templates = DocumentTemplate.objects.filter(active=True, required_before__in=["booking", "video"])
    versions = list(current_versions(templates).values())
    rows = [
        Signature(
            version=version,
            client_id=m.client_id,
            member=m,
            signed_name=f"{m.first_name} {m.last_name}",
            recorded_by_id=therapist_user[m.client.primary_therapist_id],
            method=Signature.Method.PAPER,
        )
        for m in members
        for version in versions
        if version.template.applies_to(m.client)
    ]
    Signature.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _weekdays(start: date, step: int):
    day = start
    while True:
        if day.weekday() < 5:
            yield day
        day += timedelta(days=step)


def _grid(first_day: date, step: int, hours: tuple[int, ...], skip: int, count: int, zone: ZoneInfo):
    """`count` local session starts on the grid, after skipping the first `skip` (already taken)."""
    taken = 0
    for day in _weekdays(first_day, step):
        for hour in hours if step > 0 else reversed(hours):
            if taken >= skip + count:
                return
            if taken >= skip:
                yield datetime.combine(day, time(hour), tzinfo=zone)
            taken += 1


def add_appointments(therapists: list, *, past: int, future: int, rng: random.Random, now: datetime) -> dict:
    """Past and future sessions spread over `therapists`, with attendances and notes for past ones."""
    from clients.models import Member, Note
    from sessions_app.models import Appointment, Attendance, Modality

    zone = ZoneInfo(ZONE)
    today = now.astimezone(zone).date()
    day_start = datetime.combine(today, time.min, tzinfo=zone)
    tomorrow = day_start + timedelta(days=1)
    made = defaultdict(int)
    for index, therapist in enumerate(therapists):
        units = defaultdict(list)
        for client_id, member_id in (
            Member.objects.filter(client__primary_therapist=therapist)
            .order_by("client_id", "position")
            .values_list("client_id", "id")
        ):
            units[client_id].append(member_id)
        if not units:
            continue
        unit_ids = sorted(units)
        share_past = past // len(therapists) + (1 if index < past % len(therapists) else 0)
        share_future = future // len(therapists) + (1 if index < future % len(therapists) else 0)
        done_past = Appointment.objects.filter(therapist=therapist, start__lt=day_start).count()
        done_future = Appointment.objects.filter(therapist=therapist, start__gte=tomorrow).count()
        rows = []
        for start in _grid(today - timedelta(days=1), -1, PAST_HOURS, done_past, share_past, zone):
            roll = rng.random()
            status = (
                Appointment.Status.CANCELLED
                if roll < 0.08
                else Appointment.Status.NO_SHOW
                if roll < 0.11
                else Appointment.Status.LATE_CANCELLED
                if roll < 0.13
                else Appointment.Status.ATTENDED
            )
            rows.append((start, status))
        for start in _grid(today + timedelta(days=1), 1, FUTURE_HOURS, done_future, share_future, zone):
            rows.append((start, Appointment.Status.BOOKED))
        appointments = [
            Appointment(
                therapist=therapist,
                client_id=rng.choice(unit_ids),
                start=start,
                end=start + timedelta(hours=1),
                status=status,
                modality=Modality.VIDEO,
                video_link="https://video.example.org/scale",
                booked_by_id=therapist.user_id,
                cancelled_at=start - timedelta(days=1) if status in ("cancelled", "late_cancelled") else None,
            )
            for start, status in rows
        ]
        Appointment.objects.bulk_create(appointments, batch_size=BATCH)
        live = set(Appointment.LIVE_STATUSES)
        attendances = [
            Attendance(
                appointment=a,
                member_id=m,
                start=a.start,
                end=a.end,
                live=a.status in live,
                confirmed_at=a.start - timedelta(days=1) if a.status != "booked" else None,
            )
            for a in appointments
            for m in units[a.client_id]
        ]
        Attendance.objects.bulk_create(attendances, batch_size=BATCH)
        notes = [
            Note(
                client_id=a.client_id,
                author=therapist,
                appointment=a,
                session_date=a.start.astimezone(zone).date(),
                body=f"Session notes {a.start:%Y-%m-%d}: themes explored, homework agreed.",
                signed_at=None if rng.random() < 0.02 else a.end + timedelta(hours=2),
            )
            for a in appointments
            if a.status == Appointment.Status.ATTENDED
        ]
        Note.objects.bulk_create(notes, batch_size=BATCH)
        made["past_appointments"] += share_past
        made["future_appointments"] += share_future
        made["attendances"] += len(attendances)
        made["notes"] += len(notes)
    return dict(made)


def link_portal_user(people: People) -> None:
    """The portal client signs in as the first member of the first therapist's first unit."""
    from clients.models import Member

    if Member.objects.filter(user=people.portal).exists():
        return
    member = Member.objects.filter(client__primary_therapist=people.therapists[0]).order_by("client_id", "position")
    Member.objects.filter(pk=member.values("pk")[:1]).update(user=people.portal)


def add_referrals(count: int, *, rng: random.Random, therapists: list) -> dict[str, int]:
    from referrals.models import Referral, Referrer

    first_referrer = Referrer.objects.count()
    referrers = [
        Referrer(
            kind=Referrer.Kind.values[i % len(Referrer.Kind.values)],
            name=f"Dr Referrer {first_referrer + i}",
            email=f"referrer-{first_referrer + i}@{DOMAIN}",
        )
        for i in range(max(1, count // 20))
    ]
    Referrer.objects.bulk_create(referrers, batch_size=BATCH)
    first_number = Referral.objects.count()
    statuses = [s for s, _label in Referral.Status.choices]
    referrals = []
    for i in range(count):
        couple = i % 4 == 0
        referrals.append(
            Referral(
                reference=_reference("R-", first_number + i),
                referrer=referrers[i % len(referrers)],
                kind=Referral.Kind.COUPLE if couple else Referral.Kind.INDIVIDUAL,
                first_name=rng.choice(FIRST),
                last_name=rng.choice(LAST),
                email="person@example.org",
                phone="+44 7700 900001",
                partner_first_name=rng.choice(FIRST) if couple else "",
                partner_last_name=rng.choice(LAST) if couple else "",
                reason="Low desire and painful sex for a year; would like couples work.",
                urgency=Referral.Urgency.ROUTINE,
                consent_attested_at=timezone.now(),
                status=statuses[i % len(statuses)] if i % 2 else Referral.Status.NEW,
                preferred_therapist=therapists[i % len(therapists)] if i % 5 == 0 else None,
            )
        )
    Referral.objects.bulk_create(referrals, batch_size=BATCH)
    # A bulk load sends no signals: the sources chart's kept counts are rebuilt here.
    from referrals.counts import rebuild

    rebuild(after_bulk_load=True)
    return {"referrers": len(referrers), "referrals": len(referrals)}


# One active unit in WORK_EVERY has clinical work under way: a questionnaire assigned (one request
# open, three answers), two pieces of homework (one overdue), a private thread of three messages from
# its therapist; one in ALERT_EVERY of those also has an open risk alert. The dashboard's, client page's
# and portal's panels read these tables: empty, they cost nothing to read and the bench hid their cost.
WORK_EVERY = 5
ALERT_EVERY = 20
RESOURCES = ("Sensate focus: stage one", "Reading: Come as You Are, chapter 2", "Pelvic floor relaxation")


def _bulk(model, rows) -> list:
    return model.objects.bulk_create(list(rows), batch_size=BATCH)


def add_clinical_work(therapists: list, *, rng: random.Random, now: datetime) -> dict[str, int]:
    """Measures, homework, messages and open risk alerts for one active unit in WORK_EVERY (bulk, so
    no signal or audit row; the answers, notes and message bodies go through their encrypted fields)."""
    import json

    from clients.models import Client, Member, RiskAlert
    from measures import definitions
    from measures.models import MeasureAssignment, MeasureRequest, MeasureResponse
    from messaging.models import Message, Thread
    from resources.models import Assignment, Resource

    by_pk = {t.pk: t for t in therapists}
    first_members = {
        m.client_id: m
        for m in Member.objects.filter(client__status=Client.Status.ACTIVE, position=1).only("id", "client_id")
    }
    caseloads = defaultdict(list)
    for pk, therapist_id in (
        Client.objects.filter(status=Client.Status.ACTIVE, primary_therapist__in=therapists)
        .exclude(Exists(MeasureAssignment.objects.filter(client=OuterRef("pk"))))  # a second load: new units only
        .order_by("pk")
        .values_list("pk", "primary_therapist_id")
    ):
        if pk in first_members:
            caseloads[therapist_id].append(pk)
    # One in WORK_EVERY of each therapist's caseload (units are dealt to therapists in turn, so one in
    # WORK_EVERY of all units would be every unit of one therapist in WORK_EVERY), and an alert for one
    # in ALERT_EVERY of those.
    chosen = {therapist_id: pks[::WORK_EVERY] for therapist_id, pks in caseloads.items()}
    units = [(pk, by_pk[therapist_id]) for therapist_id, pks in sorted(chosen.items()) for pk in pks]
    alerted = {pk for pks in chosen.values() for pk in pks[::ALERT_EVERY]}
    resources = [Resource.objects.get_or_create(title=title, defaults={"summary": title})[0] for title in RESOURCES]
    slug = "phq9" if "phq9" in definitions.shipped() else sorted(definitions.shipped())[0]
    definition = definitions.get_definition(slug)
    given = {item["id"]: definitions.options_of(definition, item)[1]["value"] for item in definition["items"]}
    answers, score = json.dumps(given), json.dumps(definitions.score(definition, given).as_dict())

    measure_assignments = _bulk(
        MeasureAssignment,
        (
            MeasureAssignment(
                client_id=pk,
                member=first_members[pk],
                instrument=slug,
                schedule=MeasureAssignment.Schedule.EVERY_N_WEEKS,
                every=2,
                starts_at=now - timedelta(weeks=6),
                assigned_by=therapist,
                primary_therapist=therapist,
            )
            for pk, therapist in units
        ),
    )
    requests = _bulk(
        MeasureRequest,
        (
            MeasureRequest(
                assignment=assignment,
                member_id=assignment.member_id,
                due_key="w6",
                due_at=now - timedelta(days=rng.randrange(0, 4)),
                primary_therapist_id=assignment.primary_therapist_id,
            )
            for assignment in measure_assignments
        ),
    )
    responses = _bulk(
        MeasureResponse,
        (
            MeasureResponse(
                client_id=pk,
                member=first_members[pk],
                instrument=slug,
                answers=answers,
                score=score,
                submitted_at=now - timedelta(days=days, hours=rng.randrange(0, 24)),
                entered_by_id=therapist.user_id,
                primary_therapist=therapist,
            )
            for pk, therapist in units
            for days in (28, 14, 1)
        ),
    )
    homework = _bulk(
        Assignment,
        (
            Assignment(
                resource=resources[(i + k) % len(resources)],
                client_id=pk,
                due_on=(now - timedelta(days=3 if k == 0 else -7)).date(),
                note="Practise twice this week; notice what comes up.",
                created_by=therapist,
                primary_therapist=therapist,
            )
            for i, (pk, therapist) in enumerate(units)
            for k in (0, 1)
        ),
    )
    threads = _bulk(
        Thread,
        (
            Thread(
                client_id=pk,
                kind=Thread.Kind.PRIVATE,
                member=first_members[pk],
                created_at=now - timedelta(days=20),
                last_message_at=now - timedelta(days=2),
                primary_therapist=therapist,
            )
            for pk, therapist in units
        ),
    )
    messages = _bulk(
        Message,
        (
            Message(
                thread=thread,
                sender_id=therapist.user_id,
                body="A reminder of this week's exercise: go gently, and stop if anything hurts.",
                sent_at=now - timedelta(days=days),
            )
            for thread, (_pk, therapist) in zip(threads, units, strict=True)
            for days in (20, 9, 2)
        ),
    )
    newest_answer = {response.client_id: response for response in responses}  # each unit's last made
    alerts = _bulk(
        RiskAlert,
        (
            RiskAlert(
                client_id=pk,
                member=first_members[pk],
                source=RiskAlert.Source.MEASURE,
                source_id=str(newest_answer[pk].pk),
                raised_at=newest_answer[pk].submitted_at,
            )
            for pk, _therapist in units
            if pk in alerted
        ),
    )
    return {
        "measure requests": len(requests),
        "measure responses": len(responses),
        "homework": len(homework),
        "messages": len(messages),
        "risk alerts": len(alerts),
    }


def add_outbox(count: int, *, due: int, rng: random.Random, now: datetime) -> dict[str, int]:
    """`due` reminders for booked sessions, due now, and `count - due` messages already sent."""
    from outbox.models import Notification
    from sessions_app import notifications as n
    from sessions_app.models import Attendance

    booked = list(
        Attendance.objects.filter(appointment__status="booked", appointment__start__gt=now)
        .select_related("appointment")
        .order_by("pk")
    )
    past = list(
        Attendance.objects.filter(appointment__start__lt=now)
        .order_by("pk")
        .values_list("pk", "appointment_id", "member_id")[: max(1, count - due)]
    )
    first = Notification.objects.count()
    rows = []
    for i in range(due if booked else 0):
        attendance = booked[i % len(booked)]
        rows.append(
            Notification(
                kind=n.REMINDER,
                key=f"scale:{first + i}:reminder:{attendance.pk}",
                send_at=now - timedelta(minutes=1 + i % 50),
                target_type="sessions_app.appointment",
                target_id=str(attendance.appointment_id),
                member_id=attendance.member_id,
                reference="scale",
                context={"start": attendance.appointment.start.isoformat()},
            )
        )
    for i in range(count - len(rows)):
        _pk, appointment_id, member_id = past[i % len(past)]
        sent = now - timedelta(hours=1 + i % 20_000)
        rows.append(
            Notification(
                kind=n.REMINDER,
                key=f"scale:{first + due + i}:sent:{appointment_id}",
                send_at=sent,
                status=Notification.Status.SENT,
                sent_at=sent,
                queued_at=sent,
                attempts=1,
                target_type="sessions_app.appointment",
                target_id=str(appointment_id),
                member_id=member_id,
                reference="scale",
            )
        )
    Notification.objects.bulk_create(rows, batch_size=BATCH)
    return {"outbox": len(rows), "outbox_due": min(due, len(rows)) if booked else 0}


HISTORY_YEARS = 5


def add_history(*, audit: int, outbox: int, now: datetime | None = None, log=None) -> dict[str, int]:
    """Years of growth in bulk: `audit` audit rows and `outbox` sent messages spread evenly over the
    last HISTORY_YEARS years (for measuring the audit list, the outbox page and `manage.py archive`
    at 10 million and 1 million rows). On PostgreSQL one INSERT ... SELECT over generate_series per
    table (minutes for 10 million rows, nothing crosses the wire); elsewhere bulk_create in batches.
    The rows carry ids only, like real ones; the outbox rows share one encrypted empty address.
    (`g::bigint`: at 10 million rows the step, 15.8 s in microseconds, fits an integer, and g times
    it did not.)"""
    from django.conf import settings
    from django.db import connection

    from outbox.models import Notification
    from practice import crypto
    from practice.models import AuditEvent

    if not settings.ALLOW_DEMO_DATA:
        raise ScaleRefused("Scale data is disabled in these settings (ALLOW_DEMO_DATA is off).")
    now = now or timezone.now()
    span = timedelta(days=365 * HISTORY_YEARS)
    log = log or (lambda message: None)
    address = crypto.encrypt_str("")
    first = Notification.objects.count()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            if audit:
                cursor.execute(
                    "INSERT INTO practice_auditevent (at, actor_id, action, target_type, target_id, client_id,"
                    " request_id, ip, amount)"
                    " SELECT %s - g::bigint * %s * interval '1 microsecond', NULL, 'view', 'clients.note', g::text,"
                    " NULL, '', NULL, NULL FROM generate_series(1, %s) AS g",
                    [now, int(span.total_seconds() * 1e6) // audit, audit],
                )
            log(f"audit: {audit}")
            if outbox:
                cursor.execute(
                    "INSERT INTO practice_notification (kind, channel, key, send_at, status, target_type,"
                    " target_id, member_id, user_id, address, reference, context, attempts, queued_at, taken_at,"
                    " sent_at, last_error, created_at, updated_at)"
                    " SELECT 'reminder', 'email', 'history:' || (%s + g), t, 'sent', 'sessions_app.appointment',"
                    " g::text, NULL, NULL, %s, 'history', '{}'::jsonb, 1, t, NULL, t, '', t, t"
                    " FROM (SELECT g, %s - g::bigint * %s * interval '1 microsecond' AS t"
                    " FROM generate_series(1, %s) AS g) AS s",
                    [first, address, now, int(span.total_seconds() * 1e6) // outbox, outbox],
                )
            log(f"outbox: {outbox}")
        refresh_statistics()
        return {"audit_history": audit, "outbox_history": outbox}
    step_audit = span / max(audit, 1)
    for start in range(0, audit, BATCH):
        AuditEvent.objects.bulk_create(
            AuditEvent(at=now - step_audit * (i + 1), action="view", target_type="clients.note", target_id=str(i + 1))
            for i in range(start, min(audit, start + BATCH))
        )
    step_outbox = span / max(outbox, 1)
    rows = []
    for i in range(outbox):
        sent = now - step_outbox * (i + 1)
        rows.append(
            Notification(
                kind="reminder",
                key=f"history:{first + i + 1}",
                send_at=sent,
                status=Notification.Status.SENT,
                sent_at=sent,
                queued_at=sent,
                attempts=1,
                target_type="sessions_app.appointment",
                target_id=str(i + 1),
                reference="history",
            )
        )
        if len(rows) == BATCH:
            Notification.objects.bulk_create(rows)
            rows = []
    Notification.objects.bulk_create(rows)
    refresh_statistics()
    return {"audit_history": audit, "outbox_history": outbox}
