"""SMS through Twilio (the `twilio` library), behind the outbox's SMS backend interface.

Settings: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, and TWILIO_FROM_NUMBER or
TWILIO_MESSAGING_SERVICE_SID. TWILIO_HTTP_CLIENT may name a `twilio.http.HttpClient` class (the
tests answer Twilio's REST API there with recorded responses); by default the library's own.
Every text asks for delivery status callbacks at `/sms/twilio/status/`, whose signature is checked
with the same auth token (`outbox.views.twilio_status`). The text itself is never logged.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from outbox.channels import PermanentDeliveryError, TransientDeliveryError

# The library logs each request's URL and headers at INFO (not the text or the number); LOGGING sets
# "twilio" to WARNING anyway (practice/settings/base.py), so a future version logging more cannot leak.


def twilio_client() -> Client:
    http_client = import_string(settings.TWILIO_HTTP_CLIENT)() if settings.TWILIO_HTTP_CLIENT else None
    return Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http_client)


class TwilioSMSBackend:
    def send(self, *, to: str, text: str) -> str:
        sender = (
            {"messaging_service_sid": settings.TWILIO_MESSAGING_SERVICE_SID}
            if settings.TWILIO_MESSAGING_SERVICE_SID
            else {"from_": settings.TWILIO_FROM_NUMBER}
        )
        callback = settings.SITE_URL + reverse("twilio_status")
        try:
            message = twilio_client().messages.create(to=to, body=text, status_callback=callback, **sender)
        except TwilioRestException as exc:
            # 429 and 5xx: Twilio was busy or down. 4xx: this number or request will never work
            # (21211 invalid number, 21610 the recipient replied STOP): record it, do not retry.
            error = f"twilio {exc.status} {exc.code or ''}".strip()
            if exc.status == 429 or exc.status >= 500:
                raise TransientDeliveryError(error) from exc
            raise PermanentDeliveryError(error) from exc
        except (TwilioException, OSError) as exc:
            raise TransientDeliveryError(type(exc).__name__) from exc
        return message.sid


def twilio_signature_valid(request) -> bool:
    """Whether a webhook request was signed by Twilio with our auth token (`X-Twilio-Signature`).

    The URL signed is the public one Twilio was given (SITE_URL and the path), not what a proxy
    in front of us passes on. No token configured: nothing is accepted.
    """
    from twilio.request_validator import RequestValidator

    if not settings.TWILIO_AUTH_TOKEN:
        return False
    url = settings.SITE_URL + request.get_full_path()
    signature = request.headers.get("X-Twilio-Signature", "")
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, request.POST.dict(), signature)
