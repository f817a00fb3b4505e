"""Twilio's REST API answered at the library's HTTP client (`twilio.http.HttpClient`), with
responses in the shapes Twilio documents (Message resource, 201; error resource, 4xx/5xx):
https://www.twilio.com/docs/messaging/api/message-resource and /docs/usage/twilios-response.
Everything above it (twilio.rest.Client, our backend, the outbox) is the real code.
"""

import json
from urllib.parse import urlparse

from twilio.http import HttpClient
from twilio.http.response import Response

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
FROM = "+15005550006"


class RecordedTwilio(HttpClient):
    """Records each request; answers the next queued error (a dict: status, code) or a Message."""

    requests: list[dict] = []
    errors: list[dict] = []

    def __init__(self):
        super().__init__(logger=None, is_async=False)

    def request(
        self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None, allow_redirects=False
    ):
        RecordedTwilio.requests.append({"method": method, "uri": uri, "data": dict(data or {}), "auth": auth})
        if RecordedTwilio.errors:
            error = RecordedTwilio.errors.pop(0)
            body = {
                "code": error["code"],
                "message": error.get("message", "Error"),
                "more_info": f"https://www.twilio.com/docs/errors/{error['code']}",
                "status": error["status"],
            }
            return Response(error["status"], json.dumps(body))
        sid = f"SM{len(RecordedTwilio.requests):032x}"
        path = urlparse(uri).path
        body = {
            "account_sid": ACCOUNT_SID,
            "api_version": "2010-04-01",
            "body": data.get("Body"),
            "date_created": "Mon, 04 Jan 2027 08:00:00 +0000",
            "date_sent": None,
            "date_updated": "Mon, 04 Jan 2027 08:00:00 +0000",
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": data.get("From"),
            "messaging_service_sid": data.get("MessagingServiceSid"),
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": path.replace(".json", f"/{sid}/Media.json")},
            "to": data.get("To"),
            "uri": path.replace(".json", f"/{sid}.json"),
        }
        return Response(201, json.dumps(body))
