"""The outbox: one row per message the practice sends. Confidential: address (encrypted)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from practice.fields import EncryptedCharField
from practice.models import TimeStampedModel


class Notification(TimeStampedModel):
    """The outbox: every message the practice sends, one row per message and recipient and channel.

    Holds no message text: the text is built at send time from the target (so a moved session is
    described as it is now), and a builder that finds the message no longer wanted cancels it.
    `key` is unique, so the same message can never be queued twice. The address is kept (encrypted)
    only for recipients who are neither members nor users (e.g. a referrer); otherwise the builder
    returns it with the message at send time, so the outbox never reads a domain model's columns.
    `member` only says who the message is for (the domain app's builder reads the member itself).
    The table keeps its first name (`practice_notification`): the model moved here from `practice`.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting until due")
        QUEUED = "queued", _("Queued for delivery")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("No longer wanted")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=40, db_index=True)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    key = models.CharField(max_length=200, unique=True)
    send_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    member = models.ForeignKey("clients.Member", models.CASCADE, null=True, blank=True, related_name="notifications")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    address = EncryptedCharField(max_length=254, blank=True)
    reference = models.CharField(max_length=40, blank=True, help_text=_("Non-identifying: a client or referral code."))
    context = models.JSONField(default=dict, blank=True)  # ids and times only, e.g. the session start it is for
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(null=True, blank=True)
    # When a delivery task started on this row's batch; cleared when the row is queued again.
    # Queued and taken: a task has it and has not sent it yet (or died before it could).
    taken_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)  # an error class and code, never text

    class Meta:
        db_table = "practice_notification"
        ordering = ["-send_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "send_at"], name="practice_no_status_1e7604_idx"),
            models.Index(fields=["target_type", "target_id"], name="practice_no_target__f5ca58_idx"),
        ]

    def __str__(self) -> str:
        return f"Notification {self.pk}"


class SmsReceipt(models.Model):
    """What the SMS provider said about one text we sent: its id (Twilio's MessageSid) and the latest
    delivery status from its status callbacks. `address_digest` is a keyed digest of the number it
    went to (never the number), so a reply from that number can be matched to the message it answers.
    """

    notification = models.ForeignKey(Notification, models.CASCADE, related_name="sms_receipts")
    provider_id = models.CharField(max_length=64, unique=True)
    address_digest = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=20, default="queued")  # Twilio's word: queued, sent, delivered, failed…
    error_code = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"SMS receipt {self.pk}"
