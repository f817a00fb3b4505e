"""Client units (an individual or a couple), their members, and the clinical record.

Confidential fields are encrypted with the project's wrappers (`practice.fields`); each model's
docstring names them. Encrypted columns cannot be searched in SQL: lookups use the reference code,
the status, and the keyed search tokens in `MemberSearchToken`.
"""

import secrets
import zoneinfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from practice.fields import EncryptedCharField, EncryptedDateField, EncryptedEmailField, EncryptedTextField
from practice.models import TimeStampedModel, validate_time_zone, zone_named

# No 0/O or 1/I/L: reference codes are read aloud on the phone.
NO_SECRETS_REFUSAL = _(
    "This couple chose the no-secrets policy: what one partner says may be raised with both, so a note "
    "cannot be kept out of joint sessions."
)
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_reference() -> str:
    return "C-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


class Concern(models.Model):
    """A presenting concern from the practice's taxonomy. Not confidential by itself."""

    class Group(models.TextChoices):
        SEXUAL = "sexual", _("Sexual function")
        RELATIONSHIP = "relationship", _("Relationship")
        IDENTITY = "identity", _("Identity")
        MEDICAL = "medical", _("Medical")
        BEHAVIOUR = "behaviour", _("Behaviour")
        MENTAL_HEALTH = "mental_health", _("Larger life issues")

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    group = models.CharField(max_length=20, choices=Group.choices)
    intensive = models.BooleanField(default=False, help_text=_("Calls for intensive therapy."))
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


def treated_ids(therapist) -> models.QuerySet:
    """The ids of the units `therapist` treats (primary or co-therapist), for `pk__in=`: a union of two
    index reads. As one condition with OR over the co-therapists' join, PostgreSQL read every unit of
    the practice (a sequential scan of 50,000 units at size L: 20 ms for a therapist's 1,000)."""
    co_treated = Client.co_therapists.through.objects.filter(therapist=therapist)
    primary = Client.objects.filter(primary_therapist=therapist)
    # Default orderings cleared: a compound statement takes no ORDER BY in its parts.
    return primary.order_by().values("pk").union(co_treated.order_by().values("client_id"), all=True)


def co_treated_ids(therapist) -> list[int]:
    """The ids of the units `therapist` co-treats (a handful at most; most therapists none). One query."""
    return list(Client.co_therapists.through.objects.filter(therapist=therapist).values_list("client_id", flat=True))


class CaseloadCopy(models.Model):
    """A row the therapist's dashboard lists by caseload, carrying a copy of its unit's primary therapist.

    The dashboard's panels (measures due and answered, overdue homework, the inbox line) read their rows
    from an index that starts with the therapist, so a panel reads the rows it shows whatever the size of
    the caseload. Scoped through the caseload instead, each panel probed its table once per unit treated:
    50 probes at size S and 1,000 at L, the dashboard 1.33x from S to L on PostgreSQL.

    The copy is set when the row is made (from the unit, or `primary_therapist_source`) and moved with the
    unit by `clients.services.client_therapists_set`, the one place a unit changes primary therapist;
    `tests/clients/test_caseload_copy.py` holds every row to its unit. A unit's co-therapists read their
    co-treated units' rows by unit (`caseload_rows`): a second, small read.
    """

    # The path from the row to its unit, for the move and the co-treated read.
    CLIENT_PATH = "client"

    primary_therapist = models.ForeignKey(
        "practice.Therapist", models.PROTECT, related_name="+", db_index=False, editable=False
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.primary_therapist_id is None:
            self.primary_therapist_id = self.primary_therapist_source()
        super().save(*args, **kwargs)

    def primary_therapist_source(self) -> int:
        return self.client.primary_therapist_id


def caseload_copies() -> list[type[CaseloadCopy]]:
    """Every model that keeps a copy of its unit's primary therapist."""
    from django.apps import apps

    return [model for model in apps.get_models() if issubclass(model, CaseloadCopy)]


def caseload_rows(
    rows, *, model: type[CaseloadCopy], therapist, co_treated: list[int] | None, limit: int, key, newest=False
):
    """The first `limit` rows for the units `therapist` treats, in the order `rows` gives them.

    `rows(condition)` is the panel's query, ordered, with `condition` added. The units led are read
    through the copy (one ordered read of the therapist's index); the units co-treated (`co_treated`,
    read here if not given), if any, by their ids in a second read; the two are merged by `key`
    (descending if `newest`). Each read takes `limit` rows at most, so the merge is exact."""
    if co_treated is None:
        co_treated = co_treated_ids(therapist)
    found = list(rows(Q(primary_therapist=therapist))[:limit])
    if co_treated:
        found += list(rows(Q(**{f"{model.CLIENT_PATH}__in": co_treated}))[:limit])
        found.sort(key=key, reverse=newest)
    return found[:limit]


def treated_references(therapist, status: str = "") -> models.QuerySet:
    """(id, reference) of the units `therapist` treats, by reference: the same rule as `treated_ids`,
    as a list of its own. The units led come from the caseload index alone (`Client.Meta.indexes`), the
    co-treated in one UNION, which also drops a unit that is in both; counting it and reading a page of
    it cost the same for a caseload of 50 or 1,000 (the client list)."""
    led = Client.objects.filter(primary_therapist=therapist)
    co_treated = Client.objects.filter(co_therapists=therapist)
    if status:
        led, co_treated = led.filter(status=status), co_treated.filter(status=status)
    # Default orderings cleared: a compound statement takes no ORDER BY in its parts.
    return (
        led.order_by()
        .values_list("pk", "reference")
        .union(co_treated.order_by().values_list("pk", "reference"))
        .order_by("reference")
    )


class ClientQuerySet(models.QuerySet):
    def treated_by(self, therapist) -> "ClientQuerySet":
        return self.filter(pk__in=treated_ids(therapist))

    def with_intensive_flag(self) -> "ClientQuerySet":
        from clients.concern_links import intensive_digests

        intensive = ClientConcern.objects.filter(client=models.OuterRef("pk"), digest__in=intensive_digests())
        return self.annotate(is_intensive=models.Exists(intensive))

    def with_concern(self, concern: "Concern") -> "ClientQuerySet":
        from clients.concern_links import digest_of

        return self.filter(concern_tokens__digest=digest_of(concern))


class Client(TimeStampedModel):
    """The unit of care: one person, or a couple seen together. Nothing here is confidential text;
    the reference code stands in for names in URLs, lists, calendar titles and messages."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        COUPLE = "couple", _("Couple")

    class Status(models.TextChoices):
        PROSPECTIVE = "prospective", _("Prospective")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        DISCHARGED = "discharged", _("Discharged")

    class Policy(models.TextChoices):
        NO_SECRETS = "no_secrets", _("No secrets: what one partner tells the therapist may be raised with both")
        LIMITED_SECRETS = "limited_secrets", _("Limited secrets: the therapist decides what may be kept private")

    reference = models.CharField(max_length=12, unique=True, default=new_reference, editable=False)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.INDIVIDUAL)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROSPECTIVE, db_index=True)
    primary_therapist = models.ForeignKey("practice.Therapist", models.PROTECT, related_name="primary_clients")
    co_therapists = models.ManyToManyField("practice.Therapist", blank=True, related_name="co_clients")
    confidentiality_policy = models.CharField(max_length=20, choices=Policy.choices, blank=True)
    # Every change of policy is a new version that each partner acknowledges again.
    policy_version = models.PositiveIntegerField(default=1)
    self_booking = models.BooleanField(
        default=False, help_text=_("The client may book, move and cancel sessions in the portal.")
    )

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["reference"]
        indexes = [
            # A therapist's caseload in the list's order, read from the index alone (the reference for
            # the order, the id for the page): the list's count and page stay a few index pages at any
            # caseload size (clients.selectors.client_list_page).
            models.Index(fields=["primary_therapist", "reference", "id"], name="client_caseload_by_reference"),
        ]

    @property
    def concerns(self):
        """The unit's presenting concerns (stored as keyed digests: `ClientConcern`)."""
        from clients.concern_links import ConcernLinks

        return ConcernLinks(self, ClientConcern, "client")

    def __str__(self) -> str:
        return self.reference

    @property
    def is_couple(self) -> bool:
        return self.kind == self.Kind.COUPLE

    def is_treated_by(self, therapist) -> bool:
        if self.primary_therapist_id == therapist.pk:
            return True
        return self.co_therapists.filter(pk=therapist.pk).exists()


class Member(TimeStampedModel):
    """A person in a unit: one for an individual, two for a couple.

    Confidential (encrypted): first_name, last_name, preferred_name, pronouns, date_of_birth, email,
    phone, address, emergency_contact, gender_identity, sexual_orientation.
    """

    client = models.ForeignKey(Client, models.CASCADE, related_name="members")
    position = models.PositiveSmallIntegerField(default=1)  # 1 or 2; stable order within a couple
    first_name = EncryptedCharField(max_length=100)
    last_name = EncryptedCharField(max_length=100)
    preferred_name = EncryptedCharField(max_length=100, blank=True)
    pronouns = EncryptedCharField(max_length=40, blank=True)
    date_of_birth = EncryptedDateField(null=True, blank=True)
    email = EncryptedEmailField(blank=True)
    phone = EncryptedCharField(max_length=40, blank=True)
    address = EncryptedTextField(blank=True)
    emergency_contact = EncryptedTextField(blank=True, help_text=_("Name, relationship and phone number."))
    gender_identity = EncryptedCharField(max_length=100, blank=True)
    sexual_orientation = EncryptedCharField(max_length=100, blank=True)
    time_zone = models.CharField(max_length=64, default="Europe/London", validators=[validate_time_zone])
    contact_by_email = models.BooleanField(_("contact by email"), default=True)
    contact_by_sms = models.BooleanField(_("contact by SMS"), default=False)
    reminders_enabled = models.BooleanField(default=True, help_text=_("Send reminders before sessions."))
    discreet_wording = models.BooleanField(
        default=False, help_text=_("Keep the words therapy and sex out of message subjects and texts.")
    )
    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="member")
    invited_at = models.DateTimeField(null=True, blank=True)
    # The couple's confidentiality policy this partner acknowledged, and when.
    policy_acknowledged = models.CharField(max_length=20, choices=Client.Policy.choices, blank=True)
    policy_acknowledged_at = models.DateTimeField(null=True, blank=True)
    policy_acknowledged_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["client_id", "position"]
        constraints = [models.UniqueConstraint(fields=["client", "position"], name="member_position_unique")]

    def __str__(self) -> str:
        return f"Member {self.pk}"

    @property
    def display_name(self) -> str:
        return self.preferred_name or self.first_name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The member's own zone, for every time shown or sent to them."""
        return zone_named(self.time_zone)

    def address_for(self, channel: str) -> str:
        """Where a message on `channel` ("email" or "sms") reaches this member."""
        return self.phone if channel == "sms" else self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def has_acknowledged_policy(self) -> bool:
        client = self.client
        return (
            bool(self.policy_acknowledged)
            and self.policy_acknowledged == client.confidentiality_policy
            and self.policy_acknowledged_version == client.policy_version
        )


class ClientConcern(models.Model):
    """One of a unit's presenting concerns, as a keyed digest of the concern's slug (a blind index):
    a copy of the database without the key cannot tell which concern it is. See clients.concern_links."""

    client = models.ForeignKey(Client, models.CASCADE, related_name="concern_tokens")
    digest = models.CharField(max_length=64, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "digest"], name="client_concern_unique")]

    def __str__(self) -> str:
        return f"Client concern {self.pk}"


class MemberSearchToken(models.Model):
    """Keyed hashes of name prefixes, so encrypted names can be searched with an index.

    The digest is an HMAC (key derived from the newest field key), never the text. Rebuilt on every
    member save, and by `rebuild_search_index` after a key rotation.
    """

    member = models.ForeignKey(Member, models.CASCADE, related_name="search_tokens")
    client = models.ForeignKey(Client, models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64, db_index=True)

    def __str__(self) -> str:
        return f"Search token {self.pk}"


class IntakeResponse(TimeStampedModel):
    """One member's intake questionnaire. Partners answer separately and never see each other's.

    Confidential (encrypted): every answer field.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    class Risk(models.TextChoices):
        NO = "no", _("No")
        YES = "yes", _("Yes")
        UNSURE = "unsure", _("Not sure / prefer to talk about it")

    member = models.OneToOneField(Member, models.CASCADE, related_name="intake")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    concerns = EncryptedTextField(blank=True)  # the member's own choices: slugs, comma-separated
    concerns_in_own_words = EncryptedTextField(blank=True)
    hopes = EncryptedTextField(blank=True)
    relationship_history = EncryptedTextField(blank=True)
    sexual_history = EncryptedTextField(blank=True)
    medical_conditions = EncryptedTextField(blank=True)
    medications = EncryptedTextField(blank=True)
    prior_therapy = EncryptedTextField(blank=True)
    risk_self_harm = EncryptedCharField(max_length=10, blank=True, choices=Risk.choices)
    risk_harm_to_others = EncryptedCharField(max_length=10, blank=True, choices=Risk.choices)
    risk_unsafe_at_home = EncryptedCharField(max_length=10, blank=True, choices=Risk.choices)
    risk_details = EncryptedTextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey("practice.Therapist", models.SET_NULL, null=True, blank=True, related_name="+")

    def __str__(self) -> str:
        return f"Intake {self.pk}"

    @property
    def client_id(self) -> int:
        return self.member.client_id

    @property
    def concern_slugs(self) -> list[str]:
        return [s for s in self.concerns.split(",") if s]

    # The risk questions, as the therapist's pages name them.
    RISK_QUESTIONS = {
        "risk_self_harm": _("Thoughts of self-harm"),
        "risk_harm_to_others": _("Thoughts of harming others"),
        "risk_unsafe_at_home": _("Feels unsafe at home"),
    }
    # "Not sure / prefer to talk about it" is followed up like a yes.
    RISK_ANSWERS_TO_FOLLOW_UP = (Risk.YES, Risk.UNSURE)

    @property
    def risk_answers(self) -> list[tuple[str, str]]:
        """(question, answer) for each risk question answered yes or unsure. Decrypts the answers."""
        return [
            (question, self.Risk(getattr(self, field)).label)
            for field, question in self.RISK_QUESTIONS.items()
            if getattr(self, field) in self.RISK_ANSWERS_TO_FOLLOW_UP
        ]

    @property
    def has_risk_answers(self) -> bool:
        return bool(self.risk_answers)


class Goal(TimeStampedModel):
    """A treatment goal. Confidential (encrypted): text."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACTIVE = "active", _("Working on it")
        ACHIEVED = "achieved", _("Achieved")
        DROPPED = "dropped", _("Set aside")

    client = models.ForeignKey(Client, models.CASCADE, related_name="goals")
    text = EncryptedTextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    review_on = models.DateField(null=True, blank=True)
    shared_with_client = models.BooleanField(default=False, help_text=_("Shown to the client in the portal."))
    completed_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey("practice.Therapist", models.PROTECT, related_name="+")

    class Meta:
        ordering = ["status", "review_on", "pk"]

    def __str__(self) -> str:
        return f"Goal {self.pk}"


class Note(TimeStampedModel):
    """A clinical note. Signed, then locked: later changes only as addenda.

    Confidential (encrypted): body. Private psychotherapy notes are the author's alone: never shown
    to clients, staff or other therapists, and left out of exports by default.
    """

    class Kind(models.TextChoices):
        INTAKE = "intake", _("Intake note")
        PROGRESS = "progress", _("Progress note")
        PSYCHOTHERAPY = "psychotherapy", _("Private psychotherapy note")

    class JointUse(models.TextChoices):
        NOT_APPLICABLE = "", _("Not applicable")
        MAY_RAISE = "may_raise", _("May be raised in joint sessions")
        KEEP_PRIVATE = "keep_private", _("Not to be raised in joint sessions")

    client = models.ForeignKey(Client, models.PROTECT, related_name="notes")
    author = models.ForeignKey("practice.Therapist", models.PROTECT, related_name="notes")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PROGRESS)
    session_date = models.DateField(default=timezone.localdate)
    appointment = models.ForeignKey(
        "sessions_app.Appointment", models.SET_NULL, null=True, blank=True, related_name="notes"
    )
    # For a couple: the partner an individual session was with (blank for a joint session).
    about_member = models.ForeignKey(Member, models.SET_NULL, null=True, blank=True, related_name="+")
    joint_use = models.CharField(max_length=16, choices=JointUse.choices, blank=True)
    body = EncryptedTextField()
    # The skeleton the note was started from (its headings are in the body; this only records which).
    template = models.ForeignKey("clients.NoteTemplate", models.SET_NULL, null=True, blank=True, related_name="+")
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-session_date", "-pk"]
        indexes = [
            # The dashboard's "notes to sign": only unsigned notes are in it, so it stays small.
            models.Index(
                fields=["author", "session_date"], condition=models.Q(signed_at__isnull=True), name="note_unsigned"
            ),
        ]

    def __str__(self) -> str:
        return f"Note {self.pk}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class NoteTemplate(TimeStampedModel):
    """A skeleton a note starts from: SOAP, DAP, BIRP, a free note, or one the practice adds.

    Not confidential: headings and prompts only, never a client's words (those go in Note.body,
    encrypted). The starter templates (clients.migrations.0016_starter_note_templates) have no author and are changed in
    the admin; a therapist's own are theirs to edit in the app (clients:note_templates).
    """

    name = models.CharField(_("name"), max_length=80, unique=True)
    body = models.TextField(
        _("headings"), max_length=5000, blank=True, help_text=_("Put into the text box of a new note.")
    )
    # Which kind of note it is offered for; blank for every kind.
    note_kind = models.CharField(
        _("for notes of kind"), max_length=16, blank=True, choices=[("", _("Any kind")), *Note.Kind.choices]
    )
    position = models.PositiveSmallIntegerField(default=100, help_text=_("Lower comes first in the list."))
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        "practice.Therapist", models.SET_NULL, null=True, blank=True, related_name="note_templates"
    )

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Addendum(TimeStampedModel):
    """A later addition to a signed note. Confidential (encrypted): body."""

    note = models.ForeignKey(Note, models.PROTECT, related_name="addenda")
    author = models.ForeignKey("practice.Therapist", models.PROTECT, related_name="+")
    body = EncryptedTextField()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "addendum"
        verbose_name_plural = "addenda"

    def __str__(self) -> str:
        return f"Addendum {self.pk}"


class Consent(TimeStampedModel):
    """One grant of consent by one member; revoking sets revoked_at (at once), re-granting adds a row.

    Release of information names the referrer it releases to.
    """

    class Kind(models.TextChoices):
        TREATMENT = "treatment", _("Treatment")
        TELEHEALTH = "telehealth", _("Telehealth (video sessions)")
        REMINDERS_EMAIL = "reminders_email", _("Reminders by email")
        REMINDERS_SMS = "reminders_sms", _("Reminders by SMS")
        RELEASE = "release", _("Release of information to a referrer")
        COUPLE_EXPORT = "couple_export", _("Export of the whole couple's record (each partner)")

    class Source(models.TextChoices):
        THERAPIST = "therapist", _("Recorded by the therapist")
        PORTAL = "portal", _("Given in the portal")
        SMS = "sms", _("By text message (STOP / START)")

    # Kinds now given as signed documents (the `documents` app, a floor above): never recorded here
    # anew. The old records stay as history; documents 0004 made a signature of each.
    DOCUMENT_KINDS = (Kind.TREATMENT, Kind.TELEHEALTH, Kind.RELEASE)
    # Kinds a client may give or withdraw on the portal's consents page.
    PORTAL_KINDS = (Kind.REMINDERS_EMAIL, Kind.REMINDERS_SMS)
    # Kinds a therapist still records on the client page.
    THERAPIST_KINDS = (Kind.REMINDERS_EMAIL, Kind.REMINDERS_SMS, Kind.COUPLE_EXPORT)

    client = models.ForeignKey(Client, models.CASCADE, related_name="consents")
    member = models.ForeignKey(Member, models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    referrer = models.ForeignKey("referrals.Referrer", models.PROTECT, null=True, blank=True, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.THERAPIST)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        ordering = ["member_id", "kind", "-granted_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="release", referrer__isnull=False) | (~Q(kind="release") & Q(referrer__isnull=True)),
                name="consent_release_names_referrer",
            ),
            models.UniqueConstraint(
                fields=["member", "kind"],
                condition=Q(revoked_at__isnull=True, referrer__isnull=True),
                name="consent_one_live_grant",
            ),
            models.UniqueConstraint(
                fields=["member", "kind", "referrer"],
                condition=Q(revoked_at__isnull=True, referrer__isnull=False),
                name="consent_one_live_release_per_referrer",
            ),
        ]

    def __str__(self) -> str:
        return f"Consent {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def is_document_kind(self) -> bool:
        """Given (and withdrawn) as a signed document now: see the client's documents."""
        return self.kind in self.DOCUMENT_KINDS


class RiskAlert(TimeStampedModel):
    """A risk signal a therapist must follow up: raised by an answer (intake today; scored measures and
    messages later), open until a therapist acknowledges it with a follow-up note.

    Confidential (encrypted): follow_up_note. Nothing else here is text: `source` and `source_id`
    say what raised it (e.g. the intake's id), and are unique together, so the same answers never
    raise two alerts.
    """

    class Source(models.TextChoices):
        INTAKE = "intake", _("Intake questionnaire")
        MEASURE = "measure", _("Scored measure")
        MESSAGE = "message", _("Message")
        THERAPIST = "therapist", _("Raised by a therapist")

    FOLLOW_UP_MAX_LENGTH = 4000

    client = models.ForeignKey(Client, models.PROTECT, related_name="risk_alerts")
    member = models.ForeignKey(Member, models.PROTECT, related_name="risk_alerts")
    source = models.CharField(max_length=12, choices=Source.choices)
    source_id = models.CharField(max_length=64, help_text=_("The id of what raised it (not confidential)."))
    raised_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey("practice.Therapist", models.PROTECT, null=True, blank=True, related_name="+")
    follow_up_note = EncryptedTextField(blank=True, max_length=FOLLOW_UP_MAX_LENGTH)

    class Meta:
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="risk_alert_once_per_source"),
        ]
        indexes = [
            # Open alerts are looked up on every dashboard, list and client page: the index holds only them.
            models.Index(fields=["client"], condition=Q(acknowledged_at__isnull=True), name="risk_alert_open"),
        ]

    def __str__(self) -> str:
        return f"Risk alert {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None
