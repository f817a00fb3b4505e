"""Right of access: one person's record as one plain structure, ready to write as JSON.

An export answers one person's request, so it is scoped to one member: their own details, intake,
consents, logs and registrations, the sessions they attended, joint notes and notes about them, the
work given to the unit or to them, and never the partner's intake, private logs, work given to the
partner alone, or notes of the partner's individual sessions. The whole couple's record is a
separate choice that needs both partners' live `couple_export` consent (`couple_export_allowed`).
Drafts of an intake are the member's alone until sent: never exported.

A selector (reads only). The caller has loaded the client through `clients.access` and checked the
therapist's password; the view audits the export. Private psychotherapy notes are left out unless
asked for, and then only the exporting therapist's own: another therapist's are never included.

Every value comes decrypted: the result is as confidential as the record itself, and must only ever
be turned into the one file the therapist downloads (never logged, cached or queued).

Fixed number of queries whatever the size of the record (the resources app adds four when installed).
"""

from datetime import date, datetime

from django.apps import apps
from django.db import models
from django.db.models import Prefetch, Q
from django.utils import timezone

from clients.models import Addendum, Client, Concern, Consent, IntakeResponse, Member, Note
from practice.models import Therapist

FORMAT = "practice.client-record"
VERSION = 1

PSYCHOTHERAPY_EXCLUDED = (
    "Private psychotherapy notes are not part of this export unless the exporting therapist chose to "
    "include their own; other therapists' psychotherapy notes are never included."
)


def couple_export_allowed(client: Client) -> bool:
    """A whole-couple export needs every partner's live consent to it."""
    members = set(client.members.values_list("pk", flat=True))
    consented = set(
        Consent.objects.filter(
            client=client, kind=Consent.Kind.COUPLE_EXPORT, revoked_at=None, member__in=members
        ).values_list("member_id", flat=True)
    )
    return bool(members) and consented == members


def client_record_export(
    *, client: Client, therapist: Therapist, include_psychotherapy: bool, member: Member | None
) -> dict:
    """The record of `member` (or, with `member=None`, of the whole unit: the caller checked
    `couple_export_allowed`), as `therapist` may see it, every confidential field decrypted."""
    if member is not None and member.client_id != client.pk:
        raise ValueError("member of another unit")
    members = [m for m in client.members.order_by("position") if member is None or m.pk == member.pk]
    scope = Scope(client=client, member=member)
    concerns = {c.slug: c for c in Concern.objects.all()}  # the taxonomy is small; intake answers use slugs
    record = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now(),
        "exported_by": therapist.display_name,
        "times": "ISO 8601, in UTC unless an offset says otherwise",
        "includes_own_psychotherapy_notes": include_psychotherapy,
        "not_included": PSYCHOTHERAPY_EXCLUDED,
        "scope": "whole unit" if member is None else f"member {member.position}",
        "client": _unit(client),
        "members": [_member(m) for m in members],
        "intake": _intake(scope, concerns),
        "goals": _goals(client),
        "notes": _notes(scope, therapist, include_psychotherapy),
        "consents": _consents(scope),
        "appointments": _appointments(scope),
    }
    resources = _resources(scope)
    if resources is not None:
        record.update(resources)
    for section in _SECTIONS:  # registered by the apps above (billing's ledger)
        extra = section(scope)
        if extra:
            record.update(extra)
    return record


_SECTIONS: list = []


def register_export_section(section) -> None:
    """An app above `clients` adds its part of the record: `section(scope)` returns a dict of keys to
    add (or None when the scope has none of it). Called from the app's `AppConfig.ready()`."""
    if section not in _SECTIONS:
        _SECTIONS.append(section)


class Scope:
    """Whose record: one member of the unit, or (member None) the whole unit."""

    def __init__(self, *, client: Client, member: Member | None):
        self.client, self.member = client, member

    def own(self, field: str = "member") -> Q:
        """Rows that belong to the member (all of the unit's when the scope is the whole unit)."""
        return Q() if self.member is None else Q(**{field: self.member})

    def attended(self):
        """The ids of the sessions the member attended (a subquery)."""
        return _attendance_model().objects.filter(member=self.member).values("appointment_id")

    def own_or_shared(self, field: str) -> Q:
        """Rows for the member, or for nobody in particular (the unit as a whole)."""
        return Q() if self.member is None else Q(**{field: self.member}) | Q(**{f"{field}__isnull": True})


# --- Generic --------------------------------------------------------------------------------------


def _values(obj: models.Model) -> dict:
    """Every plain (non-relation) field of `obj`, encrypted ones decrypted. Relations are added by
    the callers where they mean something to a reader (a name, a member's position)."""
    out = {}
    for f in obj._meta.concrete_fields:
        if f.is_relation:
            continue
        out[f.name] = _plain(getattr(obj, f.attname))
    return out


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


# --- The record -----------------------------------------------------------------------------------


def _unit(client: Client) -> dict:
    chosen = client.concerns.list()
    co_therapists = client.co_therapists.all()
    return {
        **_values(client),
        "primary_therapist": client.primary_therapist.display_name,
        "co_therapists": [t.display_name for t in co_therapists],
        "concerns": [{"name": c.name, "intensive_therapy": c.intensive} for c in chosen],
    }


def _member(member: Member) -> dict:
    return {**_values(member), "portal_account": member.user_id is not None}


def _intake(scope: Scope, concerns: dict) -> list[dict]:
    intakes = IntakeResponse.objects.filter(
        scope.own(), member__client=scope.client, status=IntakeResponse.Status.SUBMITTED
    ).select_related("member", "reviewed_by")
    out = []
    for intake in intakes.order_by("member__position"):
        row = _values(intake)
        row["member"] = intake.member.position
        row["concerns"] = [concerns[s].name if s in concerns else s for s in intake.concern_slugs]
        row["reviewed_by"] = intake.reviewed_by.display_name if intake.reviewed_by else None
        out.append(row)
    return out


def _goals(client: Client) -> list[dict]:
    return [
        {**_values(goal), "created_by": goal.created_by.display_name}
        for goal in client.goals.select_related("created_by").order_by("created_at", "pk")
    ]


def _notes(scope: Scope, therapist: Therapist, include_psychotherapy: bool) -> list[dict]:
    client = scope.client
    visible = ~Q(kind=Note.Kind.PSYCHOTHERAPY)
    if include_psychotherapy:
        visible |= Q(kind=Note.Kind.PSYCHOTHERAPY, author=therapist)
    if scope.member is not None:
        # About this member, or joint: not about the partner, and not tied to a session they missed.
        joint = Q(about_member__isnull=True) & (Q(appointment__isnull=True) | Q(appointment__in=scope.attended()))
        visible &= Q(about_member=scope.member) | joint
    addenda = Prefetch("addenda", queryset=Addendum.objects.select_related("author").order_by("created_at", "pk"))
    notes = (
        client.notes.filter(visible)
        .select_related("author", "about_member")
        .prefetch_related(addenda)
        .order_by("session_date", "pk")
    )
    return [
        {
            **_values(note),
            "author": note.author.display_name,
            "appointment": note.appointment_id,
            "about_member": note.about_member.position if note.about_member else None,
            "addenda": [{**_values(a), "author": a.author.display_name} for a in note.addenda.all()],
        }
        for note in notes
    ]


def _consents(scope: Scope) -> list[dict]:
    consents = (
        scope.client.consents.filter(scope.own()).select_related("member", "referrer").order_by("granted_at", "pk")
    )
    return [
        {
            **_values(consent),
            "member": consent.member.position,
            "referrer": str(consent.referrer) if consent.referrer else None,
        }
        for consent in consents
    ]


def _appointments(scope: Scope) -> list[dict]:
    attendances = _attendance_model().objects.select_related("member")
    appointments = scope.client.appointments.all()
    if scope.member is not None:
        appointments = appointments.filter(pk__in=scope.attended())
        attendances = attendances.filter(member=scope.member)  # who else came is the partner's business
    appointments = (
        appointments.select_related("therapist", "room")
        .prefetch_related(Prefetch("attendances", queryset=attendances))
        .order_by("start", "pk")
    )
    return [
        {
            "id": a.pk,
            "start": _plain(a.start),
            "end": _plain(a.end),
            "status": a.status,
            "modality": a.modality,
            "room": a.room.name if a.room else None,
            "therapist": a.therapist.display_name,
            "members": sorted(att.member.position for att in a.attendances.all()),
            "booked_via": a.booked_via,
            "cancelled_at": _plain(a.cancelled_at),
        }
        for a in appointments
    ]


def _attendance_model() -> type[models.Model]:
    # Through the registry: sessions_app builds on clients, so clients does not import it.
    return apps.get_model("sessions_app", "Attendance")


# --- Work between sessions (the resources app, when it is installed) -------------------------------


def _resources(scope: Scope) -> dict | None:
    """Assignments with their logs and feedback, and workshop registrations; None without the app.

    Looked up through the app registry rather than imported, so this module does not depend on the
    resources app being there.
    """
    if not apps.is_installed("resources"):
        return None
    models_ = apps.get_app_config("resources").models
    assignment, progress, feedback = models_.get("assignment"), models_.get("stepprogress"), models_.get("feedback")
    registration = models_.get("registration")
    if None in (assignment, progress, feedback, registration):
        return None

    client = scope.client
    assignments = (
        assignment.objects.filter(scope.own_or_shared("member"), client=client)
        .select_related("resource", "member")
        .prefetch_related(
            Prefetch("progress", queryset=progress.objects.filter(scope.own()).select_related("step", "member")),
            Prefetch(
                "feedback",
                queryset=feedback.objects.filter(scope.own_or_shared("for_member")).select_related(
                    "author", "for_member"
                ),
            ),
        )
        .order_by("created_at", "pk")
    )
    registrations = (
        registration.objects.filter(scope.own(), member__client=client)
        .select_related("workshop", "member")
        .order_by("pk")
    )
    return {
        "assignments": [_assignment(a) for a in assignments],
        "workshop_registrations": [
            {
                **_values(r),
                "member": r.member.position,
                "workshop": r.workshop.title,
                "workshop_starts_at": _plain(r.workshop.starts_at),
            }
            for r in registrations
        ],
    }


def _assignment(assignment) -> dict:
    return {
        **_values(assignment),
        "resource": {"kind": assignment.resource.kind, "title": assignment.resource.title},
        "for_member": assignment.member.position if assignment.member else None,
        "progress": [
            {
                **_values(p),
                "member": p.member.position,
                "stage": {"order": p.step.order, "title": p.step.title} if p.step else None,
            }
            for p in assignment.progress.all()
        ],
        "feedback": [
            {
                **_values(f),
                "author": f.author.display_name,
                "for_member": f.for_member.position if f.for_member else None,
            }
            for f in assignment.feedback.all()
        ],
    }
