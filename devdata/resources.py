"""A starter library for the embedded default, written for this project.

`seed_resources()` is idempotent: resources are found again by title, the workshop by title among
upcoming ones, and the demo couple's homework is created only once. The readings name no real book:
each describes the kind of reading to choose (marked "e.g."), and any link is an example.org
placeholder the practice replaces with its own copy. Never loaded in production (devdata.demo
is only called when ALLOW_DEMO_DATA is on).
"""

import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from resources.models import Resource, Suits, Workshop

PLACEHOLDER_NOTE = "(Placeholder link for the demo: replace it with the practice's own copy or leave it empty.)"


@dataclass(frozen=True)
class Stage:
    title: str
    what_to_do: str
    not_yet: str
    days: int


@dataclass(frozen=True)
class Entry:
    kind: str
    title: str
    summary: str
    instructions: str
    concerns: list[str]
    suits: str
    nature: str
    link: str = ""
    stages: list[Stage] = field(default_factory=list)


SENSATE_FOCUS = Entry(
    kind=Resource.Kind.EXERCISE,
    title="Sensate focus: touch without a goal",
    summary=(
        "A programme in four stages for partners who want to rediscover touch without pressure to "
        "perform. Each stage lasts one to two weeks; the next opens when you have both finished the "
        "current one and talked it through with your therapist."
    ),
    instructions=(
        "Plan two or three unhurried times a week, 30 to 45 minutes each, somewhere private and warm, "
        "with phones out of the room. Take turns: one of you gives touch, the other receives, then swap.\n\n"
        "The aim is noticing, not arousing: temperature, texture, pressure, your breathing. If your mind "
        "wanders to how well it is going, bring it back to the sensation under your hand.\n\n"
        "Afterwards, each of you writes a few lines in your own private log. Your partner does not see it; "
        "your therapist reads it before your next session."
    ),
    concerns=["low-desire", "arousal", "orgasm", "sexual-pain", "intimacy", "anxiety"],
    suits=Suits.COUPLES,
    nature=Resource.Nature.SUGGESTION,
    stages=[
        Stage(
            "Taking turns, away from breasts and genitals",
            "Take turns of about fifteen minutes. The giver explores the receiver's back, arms, legs, hands, "
            "feet and face, slowly, out of their own curiosity. The receiver stays quiet and only speaks up if "
            "something is uncomfortable. Swap, then spend a few minutes lying together before you get up.",
            "No touching of breasts or genitals, no intercourse and no orgasm during this stage, in these "
            "times or at others: taking the possibility off the table is what lets the body relax.",
            7,
        ),
        Stage(
            "Showing each other what feels good",
            "Same set-up as before. Now the receiver may rest a hand on the giver's hand to show a pace or "
            "pressure they like, without words. Try lotion or oil if you both want to. Notice what changes "
            "when you are guided.",
            "Still no breast or genital touch, no intercourse and no orgasm. If you notice yourself "
            "hurrying, slow the touch down by half.",
            7,
        ),
        Stage(
            "Including breasts and genitals, without aiming anywhere",
            "Begin with whole-body touch as in the earlier stages, then include breasts and genitals as one "
            "more area among many rather than the destination. Arousal may come and go: let it, and go back "
            "to other areas when it rises or fades.",
            "No intercourse and no orgasm as a goal. If worry returns, go back to the touch of stage one for "
            "a while: going back is part of the method, not a failure.",
            10,
        ),
        Stage(
            "Touching together, and deciding together what comes next",
            "Touch at the same time instead of taking turns, keeping the same slow pace. If you both want to, "
            "and only then, you may move towards the kinds of sex you have agreed with your therapist, "
            "stopping to return to simple touch whenever either of you wishes.",
            "Do not measure the session by whether intercourse or orgasm happened. Agree beforehand that "
            "either of you can pause at any moment without explaining why.",
            14,
        ),
    ],
)

READINGS = [
    Entry(
        kind=Resource.Kind.READING,
        title="Understanding responsive desire (a book to choose)",
        summary=(
            "e.g. a popular-science book that explains the difference between desire that arrives on its "
            "own and desire that grows in response to closeness and touch."
        ),
        instructions=(
            "Read the chapters on how context, stress and the feeling of being wanted shape desire. Note "
            "one or two passages that felt true for you, and one that did not. "
            "Ask the practice which title it currently lends."
        ),
        concerns=["low-desire", "dissimilar-needs", "arousal"],
        suits=Suits.BOTH,
        nature=Resource.Nature.INFORMATION,
        link="https://example.org/reading/responsive-desire",
    ),
    Entry(
        kind=Resource.Kind.READING,
        title="Talking about sex as a couple (a workbook to choose)",
        summary=(
            "e.g. a short workbook with conversation prompts for partners who find it hard to say what "
            "they want, or to hear a 'not tonight' without feeling rejected."
        ),
        instructions=(
            "Each of you reads one section a week on your own. Then pick one prompt together and give it "
            "twenty minutes, taking turns to speak. Stop if it turns into an argument and bring it to your "
            "next session instead."
        ),
        concerns=["dissimilar-needs", "trust-commitment", "intimacy", "low-desire"],
        suits=Suits.COUPLES,
        nature=Resource.Nature.SUGGESTION,
        link="https://example.org/reading/talking-about-sex",
    ),
    Entry(
        kind=Resource.Kind.READING,
        title="How stress, mood and medication can affect arousal (handout)",
        summary=(
            "A two-page handout written by the practice: common reasons arousal changes, which of them a "
            "doctor should look at, and what helps in the meantime."
        ),
        instructions=(
            "Read it once, then mark anything that might apply to you: a new medication, a change in "
            "sleep or mood, alcohol, pain. Bring the marked copy to your next session. Do not stop or "
            "change a medication without talking to the doctor who prescribed it."
        ),
        concerns=["arousal", "medical", "depression", "anxiety", "substance-use"],
        suits=Suits.BOTH,
        nature=Resource.Nature.INFORMATION,
    ),
]

CHECK_IN = Entry(
    kind=Resource.Kind.EXERCISE,
    title="Weekly check-in: one speaks, one listens",
    summary="A twenty-minute conversation once a week in which each partner is heard without interruption.",
    instructions=(
        "Choose a calm time and set a timer. One of you speaks for five minutes about how the week felt "
        "in the relationship, using 'I' sentences. The other listens without interrupting, then says back "
        "in their own words what they heard, and asks 'did I get that right?'. Swap.\n\n"
        "Finish with one thing you appreciated in each other this week. No problem-solving in this "
        "conversation: note what needs deciding and come back to it another day."
    ),
    concerns=["trust-commitment", "dissimilar-needs", "intimacy"],
    suits=Suits.COUPLES,
    nature=Resource.Nature.SUGGESTION,
)

WORKSHOP_DESCRIPTION = Entry(
    kind=Resource.Kind.WORKSHOP,
    title="Desire in long relationships (workshop description)",
    summary="An evening for couples about why desire changes over the years and what partners can do about it.",
    instructions=(
        "Two hours in a small group: a short talk, exercises done as a couple (nobody shares anything "
        "personal with the group unless they want to), and time for questions. Suitable alongside "
        "individual or couple sessions."
    ),
    concerns=["low-desire", "dissimilar-needs", "intimacy"],
    suits=Suits.COUPLES,
    nature=Resource.Nature.INFORMATION,
)

WORKSHOP_TITLE = "Desire in long relationships: an evening for couples"


def _entry(entry: Entry) -> tuple[Resource, bool]:
    from clients.models import Concern

    resource = Resource.objects.filter(title=entry.title).first()
    if resource is not None:
        return resource, False
    instructions = entry.instructions + (f"\n\n{PLACEHOLDER_NOTE}" if entry.link else "")
    resource = Resource.objects.create(
        kind=entry.kind,
        title=entry.title,
        summary=entry.summary,
        instructions=instructions,
        link=entry.link,
        suits=entry.suits,
        nature=entry.nature,
    )
    resource.concerns.set(Concern.objects.filter(slug__in=entry.concerns))
    for order, stage in enumerate(entry.stages, start=1):
        resource.steps.create(
            order=order,
            title=stage.title,
            what_to_do=stage.what_to_do,
            not_yet=stage.not_yet,
            suggested_days=stage.days,
        )
    return resource, True


def _next_month_evening(now: datetime) -> datetime:
    """The first Thursday of next month, 18:30 in the practice's zone."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    local = now.astimezone(zone)
    first = (local.replace(day=1) + timedelta(days=32)).replace(day=1).date()
    thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    return datetime.combine(thursday, time(18, 30), tzinfo=zone)


@transaction.atomic
def seed_resources() -> dict:
    """Create the starter library, next month's workshop, and (when the demo couple exists) their
    homework. Safe to call again: nothing is duplicated."""
    from clients.models import Concern

    programme, _ = _entry(SENSATE_FOCUS)
    readings = [_entry(entry)[0] for entry in READINGS]
    check_in, _ = _entry(CHECK_IN)
    description, _ = _entry(WORKSHOP_DESCRIPTION)

    now = timezone.now()
    workshop = Workshop.objects.filter(title=WORKSHOP_TITLE, starts_at__gt=now).first()
    if workshop is None:
        starts = _next_month_evening(now)
        workshop = Workshop.objects.create(
            title=WORKSHOP_TITLE,
            description=description.summary + "\n\n" + description.instructions,
            resource=description,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            capacity=12,
            place="Group room, first floor, 12 Harbour Street",
            facilitator="Dr Alex Morgan",
        )
        workshop.concerns.set(Concern.objects.filter(slug__in=WORKSHOP_DESCRIPTION.concerns))
    _seed_demo_homework(programme, readings[1], workshop)
    return {"programme": programme, "readings": readings, "check_in": check_in, "workshop": workshop}


def _seed_demo_homework(programme: Resource, reading: Resource, workshop: Workshop) -> None:
    """The demo couple: the programme (one partner has finished stage one), a reading, and the
    workshop. Only when the demo couple exists and has no homework yet."""
    from clients.models import Client
    from resources import services

    unit = Client.objects.filter(reference="C-DEMCPL").select_related("primary_therapist__user").first()
    if unit is None or unit.assignments.exists():
        return
    therapist = unit.primary_therapist
    today = timezone.localdate()
    sensate = services.assignment_create(
        client=unit,
        resource=programme,
        by=therapist.user,
        due_on=today + timedelta(days=14),
        note="Start with stage one this week; we will talk about how it went before opening stage two.",
    )
    services.assignment_create(client=unit, resource=reading, by=therapist.user, due_on=today + timedelta(days=21))
    first, second = unit.members.order_by("position")[:2]
    services.progress_save(
        assignment=sensate,
        member=first,
        by=first.user or therapist.user,
        step=programme.steps.order_by("order")[0],
        log="Demo log: we managed two evenings. I noticed how often I wanted to hurry.",
        mark_done=True,
    )
    for member in (first, second):
        services.registration_create(workshop=workshop, member=member, by=therapist.user)
