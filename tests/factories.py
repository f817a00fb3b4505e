"""Factories shared by every test package."""

import factory
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from practice.models import Therapist, User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    role = User.Role.CLIENT
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class TherapistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Therapist

    user = factory.SubFactory(UserFactory, role=User.Role.THERAPIST)
    display_name = factory.Sequence(lambda n: f"Dr Therapist {n}")
    credentials = "PhD, LMFT"
    time_zone = "Europe/London"


def give_totp(user: User) -> str:
    """Activate TOTP for `user` and return its secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def has_totp(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class ClientFactory(factory.django.DjangoModelFactory):
    """An individual unit with one member. Use `couple()` for two.

    Its members have signed the informed consent (an active client has: booking asks for it), as
    recorded by the therapist; `ClientFactory(with_members__signed=False)` (or `couple(t, signed=False)`)
    gives members who have signed nothing, for the gates' own tests.
    """

    class Meta:
        model = "clients.Client"
        skip_postgeneration_save = True

    kind = "individual"
    status = "active"
    primary_therapist = factory.SubFactory(TherapistFactory)

    @factory.post_generation
    def with_members(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            count = 2 if obj.kind == "couple" else 1
            for position in range(1, count + 1):
                MemberFactory(client=obj, position=position, signed=kwargs.get("signed", True))


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "clients.Member"
        skip_postgeneration_save = True

    client = factory.SubFactory(ClientFactory, with_members=False)
    position = 1
    first_name = factory.Sequence(lambda n: f"Robin{n}")
    last_name = factory.Sequence(lambda n: f"Example{n}")
    email = factory.Sequence(lambda n: f"member{n}@example.net")

    @factory.post_generation
    def index(obj, create, extracted, **kwargs):
        from clients.services import _refresh_search_tokens

        if create:
            _refresh_search_tokens(obj)

    @factory.post_generation
    def signed(obj, create, extracted, **kwargs):
        """The informed consent, signed (`signed=False`: nothing signed)."""
        if create and extracted is not False:
            sign_documents(obj, fresh=True)


def couple(therapist, signed: bool = True, **kwargs):
    """A couple unit of `therapist` with two members and the limited-secrets policy; both partners
    have signed the informed consent unless `signed=False`."""
    return ClientFactory(
        kind="couple",
        primary_therapist=therapist,
        confidentiality_policy="limited_secrets",
        with_members__signed=signed,
        **kwargs,
    )


def portal_user_for(member):
    """Give `member` a portal account (role client) with the test password."""
    user = UserFactory(email=f"portal-{member.pk}@example.org", role=User.Role.CLIENT)
    member.user = user
    member.save(update_fields=["user"])
    return user


# --- Referrals ------------------------------------------------------------------------------------


class ReferrerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "referrals.Referrer"

    kind = "physician"
    name = factory.Sequence(lambda n: f"Dr Referrer {n}")
    organisation = "Harbour Health Centre"
    speciality = "Urology"
    email = factory.Sequence(lambda n: f"referrer{n}@clinic.example")


def _now():
    from django.utils import timezone

    return timezone.now()


class ReferralFactory(factory.django.DjangoModelFactory):
    """A new referral of one person (pass kind="couple" for two). Built directly: no messages queued."""

    class Meta:
        model = "referrals.Referral"

    referrer = factory.SubFactory(ReferrerFactory)
    kind = "individual"
    first_name = factory.Sequence(lambda n: f"Jamie{n}")
    last_name = factory.Sequence(lambda n: f"Referred{n}")
    email = factory.Sequence(lambda n: f"referred{n}@example.net")
    phone = "+44 7700 900123"
    partner_first_name = factory.LazyAttributeSequence(lambda o, n: f"Sam{n}" if o.kind == "couple" else "")
    partner_last_name = factory.LazyAttributeSequence(lambda o, n: f"Partner{n}" if o.kind == "couple" else "")
    partner_email = factory.LazyAttributeSequence(lambda o, n: f"partner{n}@example.net" if o.kind == "couple" else "")
    reason = "Low desire after a change of medication."
    urgency = "routine"
    consent_attested_at = factory.LazyFunction(_now)


# --- resources (appended by the resources issue) --------------------------------------------------


class ResourceFactory(factory.django.DjangoModelFactory):
    """A reading for individuals and couples. `programme(...)` gives one with stages."""

    class Meta:
        model = "resources.Resource"
        skip_postgeneration_save = True

    kind = "reading"
    title = factory.Sequence(lambda n: f"Reading {n}")
    summary = "A short summary."
    instructions = "Read it slowly."
    link = factory.Sequence(lambda n: f"https://example.org/reading/{n}")
    suits = "both"
    nature = "information"

    @factory.post_generation
    def concerns(obj, create, extracted, **kwargs):
        if create and extracted:
            from clients.models import Concern

            obj.concerns.set(Concern.objects.filter(slug__in=extracted))


def programme(stages: int = 3, **kwargs):
    """An exercise programme with `stages` ordered steps."""
    resource = ResourceFactory(kind="exercise", link="", title=kwargs.pop("title", "Sensate focus (test)"), **kwargs)
    for order in range(1, stages + 1):
        resource.steps.create(order=order, title=f"Stage {order}", what_to_do=f"Do part {order}.", not_yet="Not more.")
    return resource


class WorkshopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "resources.Workshop"
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Workshop {n}")
    description = "An evening in a small group."
    starts_at = factory.LazyFunction(lambda: _in_days(20))
    ends_at = factory.LazyAttribute(lambda o: _two_hours_after(o.starts_at))
    capacity = 10
    place = "12 Quay Street, group room"
    facilitator = "Dr Facilitator"


def _in_days(days: int):
    from datetime import timedelta

    from django.utils import timezone

    return (timezone.now() + timedelta(days=days)).replace(microsecond=0)


def _two_hours_after(start):
    from datetime import timedelta

    return start + timedelta(hours=2)


# --- signed documents -----------------------------------------------------------------------------


def _members_of(people) -> list:
    from clients.models import Member

    members = []
    for who in people:
        members.extend([who] if isinstance(who, Member) else list(who.members.order_by("position")))
    return members


def sign_documents(*people, purposes=("booking",), fresh: bool = False):
    """Each member (or every member of each client unit) signs the current version of every active
    document required before `purposes` ("booking": the informed consent; "video": the telehealth
    consent), as a paper copy recorded by the unit's therapist (`documents.gates` counts it like a
    portal signature). Already signed: nothing new. `fresh`: the member is new, skip that check.
    Releases name a referrer: tests/referrals/conftest.py `grant_release`. Returns what it was given."""
    from documents.models import DocumentVersion, Signature

    newest = {}
    rows = DocumentVersion.objects.filter(template__active=True, template__required_before__in=purposes)
    for version in rows.select_related("template").order_by("template_id", "-number"):
        newest.setdefault(version.template_id, version)
    for member in _members_of(people):
        for version in newest.values():
            if not version.template.applies_to(member.client):
                continue
            live = Signature.objects.filter(version=version, member=member, withdrawn_at=None, referrer_id=None)
            if not fresh and live.exists():
                continue
            Signature.objects.create(
                version=version,
                client_id=member.client_id,
                member=member,
                signed_name=member.full_name,
                recorded_by=member.client.primary_therapist.user,
                method=Signature.Method.PAPER,
            )
    return people[0] if len(people) == 1 else people


def sign_for_video(*people):
    """Each member (or every member of each unit) has signed the informed consent and the telehealth
    consent, as `sessions_app.services.check_signatures` requires before a video session is booked."""
    return sign_documents(*people, purposes=("booking", "video"))


def whole_record(browser, unit) -> str:
    """The client page with every tab's content, as one text: the page holds only the tab it opens
    on (and fetches the others when opened), so "never shown on the client page" means none of these."""
    from django.urls import reverse

    from clients.panels import TABS

    url = reverse("clients:detail", args=[unit.pk])
    return "".join(browser.get(url, {"tab": name}).content.decode() for name, _label in TABS)


def video_sessions(therapist, unit, starts) -> list:
    """One-hour video sessions of `unit` with `therapist` at each of `starts`, written in one statement
    (no attendances, reminders or charges: for tests of what the calendar reads, not of booking)."""
    from datetime import timedelta

    from sessions_app.models import Appointment, Modality

    return Appointment.objects.bulk_create(
        Appointment(
            therapist=therapist,
            client=unit,
            start=start,
            end=start + timedelta(hours=1),
            modality=Modality.VIDEO,
            booked_by=therapist.user,
        )
        for start in starts
    )
