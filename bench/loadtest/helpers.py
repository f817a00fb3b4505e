"""The load test's small helpers, apart from the Locust file so that tests import them without
Locust (which monkey-patches the standard library with gevent as it is imported)."""

import base64
import hashlib
import hmac
import re
import struct
import time

PERIOD = 30
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def totp(secret: str, at: float | None = None) -> str:
    """The RFC 6238 code an authenticator app shows (allauth's defaults: 30 s, 6 digits, SHA-1).
    Computed here because the Locust process has no Django set up; tests/loadtest checks it
    against allauth's own function."""
    counter = struct.pack(">Q", int(at if at is not None else time.time()) // PERIOD)
    digest = hmac.new(base64.b32decode(secret, casefold=True), counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**6:06d}"


def csrf(html: str) -> str:
    found = CSRF.search(html)
    return found.group(1) if found else ""
