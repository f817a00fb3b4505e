"""Reads for the referral pages, scoped to the viewer, with a fixed number of queries."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clients.concern_links import intensive_digests
from clients.models import Client, treated_ids
from documents.gates import missing_signatures, signed_members
from practice.models import PracticeSettings, User
from referrals.counts import local_counts
from referrals.models import Referral, ReferralConcern, ReferralEvent, ReferralLetter, Referrer

RELEASE = "release"  # the purpose of `documents.gates` a letter back needs
NO_RELEASE_DOCUMENT = "The practice has no release of information document in use: publish one before writing back."

URGENCY_RANK = Case(
    When(urgency=Referral.Urgency.URGENT, then=Value(0)),
    When(urgency=Referral.Urgency.SOON, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


# What ends the wait: the first time someone answered the referral (contacted, accepted, waitlisted,
# declined or referred on it). Receiving it and writing to the referrer do not.
RESPONSES = [
    ReferralEvent.Action.CONTACTED,
    ReferralEvent.Action.ACCEPTED,
    ReferralEvent.Action.WAITLISTED,
    ReferralEvent.Action.DECLINED,
    ReferralEvent.Action.REFERRED_ON,
]
FIRST_RESPONSE = Subquery(
    ReferralEvent.objects.filter(referral=OuterRef("pk"), action__in=RESPONSES).order_by("at", "pk").values("at")[:1]
)


@dataclass(frozen=True)
class Wait:
    """How long a referral waited (or has been waiting) for first contact, against the practice's
    target for its urgency (`PracticeSettings.referral_target_*_days`)."""

    days: int
    target_days: int
    answered: bool

    @property
    def over_by(self) -> int:
        return max(0, self.days - self.target_days)

    @property
    def over(self) -> bool:
        return self.over_by > 0

    @property
    def text(self) -> str:
        days = ngettext("%(count)s day", "%(count)s days", self.days) % {"count": self.days}
        if self.days == 0:
            days = _("less than a day")
        target = ngettext("%(count)s day", "%(count)s days", self.target_days) % {"count": self.target_days}
        if self.answered:
            return _("First contact after %(days)s (target %(target)s)") % {"days": days, "target": target}
        if self.over:
            over = ngettext("%(count)s day", "%(count)s days", self.over_by) % {"count": self.over_by}
            return _("Waiting %(days)s: %(over)s past the %(target)s target") % {
                "days": days,
                "over": over,
                "target": target,
            }
        return _("Waiting %(days)s (target %(target)s)") % {"days": days, "target": target}


def referral_wait(referral: Referral, *, first_response_at, targets: PracticeSettings, now=None) -> Wait:
    end = first_response_at or now or timezone.now()
    return Wait(
        days=max(0, (end - referral.created_at).days),
        target_days=targets.referral_target(referral.urgency),
        answered=first_response_at is not None,
    )


def with_waits(referrals) -> None:
    """Set `.wait` on each referral of a page annotated by `referral_queue` (one query for the targets)."""
    targets, now = PracticeSettings.current(), timezone.now()
    for referral in referrals:
        referral.wait = referral_wait(referral, first_response_at=referral.first_response_at, targets=targets, now=now)


def triage_recipients() -> QuerySet[User]:
    """Who is told that a referral arrived: the practice's therapists and staff."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(role=User.Role.THERAPIST, therapist__isnull=False) | Q(role=User.Role.STAFF))
        .order_by("pk")
    )


def visible_referrals(user: User) -> QuerySet[Referral]:
    """Referrals `user` may see: staff all; therapists all except those that became another
    therapist's client (the reason is clinical text about that client); anyone else none."""
    if user.is_practice_staff:
        return Referral.objects.all()
    if user.is_therapist:
        return Referral.objects.filter(Q(client__isnull=True) | Q(client__in=treated_ids(user.therapist)))
    return Referral.objects.none()


def referral_queue(*, user: User, status: str = "open", urgency: str = "", referrer_id: int | None = None):
    """The triage queue: open referrals most urgent and oldest first; other filters newest first."""
    rows = visible_referrals(user)
    if status == "open":
        rows = rows.filter(status__in=Referral.OPEN_STATUSES)
    elif status and status != "all":
        rows = rows.filter(status=status)
    if urgency:
        rows = rows.filter(urgency=urgency)
    if referrer_id:
        rows = rows.filter(referrer_id=referrer_id)
    order = ["urgency_rank", "created_at", "pk"] if status == "open" else ["-created_at", "-pk"]
    return (
        rows.annotate(
            urgency_rank=URGENCY_RANK,
            first_response_at=FIRST_RESPONSE,
            is_intensive=Exists(
                ReferralConcern.objects.filter(referral=OuterRef("pk"), digest__in=intensive_digests())
            ),
        )
        .select_related("referrer", "preferred_therapist", "assigned_therapist", "client")
        .order_by(*order)
    )


def newest_referrals(*, user: User, limit: int = 5) -> list[Referral]:
    """The dashboard's panel: the newest referrals still "new" that `user` may see (the same rule as
    the queue, `visible_referrals`), with only what the panel shows (reference, urgency, date, the
    referrer's kind). No encrypted column is read and none of the queue's annotations is built.
    One query."""
    rows = visible_referrals(user).filter(status=Referral.Status.NEW)
    fields = ("reference", "urgency", "created_at", "referrer__kind")
    return list(rows.select_related("referrer").only(*fields).order_by("-created_at", "-pk")[:limit])


def released_members(referral: Referral) -> tuple[list, list]:
    """(members who released information to the referrer, every member of the resulting unit).

    A member released information when they have a live signature of the current release of
    information document naming this referrer (`documents.gates`, purpose "release"). One query
    for the members, one for the signatures.
    """
    if referral.client_id is None:
        return [], []
    members = list(referral.client.members.order_by("position"))
    released = signed_members(
        client=referral.client, members=members, purpose=RELEASE, referrer_id=referral.referrer_id
    )
    return released, members


def release_missing(referral: Referral) -> list[str]:
    """Why no letter may go back to this referrer yet, in words (who has not signed the release
    naming them); empty when a member released information."""
    released, members = released_members(referral)
    if released or referral.client_id is None:
        return []
    missing = missing_signatures(
        client=referral.client, members=members, purpose=RELEASE, referrer_id=referral.referrer_id
    )
    return [m.text for m in missing] or [NO_RELEASE_DOCUMENT]


def letter_allowed(referral: Referral) -> bool:
    """A letter may go back only to a referrer a member of the resulting client released information to."""
    released, _members = released_members(referral)
    return bool(released)


def letter_still_allowed(letter: ReferralLetter) -> bool:
    """At send time: everyone the letter speaks of still releases information to the referrer."""
    released, members = released_members(letter.referral)
    ids = {m.pk for m in released}
    if letter.about_member_id is not None:
        return letter.about_member_id in ids
    return bool(members) and ids == {m.pk for m in members}


def letters_for_client(client: Client) -> list[Referral]:
    """The client's referrals whose referrer may receive a letter (for the client page's buttons)."""
    referrals = client.referrals.select_related("referrer", "client").order_by("created_at")
    return [r for r in referrals if letter_allowed(r)]


REFERRER_LABELS = {
    "kind": "Kind",
    "name": "Name",
    "organisation": "Organisation",
    "speciality": "Speciality",
    "phone": "Phone",
}


def referrer_differences(referral: Referral) -> list[tuple[str, str, str]]:
    """(label, what the form claimed, what is on record) for each detail that differs: a look-alike
    using a known referrer's address shows here. Blank claims are not differences."""
    differences = []
    for field, label in REFERRER_LABELS.items():
        claimed = (referral.referrer_claimed or {}).get(field, "")
        on_record = getattr(referral.referrer, field) or ""
        if claimed and claimed.strip().casefold() != on_record.strip().casefold():
            if field == "kind":
                claimed = Referrer.Kind(claimed).label if claimed in Referrer.Kind.values else claimed
                on_record = referral.referrer.get_kind_display()
            differences.append((label, claimed, on_record))
    return differences


def referral_page(*, referral: Referral, user: User) -> dict:
    events = list(referral.events.select_related("by", "therapist").order_by("at", "pk"))
    first_response = next((e.at for e in events if e.action in RESPONSES), None)
    from_referrer = Referral.objects.filter(referrer_id=referral.referrer_id).exclude(pk=referral.pk).count()
    treats_client = (
        user.is_therapist and referral.client_id is not None and referral.client.is_treated_by(user.therapist)
    )
    # Once accepted, the reason and concerns belong to the client's record: staff no longer read them.
    clinical_hidden = user.role == User.Role.STAFF and referral.status == Referral.Status.ACCEPTED
    return {
        "referral": referral,
        "referrer_differences": referrer_differences(referral),
        "clinical_hidden": clinical_hidden,
        "concerns": [] if clinical_hidden else referral.concerns.list(),
        "events": events,
        "wait": referral_wait(referral, first_response_at=first_response, targets=PracticeSettings.current()),
        "other_referrals": from_referrer,
        "treats_client": treats_client,
        "can_write_letter": treats_client and letter_allowed(referral),
        "release_missing": release_missing(referral) if treats_client else [],
    }


def letter_history(referral: Referral) -> list[ReferralLetter]:
    return list(referral.letters.select_related("sent_by").only("kind", "created_at", "sent_by__email", "referral"))


# --- Referral sources at a glance -----------------------------------------------------------------

KIND_COLOURS = {
    Referrer.Kind.PSYCHIATRIST: "#1f4e5f",
    Referrer.Kind.PHYSICIAN: "#2f7f9f",
    Referrer.Kind.CLERGY: "#b07d2b",
    Referrer.Kind.PSYCHOTHERAPIST: "#6a4c93",
    Referrer.Kind.OTHER: "#8a939b",
}
CHART_HEIGHT = 160


@dataclass
class Segment:
    kind: str
    label: str
    count: int
    colour: str
    y: float = 0.0
    height: float = 0.0


@dataclass
class MonthColumn:
    month: date
    segments: list[Segment]
    total: int
    became_clients: int
    x: float = 0.0
    top: float = 0.0


def _month_starts(today: date, months: int) -> list[date]:
    year, month = today.year, today.month
    starts = []
    for _month in range(months):
        starts.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return starts[::-1]


def referral_sources(*, months: int = 12, now: datetime | None = None) -> dict:
    """Referrals per referrer kind and month, and how many became clients (two queries, neither
    growing with the practice: `referrals.counts.local_counts`).

    "Became clients" counts referrals whose unit has been active (active now, paused or discharged),
    not those still prospective. Months are the viewer's (the current time zone).
    """
    now = timezone.localtime(now or timezone.now())
    starts = _month_starts(now.date(), months)
    counts = local_counts(starts, timezone.get_current_timezone())

    columns = []
    for start in starts:
        segments = [
            Segment(kind, label, counts.get((start, kind), (0, 0))[0], KIND_COLOURS[kind])
            for kind, label in Referrer.Kind.choices
        ]
        became = sum(counts.get((start, kind), (0, 0))[1] for kind, _label in Referrer.Kind.choices)
        columns.append(MonthColumn(start, segments, sum(s.count for s in segments), became))
    _lay_out(columns)
    by_kind = [
        {"label": label, "colour": KIND_COLOURS[kind], "count": sum(c.segments[i].count for c in columns)}
        for i, (kind, label) in enumerate(Referrer.Kind.choices)
    ]
    return {
        "columns": columns,
        "by_kind": by_kind,
        "total": sum(c.total for c in columns),
        "became_clients": sum(c.became_clients for c in columns),
        "height": CHART_HEIGHT,
        "width": 40 * len(columns) + 20,
    }


def _lay_out(columns: list[MonthColumn]) -> None:
    """SVG geometry for stacked bars (drawn server-side: no chart library, no CDN)."""
    peak = max([c.total for c in columns] + [1])
    for index, column in enumerate(columns):
        column.x = 20 + index * 40
        y = float(CHART_HEIGHT)
        for segment in column.segments:
            segment.height = round(segment.count / peak * (CHART_HEIGHT - 10), 2)
            y -= segment.height
            segment.y = round(y, 2)
        column.top = round(y, 2)
