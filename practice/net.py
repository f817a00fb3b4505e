"""The client's address, under the trusted-proxy rule.

`X-Forwarded-For` is written by whoever sends the request, so only the entries our own proxies
appended can be believed. With `TRUSTED_PROXY_COUNT = N` (N proxies of ours, each appending the
address it received the request from), the N-th address from the right is what our outermost proxy
saw: the client. Everything to its left is the client's own claim and is ignored. With N = 0 the
header is never read. Rate limits and the audit trail key on this, so a forged header can neither
reset a limit nor disguise an audit row.

allauth applies the same rule to its sign-in and password-reset limits from
`ALLAUTH_TRUSTED_PROXY_COUNT`, which the settings set from `TRUSTED_PROXY_COUNT`.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The caller's IP address ("" only when the server gave none, e.g. a bare test request)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote

    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    chain = [part.strip() for part in header.split(",")] if header else []
    if len(chain) < proxies:
        # Not every trusted proxy added an entry: the request did not come the way we expect
        # (or came straight to the app), so nothing in the header can be believed.
        return remote

    return _valid_ip(chain[-proxies]) or remote


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None
