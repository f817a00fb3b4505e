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


# A session's status as a Bootstrap badge (`sessions_app/_appointment_status.html` and the calendar's
# boxes, `sessions_app.calendar_selectors._session_html`).
APPOINTMENT_BADGES = {"booked": "text-bg-primary", "attended": "text-bg-success", "no_show": "text-bg-warning"}


@register.filter
def appointment_badge(status) -> str:
    return APPOINTMENT_BADGES.get(str(status), "text-bg-secondary")
