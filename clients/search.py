"""Searching encrypted names through keyed hashes of their prefixes (a "blind index").

Each word of a member's first, last and preferred name is normalised (case and accents folded in
every script: Latin, Greek, Cyrillic, Arabic, Hebrew, CJK and the rest keep their letters) and every
prefix of two or more letters is stored as an HMAC-SHA256 digest. Scripts written without spaces
between a family and a given name (Chinese, Japanese, Korean) index every prefix of every position
of the run from one character, so "小明" finds "王小明" and "王" finds it too. A search word matches a member when
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


# Han ideographs, kana and Hangul: names in these scripts are runs without spaces, often one or two
# characters to a part, so a search for one character must be able to match.
_UNSPACED = re.compile(
    "[\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u31a0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f]"
)


def fold(text: str) -> str:
    """Case and accents folded, every script's letters kept: "Zoë" "zoe", "Ἑλένη" "ελενη",
    "Йосиф" "иосиф", "مُحَمَّد" "محمد"; ideographs unchanged. Combining marks (accents, Arabic
    and Hebrew vowel signs) go; the letters they sit on stay."""
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFKC", kept).casefold()


def normalise_words(text: str) -> list[str]:
    """The searchable words of `text`: runs of letters and digits in any script (apostrophes,
    hyphens and spaces split words; underscores are not letters)."""
    return [w for w in re.split(r"[\W_]+", fold(text)) if w]


def _is_unspaced(word: str) -> bool:
    return bool(_UNSPACED.match(word))


def digest(word: str, key: bytes | None = None) -> str:
    return hmac.new(key or _index_key(), word.encode(), hashlib.sha256).hexdigest()


def name_digests(*names: str) -> set[str]:
    """Digests of every prefix (2..20 letters) of every word in `names`."""
    key = _index_key()
    found: set[str] = set()
    for name in names:
        for word in normalise_words(name):
            for prefix in _prefixes(word):
                found.add(digest(prefix, key))
    return found


def _prefixes(word: str):
    if not _is_unspaced(word):
        for end in range(min(MIN_PREFIX, len(word)), min(len(word), MAX_PREFIX) + 1):
            yield word[:end]
        return
    for start in range(len(word)):  # every position can begin a name part
        tail = word[start:]
        for end in range(1, min(len(tail), MAX_PREFIX) + 1):
            yield tail[:end]


def query_digests(query: str) -> list[str]:
    """One digest per searched word (truncated like the index); empty when nothing searchable."""
    key = _index_key()
    return [
        digest(word[:MAX_PREFIX], key)
        for word in normalise_words(query)
        if len(word) >= MIN_PREFIX or _is_unspaced(word)
    ]
