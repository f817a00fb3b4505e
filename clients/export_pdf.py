"""The right-of-access record as a readable PDF, beside the JSON.

It is drawn from exactly the structure `clients.export.client_record_export` returns (the same scope:
one member's record or, with both partners' consent, the couple's; the sections the apps above
registered, such as billing's ledger), so the two files can never disagree about what is in them.
Every key becomes a label and every list a numbered entry; nothing is left out or added.

Rendered through `practice.pdf` (WeasyPrint, its URL fetcher refusing every address), in memory:
like the JSON, the result is as confidential as the record and is only ever handed to the one
therapist who asked for it.
"""

import re
from datetime import date, datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from practice.pdf import render_pdf

TEMPLATE = "clients/client_record_pdf.html"

# Shown in the heading, not as sections of the record.
HEADING_KEYS = (
    "format",
    "version",
    "exported_at",
    "exported_by",
    "times",
    "includes_own_psychotherapy_notes",
    "not_included",
    "scope",
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def section_titles() -> dict[str, str]:
    return {
        "client": _("The unit"),
        "members": _("People"),
        "intake": _("Intake answers"),
        "goals": _("Treatment goals"),
        "notes": _("Notes"),
        "consents": _("Consents"),
        "appointments": _("Sessions"),
        "assignments": _("Reading and exercises"),
        "workshop_registrations": _("Workshop places"),
        "billing": _("Account"),
    }


def label(key: str) -> str:
    """`date_of_birth` reads "Date of birth"."""
    return key.replace("_", " ").strip().capitalize()


def readable(value) -> dict:
    """One node of the record for the template: text, fields (a dict) or entries (a list)."""
    if isinstance(value, dict):
        return {"kind": "fields", "fields": [(label(k), readable(v)) for k, v in value.items()]}
    if isinstance(value, list | tuple):
        if not value:
            return {"kind": "text", "text": _("None recorded")}
        if all(not isinstance(v, dict | list | tuple) for v in value):
            return {"kind": "text", "text": ", ".join(_text(v) for v in value)}
        return {"kind": "entries", "entries": [readable(v) for v in value]}
    return {"kind": "text", "text": _text(value)}


def _text(value) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "j F Y, H:i T")
    if isinstance(value, date):
        return date_format(value, "j F Y")
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        try:
            return _text(datetime.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return _text(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def record_pdf(record: dict, *, reference: str) -> bytes:
    titles = section_titles()
    sections = [
        {"key": key, "title": titles.get(key, label(key)), "body": readable(value)}
        for key, value in record.items()
        if key not in HEADING_KEYS
    ]
    heading = {key: _text(record.get(key)) for key in HEADING_KEYS}
    return render_pdf(TEMPLATE, {"reference": reference, "heading": heading, "sections": sections})
