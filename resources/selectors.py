"""Reads that the library, workshop, assignment and portal pages need, each in a fixed number of
queries. Logs are never decrypted here unless the page is the one that shows (and audits) them."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, Member, caseload_rows
from clients.panels import TimelineEntry
from practice.models import Therapist
from resources.models import (
    Assignment,
    ExerciseStep,
    Feedback,
    Registration,
    Resource,
    StepProgress,
    Suits,
    Workshop,
)

# --- Assignments: who they are for, and their stages ----------------------------------------------


def members_for(assignment: Assignment) -> list[Member]:
    """Everyone the assignment is for: its member, or every member of the unit."""
    if assignment.member_id is not None:
        return [assignment.member]
    return list(Member.objects.filter(client_id=assignment.client_id).order_by("position"))


def stages_of(resource: Resource) -> list[ExerciseStep]:
    """A programme's stages in order; stage k is `stages[k - 1]` (whatever the stored order values)."""
    return list(resource.steps.order_by("order", "pk"))


# --- Library --------------------------------------------------------------------------------------


def resource_list(
    *, q: str = "", kind: str = "", suits: str = "", concern: str = "", include_inactive: bool = False
) -> QuerySet[Resource]:
    resources = Resource.objects.all()
    if not include_inactive:
        resources = resources.filter(active=True)
    if kind:
        resources = resources.filter(kind=kind)
    if suits == Suits.INDIVIDUALS or suits == Suits.COUPLES:
        resources = resources.filter(suits__in=[suits, Suits.BOTH])
    elif suits:
        resources = resources.filter(suits=suits)
    if concern:
        resources = resources.filter(concerns__slug=concern)
    if q.strip():
        resources = resources.filter(Q(title__icontains=q.strip()) | Q(summary__icontains=q.strip()))
    return (
        resources.distinct()
        .annotate(step_count=Count("steps", distinct=True))
        .prefetch_related("concerns")
        .order_by("title", "pk")
    )


def suggestions_for(client: Client, *, limit: int = 8) -> list[Resource]:
    """Active resources that serve at least one of the unit's concerns and suit its kind (an individual
    or a couple), most matching concerns first, leaving out what the unit is already working on.
    Each carries `matches` (how many of the unit's concerns it serves)."""
    wanted = Suits.COUPLES if client.is_couple else Suits.INDIVIDUALS
    concern_ids = client.concerns.ids()
    if not concern_ids:
        return []
    open_work = Assignment.objects.filter(client=client).exclude(status=Assignment.Status.DONE).values("resource_id")
    resources = (
        Resource.objects.filter(active=True, suits__in=[wanted, Suits.BOTH])
        .exclude(kind=Resource.Kind.WORKSHOP)
        .exclude(pk__in=open_work)
        .annotate(matches=Count("concerns", filter=Q(concerns__in=concern_ids), distinct=True))
        .filter(matches__gt=0)
        .prefetch_related("concerns")
        .order_by("-matches", "title", "pk")
    )
    return list(resources[:limit])


def workshop_suggestions_for(client: Client, *, now: datetime | None = None, limit: int = 5) -> list[Workshop]:
    """Upcoming workshops that serve one of the unit's concerns."""
    concern_ids = client.concerns.ids()
    if not concern_ids:
        return []
    serving = Workshop.concerns.through.objects.filter(concern_id__in=concern_ids).values("workshop_id")
    return list(
        Workshop.objects.upcoming(now)
        .filter(pk__in=serving)  # a subquery, not a join: a join would multiply the counts below
        .with_counts()
        .order_by("starts_at", "pk")[:limit]
    )


# --- Workshops ------------------------------------------------------------------------------------


def workshop_list(*, now: datetime | None = None) -> QuerySet[Workshop]:
    return Workshop.objects.upcoming(now).with_counts().prefetch_related("concerns").order_by("starts_at", "pk")


def workshop_page(*, workshop: Workshop, therapist: Therapist) -> dict:
    """A workshop for a therapist: its numbers, and the registrations of units they treat (only)."""
    counts = Workshop.objects.filter(pk=workshop.pk).with_counts().values("registered_count", "waitlist_count").get()
    units = list(
        Client.objects.treated_by(therapist)
        .exclude(status=Client.Status.DISCHARGED)
        .prefetch_related(Prefetch("members", queryset=Member.objects.order_by("position")))
        .order_by("reference")
    )
    registrations = list(
        Registration.objects.filter(workshop=workshop, member__client__in=[u.pk for u in units])
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("member__client")
        .order_by("created_at", "pk")
    )
    return {
        "workshop": workshop,
        "registered_count": counts["registered_count"],
        "waitlist_count": counts["waitlist_count"],
        "places_left": max(workshop.capacity - counts["registered_count"], 0),
        "registrations": registrations,
        "units": units,
    }


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first in line; None unless waitlisted."""
    if registration.status != Registration.Status.WAITLISTED:
        return None
    ahead = Registration.objects.filter(
        workshop_id=registration.workshop_id, status=Registration.Status.WAITLISTED
    ).filter(Q(created_at__lt=registration.created_at) | Q(created_at=registration.created_at, pk__lt=registration.pk))
    return ahead.count() + 1


def portal_workshops_page(*, member: Member, now: datetime | None = None) -> dict:
    """Upcoming workshops with the member's own place (registered, waiting n-th, or none)."""
    now = now or timezone.now()
    workshops = list(workshop_list(now=now))
    mine = {
        r.workshop_id: r
        for r in Registration.objects.filter(member=member, workshop__in=[w.pk for w in workshops])
        .exclude(status=Registration.Status.CANCELLED)
        .annotate(
            ahead=Count(
                "workshop__registrations",
                filter=Q(workshop__registrations__status=Registration.Status.WAITLISTED)
                & (
                    Q(workshop__registrations__created_at__lt=F("created_at"))
                    | Q(workshop__registrations__created_at=F("created_at"), workshop__registrations__pk__lt=F("pk"))
                ),
            )
        )
    }
    for workshop in workshops:
        workshop.mine = mine.get(workshop.pk)
        workshop.places_left = max(workshop.capacity - workshop.registered_count, 0)
        if workshop.mine is not None and workshop.mine.status == Registration.Status.WAITLISTED:
            workshop.mine.position = workshop.mine.ahead + 1
    return {"member": member, "workshops": workshops}


# --- Adherence, for the therapist -----------------------------------------------------------------


@dataclass
class Adherence:
    total: int = 0
    done: int = 0
    open: int = 0  # assigned or in progress
    overdue: int = 0
    overdue_items: list = field(default_factory=list)


def _adherence(assignments: list[Assignment], today: date) -> Adherence:
    result = Adherence(total=len(assignments))
    for assignment in assignments:
        if assignment.is_done:
            result.done += 1
        else:
            result.open += 1
        if assignment.is_overdue(today):
            result.overdue += 1
            result.overdue_items.append(assignment)
    return result


def adherence_for(client: Client, *, today: date | None = None) -> Adherence:
    today = today or timezone.localdate()
    return _adherence(list(Assignment.objects.filter(client=client).only("status", "due_on")), today)


def _progress_prefetch() -> Prefetch:
    # The log is encrypted clinical text: not loaded on overview pages.
    return Prefetch(
        "progress", queryset=StepProgress.objects.defer("log").order_by("member_id", "step_id"), to_attr="progress_rows"
    )


def _with_stage_summary(assignments: list[Assignment], members: list[Member]) -> None:
    """Attach, per assignment: the members it is for, and for each of them what they have done."""
    for assignment in assignments:
        stages = list(assignment.resource.steps.all())
        assignment.stage_count = len(stages)
        assignment.current_stage = (
            stages[assignment.released_stage - 1] if 0 < assignment.released_stage <= len(stages) else None
        )
        assignment.for_members = [m for m in members if assignment.member_id in (None, m.pk)]
        done = {(p.member_id, p.step_id) for p in assignment.progress_rows if p.done_at}
        started = {p.member_id for p in assignment.progress_rows}
        assignment.member_rows = []
        for member in assignment.for_members:
            if stages:
                done_count = sum(1 for s in stages if (member.pk, s.pk) in done)
                current_done = assignment.current_stage is not None and (member.pk, assignment.current_stage.pk) in done
            else:
                done_count = 1 if (member.pk, None) in done else 0
                current_done = bool(done_count)
            assignment.member_rows.append(
                {
                    "member": member,
                    "done_count": done_count,
                    "current_done": current_done,
                    "started": member.pk in started,
                }
            )
        assignment.ready_to_release = (
            assignment.current_stage is not None
            and assignment.released_stage < assignment.stage_count
            and all(row["current_done"] for row in assignment.member_rows)
        )


def client_assignments_page(*, client: Client, today: date | None = None) -> dict:
    """The therapist's page of a unit's assignments with adherence. Fixed number of queries."""
    today = today or timezone.localdate()
    members = list(client.members.order_by("position"))
    assignments = list(
        Assignment.objects.filter(client=client)
        .select_related("resource", "member", "created_by")
        .prefetch_related(
            Prefetch("resource__steps", queryset=ExerciseStep.objects.order_by("order", "pk")),
            _progress_prefetch(),
        )
        .annotate(feedback_count=Count("feedback", distinct=True))
        .order_by("status", "due_on", "-pk")
    )
    _with_stage_summary(assignments, members)
    for assignment in assignments:
        assignment.overdue = assignment.is_overdue(today)
    return {
        "client": client,
        "is_intensive": any(concern.intensive for concern in client.concerns.list()),
        "members": members,
        "assignments": assignments,
        "adherence": _adherence(assignments, today),
        "today": today,
    }


def assignment_page(*, assignment: Assignment) -> dict:
    """One assignment for the therapist: stages and who has done what (no logs), and the feedback."""
    members = list(Member.objects.filter(client_id=assignment.client_id).order_by("position"))
    rows = list(
        Assignment.objects.filter(pk=assignment.pk)
        .select_related("resource", "member", "client", "created_by")
        .prefetch_related(
            Prefetch("resource__steps", queryset=ExerciseStep.objects.order_by("order", "pk")), _progress_prefetch()
        )
    )
    assignment = rows[0]
    _with_stage_summary([assignment], members)
    stages = list(assignment.resource.steps.all())
    done = {(p.member_id, p.step_id): p.done_at for p in assignment.progress_rows if p.done_at}
    grid = [
        {
            "number": number,
            "step": step,
            "released": number <= assignment.released_stage,
            "done": [done.get((m.pk, step.pk)) for m in assignment.for_members],
        }
        for number, step in enumerate(stages, start=1)
    ]
    feedback = list(assignment.feedback.select_related("author", "for_member").order_by("created_at", "pk"))
    return {
        "assignment": assignment,
        "client": assignment.client,
        "members": assignment.for_members,
        "grid": grid,
        "whole_done": [done.get((m.pk, None)) for m in assignment.for_members],
        "feedback": feedback,
    }


def member_log(*, assignment: Assignment, member: Member) -> list[dict]:
    """A member's own work on an assignment, logs decrypted: the caller audits the read."""
    stages = stages_of(assignment.resource)
    progress = {p.step_id: p for p in StepProgress.objects.filter(assignment=assignment, member=member)}
    if not stages:
        return [{"number": None, "step": None, "progress": progress.get(None)}]
    return [
        {"number": number, "step": step, "progress": progress.get(step.pk)}
        for number, step in enumerate(stages, start=1)
    ]


def overdue_for_therapist(
    *, therapist: Therapist, today: date | None = None, limit: int = 20, co_treated: list[int] | None = None
) -> list[Assignment]:
    """Unfinished work past its due date, for the units a therapist treats: the dashboard panel. One
    query through the therapist's index (`assignment_open_caseload`), a second for co-treated units."""
    today = today or timezone.localdate()

    def rows(condition: Q) -> QuerySet:
        return (
            Assignment.objects.filter(condition, due_on__lt=today)
            .exclude(status=Assignment.Status.DONE)
            .select_related("client", "resource")
            .defer("note")
            .order_by("due_on", "pk")
        )

    return caseload_rows(
        rows,
        model=Assignment,
        therapist=therapist,
        co_treated=co_treated,
        limit=limit,
        key=lambda a: (a.due_on, a.pk),
    )


def client_timeline_entries(*, client: Client) -> list[TimelineEntry]:
    """Entries for the client page's timeline: work given, and work finished. No clinical text
    (a resource's title is library content)."""
    entries = []
    for assignment in Assignment.objects.filter(client=client).select_related("resource").defer("note"):
        url = reverse("resources:assignment", args=[assignment.pk])
        entries.append(
            TimelineEntry(assignment.created_at, "assignment", f"Assigned: {assignment.resource.title}", url)
        )
        if assignment.completed_at:
            entries.append(
                TimelineEntry(assignment.completed_at, "assignment", f"Done: {assignment.resource.title}", url)
            )
    return entries


def client_panel(*, client: Client, today: date | None = None) -> dict:
    """What the client page's homework panel shows: adherence, open work, and suggestions."""
    today = today or timezone.localdate()
    assignments = list(
        Assignment.objects.filter(client=client).select_related("resource", "member").defer("note").order_by("-pk")
    )
    for assignment in assignments:
        assignment.overdue = assignment.is_overdue(today)
    return {
        "homework_adherence": _adherence(assignments, today),
        "homework_open": [a for a in assignments if not a.is_done][:5],
        "homework_suggestions": suggestions_for(client, limit=5),
    }


# --- The portal -----------------------------------------------------------------------------------


def portal_assignments_page(*, member: Member, today: date | None = None) -> dict:
    """The member's assignments, each with their OWN progress; the partner's is never loaded."""
    from resources.access import portal_assignments

    today = today or timezone.localdate()
    own = StepProgress.objects.filter(member=member).defer("log").order_by("pk")
    assignments = list(
        portal_assignments(member)
        .select_related("resource")
        .prefetch_related(
            Prefetch("resource__steps", queryset=ExerciseStep.objects.order_by("order", "pk")),
            Prefetch("progress", queryset=own, to_attr="progress_rows"),
        )
        .annotate(
            feedback_count=Count(
                "feedback", filter=Q(feedback__for_member__isnull=True) | Q(feedback__for_member=member), distinct=True
            )
        )
        .order_by("status", "due_on", "-pk")
    )
    _with_stage_summary(assignments, [member])
    for assignment in assignments:
        assignment.overdue = assignment.is_overdue(today)
        assignment.mine = assignment.member_rows[0] if assignment.member_rows else None
    return {
        "member": member,
        "current": [a for a in assignments if not a.is_done],
        "finished": [a for a in assignments if a.is_done],
    }


def portal_assignment_page(*, assignment: Assignment, member: Member) -> dict:
    """One assignment in the portal: the stages released so far with the member's own log, whether
    everyone it is for has finished the current stage (a yes or no, never the partner's log), and
    the therapist's feedback for everyone or for this member."""
    from resources.access import portal_progress

    stages = stages_of(assignment.resource)
    mine = {p.step_id: p for p in portal_progress(member, assignment)}
    others = [m for m in members_for(assignment) if m.pk != member.pk]
    partner_done = set(
        StepProgress.objects.filter(assignment=assignment, member__in=others, done_at__isnull=False).values_list(
            "member_id", "step_id"
        )
    )
    rows = []
    for number, step in enumerate(stages, start=1):
        rows.append(
            {
                "number": number,
                "step": step,
                "released": number <= assignment.released_stage,
                "current": number == assignment.released_stage,
                "progress": mine.get(step.pk),
                "others_done": all((o.pk, step.pk) in partner_done for o in others),
            }
        )
    feedback = list(
        Feedback.objects.filter(assignment=assignment)
        .filter(Q(for_member__isnull=True) | Q(for_member=member))
        .select_related("author")
        .order_by("created_at", "pk")
    )
    return {
        "assignment": assignment,
        "member": member,
        "has_partner": bool(others),
        "stages": rows,
        "whole": mine.get(None),
        "feedback": feedback,
        "has_material": bool(assignment.resource.link or assignment.resource.file),
    }


def portal_home(*, member: Member, now: datetime | None = None) -> dict:
    """For the portal home card: how much open work the member has, and their upcoming workshops.
    Two queries; nothing of the partner's."""
    from resources.access import portal_assignments

    return {
        "homework_open": portal_assignments(member).exclude(status=Assignment.Status.DONE).count(),
        "workshops_mine": list(
            Registration.objects.filter(
                member=member,
                status__in=Registration.LIVE,
                workshop__active=True,
                workshop__starts_at__gt=now or timezone.now(),
            )
            .select_related("workshop")
            .order_by("workshop__starts_at")
        ),
    }
