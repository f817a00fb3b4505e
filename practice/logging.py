"""Keep secrets that travel in URLs out of the logs.

Feed addresses, reminder links and invitation links carry tokens in their paths; Django logs the
path of a 404 or 405 ("Not Found: /calendar/<token>.ics"). This filter rewrites such paths.
"""

import logging
import re

_PATTERNS = [
    (re.compile(r"/calendar/[^/\s]+\.ics"), "/calendar/[redacted].ics"),
    (re.compile(r"/r/(confirm|cancel)/[^/\s]+/"), r"/r/\1/[redacted]/"),
    (re.compile(r"/invitation/[^/\s]+/[^/\s]+/"), "/invitation/[redacted]/"),
    (re.compile(r"/accounts/password/reset/key/[^/\s]+/"), "/accounts/password/reset/key/[redacted]/"),
    (re.compile(r"/accounts/confirm-email/[^/\s]+/"), "/accounts/confirm-email/[redacted]/"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True
