"""Request context for the audit trail, and the second-factor gate."""

import contextvars
import uuid
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from practice.net import client_ip


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None


_context: contextvars.ContextVar[RequestContext] = contextvars.ContextVar(
    "practice_request",
    default=RequestContext(),  # noqa: B039 - frozen dataclass, immutable
)


def current_request_context() -> RequestContext:
    return _context.get()


class RequestContextMiddleware:
    """Give each request an id (echoed as X-Request-ID) and remember the caller's address.

    The address follows the trusted-proxy rule (`practice.net.client_ip`): behind our own proxies
    it is the client's, and a forged X-Forwarded-For is never believed.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        token = _context.set(RequestContext(request_id=request_id, ip=client_ip(request) or None))
        try:
            response = self.get_response(request)
        finally:
            _context.reset(token)
        response["X-Request-ID"] = request_id
        return response


# Paths a signed-in user without a second factor may still reach: allauth's own pages (sign out,
# MFA set-up, re-authentication), the health check and static files.
_OPEN_PREFIXES = ("/accounts/", "/healthz/")


class RequireSecondFactorMiddleware:
    """Hold therapists, staff and admins at MFA set-up until they have a second factor."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and user.needs_second_factor
            and not self._is_open(request.path)
            and not _has_second_factor(user)
        ):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)

    @staticmethod
    def _is_open(path: str) -> bool:
        return path.startswith(_OPEN_PREFIXES) or path.startswith(settings.STATIC_URL)


def _has_second_factor(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class ViewerTimezoneMiddleware:
    """Show times in the viewer's own zone: the therapist's, or the client member's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = _viewer_zone(request.user)
        if zone:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


def _viewer_zone(user) -> zoneinfo.ZoneInfo | None:
    """`Therapist.zone` or `Member.zone` (the member through the user's reverse relation, so the
    ground imports no app)."""
    if not user.is_authenticated:
        return None
    if user.role == user.Role.THERAPIST:
        therapist = getattr(user, "therapist", None)
        return therapist.zone if therapist else None
    if user.role == user.Role.CLIENT:
        member = getattr(user, "member", None)
        return member.zone if member else None
    return None
