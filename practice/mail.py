"""The practice's mail, whoever writes it (the outbox's builders, allauth): the sender's name, and
the one HTML layout (`templates/emails/base.html`) around a text body.

Discretion: a member who chose discreet wording gets mail from PRACTICE_DISCREET_NAME. The ground
floor cannot know members, so the apps that do register a function from their `AppConfig.ready()`
(`register_practice_name`): given a user, it returns the name that user's mail must use, or None.
"""

import re
from collections.abc import Callable
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.template.loader import render_to_string

_NAMERS: list[Callable] = []


def register_practice_name(namer: Callable) -> None:
    """`namer(user) -> str | None`: the practice's name as this user's mail must give it."""
    if namer not in _NAMERS:
        _NAMERS.append(namer)


def practice_name_for(user) -> str:
    if user is not None:
        for namer in _NAMERS:
            name = namer(user)
            if name:
                return name
    return settings.PRACTICE_NAME


def sender(name: str = "") -> str:
    """DEFAULT_FROM_EMAIL's address under `name` (the practice's, or its discreet name)."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL
    return formataddr((name or settings.PRACTICE_NAME, address))


def html_from_text(text: str, *, practice_name: str = "") -> str:
    """The layout around a plain-text message (a builder that writes text only, allauth's mails):
    paragraphs kept, the first paragraph that is only a link becomes the button."""
    paragraphs, button = [], ""
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.strip().splitlines()
        if len(lines) == 1 and re.fullmatch(r"https?://\S+", lines[0].strip()) and not button:
            button = lines[0].strip()
            continue
        paragraphs.append(lines)
    context = {"practice_name": practice_name or settings.PRACTICE_NAME, "paragraphs": paragraphs, "button": button}
    return render_to_string("emails/_from_text.html", context)
