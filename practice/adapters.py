"""allauth adapters: no open sign-up, and TOTP secrets encrypted with the field keys."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.http import HttpRequest

from practice import crypto


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Clients arrive by invitation and staff are added by an admin: nobody signs themselves up.
        return False


class MFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return crypto.encrypt_str(text)

    def decrypt(self, encrypted_text: str) -> str:
        return crypto.decrypt_str(encrypted_text)
