"""allauth adapters: no open sign-up, first MFA set-up straight after sign-in, encrypted TOTP secrets."""

import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.utils import is_mfa_enabled
from django.http import HttpRequest

from practice import crypto
from practice.net import client_ip
from practice.sign_in import lookup_address, real_address


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Clients arrive by invitation and staff are added by an admin: nobody signs themselves up.
        return False

    def get_client_ip(self, request: HttpRequest) -> str:
        # One rule for every address the project records or rate-limits: practice.net.client_ip.
        return client_ip(request)

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials) -> str:
        # Failed sign-ins count per account *and* address: a stranger's wrong passwords from
        # elsewhere never lock the owner out of their account (the per-address limit still holds).
        return f"{super()._get_login_attempts_cache_key(request, **credentials)}:{client_ip(request)}"

    def send_password_reset_mail(self, user, email: str, context: dict) -> None:
        # A reset link goes only to the account's verified primary address, never to an address
        # added but not yet verified (which would let whoever added it take the account).
        from practice.accounts import verified_primary_email

        primary = (verified_primary_email(user) or "").lower()
        if primary not in (email.lower(), lookup_address(email).lower()):
            return
        super().send_password_reset_mail(user, primary, context)

    def clean_email(self, email: str) -> str:
        # A client types their real address; their account is kept under its pseudonym.
        return lookup_address(super().clean_email(email))

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        # Mail to a client's pseudonym goes to their real address (decrypted only to send it).
        super().send_mail(template_prefix, real_address(email), context)

    def render_mail(self, template_prefix: str, email, context: dict, headers=None):
        """allauth's mails in the practice's layout, under the name the recipient's mail must use
        (a discreet member: the discreet name, in the sender, the subject and the body)."""
        from django.core.mail import EmailMultiAlternatives
        from django.template.loader import render_to_string

        from practice.mail import html_from_text, practice_name_for, sender
        from practice.models import User

        to = [email] if isinstance(email, str) else email
        user = context.get("user") or User.objects.by_address(to[0]).first()
        name = practice_name_for(user)
        context = {**context, "practice_name": name}
        subject = " ".join(render_to_string(f"{template_prefix}_subject.txt", context).splitlines()).strip()
        text = render_to_string(f"{template_prefix}_message.txt", context, context.get("request")).strip()
        message = EmailMultiAlternatives(f"[{name}] {subject}", text, sender(name), to, headers=headers)
        message.attach_alternative(html_from_text(text, practice_name=name), "text/html")
        return message

    def send_notification_mail(self, template_prefix: str, user, context=None, email=None) -> None:
        # allauth sends some notices after commit; one that runs after its request has ended (only
        # in tests that hold commits back) has no site to link to and is not sent.
        if _current_request() is None:
            return
        super().send_notification_mail(template_prefix, user, context=context, email=email)

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        # Therapists and staff are sent to MFA set-up right after typing their password; asking for
        # it again there adds nothing. Removing or changing a factor still needs re-authentication.
        if app == "allauth.mfa" and _first_factor_just_entered(context.request):
            return False
        return super().is_reauthentication_required(app=app, **kwargs)


def _current_request():
    return context.request


def _first_factor_just_entered(request: HttpRequest | None) -> bool:
    if request is None or not request.user.is_authenticated or is_mfa_enabled(request.user):
        return False
    records = get_authentication_records(request, request.user)
    password_at = [r["at"] for r in records if r.get("method") == "password"]
    return bool(password_at) and time.time() - password_at[-1] < account_settings.REAUTHENTICATION_TIMEOUT


class MFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return crypto.encrypt_str(text)

    def decrypt(self, encrypted_text: str) -> str:
        return crypto.decrypt_str(encrypted_text)


def user_display(user) -> str:
    """How allauth names the signed-in user in its messages ("Signed in as …"): their own name."""
    return user.first_name or user.contact_email
