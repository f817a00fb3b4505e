"""A per-IP limit on public referral submissions, kept in Django's cache.

A fixed window: the first counted submission from an address opens it, and at most `limit`
submissions (accepted ones, and honeypot hits) are taken until it closes. The address is only a
cache key, hashed, never stored with a referral.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache

DEFAULT_LIMIT = 5
DEFAULT_WINDOW_SECONDS = 600


def _limits() -> tuple[int, int]:
    return (
        getattr(settings, "REFERRAL_RATE_LIMIT", DEFAULT_LIMIT),
        getattr(settings, "REFERRAL_RATE_WINDOW_SECONDS", DEFAULT_WINDOW_SECONDS),
    )


def _key(ip: str) -> str:
    return "referral-form:" + hashlib.sha256((ip or "unknown").encode()).hexdigest()[:32]


def is_limited(ip: str) -> bool:
    limit, _window = _limits()
    return (cache.get(_key(ip)) or 0) >= limit


def count(ip: str) -> None:
    _limit, window = _limits()
    key = _key(ip)
    if cache.add(key, 1, timeout=window):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
