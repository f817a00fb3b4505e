"""Measurement-based care: who answers which instrument when, and what they answered.

Confidential (encrypted): `MeasureResponse.answers` and `MeasureResponse.score` (JSON text). Nothing
else here is clinical: an instrument's slug, a schedule, a due point's key and its times.
"""

import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import CaseloadCopy
from practice.fields import EncryptedTextField
from practice.models import TimeStampedModel


class InstrumentDefinition(TimeStampedModel):
    """A licensed instrument the practice added (admin upload of a definition file, validated against
    the schema in measures/definitions.py). The shipped ones live in measures/instruments/ instead."""

    slug = models.SlugField(max_length=40, unique=True)
    definition = models.JSONField()
    licence_note = models.TextField(
        help_text=_("Who granted the practice its licence to use this instrument, and on what terms.")
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class MeasureAssignment(CaseloadCopy, TimeStampedModel):
    """An instrument given to one member, or (member None) to every member of the unit, on a schedule."""

    class Schedule(models.TextChoices):
        ONCE = "once", _("Once")
        EVERY_SESSION = "every_session", _("Before every session")
        EVERY_N_SESSIONS = "every_n_sessions", _("Every N sessions")
        EVERY_N_WEEKS = "every_n_weeks", _("Every N weeks")

    client = models.ForeignKey("clients.Client", models.PROTECT, related_name="measure_assignments")
    member = models.ForeignKey(
        "clients.Member", models.PROTECT, null=True, blank=True, related_name="measure_assignments"
    )
    instrument = models.CharField(max_length=40)
    schedule = models.CharField(max_length=20, choices=Schedule.choices)
    every = models.PositiveSmallIntegerField(default=1)
    starts_at = models.DateTimeField(default=timezone.now)
    assigned_by = models.ForeignKey("practice.Therapist", models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(condition=models.Q(every__gte=1), name="measure_every_at_least_one")]

    def __str__(self) -> str:
        return f"Measure assignment {self.pk}"

    @property
    def is_live(self) -> bool:
        return self.ended_at is None


class MeasureRequest(CaseloadCopy, TimeStampedModel):
    """One due point of an assignment for one member: what the portal shows and the outbox announces.

    `due_key` names the due point ("once", "session:<appointment id>", "sessions:<k>", "weeks:<k>"),
    unique per assignment and member, so each due point is asked exactly once, whatever moves and
    cancellations happen around it.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for answers")
        COMPLETED = "completed", _("Answered")
        WITHDRAWN = "withdrawn", _("No longer asked")

    assignment = models.ForeignKey(MeasureAssignment, models.PROTECT, related_name="requests")
    member = models.ForeignKey("clients.Member", models.PROTECT, related_name="measure_requests")
    due_key = models.CharField(max_length=40)
    appointment = models.ForeignKey(
        "sessions_app.Appointment", models.SET_NULL, null=True, blank=True, related_name="measure_requests"
    )
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)

    CLIENT_PATH = "assignment__client"

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "member", "due_key"], name="measure_request_once_per_point")
        ]
        indexes = [
            # The dashboard's "measures due": a therapist's open requests by due time (CaseloadCopy).
            models.Index(
                fields=["primary_therapist", "due_at"], condition=Q(status="open"), name="measure_request_due_caseload"
            )
        ]

    def primary_therapist_source(self) -> int:
        return self.assignment.primary_therapist_id

    def __str__(self) -> str:
        return f"Measure request {self.pk}"

    @property
    def client_id(self) -> int:  # for the audit trail
        return self.assignment.client_id


class MeasureResponse(CaseloadCopy, TimeStampedModel):
    """One member's submitted answers to one instrument, and their score. Confidential: answers, score."""

    class Via(models.TextChoices):
        PORTAL = "portal", _("Portal")
        IN_SESSION = "in_session", _("In session")

    client = models.ForeignKey("clients.Client", models.PROTECT, related_name="measure_responses")
    member = models.ForeignKey("clients.Member", models.PROTECT, related_name="measure_responses")
    instrument = models.CharField(max_length=40, db_index=True)
    request = models.OneToOneField(MeasureRequest, models.PROTECT, null=True, blank=True, related_name="response")
    answers = EncryptedTextField()  # JSON {item id: value or null}
    score = EncryptedTextField()  # JSON, measures.definitions.Score.as_dict()
    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)
    via = models.CharField(max_length=12, choices=Via.choices, default=Via.PORTAL)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        ordering = ["submitted_at", "pk"]
        indexes = [
            # The dashboard's "measures completed": a therapist's newest answers (CaseloadCopy).
            models.Index(fields=["primary_therapist", "-submitted_at"], name="measure_response_caseload")
        ]

    def __str__(self) -> str:
        return f"Measure response {self.pk}"

    def primary_therapist_source(self) -> int:
        if self.request_id is not None:
            return self.request.primary_therapist_id
        return self.client.primary_therapist_id

    @property
    def answer_values(self) -> dict:
        return json.loads(self.answers)

    @property
    def score_values(self) -> dict:
        return json.loads(self.score)
