import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET

from practice import health
from practice.middleware import database_unavailable_response, is_database_unavailable


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": health.database_ok(), "cache": health.cache_ok(), "broker": health.broker_ok()}
    down = [name for name, ok in checks.items() if not ok]
    body = {name: ("ok" if ok else "down") for name, ok in checks.items()}
    body["status"] = "ok" if not down else f"down: {', '.join(down)}"
    return JsonResponse(body, status=503 if down else 200)


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
