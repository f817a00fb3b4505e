"""Demo accounts for the embedded default. Never loaded in production (ALLOW_DEMO_DATA is off there).

The TOTP secrets are fixed and public on purpose: a newcomer signs in with an authenticator app or
`oathtool --totp -b SECRET`, or runs `python manage.py demo_totp` for the current codes.
"""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.db import transaction
from django.utils import timezone

from practice.models import Therapist, User


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    role: str
    totp_secret: str | None  # None: no second factor (clients may add one themselves)
    superuser: bool = False
    first_name: str = ""
    last_name: str = ""


DEMO_ACCOUNTS = [
    DemoAccount(
        "therapist@demo.practice",
        "demo-therapist-pass",
        User.Role.THERAPIST,
        "DEMOTHERAPISTTOTPSECRETAAAAAAAAA",
        first_name="Alex",
        last_name="Morgan",
    ),
    DemoAccount(
        "staff@demo.practice",
        "demo-staff-pass",
        User.Role.STAFF,
        "DEMOSTAFFTOTPSECRETBBBBBBBBBBBBB",
        first_name="Sam",
        last_name="Reyes",
    ),
    DemoAccount(
        "client@demo.practice", "demo-client-pass", User.Role.CLIENT, None, first_name="Jordan", last_name="Lee"
    ),
    DemoAccount(
        "admin@demo.practice",
        "demo-admin-pass",
        User.Role.STAFF,
        "DEMOADMINTOTPSECRETCCCCCCCCCCCCC",
        superuser=True,
        first_name="Robin",
        last_name="Admin",
    ),
]


@transaction.atomic
def seed_demo() -> list[DemoAccount]:
    """Create the demo accounts, or bring them back to their documented state. Idempotent."""
    for account in DEMO_ACCOUNTS:
        user = User.objects.by_address(account.email).first()
        if user is None:
            user = User(email=account.email)
        user.role = account.role
        user.first_name, user.last_name = account.first_name, account.last_name
        user.is_active = True
        user.is_staff = user.is_superuser = account.superuser
        user.practice_owner = account.role == User.Role.THERAPIST  # Dr Morgan runs the practice
        user.set_password(account.password)
        user.save()
        EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
        if account.role == User.Role.THERAPIST:
            Therapist.objects.update_or_create(
                user=user,
                defaults={
                    "display_name": f"Dr {account.first_name} {account.last_name}",
                    "credentials": "PhD, LMFT, AASECT certified sex therapist",
                    "licence_number": "DEMO-0001",
                    "licence_region": "Demo",
                    "time_zone": "Europe/London",
                },
            )
        if account.totp_secret:
            Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
            TOTP.activate(user, account.totp_secret)
            RecoveryCodes.activate(user)
    _seed_clients()
    _seed_signatures()
    _seed_schedule()
    from devdata.resources import seed_resources

    seed_resources()
    from devdata.referrals import seed_referrals

    seed_referrals()
    from devdata.billing import seed_billing

    seed_billing()
    from devdata.measures import seed_measures

    seed_measures()
    from devdata.messaging import seed_messaging

    seed_messaging()
    return DEMO_ACCOUNTS


# One story: Dr Alex Morgan sees the Lees (Jordan, the demo client, and Casey), referred by a
# urologist eight weeks ago for erectile difficulties with no physical cause and mismatched desire,
# weekly since; and Ravi Hale, an individual with performance anxiety, seen by video. The goals and
# the intake notes say the same as the referral and the concerns. Referrals still in triage are
# other people (devdata/referrals.py).
STORIES = {
    "C-DEMCPL": {
        "goals": [
            (True, "Set aside two unhurried evenings a week for time together without screens."),
            (True, "Work through sensate focus at a pace both partners choose, without aiming for intercourse."),
            (False, "Explore how stress and the fear of failing again affect desire (working goal, not shared)."),
        ],
        "intake": (
            "Intake (joint): referred by Dr Tom Reid (urology) after tests found no physical cause for erectile "
            "difficulties. Both describe mismatched desire and avoidance of touch over the last year. Agreed to "
            "weekly joint sessions, sensate focus, and the couples' workshop."
        ),
    },
    "C-DEMIND": {
        "goals": [
            (True, "Notice and name anxious thoughts during intimacy, using the breathing exercise."),
            (False, "Review the link between work stress and arousal difficulties (working goal, not shared)."),
        ],
        "intake": (
            "Intake: performance anxiety and arousal difficulties for about a year, worse since a new job. "
            "No medical concerns raised. Agreed to fortnightly video sessions and the anxiety reading."
        ),
    },
}


def _seed_clients() -> None:
    """A demo couple (the demo client is one partner) and an individual, with a little history."""
    from clients.models import Client, Concern, Goal, Member, Note
    from clients.services import _refresh_search_tokens

    therapist = Therapist.objects.get(user__email="therapist@demo.practice")
    portal_user = User.objects.by_address("client@demo.practice").get()
    units = [
        (
            "C-DEMCPL",
            Client.Kind.COUPLE,
            ["arousal", "dissimilar-needs", "low-desire"],  # as the urologist's referral said, and more
            [
                ("Jordan", "Lee", "they/them", "client@demo.practice"),
                ("Casey", "Lee", "she/her", "casey@demo.practice"),
            ],
        ),
        (
            "C-DEMIND",
            Client.Kind.INDIVIDUAL,
            ["arousal", "anxiety"],
            [("Ravi", "Hale", "he/him", "ravi@demo.practice")],
        ),
    ]
    for reference, kind, concerns, people in units:
        unit, created = Client.objects.get_or_create(
            reference=reference,
            defaults={
                "kind": kind,
                "status": Client.Status.ACTIVE,
                "primary_therapist": therapist,
                "confidentiality_policy": Client.Policy.LIMITED_SECRETS if kind == Client.Kind.COUPLE else "",
            },
        )
        if not created:
            continue
        unit.concerns.set(Concern.objects.filter(slug__in=concerns))
        for position, (first, last, pronouns, email) in enumerate(people, start=1):
            member = Member.objects.create(
                client=unit,
                position=position,
                first_name=first,
                last_name=last,
                pronouns=pronouns,
                email=email,
                user=portal_user if email == portal_user.contact_email else None,
            )
            _refresh_search_tokens(member)
        story = STORIES[reference]
        for shared, text in story["goals"]:
            Goal.objects.create(
                client=unit,
                created_by=therapist,
                status=Goal.Status.ACTIVE if shared else Goal.Status.PROPOSED,
                shared_with_client=shared,
                text=text,
            )
        Note.objects.create(
            client=unit, author=therapist, kind=Note.Kind.INTAKE, signed_at=timezone.now(), body=story["intake"]
        )


def _seed_signatures() -> None:
    """What the demo units need to be seen: everyone's informed consent and telehealth consent (both
    units have video sessions). The demo client signed in the portal; the others' consents were
    recorded by the therapist. The other documents are left to sign, so the portal shows some."""
    from clients.models import Member
    from documents import services as documents
    from documents.gates import current_versions
    from documents.models import DocumentTemplate, Signature

    therapist = Therapist.objects.get(user__email="therapist@demo.practice")
    templates = DocumentTemplate.objects.filter(kind__in=["treatment", "telehealth"], active=True)
    versions = current_versions(templates).values()
    for member in Member.objects.filter(client__reference__in=["C-DEMCPL", "C-DEMIND"]).select_related("user"):
        for version in versions:
            if Signature.objects.filter(version=version, member=member, withdrawn_at=None).exists():
                continue
            if member.user_id is not None:
                documents.document_sign(
                    version=version,
                    member=member,
                    by=member.user,
                    typed_name=member.full_name,
                    agreed=True,
                    ip="127.0.0.1",
                    user_agent="Demo data",
                )
                continue
            Signature.objects.create(
                version=version,
                client_id=member.client_id,
                member=member,
                signed_name=member.full_name,
                recorded_by=therapist.user,
                method=Signature.Method.RECORDED,
            )


def _seed_schedule() -> None:
    """Working hours, two rooms, online booking for the demo couple, and a few sessions around today."""
    from datetime import datetime, time, timedelta

    from clients.models import Client, Consent
    from sessions_app.models import Appointment, BookingRules, Modality, Room, WorkingHours
    from sessions_app.services import appointment_book

    therapist = Therapist.objects.get(user__email="therapist@demo.practice")
    room, _ = Room.objects.get_or_create(name="Garden room", defaults={"location": "Ground floor, 12 Harbour Street"})
    Room.objects.get_or_create(name="Blue room", defaults={"location": "First floor, 12 Harbour Street"})
    BookingRules.objects.get_or_create(
        therapist=therapist, defaults={"video_link": "https://video.example.org/dr-morgan"}
    )
    if not WorkingHours.objects.filter(therapist=therapist).exists():
        for weekday in range(5):
            WorkingHours.objects.create(therapist=therapist, weekday=weekday, start=time(9), end=time(17))
    couple = Client.objects.get(reference="C-DEMCPL")
    Client.objects.filter(pk=couple.pk).update(self_booking=True)
    for member in couple.members.all():
        if not Consent.objects.filter(member=member, kind=Consent.Kind.REMINDERS_EMAIL, revoked_at=None).exists():
            Consent.objects.create(
                client=couple, member=member, kind=Consent.Kind.REMINDERS_EMAIL, recorded_by=therapist.user
            )
    individual = Client.objects.get(reference="C-DEMIND")  # both signed what booking and video need
    if Appointment.objects.filter(therapist=therapist).exists():
        return
    zone = therapist.zone
    today = timezone.now().astimezone(zone).date()
    plan = [
        (couple, 0, 10, Modality.IN_PERSON),
        (individual, 0, 14, Modality.VIDEO),
        (couple, 7, 10, Modality.IN_PERSON),
        (individual, 3, 11, Modality.VIDEO),
    ]
    for unit, days, hour, modality in plan:
        start = datetime.combine(today + timedelta(days=days), time(hour), tzinfo=zone)
        appointment_book(
            therapist=therapist,
            client=unit,
            members=list(unit.members.all()),
            start=start,
            by=therapist.user,
            modality=modality,
            room=room if modality == Modality.IN_PERSON else None,
        )
    # Seven weeks of history, so the dashboard's chart and rates have something to show.
    for weeks_ago in range(1, 8):
        for index, unit in enumerate([couple, individual, couple][: 2 + weeks_ago % 2]):
            start = datetime.combine(today - timedelta(weeks=weeks_ago, days=index), time(9 + 2 * index), tzinfo=zone)
            past = appointment_book(
                therapist=therapist,
                client=unit,
                members=list(unit.members.all()),
                start=start,
                by=therapist.user,
                modality=Modality.VIDEO,
            )
            status = Appointment.Status.NO_SHOW if (weeks_ago + index) % 7 == 3 else Appointment.Status.ATTENDED
            Appointment.objects.filter(pk=past.pk).update(status=status)


def current_code(secret: str) -> str:
    counter = int(timezone.now().timestamp()) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))
