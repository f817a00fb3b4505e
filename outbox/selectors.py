"""Reads for the outbox page."""

from django.core.paginator import Page, Paginator

from outbox.models import Notification


def outbox_page(*, status: str = "", page=1, per_page: int = 50) -> Page:
    """One page of the outbox, newest due first. Two queries whatever its size."""
    rows = Notification.objects.only(
        "kind", "channel", "send_at", "status", "attempts", "sent_at", "last_error", "reference"
    ).order_by("-send_at", "-pk")
    if status:
        rows = rows.filter(status=status)
    return Paginator(rows, per_page).get_page(page)
