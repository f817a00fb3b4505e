"""Delivery channels behind one interface: email (Django's mail) and SMS (a pluggable backend).

A builder produces a `Message`; a channel sends it to an address. Failures are split into
`TransientDeliveryError` (retry later) and `PermanentDeliveryError` (record and show to staff).
SMS backends: `outbox.channels.ConsoleSMSBackend` (default: var/outbox/sms.log and the console),
`outbox.channels.LocmemSMSBackend` (tests). A provider adapter implements `send(to, text)` and is
named in the SMS_BACKEND setting; none makes network calls in tests.
"""

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.module_loading import import_string

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


def render_message(template: str, context: dict, *, subject: str, sms: str = "", to: str = "") -> Message:
    """The one way a builder writes a message: `emails/<template>.txt` and `.html`, one context.

    `practice_name` defaults to the practice's name; a builder for a member who asked for discreet
    wording passes the discreet name instead.
    """
    context = {"practice_name": settings.PRACTICE_NAME, **context}
    return Message(
        subject=subject,
        text=render_to_string(f"emails/{template}.txt", context),
        html=render_to_string(f"emails/{template}.html", context),
        sms=sms,
        to=to,
    )


def send_email(*, to: str, message: Message, headers: dict | None = None, connection=None) -> None:
    """Send one email; `connection` (optional) is an open mail connection shared by a batch."""
    email = EmailMultiAlternatives(
        message.subject, message.text, settings.DEFAULT_FROM_EMAIL, [to], headers=headers, connection=connection
    )
    if message.html:
        email.attach_alternative(message.html, "text/html")
    try:
        email.send()
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
        raise PermanentDeliveryError(type(exc).__name__) from exc
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        raise TransientDeliveryError(type(exc).__name__) from exc


def send_sms(*, to: str, message: Message, headers: dict | None = None) -> None:
    if not to:
        raise PermanentDeliveryError("no phone number")
    backend = import_string(settings.SMS_BACKEND)()
    backend.send(to=to, text=message.sms or message.subject)


class ConsoleSMSBackend:
    """The embedded default: append to var/outbox/sms.log and log a line (without the text)."""

    def send(self, *, to: str, text: str) -> None:
        folder = Path(settings.EMAIL_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / "sms.log").open("a", encoding="utf-8") as log:
            log.write(f"{datetime.now().isoformat(timespec='seconds')} to {to}: {text}\n")
        logger.info("SMS written to the local outbox")


class LocmemSMSBackend:
    """Tests: messages collect in `LocmemSMSBackend.outbox`."""

    outbox: list[tuple[str, str]] = []

    def send(self, *, to: str, text: str) -> None:
        self.outbox.append((to, text))
