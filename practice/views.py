from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from practice import health


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": health.database_ok(), "broker": health.broker_ok()}
    down = [name for name, ok in checks.items() if not ok]
    body = {name: ("ok" if ok else "down") for name, ok in checks.items()}
    body["status"] = "ok" if not down else f"down: {', '.join(down)}"
    return JsonResponse(body, status=503 if down else 200)
