"""Who may load a working-hours block, a time-off entry or a calendar feed from a URL.

Not entitled and missing look the same (404). A therapist's availability is theirs alone to change:
staff see it through the calendar, and admins through the admin. The feed is reached by its secret
token only, with no sign-in; a reset token is simply unknown.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404

from practice.models import User
from sessions_app.models import CalendarFeed, TimeOff, WorkingHours


def get_working_hours_for_user(user: User, block_id: int) -> WorkingHours:
    block = get_object_or_404(WorkingHours, pk=block_id)

    if user.is_therapist and block.therapist_id == user.therapist.pk:
        return block

    raise Http404


def get_time_off_for_user(user: User, time_off_id: int) -> TimeOff:
    time_off = get_object_or_404(TimeOff, pk=time_off_id)

    if user.is_therapist and time_off.therapist_id == user.therapist.pk:
        return time_off

    raise Http404


def get_feed_for_token(token: str) -> CalendarFeed:
    """The feed whose secret address this is. The token is the whole credential."""
    if not token or len(token) > CalendarFeed._meta.get_field("token").max_length:
        raise Http404
    return get_object_or_404(CalendarFeed.objects.select_related("therapist"), token=token)


def get_member_feed_for_token(token: str):
    """A member's feed by its secret address (the whole credential)."""
    from sessions_app.models import MemberCalendarFeed

    if not token or len(token) > MemberCalendarFeed._meta.get_field("token").max_length:
        raise Http404
    return get_object_or_404(MemberCalendarFeed.objects.select_related("member"), token=token)
