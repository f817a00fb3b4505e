from django.conf import settings
from django.http import HttpRequest


def practice(request: HttpRequest) -> dict:
    return {"PRACTICE_NAME": settings.PRACTICE_NAME}
