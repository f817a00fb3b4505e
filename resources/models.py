"""The resource library, workshops, and the work a therapist gives a client between sessions.

Library content (resources, steps, workshops) is the practice's own teaching material: not
confidential. What a client writes and what the therapist writes back is: `Assignment.note`,
`StepProgress.log` and `Feedback.body` are encrypted, and never appear in `__str__`, the admin's
lists or search, messages or logs.

Stages: a programme's `ExerciseStep.order` (1, 2, 3, ...) is its stage number. An assignment's
`released_stage` is the highest stage the client may work on; the therapist raises it one at a time,
and only when every member the assignment is for has finished the current stage.
"""

from django.conf import settings
from django.core.validators import FileExtensionValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import CaseloadCopy
from practice.fields import EncryptedTextField
from practice.models import TimeStampedModel

FILE_EXTENSIONS = ["pdf", "epub", "txt", "odt", "docx", "mp3", "m4a", "mp4"]


class Suits(models.TextChoices):
    INDIVIDUALS = "individuals", _("Individuals")
    COUPLES = "couples", _("Couples")
    BOTH = "both", _("Individuals and couples")


class Resource(TimeStampedModel):
    """A reading, an exercise (a programme when it has steps), or the description of a workshop."""

    class Kind(models.TextChoices):
        READING = "reading", _("Reading")
        EXERCISE = "exercise", _("Exercise")
        WORKSHOP = "workshop", _("Workshop description")

    class Nature(models.TextChoices):
        INFORMATION = "information", _("Information")
        SUGGESTION = "suggestion", _("Specific suggestion")

    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.READING, db_index=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True, help_text=_("One or two sentences shown in lists."))
    instructions = models.TextField(blank=True, help_text=_("What the client is asked to do with it."))
    link = models.URLField(blank=True, help_text=_("Where to find it online, if anywhere."))
    file = models.FileField(
        upload_to="library/%Y/",
        blank=True,
        validators=[FileExtensionValidator(FILE_EXTENSIONS)],
        help_text=_("A handout or recording the practice may share (PDF, EPUB, text, audio or video)."),
    )
    concerns = models.ManyToManyField("clients.Concern", blank=True, related_name="resources")
    suits = models.CharField(max_length=12, choices=Suits.choices, default=Suits.BOTH)
    nature = models.CharField(max_length=12, choices=Nature.choices, default=Nature.INFORMATION)
    active = models.BooleanField(default=True, help_text=_("Inactive resources are kept but no longer offered."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title

    def suits_kind(self, unit_kind: str) -> bool:
        """Whether this resource suits a unit of `unit_kind` (clients.Client.Kind)."""
        wanted = Suits.COUPLES if unit_kind == "couple" else Suits.INDIVIDUALS
        return self.suits in (Suits.BOTH, wanted)


class ExerciseStep(models.Model):
    """One stage of a programme: what to do, and what not to do yet."""

    resource = models.ForeignKey(Resource, models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    title = models.CharField(max_length=200)
    what_to_do = models.TextField()
    not_yet = models.TextField(blank=True, verbose_name=_("What not to do yet"))
    suggested_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Roughly how many days to spend on this stage.")
    )

    class Meta:
        ordering = ["resource_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "order"], name="step_order_unique"),
            models.CheckConstraint(condition=Q(order__gte=1), name="step_order_positive"),
        ]

    def __str__(self) -> str:
        return f"Stage {self.order}: {self.title}"


class WorkshopQuerySet(models.QuerySet):
    def upcoming(self, now=None) -> "WorkshopQuerySet":
        return self.filter(active=True, starts_at__gt=now or timezone.now())

    def with_counts(self) -> "WorkshopQuerySet":
        return self.annotate(
            registered_count=models.Count(
                "registrations", filter=Q(registrations__status=Registration.Status.REGISTERED)
            ),
            waitlist_count=models.Count(
                "registrations", filter=Q(registrations__status=Registration.Status.WAITLISTED)
            ),
        )


class Workshop(TimeStampedModel):
    """A dated group event. Never more registered members than `capacity`; the rest wait in line."""

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    resource = models.ForeignKey(
        Resource,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="workshops",
        limit_choices_to={"kind": Resource.Kind.WORKSHOP},
        help_text=_("The library entry describing it, if any."),
    )
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    place = models.CharField(max_length=300, blank=True, help_text=_("Address, for an event in person."))
    video_link = models.URLField(blank=True, help_text=_("For an event online."))
    facilitator = models.CharField(max_length=120)
    concerns = models.ManyToManyField("clients.Concern", blank=True, related_name="workshops")
    active = models.BooleanField(default=True)

    objects = WorkshopQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="workshop_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="workshop_capacity_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()


class Registration(TimeStampedModel):
    """One member's place at a workshop, or place in line. Cancelled rows are kept; the line is
    ordered by creation (`created_at`, then `pk`), so whoever asked first is moved up first."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    LIVE = (Status.REGISTERED, Status.WAITLISTED)

    workshop = models.ForeignKey(Workshop, models.CASCADE, related_name="registrations")
    member = models.ForeignKey("clients.Member", models.CASCADE, related_name="registrations")
    status = models.CharField(max_length=12, choices=Status.choices, db_index=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    promoted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["workshop_id", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "member"],
                condition=Q(status__in=["registered", "waitlisted"]),
                name="registration_one_live_per_member",
            ),
        ]

    def __str__(self) -> str:
        return f"Registration {self.pk}"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE


class Assignment(CaseloadCopy, TimeStampedModel):
    """A resource given to a unit (`member` None: everyone in it) or to one member of it.

    Confidential (encrypted): note (from the therapist to the client).
    """

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    resource = models.ForeignKey(Resource, models.PROTECT, related_name="assignments")
    client = models.ForeignKey("clients.Client", models.CASCADE, related_name="assignments")
    member = models.ForeignKey(
        "clients.Member",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="assignments",
        help_text=_("Leave empty to give it to the whole unit."),
    )
    due_on = models.DateField(null=True, blank=True)
    note = EncryptedTextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ASSIGNED, db_index=True)
    released_stage = models.PositiveSmallIntegerField(
        default=0, help_text=_("For programmes: the highest stage released to the client (0: not a programme).")
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey("practice.Therapist", models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["client", "status"]),
            # The dashboard's overdue homework: a therapist's unfinished work by due date (CaseloadCopy).
            models.Index(
                fields=["primary_therapist", "due_on", "id"],
                condition=~Q(status="done"),
                name="assignment_open_caseload",
            ),
        ]

    def __str__(self) -> str:
        return f"Assignment {self.pk}"

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE

    def is_overdue(self, today) -> bool:
        return self.due_on is not None and self.due_on < today and not self.is_done


class StepProgress(TimeStampedModel):
    """One member's work on one stage of an assignment (`step` None: on the resource as a whole,
    e.g. a reading). Private to that member and the treating therapists: a partner never sees it.

    Confidential (encrypted): log (what happened, how it felt).
    """

    assignment = models.ForeignKey(Assignment, models.CASCADE, related_name="progress")
    step = models.ForeignKey(ExerciseStep, models.PROTECT, null=True, blank=True, related_name="progress")
    member = models.ForeignKey("clients.Member", models.CASCADE, related_name="step_progress")
    done_at = models.DateTimeField(null=True, blank=True)
    log = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["assignment_id", "member_id", "step__order", "pk"]
        verbose_name = "stage progress"
        verbose_name_plural = "stage progress"
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "step", "member"], condition=Q(step__isnull=False), name="progress_one_per_step"
            ),
            models.UniqueConstraint(
                fields=["assignment", "member"], condition=Q(step__isnull=True), name="progress_one_per_whole"
            ),
        ]

    def __str__(self) -> str:
        return f"Progress {self.pk}"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Feedback(TimeStampedModel):
    """The therapist's word back on an assignment: to everyone it is for, or to one member only
    (e.g. a reply to that partner's private log).

    Confidential (encrypted): body.
    """

    assignment = models.ForeignKey(Assignment, models.CASCADE, related_name="feedback")
    author = models.ForeignKey("practice.Therapist", models.PROTECT, related_name="+")
    for_member = models.ForeignKey(
        "clients.Member",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Leave empty for everyone the assignment is for."),
    )
    body = EncryptedTextField()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "feedback"

    def __str__(self) -> str:
        return f"Feedback {self.pk}"
