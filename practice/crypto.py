"""Field encryption: Fernet (AES-128-CBC with HMAC-SHA256) with keys read from settings.

`FIELD_ENCRYPTION_KEY` is a list, newest first: the newest key encrypts, every key decrypts. The
keys are read at call time (not at import, as the underlying package does), so a rotation and the
tests that change keys see the keys actually configured.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionError(Exception):
    """A stored value does not decrypt with any configured key. Never shown, never re-saved."""


def _configured_keys() -> tuple[str, ...]:
    keys = settings.FIELD_ENCRYPTION_KEY
    if isinstance(keys, str):
        keys = keys.split(",")
    keys = tuple(k.strip() for k in keys if k and k.strip())
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY has no key.")
    return keys


@lru_cache(maxsize=8)
def _fernets(keys: tuple[str, ...]) -> tuple[Fernet, ...]:
    try:
        return tuple(Fernet(k.encode()) for k in keys)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY holds a value that is not a Fernet key.") from exc


def fernets() -> tuple[Fernet, ...]:
    return _fernets(_configured_keys())


def encrypt_str(plaintext: str) -> str:
    return fernets()[0].encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt_str(token: str) -> str:
    """Decrypt with any configured key, or raise DecryptionError (which carries no text)."""
    try:
        return MultiFernet(list(fernets())).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError):
        raise DecryptionError("stored value does not decrypt with the configured keys") from None


def key_index(token: str) -> int | None:
    """Position of the key that decrypts `token` (0 is the newest), or None if none does."""
    try:
        data = token.encode("ascii")
    except UnicodeError:
        return None
    for index, fernet in enumerate(fernets()):
        try:
            fernet.decrypt(data)
        except InvalidToken:
            continue
        return index
    return None


def derived_keys(purpose: str) -> list[bytes]:
    """`derived_key` under every configured key, newest first (to recognise values keyed before a rotation)."""
    import base64
    import hashlib
    import hmac

    return [
        hmac.new(base64.urlsafe_b64decode(key.encode()), purpose.encode(), hashlib.sha256).digest()
        for key in _configured_keys()
    ]


def derived_key(purpose: str) -> bytes:
    """A key for another use (e.g. the search index), derived from the newest field key."""
    import base64
    import hashlib
    import hmac

    newest = base64.urlsafe_b64decode(_configured_keys()[0].encode())
    return hmac.new(newest, purpose.encode(), hashlib.sha256).digest()
