"""A model used only by the tests to exercise the encrypted field wrappers."""

from django.db import models

from practice.fields import EncryptedCharField, EncryptedDateField, EncryptedEmailField, EncryptedTextField


class Secret(models.Model):
    """Confidential: body, label, born_on, contact (all encrypted)."""

    code = models.CharField(max_length=20, blank=True)
    body = EncryptedTextField(blank=True)
    label = EncryptedCharField(max_length=100, blank=True)
    born_on = EncryptedDateField(null=True, blank=True)
    contact = EncryptedEmailField(blank=True)

    def __str__(self) -> str:
        return f"Secret {self.pk}"
