"""The viewer's language and date format (issue 23).

Each person chooses a language (`User.language`, one of settings.LANGUAGES, blank for the practice's
default or their browser's) and a date format (`User.date_style`). `UserLocaleMiddleware` activates
both for the request: the language through Django's translation machinery, the format through a
context variable the `dates` template filters read. Day-month-year is the default, as in en-GB and
most of the world; someone who chose "English (US)" gets month-day-year unless they choose otherwise.
"""

from contextvars import ContextVar
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone
from django.utils.dateformat import format as django_format
from django.utils.translation import gettext_lazy as _

DMY, MDY, YMD = "dmy", "mdy", "ymd"
STYLE_CHOICES = [
    ("", _("As my language writes them")),
    (DMY, _("Day month year: 31 Dec 2026, 14:30")),
    (MDY, _("Month day year: Dec 31, 2026, 2:30 PM")),
    (YMD, _("Year month day: 2026-12-31 14:30")),
]

# Django date-format strings (django.utils.dateformat) for each style and each kind of value.
FORMATS: dict[str, dict[str, str]] = {
    DMY: {
        "date": "j M Y",
        "short": "d/m/Y",
        "weekday": "D j M Y",
        "day_heading": "l j M",
        "long": "l j F Y",
        "time": "H:i",
        "datetime": "j M Y, H:i",
        "weekday_time": "D j M Y, H:i",
    },
    MDY: {
        "date": "M j, Y",
        "short": "m/d/Y",
        "weekday": "D, M j, Y",
        "day_heading": "l, M j",
        "long": "l, F j, Y",
        "time": "g:i A",
        "datetime": "M j, Y, g:i A",
        "weekday_time": "D, M j, Y, g:i A",
    },
    YMD: {
        "date": "Y-m-d",
        "short": "Y-m-d",
        "weekday": "D Y-m-d",
        "day_heading": "l Y-m-d",
        "long": "l Y-m-d",
        "time": "H:i",
        "datetime": "Y-m-d H:i",
        "weekday_time": "D Y-m-d H:i",
    },
}
MDY_LANGUAGES = {"en-us"}  # the languages whose own order is month-day-year

_style: ContextVar[str] = ContextVar("date_style", default="")


def activate_style(style: str) -> object:
    return _style.set(style if style in FORMATS else "")


def reset_style(token: object) -> None:
    _style.reset(token)


def style_for(*, date_style: str, language: str) -> str:
    """A person's style: their own choice, else their chosen language's (US English writes
    month-day-year), else "" (the practice's). The browser's language alone does not switch to
    month-day-year: many browsers say en-US wherever their owner lives."""
    if date_style in FORMATS:
        return date_style
    return MDY if language.lower() in MDY_LANGUAGES else ""


def current_style() -> str:
    """The viewer's style (activated by UserLocaleMiddleware), else the practice language's."""
    chosen = _style.get()
    if chosen:
        return chosen
    return MDY if settings.LANGUAGE_CODE.lower() in MDY_LANGUAGES else DMY


def twelve_hour() -> bool:
    return current_style() == MDY


def format_value(value: date | datetime | None, kind: str = "date") -> str:
    """`value` written in the viewer's style; an aware datetime is shown in the viewer's zone."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    pattern = FORMATS[current_style()].get(kind, FORMATS[current_style()]["date"])
    return django_format(value, pattern)
