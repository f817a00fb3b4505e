"""Referrers, the referrals they send, what the practice did with each, and the letters back.

Confidential fields are encrypted (`practice.fields`); each model's docstring names them. Encrypted
columns cannot be searched in SQL: lookups use the reference code, the status and the urgency.
"""

import secrets

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from clients.models import REFERENCE_ALPHABET  # the same read-aloud alphabet as client codes
from practice.fields import EncryptedCharField, EncryptedEmailField, EncryptedTextField
from practice.models import TimeStampedModel

REASON_MAX_LENGTH = 4000
NOTE_MAX_LENGTH = 2000
LETTER_MAX_LENGTH = 4000


def new_referral_reference() -> str:
    return "R-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


class Referrer(TimeStampedModel):
    """A professional who refers clients. Professional contact details, not client data.

    Recognised again by email, case-insensitively: the address is stored lower-cased and is unique.
    """

    class Kind(models.TextChoices):
        PSYCHIATRIST = "psychiatrist", _("Psychiatrist")
        PHYSICIAN = "physician", _("Physician")
        CLERGY = "clergy", _("Clergy")
        PSYCHOTHERAPIST = "psychotherapist", _("Psychotherapist or counsellor")
        OTHER = "other", _("Other")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=150)
    organisation = models.CharField(max_length=150, blank=True)
    speciality = models.CharField(
        max_length=100, blank=True, help_text=_("For physicians: primary care, urology, gynaecology, oncology…")
    )
    email = models.EmailField(unique=True)
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="referrer_email_ci_unique",
                violation_error_message=_("A referrer with this email address already exists."),
            )
        ]

    def __str__(self) -> str:
        org = f", {self.organisation}" if self.organisation else ""
        return f"{self.name}{org}"

    @property
    def is_clergy(self) -> bool:
        return self.kind == self.Kind.CLERGY


class ReferralQuerySet(models.QuerySet):
    def open(self) -> "ReferralQuerySet":
        return self.filter(status__in=Referral.OPEN_STATUSES)


class Referral(TimeStampedModel):
    """One person or couple referred by a `Referrer`, and what the practice decided.

    Confidential (encrypted): first_name, last_name, email, phone, partner_first_name,
    partner_last_name, partner_email, partner_phone, contact_notes, reason, decision_note.
    The `reference` stands in for the person in lists, URLs and every message.
    """

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("One person")
        COUPLE = "couple", _("A couple")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        CONTACTED = "contacted", _("Contacted")
        ACCEPTED = "accepted", _("Accepted")
        WAITLISTED = "waitlisted", _("Waitlisted")
        DECLINED = "declined", _("Declined")
        REFERRED_ON = "referred_on", _("Referred on")

    class Urgency(models.TextChoices):
        ROUTINE = "routine", _("Routine")
        SOON = "soon", _("Soon (within two weeks)")
        URGENT = "urgent", _("Urgent")

    class ContactMethod(models.TextChoices):
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone call")
        SMS = "sms", _("Text message")
        REFERRER = "referrer", _("Through me, the referrer")

    OPEN_STATUSES = (Status.NEW, Status.CONTACTED, Status.WAITLISTED)

    reference = models.CharField(max_length=12, unique=True, default=new_referral_reference, editable=False)
    referrer = models.ForeignKey(Referrer, models.PROTECT, related_name="referrals")
    # What the public form said about the referrer (professional details, not the client's). The
    # stored referrer is never changed from it: triage shows it beside the record when they differ.
    referrer_claimed = models.JSONField(default=dict, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.INDIVIDUAL)
    first_name = EncryptedCharField(max_length=100)
    last_name = EncryptedCharField(max_length=100)
    email = EncryptedEmailField(blank=True)
    phone = EncryptedCharField(max_length=40, blank=True)
    partner_first_name = EncryptedCharField(max_length=100, blank=True)
    partner_last_name = EncryptedCharField(max_length=100, blank=True)
    partner_email = EncryptedEmailField(blank=True)
    partner_phone = EncryptedCharField(max_length=40, blank=True)
    preferred_contact = models.CharField(max_length=10, choices=ContactMethod.choices, default=ContactMethod.PHONE)
    contact_notes = EncryptedTextField(blank=True, validators=[MaxLengthValidator(500)])
    reason = EncryptedTextField(validators=[MaxLengthValidator(REASON_MAX_LENGTH)])
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE, db_index=True)
    preferred_therapist = models.ForeignKey(
        "practice.Therapist", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    consent_attested_at = models.DateTimeField(
        help_text=_("When the referrer stated that the person agreed to be referred.")
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW, db_index=True)
    decision_note = EncryptedTextField(blank=True, validators=[MaxLengthValidator(NOTE_MAX_LENGTH)])
    assigned_therapist = models.ForeignKey(
        "practice.Therapist", models.PROTECT, null=True, blank=True, related_name="assigned_referrals"
    )
    # Indexed only where set (`referral_client` below): most referrals never become a unit, and SQLite's
    # statistics counted every empty value as one key, so it judged the index useless and scanned
    # every referrer for one unit's referrers (7 ms at size L, where no referral is linked).
    client = models.ForeignKey(
        "clients.Client", models.SET_NULL, null=True, blank=True, related_name="referrals", db_index=False
    )

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "urgency", "created_at"]),  # the triage queue: most urgent, oldest
            # The dashboard's newest new referrals: read backwards and stopped at five (at size L, 5,000
            # new referrals were sorted for them: 14 ms).
            models.Index(fields=["status", "created_at", "id"], name="referral_status_newest"),
            # The sources chart reads the referrals near each month's edge (`referrals.counts`).
            models.Index(fields=["created_at"], name="referral_created"),
            models.Index(fields=["client"], condition=models.Q(client__isnull=False), name="referral_client"),
        ]

    @property
    def concerns(self):
        """The concerns the referrer named (stored as keyed digests: `ReferralConcern`)."""
        from clients.concern_links import ConcernLinks

        return ConcernLinks(self, ReferralConcern, "referral")

    def __str__(self) -> str:
        return self.reference  # never a name: __str__ reaches logs and the admin

    @property
    def is_couple(self) -> bool:
        return self.kind == self.Kind.COUPLE

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def members_data(self) -> list[dict]:
        """The people referred, as `clients.services.client_create` takes them."""
        people = [(self.first_name, self.last_name, self.email, self.phone)]
        if self.is_couple:
            people.append((self.partner_first_name, self.partner_last_name, self.partner_email, self.partner_phone))
        return [
            {
                "first_name": first,
                "last_name": last,
                "email": email,
                "phone": phone,
                "contact_by_email": bool(email),
                "contact_by_sms": False,
            }
            for first, last, email, phone in people
        ]


class ReferralConcern(models.Model):
    """A concern the referrer named, as a keyed digest of its slug (see clients.concern_links)."""

    referral = models.ForeignKey(Referral, models.CASCADE, related_name="concern_tokens")
    digest = models.CharField(max_length=64, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["referral", "digest"], name="referral_concern_unique")]

    def __str__(self) -> str:
        return f"Referral concern {self.pk}"


class ReferralEvent(models.Model):
    """What was done to a referral, by whom and when. Confidential (encrypted): note."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Received")
        CONTACTED = "contacted", _("Marked contacted")
        ACCEPTED = "accepted", _("Accepted")
        WAITLISTED = "waitlisted", _("Waitlisted")
        DECLINED = "declined", _("Declined")
        REFERRED_ON = "referred_on", _("Referred on")
        LETTER_SENT = "letter_sent", _("Letter to the referrer queued")

    referral = models.ForeignKey(Referral, models.CASCADE, related_name="events")
    action = models.CharField(max_length=16, choices=Action.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    therapist = models.ForeignKey("practice.Therapist", models.PROTECT, null=True, blank=True, related_name="+")
    note = EncryptedTextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"Referral event {self.pk}"


class ReferralLetter(TimeStampedModel):
    """A letter back to the referrer, queued through the outbox. Confidential (encrypted): body.

    `key` makes sending idempotent: the form carries a one-time token, so a double submit queues
    one letter.
    """

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Referral received")
        FIRST_SEEN = "first_seen", _("First seen")
        DISCHARGED = "discharged", _("Discharged")
        ACKNOWLEDGEMENT = "acknowledgement", _("Non-clinical acknowledgement")

    CLINICAL_KINDS = (Kind.RECEIVED, Kind.FIRST_SEEN, Kind.DISCHARGED)

    referral = models.ForeignKey(Referral, models.CASCADE, related_name="letters")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    body = EncryptedTextField(validators=[MaxLengthValidator(LETTER_MAX_LENGTH)])
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    key = models.CharField(max_length=80, unique=True)
    # None: the letter may speak of everyone in the unit (each released information to this
    # referrer). Set: only one partner did, and the letter speaks of that partner alone.
    about_member = models.ForeignKey("clients.Member", models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Referral letter {self.pk}"


class ReferralMonth(models.Model):
    """How many referrals of one referrer kind were made in one month (UTC), and how many of them
    became clients: the sources chart's counts, kept as referrals, units and referrers change
    (`referrals.counts`), so the dashboard reads at most 60 rows a year whatever the practice's size.
    Counts only: no person, no text."""

    month = models.DateField(help_text=_("The first day of the month, in UTC."))
    kind = models.CharField(max_length=20, choices=Referrer.Kind.choices)
    total = models.IntegerField(default=0)
    became = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "kind"], name="referral_month_kind_unique")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.kind}: {self.total} ({self.became} became clients)"
