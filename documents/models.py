"""The practice's consent documents, their published versions, and each person's signature.

A version's body is practice text (not secret) and never changes once published: a new text is a
new version, and a signature points at the exact version signed, whose SHA-256 is kept. What a
person typed and the device they signed from are confidential (encrypted); a paper scan is stored
under MEDIA_ROOT with a random name and served only through an access-checked view.
"""

import hashlib
import os
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from practice.fields import EncryptedCharField, EncryptedTextField
from practice.models import TimeStampedModel

SCAN_EXTENSIONS = ["pdf", "jpg", "jpeg", "png"]
VERSION_IS_FIXED = _("A published version cannot be changed: publish a new version instead.")


def body_digest(body: str) -> str:
    """The SHA-256 of the exact text, as UTF-8: what a signed copy quotes."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


class DocumentTemplate(TimeStampedModel):
    """A document the practice asks clients to read and sign. Not confidential."""

    class Kind(models.TextChoices):
        TREATMENT = "treatment", _("Informed consent to treatment")
        TELEHEALTH = "telehealth", _("Telehealth consent")
        COUPLE_POLICY = "couple_policy", _("Couple confidentiality policy")
        FINANCIAL = "financial", _("Financial and cancellation policy")
        RELEASE = "release", _("Release of information to a named referrer")
        PRIVACY = "privacy", _("Notice of privacy practices")
        CUSTOM = "custom", _("Custom")

    class Signers(models.TextChoices):
        EACH = "each", _("Each member of a couple signs their own copy")
        ONE = "one", _("One member signs for the unit")

    class RequiredBefore(models.TextChoices):
        NOTHING = "", _("Nothing: read and sign, no gate")
        BOOKING = "booking", _("Booking a session")
        VIDEO = "video", _("A video session")
        RELEASE = "release", _("A letter back to a referrer")

    # Consents a person may withdraw in the portal; withdrawing treatment consent means ending treatment.
    WITHDRAWABLE = (Kind.TREATMENT, Kind.TELEHEALTH, Kind.RELEASE)

    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    signers = models.CharField(max_length=4, choices=Signers.choices, default=Signers.EACH)
    required_before = models.CharField(max_length=10, choices=RequiredBefore.choices, blank=True)
    active = models.BooleanField(default=True, help_text=_("Inactive documents are kept but no longer asked for."))
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "title"]

    def __str__(self) -> str:
        return self.title

    @property
    def may_withdraw(self) -> bool:
        return self.kind in self.WITHDRAWABLE

    def applies_to(self, client) -> bool:
        """The couple policy is for couples; every other document for every unit."""
        return self.kind != self.Kind.COUPLE_POLICY or client.is_couple


class DocumentVersion(models.Model):
    """One published text of a template. Immutable: `save()` refuses to change a stored row."""

    template = models.ForeignKey(DocumentTemplate, models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    body = models.TextField(help_text=_("Markdown. Raw HTML is shown as text."))
    body_sha256 = models.CharField(max_length=64, editable=False)
    effective_date = models.DateField(default=timezone.localdate)
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["template_id", "-number"]
        constraints = [models.UniqueConstraint(fields=["template", "number"], name="document_version_number_unique")]

    def __str__(self) -> str:
        return f"{self.template.title} (version {self.number})"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValidationError(VERSION_IS_FIXED)
        self.body_sha256 = body_digest(self.body)
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        return f"{self.template.title} (version {self.number})"


def scan_path(instance, filename: str) -> str:
    """A random name: nothing of the person or the original file name is in the path."""
    extension = os.path.splitext(filename)[1].lower()[:6]
    return f"signatures/{timezone.now():%Y}/{uuid.uuid4().hex}{extension}"


class Signature(TimeStampedModel):
    """One member's signature of one exact version; withdrawing sets withdrawn_at (at once).

    Confidential (encrypted): signed_name, user_agent, referrer_name. The scan of a paper copy is a
    file under MEDIA_ROOT, served only through `documents.access`.
    """

    class Method(models.TextChoices):
        PORTAL = "portal", _("Signed in the portal")
        PAPER = "paper", _("Recorded by the therapist from a paper copy")
        RECORDED = "recorded", _("Recorded by the therapist")  # a consent given before signed documents

    version = models.ForeignKey(DocumentVersion, models.PROTECT, related_name="signatures")
    client = models.ForeignKey("clients.Client", models.CASCADE, related_name="signatures")
    member = models.ForeignKey("clients.Member", models.CASCADE, related_name="signatures")
    signed_name = EncryptedCharField(max_length=300)
    signed_at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = EncryptedTextField(blank=True)
    method = models.CharField(max_length=8, choices=Method.choices, default=Method.PORTAL)
    scan = models.FileField(
        upload_to=scan_path, blank=True, validators=[FileExtensionValidator(SCAN_EXTENSIONS)], max_length=200
    )
    # A release names the referrer it releases to. Referrers live on a floor above this app, so the
    # id is kept as a number with a name snapshot (encrypted), as signed.
    referrer_id = models.PositiveBigIntegerField(null=True, blank=True)
    referrer_name = EncryptedCharField(max_length=300, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    # The one-click `clients.Consent` this signature was made from (documents 0004), kept so the
    # migration can be reversed and so withdrawing the signature withdraws that record too.
    migrated_from_consent_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-signed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "member"],
                condition=Q(withdrawn_at__isnull=True, referrer_id__isnull=True),
                name="signature_one_live_per_version",
            ),
            models.UniqueConstraint(
                fields=["version", "member", "referrer_id"],
                condition=Q(withdrawn_at__isnull=True, referrer_id__isnull=False),
                name="signature_one_live_per_version_and_referrer",
            ),
        ]
        indexes = [models.Index(fields=["client", "member"], name="signature_client_member")]

    def __str__(self) -> str:
        return f"Signature {self.pk}"

    @property
    def is_live(self) -> bool:
        return self.withdrawn_at is None


HANDOUT_EXTENSIONS = ["pdf", "jpg", "jpeg", "png", "txt"]


def handout_path(instance, filename: str) -> str:
    """A random name: nothing of the person, the title or the original file name is in the path."""
    extension = os.path.splitext(filename)[1].lower()[:6]
    return f"handouts/{timezone.now():%Y}/{uuid.uuid4().hex}{extension}"


class SharedFile(TimeStampedModel):
    """A handout or worksheet a therapist shares read-only with one member (`member`) or the whole unit
    (`member` empty). Unsharing sets withdrawn_at: the client no longer sees it, the record stays.

    The title is practice text (plain, shown to the client); the file lives under MEDIA_ROOT with a
    random name and is served only through `documents.access`.
    """

    client = models.ForeignKey("clients.Client", models.CASCADE, related_name="shared_files")
    member = models.ForeignKey("clients.Member", models.CASCADE, null=True, blank=True, related_name="shared_files")
    title = models.CharField(max_length=200)
    file = models.FileField(
        upload_to=handout_path, validators=[FileExtensionValidator(HANDOUT_EXTENSIONS)], max_length=200
    )
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    shared_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-shared_at", "-pk"]
        indexes = [models.Index(fields=["client", "member"], name="shared_file_client_member")]

    def __str__(self) -> str:
        return f"Shared file {self.pk}"

    @property
    def is_shared(self) -> bool:
        return self.withdrawn_at is None

    @property
    def extension(self) -> str:
        return os.path.splitext(self.file.name)[1].lower()
