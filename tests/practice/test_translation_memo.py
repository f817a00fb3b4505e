"""practice/translation_memo.py: each translation object remembers its answers, and they are the
answers Django's own lookup gives, per language."""

import gettext as gettext_module

import pytest
from django.utils import translation
from django.utils.translation import trans_real

from practice import translation_memo

# Django's own catalogues translate these; ours (en_GB) leaves them as they are.
MESSAGES = ["Monday", "January", "This field is required.", "Enter a valid email address.", "Client", ""]


def unmemoised(language: str, message: str) -> str:
    """What Django's lookup answers, from a translation object built afresh and asked directly."""
    return gettext_module.GNUTranslations.gettext(trans_real.DjangoTranslation(language), message)


def test_it_is_installed_once_by_the_app():
    assert trans_real.DjangoTranslation.gettext.memoised is True
    before = trans_real.DjangoTranslation.gettext
    translation_memo.install()
    assert trans_real.DjangoTranslation.gettext is before


@pytest.mark.parametrize("language", ["fr", "de", "en-gb", "en-us"])
def test_answers_are_django_s_in_every_language_asked_twice(language):
    expected = {message: unmemoised(language, message) for message in MESSAGES if message}
    with translation.override(language):
        first = {message: translation.gettext(message) for message in expected}
        again = {message: translation.gettext(message) for message in expected}
    assert first == expected == again
    if language == "fr":
        assert first["Monday"] == "lundi"  # the test compares real translations, not echoes


def test_switching_language_gives_each_language_its_own_text_after_both_are_remembered():
    with translation.override("fr"):
        assert translation.gettext("January") == "janvier"
    with translation.override("de"):
        assert translation.gettext("January") == "Januar"
    with translation.override("fr"):
        assert translation.gettext("January") == "janvier"
    with translation.override("en-gb"):
        assert translation.gettext("January") == "January"


class CountingCatalogue:
    def __init__(self, inner):
        self.inner, self.asked = inner, []

    def get(self, key, default=None):
        self.asked.append(key)
        return self.inner.get(key, default)


def test_a_remembered_message_is_not_looked_up_again():
    translation_object = trans_real.DjangoTranslation("fr")
    translation_object._catalog = CountingCatalogue(translation_object._catalog)
    answers = [trans_real.DjangoTranslation.gettext(translation_object, "Tuesday") for _ in range(3)]
    assert answers == ["mardi"] * 3
    assert translation_object._catalog.asked == ["Tuesday"]


def test_the_memo_is_bounded_and_what_it_no_longer_keeps_is_still_translated(monkeypatch):
    monkeypatch.setattr(translation_memo, "MEMO_LIMIT", 2)
    translation_object = trans_real.DjangoTranslation("fr")
    answers = [trans_real.DjangoTranslation.gettext(translation_object, m) for m in ["Monday", "Tuesday", "January"]]
    assert answers == ["lundi", "mardi", "janvier"]
    assert len(translation_object.__dict__["_practice_memo"]) == 2


def test_translations_built_afresh_start_with_an_empty_memo():
    """As when Django's autoreloader drops its translation objects after a .mo file changes."""
    with translation.override("fr"):
        translation.gettext("Monday")
    old = trans_real.translation("fr")
    assert "Monday" in old.__dict__["_practice_memo"]
    assert "_practice_memo" not in trans_real.DjangoTranslation("fr").__dict__
