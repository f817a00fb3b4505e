"""Delivery channels behind one interface: email (Django's mail) and SMS (a pluggable backend).

A builder produces a `Message`; a channel sends it to an address. Failures are split into
`TransientDeliveryError` (retry later) and `PermanentDeliveryError` (record and show to staff).
SMS backends: `outbox.channels.ConsoleSMSBackend` (default: var/outbox/sms.log and the console),
`outbox.channels.LocmemSMSBackend` (tests), `outbox.sms_twilio.TwilioSMSBackend` (production). A
provider adapter implements `send(to, text)`, returns the provider's message id, and is named in the
SMS_BACKEND setting; none makes network calls in tests (Twilio's is answered at its HTTP client).
"""

import logging
import re
import smtplib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.module_loading import import_string

from practice.mail import html_from_text, sender

logger = logging.getLogger(__name__)


class TransientDeliveryError(Exception):
    """Worth retrying: a server or network was unavailable."""


class PermanentDeliveryError(Exception):
    """Not worth retrying: a bad address, a refused recipient."""


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str = ""
    sms: str = ""
    to: str = ""  # the recipient's address, when the builder knows it (a member's email or phone)
    # The name the email comes from: the practice's, or its discreet name for a member who chose
    # discreet wording ("" : the practice's name).
    sender_name: str = ""
    # Files sent with an email: (filename, content, mimetype), e.g. a calendar invitation.
    attachments: tuple = ()


def render_message(
    template: str, context: dict, *, subject: str, sms: str = "", to: str = "", attachments: tuple = ()
) -> Message:
    """The one way a builder writes a message: `emails/<template>.txt` and `.html`, one context.

    `practice_name` defaults to the practice's name; a builder for a member who asked for discreet
    wording passes the discreet name instead, and the email then comes from that name too. The
    HTML extends the one layout, `emails/base.html` (the name at the top, links as buttons).
    """
    context = {"practice_name": settings.PRACTICE_NAME, **context}
    return Message(
        subject=subject,
        text=render_to_string(f"emails/{template}.txt", context),
        html=render_to_string(f"emails/{template}.html", context),
        sms=sms,
        to=to,
        sender_name=context["practice_name"],
        attachments=attachments,
    )


def send_email(*, to: str, message: Message, headers: dict | None = None, connection=None) -> None:
    """Send one email; `connection` (optional) is an open mail connection shared by a batch."""
    email = EmailMultiAlternatives(
        message.subject, message.text, sender(message.sender_name), [to], headers=headers, connection=connection
    )
    html = message.html or html_from_text(message.text, practice_name=message.sender_name)
    email.attach_alternative(html, "text/html")
    for filename, content, mimetype in message.attachments:
        email.attach(filename, content, mimetype)
    try:
        email.send()
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
        raise PermanentDeliveryError(type(exc).__name__) from exc
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        raise TransientDeliveryError(type(exc).__name__) from exc


def send_sms(*, to: str, message: Message, headers: dict | None = None) -> str:
    """Send one text; returns the provider's id for it ("" from a backend without one)."""
    if not to:
        raise PermanentDeliveryError("no phone number")
    backend = import_string(settings.SMS_BACKEND)()
    return backend.send(to=to, text=message.sms or message.subject) or ""


def phone_digest(number: str) -> str:
    """A keyed digest of a phone number in E.164 form ("+44 7700 900121" and "+447700900121" agree),
    so a reply can be matched to the text it answers without storing or searching the number."""
    import hashlib
    import hmac

    from practice.crypto import derived_key

    normal = re.sub(r"[^0-9+]", "", number or "")
    return hmac.new(derived_key("sms.phone"), normal.encode(), hashlib.sha256).hexdigest()


class ConsoleSMSBackend:
    """The embedded default: append to var/outbox/sms.log and log a line (without the text)."""

    def send(self, *, to: str, text: str) -> str:
        folder = Path(settings.EMAIL_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / "sms.log").open("a", encoding="utf-8") as log:
            log.write(f"{datetime.now().isoformat(timespec='seconds')} to {to}: {text}\n")
        logger.info("SMS written to the local outbox")
        return ""


class LocmemSMSBackend:
    """Tests: messages collect in `LocmemSMSBackend.outbox`."""

    outbox: list[tuple[str, str]] = []

    def send(self, *, to: str, text: str) -> str:
        self.outbox.append((to, text))
        return f"SMlocmem{len(self.outbox):026d}"
