"""Remember each catalogue's answer per message (installed by PracticeConfig.ready).

Django looks a message up in every merged catalogue of the active translation, then in each
fallback, on every call: about 10 µs here for a message in English, which misses them all. A page
asks 300 to 900 times (labels, choices, month names), and under load that was 9 % of the web
workers' time (docs/benchmarks.md). A translation object's catalogues do not change after it is
built: when a .mo file changes, Django's autoreloader drops every translation object and builds new
ones, which start with empty memos. So each object keeps the answers it has given, up to
MEMO_LIMIT messages (a bound against messages made from data)."""

from django.utils.translation import trans_real

MEMO_LIMIT = 20_000
_MISSING = object()


def install() -> None:
    translation_class = trans_real.DjangoTranslation
    if getattr(translation_class.gettext, "memoised", False):
        return
    lookup = translation_class.gettext

    def gettext(self, message):
        memo = self.__dict__.get("_practice_memo")
        if memo is None:
            memo = self.__dict__["_practice_memo"] = {}
        result = memo.get(message, _MISSING)
        if result is _MISSING:
            result = lookup(self, message)
            if len(memo) < MEMO_LIMIT:
                memo[message] = result
        return result

    gettext.memoised = True
    gettext.__doc__ = lookup.__doc__
    translation_class.gettext = gettext
