"""Secure messaging between a unit's members and the practice (docs/architecture.md, "Messaging").

Three kinds of thread, each belonging to one unit:
- private: one member and the unit's therapists (never the partner, never staff);
- joint: a couple's thread, both partners and the therapists (never staff);
- admin: one member and the practice staff, for scheduling and billing; never clinical text; the
  unit's therapists may read it.

Confidential (encrypted): `Message.body`, `Attachment.filename`. Attachment files live under
MEDIA_ROOT with random names and are served only through `messaging.access`.
"""

import os
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import CaseloadCopy
from practice.fields import EncryptedCharField, EncryptedTextField


class Thread(CaseloadCopy):
    class Kind(models.TextChoices):
        PRIVATE = "private", _("Private")
        JOINT = "joint", _("Joint")
        ADMIN = "admin", _("Practice office")

    client = models.ForeignKey("clients.Client", models.CASCADE, related_name="threads")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    member = models.ForeignKey("clients.Member", models.CASCADE, null=True, blank=True, related_name="threads")
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "kind", "member"], condition=Q(member__isnull=False), name="thread_member_unique"
            ),
            models.UniqueConstraint(fields=["client"], condition=Q(kind="joint"), name="thread_joint_unique"),
            models.CheckConstraint(
                condition=Q(kind="joint", member__isnull=True) | (~Q(kind="joint") & Q(member__isnull=False)),
                name="thread_member_matches_kind",
            ),
        ]
        indexes = [
            # The dashboard's inbox line: a therapist's threads (CaseloadCopy).
            models.Index(fields=["primary_therapist", "last_message_at"], name="thread_caseload")
        ]

    def __str__(self) -> str:
        return f"Thread {self.pk} ({self.kind})"  # never a name or a message

    @property
    def holds_clinical_text(self) -> bool:
        return self.kind != self.Kind.ADMIN


class Message(models.Model):
    """One message. Confidential: body (encrypted). Never edited; withdrawn within five minutes by its
    sender (`withdrawn_at`), after which nobody is shown its text."""

    thread = models.ForeignKey(Thread, models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    body = EncryptedTextField()
    sent_at = models.DateTimeField(default=timezone.now, db_index=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sent_at", "pk"]
        indexes = [models.Index(fields=["sender", "sent_at"], name="message_sender_sent_idx")]

    def __str__(self) -> str:
        return f"Message {self.pk}"


def attachment_path(instance, filename: str) -> str:
    """A random name: nothing of the person or the original file name is in the path."""
    extension = os.path.splitext(filename)[1].lower()[:6]
    return f"messages/{timezone.now():%Y}/{uuid.uuid4().hex}{extension}"


class Attachment(models.Model):
    """A file sent with a message. Confidential: filename (encrypted); the file is under MEDIA_ROOT."""

    message = models.ForeignKey(Message, models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    filename = EncryptedCharField(max_length=200)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=60)

    def __str__(self) -> str:
        return f"Attachment {self.pk}"

    @property
    def extension(self) -> str:
        return os.path.splitext(self.file.name)[1].lower()


class Receipt(models.Model):
    """When one reader first read one message."""

    message = models.ForeignKey(Message, models.CASCADE, related_name="receipts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="receipt_unique")]

    def __str__(self) -> str:
        return f"Receipt {self.pk}"


class NoticePreference(models.Model):
    """How a therapist hears of new messages: at once (one notice per batch) or a daily digest."""

    class Mode(models.TextChoices):
        IMMEDIATE = "immediate", _("At once (one notice per batch of messages)")
        DIGEST = "digest", _("Once a day, in the morning")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="message_notices")
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.IMMEDIATE)

    def __str__(self) -> str:
        return f"Notice preference {self.pk}"
