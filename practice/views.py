import sys

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from practice import accounts, drafts, health, locale, session_security
from practice.forms import PreferencesForm
from practice.forms_support import error_text
from practice.middleware import database_unavailable_response, is_database_unavailable
from practice.models import Draft


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": health.database_ok(), "cache": health.cache_ok(), "broker": health.broker_ok()}
    down = [name for name, ok in checks.items() if not ok]
    body = {name: ("ok" if ok else "down") for name, ok in checks.items()}
    body["status"] = "ok" if not down else f"down: {', '.join(down)}"
    return JsonResponse(body, status=503 if down else 200)


# --- Drafts and the idle clock (static/js/drafts.js) ---------------------------------------------


@session_security.not_activity  # only a save that changed something counts (session_security)
@require_POST
@login_required
def draft_save(request: HttpRequest) -> JsonResponse:
    """Autosave: the form named by `draft_key`, if the person may write to what it names (else 404)."""
    form, ident = drafts.form_for_key(request.user, request.POST.get("draft_key", ""))
    try:
        draft, changed = drafts.draft_save(
            user=request.user,
            key=drafts.draft_key(form.prefix, ident),
            fields=drafts.fields_of(form, request.POST),
            kind=Draft.Kind.AUTOSAVE,
            return_path=form.page(ident),
        )
    except ValidationError as error:
        return JsonResponse({"error": error_text(error)}, status=400)
    if changed:
        session_security.activity_record(request)
    body = {"saved_at": draft.updated_at.isoformat(), "idle_seconds_left": session_security.idle_seconds_left(request)}
    return JsonResponse(body)


@require_POST
@login_required
def draft_discard(request: HttpRequest) -> HttpResponse:
    """ "Discard this draft" under a form that offered one back: the form's page, as stored."""
    form, ident = drafts.form_for_key(request.user, request.POST.get("draft_key", ""))
    drafts.draft_discard(user=request.user, key=drafts.draft_key(form.prefix, ident))
    return redirect(form.page(ident))


@require_POST
@login_required
def session_keepalive(request: HttpRequest) -> JsonResponse:
    """ "Stay signed in" on the idle warning: restarts the idle clock now."""
    session_security.activity_record(request)
    return JsonResponse({"idle_seconds_left": session_security.idle_seconds_left(request)})


@never_cache
@session_security.not_activity  # asking how long is left must not extend it
@require_GET
@login_required
def session_status(request: HttpRequest) -> JsonResponse:
    """How long until the idle sign-out: another tab may have kept the session alive."""
    return JsonResponse({"idle_seconds_left": session_security.idle_seconds_left(request)})


# --- Error pages ---------------------------------------------------------------------------------


def _plain_page(template: str, status: int) -> HttpResponse:
    """An error page rendered without the request: no context processor, no session, no query."""
    body = loader.get_template(template).render({"PRACTICE_NAME": settings.PRACTICE_NAME})
    return HttpResponse(body, status=status)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the database-outage page when that is the cause, else the product's 500 page.

    Errors raised by middleware (not views) arrive here, not at DatabaseOutageMiddleware.
    """
    exc = sys.exc_info()[1]
    if is_database_unavailable(exc):
        return database_unavailable_response(request, exc)
    return _plain_page("500.html", 500)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: a request too large to read (DATA_UPLOAD_MAX_MEMORY_SIZE) is told so, with 413."""
    if isinstance(exception, RequestDataTooBig):
        return _plain_page("413.html", 413)
    return _plain_page("400.html", 400)


# --- The person's own account page ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """Language and date format, with links to the second factor and the sign-in sessions."""
    user = request.user
    form = PreferencesForm(request.POST or None, initial={"language": user.language, "date_style": user.date_style})
    if request.method == "POST" and form.is_valid():
        accounts.preferences_update(user=user, **form.cleaned_data)
        messages.success(request, _("Saved. Pages now use your language and date format."))
        return redirect("practice:preferences")
    status = 400 if form.is_bound else 200
    example = locale.format_value(timezone.now(), "weekday_time")
    return render(request, "practice/preferences.html", {"form": form, "now_example": example}, status=status)
