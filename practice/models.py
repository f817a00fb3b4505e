"""Practice-wide models: users and roles, therapist profiles, the audit trail."""

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from practice.fields import EncryptedEmailField, EncryptedTextField
from practice.locale import STYLE_CHOICES


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def by_address(self, address: str):
        """Accounts with this sign-in address, whether kept in clear or (a client's) as a pseudonym."""
        from practice.sign_in import pseudonym

        address = (address or "").strip().lower()
        return self.filter(email__in=[address, pseudonym(address)])

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        extra.setdefault("role", User.Role.STAFF)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in. Email is the login; `role` decides where they land and what they see."""

    class Role(models.TextChoices):
        THERAPIST = "therapist", _("Therapist")
        STAFF = "staff", _("Practice staff")
        CLIENT = "client", _("Client")

    username = None
    # For a client this is a pseudonym (practice.sign_in); their real address is `sign_in_email`.
    email = models.EmailField(_("email address"), unique=True)
    sign_in_email = EncryptedEmailField(blank=True)  # a client's real sign-in address (encrypted)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.CLIENT)
    # The practice owner sees the practice's activity page (who opened, changed or exported which
    # record). Only for a therapist: an admin (superuser) sees it anyway; staff never do.
    practice_owner = models.BooleanField(
        _("practice owner"),
        default=False,
        help_text=_("A therapist who runs the practice: sees the activity page of every record."),
    )
    # The person's own language and date format (practice/locale.py); blank follows the practice.
    # No `choices` here: settings.LANGUAGES may grow without a migration; the form offers them.
    language = models.CharField(_("language"), max_length=16, blank=True)
    date_style = models.CharField(_("dates and times"), max_length=8, blank=True, choices=STYLE_CHOICES)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return f"User {self.pk}"  # an email can identify a client: never in logs or titles

    def save(self, *args, **kwargs):
        from practice.sign_in import is_pseudonym, pseudonym

        if self.role == self.Role.CLIENT and self.email and not is_pseudonym(self.email):
            # A client's address never stays in clear: it moves into the encrypted field.
            self.sign_in_email = self.email.strip().lower()
            self.email = pseudonym(self.sign_in_email)
            update_fields = kwargs.get("update_fields")
            if update_fields is not None and "email" in update_fields:
                kwargs["update_fields"] = {*update_fields, "sign_in_email"}
        super().save(*args, **kwargs)

    @property
    def contact_email(self) -> str:
        """The address mail reaches: a client's real sign-in address, anyone else's `email`."""
        return self.sign_in_email or self.email

    @property
    def is_therapist(self) -> bool:
        return self.role == self.Role.THERAPIST and hasattr(self, "therapist")

    @property
    def is_owner(self) -> bool:
        """May see the practice's activity page: an admin, or a therapist marked practice owner."""
        return self.is_superuser or (self.practice_owner and self.is_therapist)

    @property
    def is_practice_staff(self) -> bool:
        return self.role == self.Role.STAFF

    @property
    def is_client(self) -> bool:
        return self.role == self.Role.CLIENT

    @property
    def needs_second_factor(self) -> bool:
        """Everyone who can read clinical records or reach the admin must use a second factor."""
        return self.role in (self.Role.THERAPIST, self.Role.STAFF) or self.is_staff or self.is_superuser


def zone_named(name: str) -> zoneinfo.ZoneInfo:
    """The zone called `name`; the practice's own if the stored name is unknown (never an error)."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(zone)s."), params={"zone": value})


class Therapist(TimeStampedModel):
    """A therapist's professional profile. Nothing here is confidential."""

    user = models.OneToOneField(User, models.PROTECT, related_name="therapist")
    display_name = models.CharField(max_length=120)
    credentials = models.CharField(max_length=200, blank=True, help_text=_('e.g. "PhD, LMFT, AASECT certified"'))
    licence_number = models.CharField(max_length=60, blank=True)
    licence_region = models.CharField(max_length=60, blank=True)
    time_zone = models.CharField(max_length=64, default="Europe/London", validators=[validate_time_zone])
    accepts_new_clients = models.BooleanField(default=True)

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The therapist's own zone: their calendar, working hours and messages use it."""
        return zone_named(self.time_zone)


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit trail is append-only.")

    def delete(self):
        raise PermissionError("The audit trail is append-only.")


class AuditAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")
    EXPORT = "export", _("Exported")
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Sign-in failed")
    LOGOUT = "logout", _("Signed out")
    DENIED = "denied", _("Access denied")
    MFA_ENABLED = "mfa_enabled", _("Second factor added")
    MFA_DISABLED = "mfa_disabled", _("Second factor removed")
    MFA_FAILED = "mfa_failed", _("Second factor refused")
    ADMIN_ACTION = "admin_action", _("Admin action run")
    ALERT_RAISED = "alert_raised", _("Risk alert raised")
    ALERT_ACKNOWLEDGED = "alert_acknowledged", _("Risk alert acknowledged")
    DRAFT_KEPT = "draft_kept", _("Unsent work kept after sign-out")
    DRAFT_RESTORED = "draft_restored", _("Kept work offered back")
    DOCUMENT_PUBLISHED = "document_published", _("Document version published")
    SIGNED = "signed", _("Document signed")
    SIGNATURE_WITHDRAWN = "signature_withdrawn", _("Signature withdrawn")
    SIGNATURE_REQUESTED = "signature_requested", _("Signature requested")
    CHARGE_CREATED = "charge_created", _("Charge made")
    CHARGE_VOIDED = "charge_voided", _("Charge voided")
    PAYMENT_RECORDED = "payment_recorded", _("Payment recorded")
    REFUND_RECORDED = "refund_recorded", _("Refund recorded")
    WRITE_OFF_RECORDED = "write_off_recorded", _("Write-off recorded")
    MESSAGE_SENT = "message_sent", _("Message sent")
    MESSAGE_WITHDRAWN = "message_withdrawn", _("Message withdrawn")
    ARCHIVED = "archived", _("Old rows moved to an archive file")


class AuditEvent(models.Model):
    """Who did what to which record, when and from where. Append-only; ids (and a money event's
    amount) only, never text."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, models.PROTECT, null=True, blank=True, related_name="+")
    action = models.CharField(max_length=32, choices=AuditAction.choices)
    target_type = models.CharField(max_length=100, blank=True)  # "app_label.model"
    target_id = models.CharField(max_length=64, blank=True)
    client_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    # A money event's amount (a charge, payment, refund, write-off, invoice); never anything else.
    amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit trail is append-only.")


class ArchiveBatch(models.Model):
    """One encrypted archive file of old rows moved out of a growing table (`practice.archive`).

    Written in the same transaction that deletes the rows, so a file counts only when its row is
    here: a file without one (the process died before the commit) holds rows that are still in the
    table, and the next run removes it. Ids, counts and a checksum only."""

    source = models.CharField(max_length=40)  # "audit", "outbox", ...
    file = models.CharField(max_length=200, unique=True)  # a name inside settings.ARCHIVE_DIR
    rows = models.PositiveIntegerField()
    first_id = models.BigIntegerField()
    last_id = models.BigIntegerField()
    before = models.DateTimeField()  # every row in it is older than this
    sha256 = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["source", "first_id"]

    def __str__(self) -> str:
        return f"{self.source} {self.first_id}-{self.last_id} ({self.rows})"


DEFAULT_CRISIS_TEXT = _(
    "If you are in danger now, or might act on thoughts of harming yourself or someone else, call "
    "emergency services (999 or 112) or go to the nearest emergency department.\n"
    "Samaritans: 116 123, free, any time, day or night.\n"
    "Shout: text SHOUT to 85258, free, any time.\n"
    "Your therapist will read your answers, but not always on the same day: please do not wait for them "
    "if you need help now."
)


class PracticeSettings(TimeStampedModel):
    """The practice's own settings that admins change in the product (one row). Not confidential.

    Read through `PracticeSettings.current()`; the row is made with the defaults on first use.
    """

    crisis_text = models.TextField(
        default=DEFAULT_CRISIS_TEXT,
        max_length=2000,
        help_text=_(
            "Shown to a client right after they answer a risk question, and beside the message box: crisis "
            "lines and what to do in an emergency. One line per paragraph."
        ),
    )
    clinical_lead = models.ForeignKey(
        Therapist,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Told of every risk alert, as well as the client's own therapists."),
    )
    # How long a new referral may wait before someone contacts the person, by its urgency.
    referral_target_urgent_days = models.PositiveSmallIntegerField(
        _("target for an urgent referral (days)"), default=2, help_text=_("Days before first contact.")
    )
    referral_target_soon_days = models.PositiveSmallIntegerField(
        _("target for a soon referral (days)"), default=7, help_text=_("Days before first contact.")
    )
    referral_target_routine_days = models.PositiveSmallIntegerField(
        _("target for a routine referral (days)"), default=14, help_text=_("Days before first contact.")
    )

    class Meta:
        verbose_name = _("practice settings")
        verbose_name_plural = _("practice settings")

    def __str__(self) -> str:
        return "Practice settings"

    def save(self, *args, **kwargs):
        self.pk = 1  # one row: the practice's
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> "PracticeSettings":
        row, _created = cls.objects.get_or_create(pk=1)
        return row

    def referral_target(self, urgency: str) -> int:
        """Days a referral of `urgency` ("urgent", "soon", "routine") may wait for first contact."""
        return getattr(self, f"referral_target_{urgency}_days", self.referral_target_routine_days)

    @property
    def crisis_paragraphs(self) -> list[str]:
        return [line.strip() for line in self.crisis_text.splitlines() if line.strip()]


class Draft(models.Model):
    """Work someone was typing and has not saved yet, kept for them alone (practice/drafts.py).

    Confidential: `data` (encrypted), the JSON of the form's fields. `key` names the form and the
    record it is for ("clients.note:12"), never what was typed; `return_path` is the form's page.
    Autosaves live 7 days, a POST kept at an idle sign-out 3 days; expired rows are purged hourly.
    """

    class Kind(models.TextChoices):
        AUTOSAVE = "autosave", _("Saved while typing")
        KEPT_POST = "kept_post", _("Kept at sign-out")

    user = models.ForeignKey(User, models.CASCADE, related_name="drafts")
    key = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    data = EncryptedTextField()
    return_path = models.CharField(max_length=300)
    updated_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="draft_one_per_user_and_form")]

    def __str__(self) -> str:
        return f"Draft {self.pk}"  # never the key's record text, never the data
