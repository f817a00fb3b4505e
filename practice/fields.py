"""The project's encrypted model fields: django-encrypted-model-fields, made strict.

Use these, never the package's fields directly. Differences from the package:

- A stored value that does not decrypt raises `DecryptionError` (the package silently returns the
  ciphertext, which a form would then show and a save would encrypt a second time).
- Values are decrypted only when they come from the database (`from_db_value`); `to_python` only
  parses, so text a user typed is never mistaken for ciphertext.
- SQL expressions pass through `get_db_prep_save` untouched, so `bulk_update` (which wraps each
  value in `Case(When(..., then=Value(...)))`) and `F()` updates work.
- Keys come from `practice.crypto`, read from settings at call time.

Encrypted columns cannot be filtered, ordered or searched in SQL: keep a non-confidential field
(a reference code, a status) for lookups.
"""

from django.db import models
from encrypted_model_fields import fields as package_fields

from practice import crypto


class EncryptedFieldMixin(package_fields.EncryptedMixin):
    def to_python(self, value):
        # Skip the package's to_python (which tries to decrypt): parse only.
        return super(package_fields.EncryptedMixin, self).to_python(value)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        if isinstance(value, bytes):
            value = value.decode("ascii")
        return self.to_python(crypto.decrypt_str(value))

    def get_db_prep_save(self, value, connection):
        if hasattr(value, "resolve_expression"):
            return value
        value = super(package_fields.EncryptedMixin, self).get_db_prep_save(value, connection)
        if value is None:
            return None
        return crypto.encrypt_str(str(value))


class EncryptedTextField(EncryptedFieldMixin, models.TextField):
    pass


class EncryptedCharField(EncryptedFieldMixin, models.CharField):
    pass


class EncryptedEmailField(EncryptedFieldMixin, models.EmailField):
    pass


class EncryptedDateField(EncryptedFieldMixin, models.DateField):
    pass


def encrypted_fields(model: type[models.Model]) -> list[models.Field]:
    """The concrete encrypted fields of `model`."""
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedFieldMixin)]
