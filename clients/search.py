"""Searching encrypted names through keyed hashes of their prefixes (a "blind index").

Each word of a member's first, last and preferred name is normalised (case, accents) and every
prefix of two or more letters is stored as an HMAC-SHA256 digest. A search word matches a member when
its digest is among the member's. The key is derived from the newest field key, so after a key
rotation `python manage.py rebuild_search_index` must run (the rotation runbook says so).
"""

import hashlib
import hmac
import re
import unicodedata

from practice import crypto

MIN_PREFIX = 2
MAX_PREFIX = 20


def _index_key() -> bytes:
    return crypto.derived_key("practice.member-search.v1")


def normalise_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    return [w for w in re.split(r"[^a-z0-9]+", folded) if w]


def digest(word: str, key: bytes | None = None) -> str:
    return hmac.new(key or _index_key(), word.encode(), hashlib.sha256).hexdigest()


def name_digests(*names: str) -> set[str]:
    """Digests of every prefix (2..20 letters) of every word in `names`."""
    key = _index_key()
    found: set[str] = set()
    for name in names:
        for word in normalise_words(name):
            for end in range(min(MIN_PREFIX, len(word)), min(len(word), MAX_PREFIX) + 1):
                found.add(digest(word[:end], key))
    return found


def query_digests(query: str) -> list[str]:
    """One digest per searched word (truncated like the index); empty when nothing searchable."""
    key = _index_key()
    return [digest(word[:MAX_PREFIX], key) for word in normalise_words(query) if len(word) >= MIN_PREFIX]
