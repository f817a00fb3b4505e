"""Request context for the audit trail, the second-factor gate, and the page shown in a database outage."""

import contextvars
import logging
import sqlite3
import uuid
import zoneinfo
from dataclasses import dataclass

import psycopg2
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template import TemplateDoesNotExist, loader
from django.urls import reverse
from django.utils import timezone

from practice.logging import redact
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
    known = getattr(user, "has_totp", None)  # read with the user this request (practice.auth_backends)
    if known is not None:
        return known
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


# Loads a client user's member record once per request, with what the portal reads next (its unit
# and therapist), and leaves it cached on the user; registered by `clients/apps.py` (the ground
# imports no app). The portal's own access function then reads no member again.
_member_loader = None


def register_viewer_member_loader(loader) -> None:
    global _member_loader
    _member_loader = loader


def _viewer_zone(user) -> zoneinfo.ZoneInfo | None:
    """`Therapist.zone` or `Member.zone` (the member through the user's reverse relation, so the
    ground imports no app)."""
    if not user.is_authenticated:
        return None
    if user.role == user.Role.THERAPIST:
        therapist = getattr(user, "therapist", None)
        return therapist.zone if therapist else None
    if user.role == user.Role.CLIENT:
        member = _member_loader(user) if _member_loader else getattr(user, "member", None)
        return member.zone if member else None
    return None


# --- Database outage --------------------------------------------------------------------------------

outage_log = logging.getLogger("practice.outage")

# Django wraps the driver's errors in its own classes; the drivers' are listed too, for code that
# reaches the raw connection. OperationalError also covers a lock or statement timeout, a server
# restart and a serialisation failure: "try again in a moment" is the right answer to all of them.
DATABASE_UNAVAILABLE = (
    OperationalError,
    InterfaceError,
    sqlite3.OperationalError,
    sqlite3.InterfaceError,
    psycopg2.OperationalError,
    psycopg2.InterfaceError,
)
RETRY_AFTER_SECONDS = 30
UNAVAILABLE_TEXT = (
    "We could not save or load this just now. Nothing you sent was lost in a half-saved state; "
    "please try again in a moment."
)


def is_database_unavailable(exc: BaseException | None) -> bool:
    """True for an error that means the database could not be reached (or its explicit cause was)."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, DATABASE_UNAVAILABLE):
            return True
        exc, seen = exc.__cause__, seen + 1
    return False


def database_unavailable_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """The plain 503 page, logged as one line. Touches neither the database nor the session.

    The template is rendered without the request, so no context processor runs (none may query).
    Marked as logged, so django.request does not add an ERROR line (or a traceback) of its own.
    """
    if not getattr(request, "_practice_outage_logged", False):
        request._practice_outage_logged = True
        outage_log.warning(
            "database unavailable: %s %s request=%s error=%s",
            request.method,
            redact(request.path),
            current_request_context().request_id or "-",
            type(exc).__name__,  # the class only: a driver's message can quote the statement's values
        )
    try:
        body = loader.get_template("503.html").render(
            {"PRACTICE_NAME": settings.PRACTICE_NAME, "text": UNAVAILABLE_TEXT}
        )
    except TemplateDoesNotExist:
        body = f"<!doctype html><title>Please try again</title><p>{UNAVAILABLE_TEXT}</p>"
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True
    return response


class DatabaseOutageMiddleware:
    """Answer the plain 503 page (one log line, no traceback) when the database cannot be reached.

    Django turns an exception into a response at every layer (each middleware's `get_response` is
    wrapped in `convert_exception_to_response`), so a try/except around `get_response` here would
    never see one. Instead: an error raised by a view comes to `process_exception` below (before
    django.request logs it or `got_request_exception` fires); an error raised by another middleware
    (the session and authentication middleware read the database) goes to the 500 handler,
    `practice.views.server_error`, which gives the same page. Either way the request is logged once.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_unavailable(exception):
            return database_unavailable_response(request, exception)
        return None


class UserLocaleMiddleware:
    """A signed-in person's own language and date format (practice/locale.py) over the browser's.

    After LocaleMiddleware (which picked the browser's language) and authentication; the language
    is re-activated here only when the person chose one that the practice offers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.utils import translation

        from practice import locale

        user = request.user
        chosen = getattr(user, "language", "") if user.is_authenticated else ""
        if chosen and chosen in dict(settings.LANGUAGES):
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        style = locale.style_for(date_style=user.date_style, language=chosen) if user.is_authenticated else ""
        token = locale.activate_style(style)
        try:
            response = self.get_response(request)
        finally:
            locale.reset_style(token)
        if chosen:
            response.headers.setdefault("Content-Language", chosen)
        return response
