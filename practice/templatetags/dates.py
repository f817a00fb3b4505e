"""Dates and times in the viewer's own format (practice/locale.py): `{% load dates %}`, then
`{{ value|day }}` (31 Dec 2026), `{{ value|when }}` (31 Dec 2026, 14:30), `{{ value|clock }}`
(14:30), `{{ value|weekday_when }}` (Thu 31 Dec 2026, 14:30) or `{{ value|local:"short" }}`.
A US reader sees "Dec 31, 2026, 2:30 PM" from the same template."""

from django import template

from practice.locale import format_value, twelve_hour

register = template.Library()


@register.filter
def local(value, kind: str = "date") -> str:
    return format_value(value, kind)


@register.filter
def day(value) -> str:
    return format_value(value, "date")


@register.filter
def when(value) -> str:
    return format_value(value, "datetime")


@register.filter
def clock(value) -> str:
    return format_value(value, "time")


@register.filter
def weekday_when(value) -> str:
    return format_value(value, "weekday_time")


@register.simple_tag
def clock_hours() -> str:
    """ "12" or "24": how static/js/drafts.js writes "Draft saved 14:30" (base.html, <html data-clock>)."""
    return "12" if twelve_hour() else "24"
