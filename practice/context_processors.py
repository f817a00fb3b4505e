from django.conf import settings
from django.http import HttpRequest

from practice.session_security import idle_minutes, idle_seconds_left


def practice(request: HttpRequest) -> dict:
    context = {"PRACTICE_NAME": settings.PRACTICE_NAME}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and hasattr(request, "session"):
        # For the idle warning (static/js/drafts.js): the limit, and what is left of it now.
        context["session_idle"] = {"minutes": idle_minutes(user), "seconds_left": idle_seconds_left(request)}
    return context
