"""Status badges of the design system (static/css/tokens.css): `{% load badges %}` then
`<span class="status-badge {{ obj.status|status_tone }}">`. One tone per meaning, every app alike."""

from django import template

register = template.Library()

TONES = {
    # clients
    "prospective": "status-info",
    "active": "status-success",
    "paused": "status-warning",
    "discharged": "status-muted",
    # sessions
    "booked": "status-info",
    "attended": "status-success",
    "cancelled": "status-muted",
    "late_cancelled": "status-warning",
    "no_show": "status-danger",
    # notes and documents
    "draft": "status-warning",
    "signed": "status-success",
    "overdue": "status-danger",
    "urgent": "status-danger",
}


@register.filter
def status_tone(value) -> str:
    return TONES.get(str(value), "status-neutral")
