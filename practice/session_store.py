"""Database sessions whose data is encrypted at rest.

Django's database store keeps a session's data signed but readable (base64 JSON): allauth's
sign-in state, a pending email change, a TOTP secret being set up. Here the signed payload is also
Fernet-encrypted with the field keys, so a copy of the session table shows no address or token.
A row written before this store (or one that no longer decrypts) reads as an empty session: the
person simply signs in again.
"""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

from practice import crypto


class SessionStore(DatabaseSessionStore):
    def encode(self, session_dict) -> str:
        return crypto.encrypt_str(super().encode(session_dict))

    def decode(self, session_data: str) -> dict:
        try:
            return super().decode(crypto.decrypt_str(session_data))
        except crypto.DecryptionError:
            return {}
