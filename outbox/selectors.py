"""Reads for the outbox page."""

from django.core.paginator import Page
from django.utils.translation import gettext as _

from outbox.kinds import kind_label
from outbox.models import Notification
from practice.pagination import CappedCountPaginator


def outbox_page(*, status: str = "", page=1, per_page: int = 50) -> Page:
    """One page of the outbox, newest due first, each row's kind and recipient in words. Two
    queries whatever its size (the recipient is read from the row and its user, never a message)."""
    rows = (
        Notification.objects.select_related("user", "user__therapist")
        .only(
            "kind",
            "channel",
            "send_at",
            "status",
            "attempts",
            "sent_at",
            "last_error",
            "reference",
            "member_id",
            "user__role",
            "user__email",
            "user__first_name",
            "user__last_name",
            "user__is_superuser",
            "user__therapist__display_name",
        )
        .order_by("-send_at", "-pk")
    )
    if status:
        rows = rows.filter(status=status)
    # Counted up to 10,000 rows: the outbox grows without end (a million sent messages in a few years).
    result = CappedCountPaginator(rows, per_page).get_page(page)
    for n in result.object_list:
        n.kind_label = kind_label(n.kind)
        n.recipient = recipient_words(n)
    return result


def recipient_words(n: Notification) -> str:
    """Who the message is for, in words that name no client: "A client (C-ABC234)", "Therapist
    Dr Ada Byron", "A staff member (name)", "An outside address (a referrer)"."""
    if n.member_id is not None:
        if n.reference:
            return _("A client of %(reference)s") % {"reference": n.reference}
        return _("A client")
    user = n.user
    if user is not None:
        therapist = getattr(user, "therapist", None) if user.role == "therapist" else None
        if therapist is not None:
            return _("Therapist %(name)s") % {"name": therapist.display_name}
        if user.role == "client":
            return _("A client of %(reference)s") % {"reference": n.reference} if n.reference else _("A client")
        return _("Staff: %(name)s") % {"name": user.get_full_name() or user.email}
    # Neither a member nor a user: the row keeps its own (encrypted) address, not read here.
    return _("An outside address (a referrer)") if n.kind.startswith("referral") else _("An outside address")
