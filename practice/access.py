"""Who may reach which practice-wide page. Not entitled means 404, so pages leak nothing."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from practice.models import User


def role_required(*roles: str) -> Callable:
    """Signed-in users with one of `roles` pass; anonymous users go to sign in; others get 404."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.user.role not in roles:
                raise Http404
            if request.user.role == User.Role.THERAPIST and not request.user.is_therapist:
                raise Http404  # a therapist account without its profile
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
