"""Session lifetime, ending other sessions, and no caching of signed-in pages.

- `SessionTimeoutMiddleware` signs a person out on the server after a spell without requests (15
  minutes for everyone who needs a second factor: therapists, staff, admins; 30 for clients) and,
  whatever the activity, a fixed time after sign-in. Both moments are kept in the session itself,
  so they hold for every browser tab and cannot be stretched by the client.
- `NoStoreMiddleware` forbids browsers and proxies to keep a copy of any page served to a
  signed-in person: most of them show client data, and a shared computer's cache or "back"
  button must not give it to the next user.
- A password change or reset, or a deactivation (the admin action), ends the person's other
  sessions; allauth's sessions page ends them on request. Every ended session is audited.

Sessions are listed through allauth's `UserSession` rows, written at every sign-in. A session
without one (signed in before usersessions was installed) is still refused after a password change
(Django checks the password hash stored in the session) or a deactivation (inactive users are
never authenticated), and it dies at the absolute limit like any other.

What counts as activity (what restarts the idle clock): every request a person makes, with two
exceptions from our own script (static/js/drafts.js), so that a page left open still times out:

- an autosave of a draft (`practice:draft_save`) counts only when it carries changed text: typing a
  note is activity, a tab re-sending what it already sent is not;
- the script's check of how long is left (`practice:session_status`) never counts.

Views that must not count are marked `@not_activity`; they record activity themselves
(`activity_record`) when they should. The "Stay signed in" button of the idle warning posts to
`practice:session_keepalive`, which always counts and stamps the exact moment (not rounded to
`ACTIVITY_RESOLUTION_SECONDS`). Pages carry the seconds left (`idle_seconds_left`) for the warning.

A POST that arrives after the session ended is not thrown away when it was to a form that offers
drafts (practice/drafts.py): its fields are kept, encrypted, for the person whose session it was,
before the sign-out, and the sign-in brings them back to the form. Its CSRF token is checked first,
so no other site can plant text in someone's form.

The signal receivers below connect when this module is imported: the middleware setting and
`practice.admin` (autodiscovered at start-up) both import it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from allauth.account import signals as account_signals
from allauth.core import context as allauth_context
from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, resolve_url
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy, ngettext

from practice import drafts
from practice.audit import audit_record
from practice.models import AuditAction
from practice.net import client_ip

SIGNED_IN_AT = "practice_signed_in_at"  # epoch seconds of the sign-in
LAST_ACTIVITY = "practice_last_activity"  # epoch seconds of the latest request (to the minute)

# The last-activity stamp is rewritten at most this often, so an active session is not saved on
# every request. The stamp is then up to this much older than the true last request, which can only
# end a session early, never late.
ACTIVITY_RESOLUTION_SECONDS = 60


def idle_minutes(user) -> int:
    """How long `user` may go without a request before being signed out."""
    if user.needs_second_factor:
        return settings.SESSION_IDLE_MINUTES_STAFF
    return settings.SESSION_IDLE_MINUTES_CLIENT


def session_expiry(session, user, now: int) -> str | None:
    """Why the session has run out at `now` (epoch seconds), as a message; None while it is good."""
    signed_in_at = session.get(SIGNED_IN_AT)
    if signed_in_at is None:
        return None  # stamped by the middleware on this request

    hours = settings.SESSION_ABSOLUTE_HOURS
    if now - signed_in_at >= hours * 3600:
        text = ngettext(
            "You were signed out because you had been signed in for %(n)d hour. Please sign in again.",
            "You were signed out because you had been signed in for %(n)d hours. Please sign in again.",
            hours,
        )
        return text % {"n": hours}

    minutes = idle_minutes(user)
    last = session.get(LAST_ACTIVITY, signed_in_at)
    if now - last >= minutes * 60:
        text = ngettext(
            "You were signed out after %(n)d minute without activity.",
            "You were signed out after %(n)d minutes without activity.",
            minutes,
        )
        return text % {"n": minutes}
    return None


KEPT = gettext_lazy("What you were writing was kept: sign in again to get it back.")


def not_activity(view: Callable) -> Callable:
    """Mark a view whose requests do not restart the idle clock by themselves (see above)."""
    view.not_activity = True
    return view


def activity_record(request: HttpRequest) -> None:
    """Restart the idle clock now, to the second."""
    request.session[LAST_ACTIVITY] = int(time.time())


def idle_seconds_left(request: HttpRequest) -> int:
    """Seconds until the idle sign-out if nothing else happens (0 when it is due)."""
    session = request.session
    now = int(time.time())
    last = session.get(LAST_ACTIVITY, session.get(SIGNED_IN_AT, now))
    return max(0, idle_minutes(request.user) * 60 - (now - last))


class SessionTimeoutMiddleware:
    """End idle and over-age sessions, then send the person to sign in again (and back here)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            now = int(time.time())
            why = session_expiry(request.session, user, now)
            if why is not None:
                return _sign_out(request, why)
            _stamp(request.session, now, activity=not _is_passive(request))
        return self.get_response(request)


def _is_passive(request: HttpRequest) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return getattr(match.func, "not_activity", False)


def _stamp(session, now: int, *, activity: bool = True) -> None:
    if SIGNED_IN_AT not in session:
        # A session that predates this middleware (or was made by a test's force_login): its clock
        # starts now rather than never.
        session[SIGNED_IN_AT] = now
        session.setdefault(LAST_ACTIVITY, now)
    if activity and now - session.get(LAST_ACTIVITY, 0) >= ACTIVITY_RESOLUTION_SECONDS:
        session[LAST_ACTIVITY] = now


def _sign_out(request: HttpRequest, why: str) -> HttpResponse:
    kept = _keep_post(request)  # before the sign-out: the draft is the signed-in person's
    session_key = request.session.session_key
    logout(request)  # flushes the session; the user_logged_out receiver writes the LOGOUT audit row
    UserSession.objects.filter(session_key=session_key).delete()

    login_url = resolve_url(settings.LOGIN_URL)
    if kept is not None:
        messages.warning(request, f"{why} {KEPT}")
        return redirect_to_login(kept.return_path, login_url)
    messages.warning(request, why)
    back_to = request.get_full_path()
    if request.method in ("GET", "HEAD") and request.path not in (login_url, reverse("account_logout")):
        return redirect_to_login(back_to, login_url)
    return redirect(login_url)  # a POST to a form without drafts: coming back would re-post nothing


def _keep_post(request: HttpRequest) -> drafts.Draft | None:
    """The draft kept from this expired POST, or None. Only with a valid CSRF token: a POST another
    site made the browser send must not put its text in the person's form."""
    if request.method != "POST":
        return None
    if CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {}) is not None:
        return None
    return drafts.draft_keep_post(request)


@receiver(user_logged_in, dispatch_uid="practice.session_security.stamp_sign_in")
def _signed_in(sender, request, user, **kwargs) -> None:
    # Every sign-in starts both clocks afresh, including a second sign-in in the same browser.
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_ACTIVITY] = now
    # allauth registers the sessions its own sign-in makes; this covers every other road in (the
    # portal invitation signs the member in with Django's login), so each session can be listed
    # and ended. A request without an address (a test's force_login) cannot be registered.
    if client_ip(request):
        UserSession.objects.create_from_request(request, user=user, session=request.session)


class NoStoreMiddleware:
    """`Cache-Control: no-store` (and `Pragma: no-cache` for old proxies) for signed-in people."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        signed_in = request.user.is_authenticated  # before the view: sign-out pages are covered too
        response = self.get_response(request)
        if signed_in or request.user.is_authenticated:
            add_never_cache_headers(response)
            response["Pragma"] = "no-cache"
        return response


# --- Ending sessions ------------------------------------------------------------------------------


class UserSessionsAdapter(DefaultUserSessionsAdapter):
    """allauth's adapter (its sessions page uses it), auditing every session it ends."""

    def end_sessions(self, sessions: Iterable[UserSession]) -> None:
        _end(sessions)


def sessions_end(*, user_ids: Iterable[int], keep: str | None = None) -> int:
    """End every session of these users except the one with key `keep`. Returns how many ended."""
    sessions = UserSession.objects.filter(user_id__in=list(user_ids)).select_related("user")
    if keep:
        sessions = sessions.exclude(session_key=keep)
    return _end(sessions)


def _end(sessions: Iterable[UserSession]) -> int:
    # The actor is whoever made the request (the person themselves, or the admin deactivating
    # them); nobody when a password is reset from an emailed link.
    request = allauth_context.request
    actor = request.user if request is not None and request.user.is_authenticated else None
    ended = 0
    for session in sessions:
        live = session.exists()  # rows can outlive their session (e.g. the key a password change replaced)
        session.end()
        if live:
            audit_record(actor=actor, action=AuditAction.LOGOUT, target=session.user)
            ended += 1
    return ended


@receiver(account_signals.password_changed, dispatch_uid="practice.session_security.password_changed")
@receiver(account_signals.password_set, dispatch_uid="practice.session_security.password_set")
def _password_changed(sender, request, user, **kwargs) -> None:
    # ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE is off, so the session that made the change stays.
    sessions_end(user_ids=[user.pk], keep=request.session.session_key)


@receiver(account_signals.password_reset, dispatch_uid="practice.session_security.password_reset")
def _password_reset(sender, request, user, **kwargs) -> None:
    # Reset from an emailed link, signed out: whoever holds a session of this account loses it.
    sessions_end(user_ids=[user.pk])
