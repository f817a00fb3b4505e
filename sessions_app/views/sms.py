"""Twilio's inbound-text webhook: replies to our texts (C, X, STOP, START, anything else).

No sign-in and no CSRF token (Twilio cannot hold one): every request must carry Twilio's signature
over our public URL and its parameters (`outbox.sms_twilio.twilio_signature_valid`), else 403.
The answer is TwiML: the short reply to text back, or nothing.
"""

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.twiml.messaging_response import MessagingResponse

from outbox.sms_twilio import twilio_signature_valid
from sessions_app.sms_replies import sms_reply_handle


@csrf_exempt
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    if not twilio_signature_valid(request):
        return HttpResponseForbidden()
    outcome = sms_reply_handle(
        message_sid=request.POST.get("MessageSid", ""),
        sender=request.POST.get("From", ""),
        body=request.POST.get("Body", ""),
    )
    twiml = MessagingResponse()
    if outcome is not None and outcome.reply:
        twiml.message(outcome.reply)
    return HttpResponse(str(twiml), content_type="text/xml")
